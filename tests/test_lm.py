"""recurrent.lm: the character language model, its embedding, the streams of
truncated BPTT, and its Keras twin trained batch for batch."""

import numpy as np
import pytest

import recurrent as rc
from recurrent import gradcheck, lm

V, E, H = 7, 3, 4


def _model(cell=rc.lstm, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    model = lm.init_char_lm(cell, V, E, H, rng=rng, dtype=dtype)
    for p in model.params.values():  # random weights, no zero bias
        p[...] = rng.normal(0.0, 0.5, p.shape)
    return model, rng


class _NoStep:
    """An optimiser that leaves the parameters alone."""

    def step(self, params, grads):
        pass


# ---------------------------------------------------------------- embedding


def test_embedding_is_a_one_hot_product():
    rng = np.random.default_rng(0)
    table = rng.normal(size=(V, E))
    ids = rng.integers(0, V, size=(3, 5))
    x, _ = lm.embedding_forward(ids, table)
    np.testing.assert_allclose(x, np.eye(V)[ids] @ table, rtol=1e-12)


def test_embedding_gradient_check_with_repeated_ids():
    rng = np.random.default_rng(1)
    table = rng.normal(size=(V, E))
    ids = np.array([[0, 2, 2, 2], [2, 5, 0, 6]])  # 2 four times, 1 never
    R = rng.normal(size=(2, 4, E))

    def loss():
        return float(np.sum(lm.embedding_forward(ids, table)[0] * R))

    _, cache = lm.embedding_forward(ids, table)
    d = lm.embedding_backward(R, cache)
    num = gradcheck.numerical_gradient(loss, table)
    assert gradcheck.rel_error(d, num) < 1e-9
    assert not d[1].any() and not d[3].any()
    # buffered indexing keeps one of the repeated rows only: wrong
    wrong = np.zeros_like(table)
    wrong[ids] += R
    assert gradcheck.rel_error(wrong, num) > 0.1


# ---------------------------------------------------------------- the model


@pytest.mark.parametrize("cell", [rc.lstm, rc.gru, rc.rnn])
def test_model_gradient_check(cell):
    model, rng = _model(cell)
    x = rng.integers(0, V, size=(3, 5))
    y = rng.integers(0, V, size=(3, 5))
    state0 = None

    def loss():
        return lm.loss_and_grads(model, x, y, state0)[0]

    _, grads, _ = lm.loss_and_grads(model, x, y, state0)
    assert set(grads) == set(model.params)
    for key, p in model.params.items():
        num = gradcheck.numerical_gradient(loss, p)
        assert gradcheck.rel_error(grads[key], num) < 1e-7, key


def test_copy_is_independent():
    model, rng = _model()
    twin = model.copy()
    assert set(twin.params) == set(model.params) and twin.cell is model.cell
    for key, p in model.params.items():
        np.testing.assert_array_equal(twin.params[key], p)
    model.params["cell/kernel"][0, 0] += 1.0
    assert (
        twin.params["cell/kernel"][0, 0] != model.params["cell/kernel"][0, 0]
    )


def test_carried_state_equals_one_long_forward_pass():
    model, rng = _model()
    ids = rng.integers(0, V, size=(2, 12))
    long_logits, _ = lm.forward(model, ids)
    state, parts = None, []
    for k in range(3):  # three chunks of 4, the state carried
        logits, cache = lm.forward(model, ids[:, 4 * k : 4 * k + 4], state)
        state = lm.final_state(model, cache)
        parts.append(logits)
    np.testing.assert_allclose(
        np.concatenate(parts, axis=1), long_logits, rtol=1e-12, atol=1e-14
    )
    # from zeros instead, the second chunk's logits are different
    fresh, _ = lm.forward(model, ids[:, 4:8])
    assert np.abs(fresh - long_logits[:, 4:8]).max() > 1e-3


def test_gradient_stops_at_the_chunk_boundary():
    model, rng = _model()
    x1, y1, x2, y2 = (rng.integers(0, V, size=(2, 4)) for _ in range(4))
    _, _, state1 = lm.loss_and_grads(model, x1, y1)
    _, grads, _ = lm.loss_and_grads(model, x2, y2, state1)

    def truncated():  # the state of chunk 1 held fixed
        return lm.loss_and_grads(model, x2, y2, state1)[0]

    def full():  # the state of chunk 1 recomputed with the new weights
        _, _, s = lm.loss_and_grads(model, x1, y1)
        return lm.loss_and_grads(model, x2, y2, s)[0]

    key = "cell/recurrent_kernel"
    p = model.params[key]
    num_truncated = gradcheck.numerical_gradient(truncated, p)
    num_full = gradcheck.numerical_gradient(full, p)
    assert gradcheck.rel_error(grads[key], num_truncated) < 1e-7
    assert gradcheck.rel_error(grads[key], num_full) > 1e-3


# ---------------------------------------------------------------- streams


def test_stream_chunks_continue_each_other():
    ids = np.arange(103)
    x, y = lm.stream_chunks(ids, 4, 5)  # K = 102 // 20 = 5 chunks
    assert x.shape == y.shape == (5, 4, 5) and x.dtype == np.int32
    np.testing.assert_array_equal(y, x + 1)  # the next character
    # row n of chunk k + 1 starts where row n of chunk k stopped
    np.testing.assert_array_equal(x[1:, :, 0], x[:-1, :, -1] + 1)
    np.testing.assert_array_equal(x[0, :, 0], [0, 25, 50, 75])
    pos = lm.stream_positions(len(ids), 4, 5)
    np.testing.assert_array_equal(ids[pos], y)


def test_stream_chunks_rejects_a_short_text():
    with pytest.raises(ValueError, match="too short for N=4"):
        lm.stream_chunks(np.arange(20), 4, 5)


# ---------------------------------------------------------------- fit


def test_fit_carries_the_state_and_resets_it_each_epoch():
    model, rng = _model()
    x, y = lm.stream_chunks(rng.integers(0, V, size=41), 2, 5)  # K = 4
    kw = dict(optimizer=_NoStep(), clip_norm=1.0, report_every=3)
    carried = lm.fit(model, x, y, steps=6, progress=False, **kw)["loss"]
    fresh = lm.fit(model, x, y, steps=6, carry=False, progress=False, **kw)
    state, expected = None, []
    for k in range(4):
        loss, _, state = lm.loss_and_grads(model, x[k], y[k], state)
        expected.append(loss)
    np.testing.assert_allclose(carried[:4], expected, rtol=1e-12)
    np.testing.assert_allclose(carried[4:], carried[:2], rtol=1e-12)
    alone = [lm.loss_and_grads(model, x[k], y[k])[0] for k in (0, 1, 2, 3)]
    np.testing.assert_allclose(fresh["loss"][:4], alone, rtol=1e-12)
    assert abs(alone[1] - expected[1]) > 1e-4
    # the per-character loss of nll is the same carried computation
    per_chunk = lm.nll(model, x, y).mean(axis=(1, 2))
    np.testing.assert_allclose(per_chunk, expected, rtol=1e-10)


def test_fit_reports_and_learns(capsys):
    rng = np.random.default_rng(3)
    model = lm.init_char_lm(rc.lstm, V, E, H, rng=rng)
    ids = np.tile(rng.integers(0, V, size=9), 30)  # a repeating text
    x, y = lm.stream_chunks(ids, 4, 6)
    hist = lm.fit(
        model,
        x,
        y,
        steps=60,
        optimizer=rc.optim.Adam(3e-2),
        clip_norm=5.0,
        report_every=25,
        label="toy",
        validate=lambda m: float(lm.nll(m, x, y).mean()),
    )
    lines = capsys.readouterr().out.splitlines()
    assert [ln.split()[2] for ln in lines] == ["25/60", "50/60", "60/60"]
    assert hist["report_step"] == [25, 50, 60]
    assert hist["val_loss"][-1] < 0.5 * hist["loss"][0]


def test_stepper_generates_with_the_state_carried():
    model, rng = _model()
    prompt = rng.integers(0, V, size=5)
    out, nll = rc.text.generate(
        lm.stepper(model), None, prompt, 6, temperature=1.0, rng=rng
    )
    # the whole text at once gives the same probabilities
    logits, _ = lm.forward(model, np.concatenate([prompt, out])[None, :-1])
    p = rc.text.softmax(logits[0, len(prompt) - 1 :])
    np.testing.assert_allclose(nll, -np.log(p[np.arange(6), out]), rtol=1e-9)


def test_bad_input():
    model, _ = _model()
    with pytest.raises(ValueError, match="ids must hold ids in \\[0, 7\\)"):
        lm.forward(model, np.array([[0, 7]]))
    with pytest.raises(ValueError, match="2-D id array"):
        lm.forward(model, np.array([0, 1]))
    with pytest.raises(ValueError, match="y_ids must have shape \\(1, 2\\)"):
        lm.loss_and_grads(model, np.array([[0, 1]]), np.array([[0, 1, 2]]))
    with pytest.raises(ValueError, match="model must be a CharLM"):
        lm.forward(object(), np.array([[0, 1]]))
    with pytest.raises(ValueError, match="reset must be"):
        lm.keras_fit_steps(None, None, None, 1, reset="sometimes")


# ---------------------------------------------------------------- Keras


@pytest.mark.parametrize("cell", [rc.lstm, rc.gru])
def test_keras_twin_trains_batch_for_batch(tf, cell):
    import keras

    rng = np.random.default_rng(4)
    model = lm.init_char_lm(cell, V, E, H, rng=rng)  # as Keras initialises
    ids = rng.integers(0, V, size=61)
    x, y = lm.stream_chunks(ids, 3, 5)  # K = 4 chunks per epoch
    net = lm.keras_twin(model, 3, 5)
    net.compile(
        optimizer=keras.optimizers.Adam(1e-2, global_clipnorm=1.0),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    keras_loss = lm.keras_fit_steps(net, x, y, 6, reset="epoch")
    hist = lm.fit(
        model,
        x,
        y,
        steps=6,
        optimizer=rc.optim.Adam(1e-2),
        clip_norm=1.0,
        report_every=6,
        progress=False,
    )
    np.testing.assert_allclose(keras_loss, hist["loss"], rtol=2e-5)
    weights = net.layers[1].get_weights()
    np.testing.assert_allclose(
        weights[0], model.cell_params["kernel"], atol=2e-5
    )


def test_keras_reset_rules(tf):
    import keras

    def run(reset):
        model, rng = _model(dtype=np.float32)
        x, y = lm.stream_chunks(rng.integers(0, V, size=61), 3, 5)
        net = lm.keras_twin(model, 3, 5)
        net.compile(
            optimizer=keras.optimizers.SGD(0.0),  # the weights stay put
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        )
        return model, x, y, lm.keras_fit_steps(net, x, y, 6, reset=reset)

    model, x, y, epoch = run("epoch")
    never, batch = run("never")[3], run("batch")[3]
    fresh = [lm.loss_and_grads(model, x[k], y[k])[0] for k in range(4)]
    np.testing.assert_allclose(batch[:4], fresh, rtol=1e-5)
    np.testing.assert_allclose(epoch[4:], epoch[:2], rtol=1e-5)
    np.testing.assert_allclose(never[:4], epoch[:4], rtol=1e-5)
    assert abs(never[4] - epoch[4]) > 1e-4  # the old state leaks in
    assert abs(batch[1] - epoch[1]) > 1e-4
