"""recurrent.optim: SGD and Adam against their formulas and Keras, clipping by
global norm."""

import math
import os

import numpy as np
import pytest

from recurrent import optim


def make_problem(dtype, seed=0):
    rng = np.random.default_rng(seed)
    params = {
        "kernel": rng.normal(size=(3, 4)).astype(dtype),
        "bias": rng.normal(size=4).astype(dtype),
    }
    grad_steps = [
        {k: rng.normal(size=v.shape).astype(dtype) for k, v in params.items()}
        for _ in range(5)
    ]
    return params, grad_steps


def test_sgd_plain_is_exact():
    params, steps = make_problem(np.float64)
    expected = {k: v.copy() for k, v in params.items()}
    opt = optim.SGD(lr=0.1)
    for g in steps:
        opt.step(params, g)
        for k in expected:
            expected[k] = expected[k] - 0.1 * g[k]
    for k in params:
        np.testing.assert_array_equal(params[k], expected[k])
    assert opt.iterations == len(steps)


def test_sgd_momentum_follows_the_velocity_formula():
    params, steps = make_problem(np.float64)
    p = {k: v.copy() for k, v in params.items()}
    vel = {k: np.zeros_like(v) for k, v in params.items()}
    opt = optim.SGD(lr=0.05, momentum=0.9)
    for g in steps:
        opt.step(params, g)
        for k in p:
            vel[k] = 0.9 * vel[k] - 0.05 * g[k]
            p[k] = p[k] + vel[k]
    for k in params:
        np.testing.assert_allclose(params[k], p[k], rtol=1e-14, atol=1e-14)


def test_adam_and_sgd_match_keras():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    import keras

    cases = [
        (
            optim.Adam(lr=0.01, eps=1e-7),
            keras.optimizers.Adam(learning_rate=0.01, epsilon=1e-7),
        ),
        (
            optim.Adam(lr=0.003, beta1=0.8, beta2=0.99, eps=1e-3),
            keras.optimizers.Adam(
                learning_rate=0.003, beta_1=0.8, beta_2=0.99, epsilon=1e-3
            ),
        ),
        (
            optim.SGD(lr=0.05, momentum=0.9),
            keras.optimizers.SGD(learning_rate=0.05, momentum=0.9),
        ),
    ]
    for ours, theirs in cases:
        params, steps = make_problem(np.float32, seed=1)
        variables = {k: keras.Variable(v.copy()) for k, v in params.items()}
        for g in steps:
            ours.step(params, g)
            theirs.apply_gradients([(g[k], variables[k]) for k in params])
        for k in params:
            assert params[k].dtype == np.float32
            np.testing.assert_allclose(
                params[k],
                np.asarray(variables[k].numpy()),
                rtol=1e-5,
                atol=1e-6,
            )
        # the parameters really moved, so the comparison is not between two
        # untouched copies
        assert not np.allclose(
            params["kernel"], make_problem(np.float32, seed=1)[0]["kernel"]
        )


def test_cosine_decay_and_a_scheduled_adam_match_keras():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    import keras

    ours = optim.CosineDecay(0.01, decay_steps=4, alpha=0.1)
    theirs = keras.optimizers.schedules.CosineDecay(
        0.01, decay_steps=4, alpha=0.1
    )
    for step in range(7):  # past decay_steps it stays at alpha * lr
        assert ours(step) == pytest.approx(float(theirs(step)), rel=1e-6)
    assert ours(0) == pytest.approx(0.01) and ours(6) == pytest.approx(0.001)
    params, steps = make_problem(np.float32, seed=2)
    variables = {k: keras.Variable(v.copy()) for k, v in params.items()}
    opt_ours, opt_theirs = (
        optim.Adam(lr=ours),
        keras.optimizers.Adam(learning_rate=theirs),
    )
    for g in steps:
        opt_ours.step(params, g)
        opt_theirs.apply_gradients([(g[k], variables[k]) for k in params])
    for k in params:
        np.testing.assert_allclose(
            params[k], np.asarray(variables[k].numpy()), rtol=1e-5, atol=1e-6
        )


def test_sgd_uses_the_schedule_at_each_step():
    params = {"w": np.zeros(1)}
    opt = optim.SGD(lr=lambda step: 0.1 * (step + 1))
    for _ in range(3):
        opt.step(params, {"w": np.ones(1)})
    assert params["w"][0] == pytest.approx(-(0.1 + 0.2 + 0.3))
    with pytest.raises(ValueError, match="schedule returned -1"):
        optim.SGD(lr=lambda step: -1.0).step(params, {"w": np.ones(1)})


def test_adam_first_step_is_lr_times_the_sign_of_g_up_to_eps():
    # After bias correction the first step is lr * g / (|g| + eps / sqrt(1 -
    # beta2)): about lr * sign(g), with eps acting against the *uncorrected*
    # sqrt(v), as in Keras.
    g = np.array([3.0, -0.5, 1e-2, -20.0])
    params = {"w": np.zeros(4)}
    optim.Adam(lr=0.01, eps=1e-7).step(params, {"w": g})
    expected = -0.01 * g / (np.abs(g) + 1e-7 / np.sqrt(1 - 0.999))
    np.testing.assert_allclose(params["w"], expected, rtol=1e-12)
    np.testing.assert_allclose(params["w"], -0.01 * np.sign(g), rtol=1e-3)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "make_opt",
    [lambda: optim.SGD(0.1, momentum=0.5), lambda: optim.Adam(1e-2)],
)
def test_step_is_in_place_and_keeps_dtype(dtype, make_opt):
    params, steps = make_problem(dtype)
    nested = {"kernel": params["kernel"]}
    ids = {k: id(v) for k, v in params.items()}
    before = nested["kernel"].copy()
    opt = make_opt()
    opt.step(params, steps[0])
    assert {k: id(v) for k, v in params.items()} == ids
    assert all(v.dtype == dtype for v in params.values())
    assert not np.array_equal(
        nested["kernel"], before
    )  # a second reference sees the update


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: optim.SGD(lr=0.0), "lr"),
        (lambda: optim.SGD(lr=-1.0), "lr"),
        (lambda: optim.SGD(lr=0.1, momentum=1.0), "momentum"),
        (lambda: optim.SGD(lr=0.1, momentum=-0.1), "momentum"),
        (lambda: optim.Adam(lr=float("nan")), "lr"),
        (lambda: optim.Adam(beta1=1.0), "beta1"),
        (lambda: optim.Adam(beta2=1.5), "beta2"),
        (lambda: optim.Adam(eps=0.0), "eps"),
        (lambda: optim.Adam(lr="0.1"), "lr"),
        (lambda: optim.CosineDecay(0.0, 10), "initial_learning_rate"),
        (lambda: optim.CosineDecay(0.1, 0), "decay_steps"),
        (lambda: optim.CosineDecay(0.1, 10, alpha=2.0), "alpha"),
    ],
)
def test_bad_hyperparameters_raise(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_step_rejects_mismatched_grads():
    params, steps = make_problem(np.float32)
    opt = optim.Adam()
    with pytest.raises(ValueError, match="missing \\['bias'\\]"):
        opt.step(params, {"kernel": steps[0]["kernel"]})
    with pytest.raises(ValueError, match="grads\\['bias'\\] has shape"):
        opt.step(
            params,
            {"kernel": steps[0]["kernel"], "bias": np.zeros(5, np.float32)},
        )
    with pytest.raises(ValueError, match="non-finite"):
        opt.step(
            params,
            {
                "kernel": steps[0]["kernel"],
                "bias": np.full(4, np.nan, np.float32),
            },
        )
    with pytest.raises(ValueError, match="floating-point"):
        opt.step({"w": np.zeros(3, int)}, {"w": np.zeros(3)})


def test_clip_by_global_norm():
    grads = {
        "a": np.array([3.0, 0.0], np.float32),
        "b": np.array([[4.0]], np.float32),
    }  # global norm 5
    clipped, norm = optim.clip_by_global_norm(grads, 1.0)
    assert norm == pytest.approx(5.0)
    assert optim.global_norm(clipped) == pytest.approx(1.0, rel=1e-6)
    np.testing.assert_allclose(
        clipped["a"], [0.6, 0.0], rtol=1e-6
    )  # same direction, length 1
    np.testing.assert_allclose(clipped["b"], [[0.8]], rtol=1e-6)
    assert all(clipped[k].dtype == np.float32 for k in grads)
    np.testing.assert_array_equal(
        grads["a"], [3.0, 0.0]
    )  # the input is not modified
    same, norm = optim.clip_by_global_norm(
        grads, 10.0
    )  # under the cap: unchanged
    assert norm == pytest.approx(5.0)
    for k in grads:
        np.testing.assert_array_equal(same[k], grads[k])


def test_global_norm_matches_concatenation():
    rng = np.random.default_rng(3)
    grads = {
        k: rng.normal(size=s)
        for k, s in {"x": (5, 7), "y": (7,), "z": (2, 3, 4)}.items()
    }
    flat = np.concatenate([g.ravel() for g in grads.values()])
    assert optim.global_norm(grads) == pytest.approx(
        math.sqrt(np.sum(flat**2)), rel=1e-12
    )


def test_clip_rejects_bad_input():
    with pytest.raises(ValueError, match="max_norm"):
        optim.clip_by_global_norm({"a": np.ones(2)}, 0.0)
    with pytest.raises(ValueError, match="max_norm"):
        optim.clip_by_global_norm({"a": np.ones(2)}, None)
    with pytest.raises(ValueError, match="non-finite"):
        optim.clip_by_global_norm({"a": np.array([1.0, np.inf])}, 1.0)
    with pytest.raises(ValueError, match="grads"):
        optim.clip_by_global_norm({}, 1.0)


def test_clip_cosines_global_keeps_direction_per_weight_does_not():
    grads = [np.array([3.0, 4.0]), np.array([0.1, 0.0])]  # norms 5 and 0.1
    c = optim.clip_cosines(grads, 1.0)
    assert c["global_"] == pytest.approx(1.0)
    assert c["n_clipped"] == 1 and c["n_arrays"] == 2
    # per weight: [0.6, 0.8] and [0.1, 0]; cosine with [3, 4, 0.1, 0] by hand
    a, raw = np.array([0.6, 0.8, 0.1, 0.0]), np.array([3.0, 4.0, 0.1, 0.0])
    expected = a @ raw / np.linalg.norm(a) / np.linalg.norm(raw)
    assert c["per_weight"] == pytest.approx(expected)
    assert c["per_weight"] < 0.999


def test_clip_cosines_no_clipping_below_threshold():
    c = optim.clip_cosines([np.ones(3) * 0.1, np.ones((2, 2)) * 0.1], 10.0)
    assert c["per_weight"] == pytest.approx(1.0) and c["n_clipped"] == 0


@pytest.mark.parametrize(
    "grads, max_norm",
    [
        ([], 1.0),
        ({"a": np.ones(2)}, 1.0),
        ([np.ones(2)], 0.0),
        ([np.ones(2)], True),
        ([np.array([np.inf])], 1.0),
        ([np.zeros(2)], 1.0),
    ],
)
def test_clip_cosines_bad_input(grads, max_norm):
    with pytest.raises(ValueError):
        optim.clip_cosines(grads, max_norm)
