"""rc.keras_recipe: the data pipeline, the optimiser, the layer choice and the
step that logs clipping."""

import numpy as np
import pytest

keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")
from recurrent import keras_recipe  # noqa: E402 (needs keras)


def toy(n=64, T=5, D=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, T, D)).astype("float32"), rng.integers(
        0, 4, n
    )


def first_targets(data):
    return np.concatenate([yb.numpy() for _, yb in data])


def test_dataset_batches_cover_every_example_once():
    x, y = toy(n=70)
    data = keras_recipe.dataset(x, y, 16, seed=0)
    sizes = [len(yb) for _, yb in data]
    assert sizes == [16, 16, 16, 16, 6]
    assert sorted(first_targets(data)) == sorted(y)


def test_dataset_order_is_fixed_by_the_seed_and_changes_every_epoch():
    x, y = toy(n=200)
    y = np.arange(200)  # the targets name the examples
    a = keras_recipe.dataset(x, y, 50, seed=3)
    b = keras_recipe.dataset(x, y, 50, seed=3)
    epoch1_a, epoch2_a = first_targets(a), first_targets(a)
    assert np.array_equal(epoch1_a, first_targets(b))  # same seed, same order
    assert not np.array_equal(epoch1_a, epoch2_a)  # reshuffled each epoch
    assert not np.array_equal(
        epoch1_a, first_targets(keras_recipe.dataset(x, y, 50, seed=4))
    )
    assert not np.array_equal(epoch1_a, y)


def test_dataset_without_shuffle_keeps_the_order():
    x, y = toy(n=40)
    assert np.array_equal(
        first_targets(keras_recipe.dataset(x, y, 16, shuffle=False)), y
    )


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(x=np.zeros((4, 3)), y=np.zeros(4)), r"x must be \(N, T, D\)"),
        (
            dict(x=np.zeros((4, 3, 2)), y=np.zeros(5)),
            "one target per sequence",
        ),
        (
            dict(x=np.zeros((4, 3, 2)), y=np.zeros(4), batch_size=0),
            "batch_size must be",
        ),
        (
            dict(x=np.zeros((4, 3, 2)), y=np.zeros(4), batch_size=True),
            "batch_size must be",
        ),
        (
            dict(x=np.zeros((4, 3, 2)), y=np.zeros(4), seed=None),
            "seed is required",
        ),
        (dict(x=np.zeros((4, 3, 2)), y=np.zeros(4), seed=-1), "seed must be"),
    ],
)
def test_dataset_refuses_bad_input(kwargs, match):
    kwargs.setdefault("seed", 0)
    with pytest.raises(ValueError, match=match):
        keras_recipe.dataset(**kwargs)


def test_adam_decays_along_a_cosine_and_clips_the_global_norm():
    opt = keras_recipe.adam(0.01, decay_steps=100, clip=2.5, alpha=0.1)
    schedule = (
        opt.learning_rate
        if callable(opt.learning_rate)
        else opt._learning_rate
    )
    assert float(schedule(0)) == pytest.approx(0.01)
    assert float(schedule(50)) == pytest.approx(
        0.01 * (0.1 + 0.9 * 0.5), rel=1e-5
    )
    assert float(schedule(100)) == pytest.approx(0.001, rel=1e-5)
    assert opt.global_clipnorm == 2.5 and opt.clipnorm is None
    assert float(keras_recipe.adam(0.003).learning_rate) == pytest.approx(
        0.003
    )


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(lr=0), "lr must be"),
        (dict(lr=1e-3, clip=-1), "clip must be"),
        (dict(lr=1e-3, decay_steps=0), "decay_steps must be"),
        (dict(lr=1e-3, alpha=1.5), "alpha must be"),
    ],
)
def test_adam_refuses_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        keras_recipe.adam(**kwargs)


def test_recurrent_layer_unrolls_short_sequences_only():
    assert keras_recipe.recurrent_layer(
        "lstm", 4, keras_recipe.UNROLL_MAX_T
    ).unroll
    assert not keras_recipe.recurrent_layer(
        "gru", 4, keras_recipe.UNROLL_MAX_T + 1
    ).unroll
    assert isinstance(
        keras_recipe.recurrent_layer("rnn", 4, 3), keras.layers.SimpleRNN
    )
    with pytest.raises(ValueError, match="cell must be one of"):
        keras_recipe.recurrent_layer("LSTM", 4, 3)
    with pytest.raises(ValueError, match="units must be"):
        keras_recipe.recurrent_layer("lstm", 0, 3)


def one_step_model(clip, seed=0):
    keras.utils.set_random_seed(seed)
    return keras_recipe.classifier("lstm", 6, 5, 3, 4, lr=0.01, clip=clip)


def hand_gradient_norm(model, x, y):
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    with tf.GradientTape() as tape:
        loss = loss_fn(y, model(x, training=True))
    grads = tape.gradient(loss, model.trainable_variables)
    return float(
        np.sqrt(sum(np.sum(g.numpy().astype(np.float64) ** 2) for g in grads))
    )


@pytest.mark.parametrize("factor, clipped", [(0.5, 1.0), (2.0, 0.0)])
def test_the_step_logs_the_raw_norm_and_whether_it_was_clipped(
    factor, clipped
):
    x, y = toy(n=32)
    norm = hand_gradient_norm(one_step_model(clip=1.0), x, y)
    model = one_step_model(clip=factor * norm)  # same initial weights
    logs = keras_recipe.fit(
        model, x, y, epochs=1, seed=0, batch_size=32
    ).history  # one step
    assert logs["grad_norm"][0] == pytest.approx(norm, rel=1e-5)
    assert logs["clipped"][0] == clipped


def test_the_step_is_kerass_own_step_clipping_included():
    x, y = toy(n=32)
    tracked = one_step_model(clip=0.05)
    plain = keras.Sequential(
        [
            keras.Input(shape=(5, 3)),
            keras.layers.LSTM(6, unroll=True),
            keras.layers.Dense(4),
        ]
    )
    plain.set_weights(tracked.get_weights())
    plain.compile(
        optimizer=keras.optimizers.Adam(0.01, global_clipnorm=0.05),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    keras_recipe.fit(tracked, x, y, epochs=2, seed=0, batch_size=16)
    plain.fit(
        keras_recipe.dataset(x, y, 16, seed=0),
        epochs=2,
        shuffle=False,
        verbose=0,
    )
    for a, b in zip(tracked.get_weights(), plain.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)


def test_evaluation_logs_leave_out_the_training_only_numbers():
    x, y = toy(n=32)
    model = one_step_model(clip=1.0)
    history = keras_recipe.fit(
        model, x, y, epochs=1, seed=0, validation_data=(x, y)
    ).history
    assert (
        "val_accuracy" in history
        and "val_grad_norm" not in history
        and "val_clipped" not in history
    )
    assert set(model.evaluate(x, y, verbose=0, return_dict=True)) == {
        "loss",
        "accuracy",
    }


def test_classifier_counts_and_refusals():
    model = keras_recipe.classifier("gru", 8, 7, 3, 5, lr=1e-3)
    assert model.count_params() == 3 * (3 * 8 + 8 * 8 + 8) + 3 * 8 + 5 * (
        8 + 1
    )
    with pytest.raises(ValueError, match="n_classes must be"):
        keras_recipe.classifier("gru", 8, 7, 3, 0, lr=1e-3)


def test_importing_the_module_loads_no_tensorflow():
    import subprocess
    import sys

    code = (
        "import sys, recurrent.keras_recipe; "
        "print('tensorflow' in sys.modules, 'keras' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.split() == ["False", "False"]
    with pytest.raises(AttributeError, match="no attribute"):
        keras_recipe.no_such_name
