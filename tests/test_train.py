"""recurrent.train: the recurrent classifier's gradients, the training loop,
its output and its checks."""

import re

import numpy as np
import pytest
from cell_cases import randomize

import recurrent as rc
from recurrent import gradcheck, optim, train


def norm_rel_error(a, b):
    return float(
        np.linalg.norm(a - b)
        / max(1e-12, np.linalg.norm(a) + np.linalg.norm(b))
    )


CELLS = [
    (rc.rnn, {}),
    (rc.lstm, {}),
    (rc.gru, {}),
    (rc.gru, {"reset_after": False}),
]


@pytest.mark.parametrize(
    "cell, variant", CELLS, ids=["rnn", "lstm", "gru", "gru-reset-before"]
)
def test_classifier_gradients_match_numerical_ones(cell, variant):
    rng = np.random.default_rng(0)
    model = train.init_classifier(
        cell, 2, 3, 4, rng=rng, dtype=np.float64, **variant
    )
    randomize(
        model.params, rng
    )  # random values everywhere: no term hidden by a zero
    x = rng.normal(size=(3, 4, 2))  # (N, T, D)
    y = rng.integers(0, 4, size=3)
    loss, grads, logits = train.classifier_loss_and_grads(model, x, y)
    assert logits.shape == (3, 4) and set(grads) == set(model.params)

    def f():
        return train.classifier_loss_and_grads(model, x, y)[0]

    for name, p in model.params.items():
        numeric = gradcheck.numerical_gradient(f, p)
        # Entries near zero make the entrywise relative error noisy (rounding /
        # 2 eps ~ 1e-10 absolute), so compare whole arrays by norm and every
        # entry with a small absolute floor.
        assert norm_rel_error(grads[name], numeric) < 1e-7, name
        np.testing.assert_allclose(
            grads[name], numeric, rtol=1e-5, atol=1e-8, err_msg=name
        )
        assert np.abs(numeric).max() > 0, (
            name
        )  # every parameter does influence the loss


def first_step_task(n, rng, T=6, D=2):
    """Label = whether the first input of the sequence is positive: needs
    memory across T steps."""
    x = rng.normal(size=(n, T, D)).astype(np.float32)
    return x, (x[:, 0, 0] > 0).astype(np.int64)


@pytest.mark.parametrize(
    "cell", [rc.rnn, rc.lstm, rc.gru], ids=["rnn", "lstm", "gru"]
)
def test_fit_learns_a_small_memory_task(cell, capsys):
    rng = np.random.default_rng(1)
    x, y = first_step_task(512, rng)
    x_val, y_val = first_step_task(256, rng)
    model = train.init_classifier(cell, 2, 8, 2, rng=rng)
    before = train.evaluate(model, x_val, y_val)
    history = train.fit(
        model,
        x,
        y,
        epochs=8,
        batch_size=32,
        optimizer=optim.Adam(0.02),
        clip_norm=5.0,
        rng=rng,
        x_val=x_val,
        y_val=y_val,
        label="toy",
    )
    assert history["loss"][-1] < 0.5 * history["loss"][0]
    assert before < 0.7 and history["val_acc"][-1] > 0.9
    assert all(p.dtype == np.float32 for p in model.params.values())
    for key in (
        "loss",
        "train_acc",
        "val_acc",
        "seconds",
        "grad_norm",
        "clipped",
    ):
        assert len(history[key]) == 8, key
    assert len(history["batch_loss"]) == 8 * 16
    out = capsys.readouterr()
    assert out.err == ""
    lines = out.out.splitlines()
    assert len(lines) == 8
    pattern = (
        r"toy  epoch (\d)/8  loss \d\.\d{4}  train acc \d\.\d{4}  "
        r"val acc \d\.\d{4}  \(\d+\.\d s\)"
    )
    assert [
        int(re.fullmatch(pattern, line).group(1)) for line in lines
    ] == list(range(1, 9))


def test_fit_is_reproducible_and_silent_without_progress(capsys):
    histories = []
    for _ in range(2):
        rng = np.random.default_rng(7)
        x, y = first_step_task(100, rng)
        model = train.init_classifier(rc.lstm, 2, 4, 2, rng=rng)
        histories.append(
            train.fit(
                model,
                x,
                y,
                epochs=2,
                batch_size=30,
                optimizer=optim.SGD(0.1),
                clip_norm=None,
                rng=rng,
                progress=False,
            )
        )
    assert histories[0]["batch_loss"] == histories[1]["batch_loss"]
    assert (
        "val_acc" not in histories[0]
        and len(histories[0]["batch_loss"]) == 2 * 4
    )  # last batch of 10
    assert capsys.readouterr().out == ""


def test_predict_and_evaluate():
    rng = np.random.default_rng(2)
    model = train.init_classifier(rc.gru, 3, 5, 4, rng=rng)
    x = rng.normal(size=(7, 6, 3)).astype(np.float32)
    pred = train.predict(model, x, batch_size=3)  # chunks of 3, 3, 1
    logits, _ = train.classifier_forward(model, x)
    np.testing.assert_array_equal(pred, logits.argmax(axis=1))
    assert train.evaluate(model, x, pred) == 1.0
    assert train.evaluate(model, x, (pred + 1) % 4) == 0.0
    assert model.count_params() == (3 * 15 + 5 * 15 + 2 * 15) + (5 * 4 + 4)


_BAD_FIT_ARGUMENTS = [
    (
        lambda m, x, y, ok: train.fit(m, x.astype(np.float64), y, **ok),
        "x has dtype float64 but the model is float32",
    ),
    (
        lambda m, x, y, ok: train.fit(m, x[:, :, :1], y, **ok),
        "D=1 features per step, the model expects 2",
    ),
    (lambda m, x, y, ok: train.fit(m, x[0], y, **ok), "x must be a 3-D array"),
    (
        lambda m, x, y, ok: train.fit(m, x, y[:5], **ok),
        "y must be integer labels of shape \\(10,\\)",
    ),
    (
        lambda m, x, y, ok: train.fit(m, x, y.astype(float), **ok),
        "y must be integer labels",
    ),
    (
        lambda m, x, y, ok: train.fit(m, x, y, **{**ok, "epochs": 0}),
        "epochs must be an int >= 1",
    ),
    (
        lambda m, x, y, ok: train.fit(m, x, y, **{**ok, "batch_size": 2.5}),
        "batch_size must be an int >= 1",
    ),
    (
        lambda m, x, y, ok: train.fit(m, x, y, **{**ok, "clip_norm": -1.0}),
        "clip_norm must be > 0",
    ),
    (
        lambda m, x, y, ok: train.fit(m, x, y, **{**ok, "optimizer": "adam"}),
        "optimizer must have a step",
    ),
    (
        lambda m, x, y, ok: train.fit(m, x, y, **{**ok, "rng": 0}),
        "rng must be a numpy.random.Generator",
    ),
    (
        lambda m, x, y, ok: train.fit(m, x, y, x_val=x, **ok),
        "x_val and y_val must be given together",
    ),
    (
        lambda m, x, y, ok: train.fit(m, x, y, x_val=x, y_val=y[:3], **ok),
        "y_val must be integer labels",
    ),
    (
        lambda m, x, y, ok: train.fit({"kernel": 1}, x, y, **ok),
        "model must be a Classifier",
    ),
    (
        lambda m, x, y, ok: train.init_classifier(np, 2, 3, 2, rng=ok["rng"]),
        "cell_module must provide init_params",
    ),
    (
        lambda m, x, y, ok: train.init_classifier(
            rc.rnn, 2, 3, 2, rng=ok["rng"], dtype=int
        ),
        "dtype must be a floating",
    ),
]


@pytest.mark.parametrize(
    "call, match", _BAD_FIT_ARGUMENTS, ids=[m for _, m in _BAD_FIT_ARGUMENTS]
)
def test_bad_arguments_raise_clear_errors(call, match):
    rng = np.random.default_rng(3)
    model = train.init_classifier(rc.lstm, 2, 3, 2, rng=rng)
    x, y = first_step_task(10, rng)
    ok = dict(
        epochs=1,
        batch_size=4,
        optimizer=optim.Adam(),
        clip_norm=1.0,
        rng=rng,
        progress=False,
    )
    with pytest.raises(ValueError, match=match):
        call(model, x, y, ok)
