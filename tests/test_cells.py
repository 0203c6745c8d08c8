"""The three cells: initialisers as Keras's, dtypes kept, and the reference
steps equal to the fast path.

step_forward / step_backward are the plain reference code (one equation per
line, nothing shared with the fast loops); unrolled by hand over a sequence
they must give what forward / backward give, which compute the same equations
with fused matmuls, in-place kernels and time-major buffers.
"""

import numpy as np
import pytest
from cell_cases import CELLS, as_state, max_abs, parts, random_case

import recurrent as rc

K = {"rnn": 1, "lstm": 4, "gru": 3}


# ---------------------------------------------------- step API == sequence API


# How close the fast loops must stay to a chain of reference steps: the
# largest difference relative to the largest magnitude of the array, for every
# output and gradient. float32 allows a few roundings per step over T steps.
STEP_TOL = {np.float32: 1e-6, np.float64: 1e-12}


def assert_close(actual, expected, dtype, what):
    scale = max(float(np.max(np.abs(expected))), 1e-30)
    err = max_abs(actual, expected) / scale
    assert err < STEP_TOL[dtype], f"{what}: relative error {err:.1e}"


@pytest.mark.parametrize("kind, variant", CELLS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_steps_unrolled_by_hand_equal_forward_and_backward(
    kind, variant, dtype
):
    module, params, x, state0, dh_seq, dstate = random_case(
        kind, variant, np.random.default_rng(0), dtype=dtype
    )
    T = x.shape[1]
    h_seq, cache = module.forward(x, params, state0, **variant)
    dx, grads, dstate0 = module.backward(dh_seq, cache, dstate)

    state, step_caches, hs = state0, [], []
    for t in range(T):
        state, step_cache = module.step_forward(
            x[:, t], state, params, **variant
        )
        step_caches.append(step_cache)
        hs.append(parts(state)[0])
    assert_close(h_seq, np.stack(hs, axis=1), dtype, "h_seq")
    final = module.final_state(cache)
    for a, b in zip(parts(final), parts(state), strict=True):
        assert_close(a, b, dtype, "final state")

    total = {key: np.zeros_like(p) for key, p in params.items()}
    dxs = [None] * T
    d = dstate
    for t in reversed(range(T)):
        d_in = as_state(
            module, [parts(d)[0] + dh_seq[:, t]] + parts(d)[1:]
        )  # output and next step reach h_t
        dxs[t], d, g = module.step_backward(d_in, step_caches[t])
        for key in total:
            total[key] += g[key]
    assert_close(dx, np.stack(dxs, axis=1), dtype, "dx")
    for key in params:
        assert_close(grads[key], total[key], dtype, key)
    for a, b in zip(parts(dstate0), parts(d), strict=True):
        assert_close(a, b, dtype, "dstate0")


@pytest.mark.parametrize("kind, variant", CELLS)
def test_backward_none_means_zeros(kind, variant):
    module, params, x, state0, dh_seq, dstate = random_case(
        kind, variant, np.random.default_rng(1)
    )
    _, cache = module.forward(x, params, state0, **variant)
    zeros_seq = np.zeros_like(dh_seq)
    zero_state = as_state(module, [np.zeros_like(s) for s in parts(dstate)])
    a = module.backward(None, cache, dstate)
    b = module.backward(zeros_seq, cache, dstate)
    np.testing.assert_array_equal(a[0], b[0])
    c = module.backward(dh_seq, cache, None)
    d = module.backward(dh_seq, cache, zero_state)
    for key in params:
        np.testing.assert_array_equal(a[1][key], b[1][key])
        np.testing.assert_array_equal(c[1][key], d[1][key])


@pytest.mark.parametrize("kind, variant", CELLS)
@pytest.mark.parametrize("masked", [False, True])
def test_input_grad_false_skips_dx_and_changes_nothing_else(
    kind, variant, masked
):
    module, params, x, state0, dh_seq, dstate = random_case(
        kind, variant, np.random.default_rng(3)
    )
    mask = None
    if masked:
        # the last two steps of row 0 are padding
        mask = np.ones(x.shape[:2], bool)
        mask[0, -2:] = False
    _, cache = module.forward(x, params, state0, mask=mask, **variant)
    dx, grads, dstate0 = module.backward(dh_seq, cache, dstate)
    none, grads_no_dx, dstate0_no_dx = module.backward(
        dh_seq, cache, dstate, input_grad=False
    )
    assert dx.shape == x.shape and none is None
    assert grads_no_dx.keys() == grads.keys()
    for key in grads:
        np.testing.assert_array_equal(grads_no_dx[key], grads[key])
    for a, b in zip(parts(dstate0_no_dx), parts(dstate0), strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("kind, variant", CELLS)
def test_state0_none_means_zeros(kind, variant):
    module, params, x, state0, _, _ = random_case(
        kind, variant, np.random.default_rng(2)
    )
    zeros = as_state(module, [np.zeros_like(s) for s in parts(state0)])
    np.testing.assert_array_equal(
        module.forward(x, params, None, **variant)[0],
        module.forward(x, params, zeros, **variant)[0],
    )


# ---------------------------------------------------------------- dtypes


@pytest.mark.parametrize("kind, variant", CELLS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_kept_and_inputs_are_not_modified(kind, variant, dtype):
    module, params, x, state0, dh_seq, dstate = random_case(
        kind, variant, np.random.default_rng(3), dtype=dtype
    )
    copies = {key: p.copy() for key, p in params.items()}
    x_copy, dh_copy = x.copy(), dh_seq.copy()
    h_seq, cache = module.forward(x, params, state0, **variant)
    dx, grads, dstate0 = module.backward(dh_seq, cache, dstate)
    assert h_seq.dtype == dtype and dx.dtype == dtype
    assert all(
        g.dtype == dtype and g.shape == params[key].shape
        for key, g in grads.items()
    )
    assert all(s.dtype == dtype for s in parts(dstate0))
    np.testing.assert_array_equal(x, x_copy)
    np.testing.assert_array_equal(dh_seq, dh_copy)
    for key, p in params.items():
        np.testing.assert_array_equal(p, copies[key])


def test_float32_forward_is_close_to_float64():
    rng = np.random.default_rng(4)
    for kind, variant in [
        ("rnn", {}),
        ("lstm", {}),
        ("gru", {"reset_after": True}),
    ]:
        module, params, x, state0, _, _ = random_case(kind, variant, rng)
        p32 = {key: p.astype(np.float32) for key, p in params.items()}
        s32 = as_state(module, [s.astype(np.float32) for s in parts(state0)])
        h64 = module.forward(x, params, state0, **variant)[0]
        h32 = module.forward(x.astype(np.float32), p32, s32, **variant)[0]
        np.testing.assert_allclose(h32, h64, atol=1e-5)


# ----------------------------------------------------- initialisers as Keras's


@pytest.mark.parametrize("kind, variant", CELLS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_init_params_structure(kind, variant, dtype):
    D, H, k = 5, 7, K[kind]
    kwargs = (
        {} if dtype is np.float32 else {"dtype": dtype}
    )  # float32 is the default
    params = getattr(rc, kind).init_params(
        D, H, rng=np.random.default_rng(0), **kwargs, **variant
    )
    assert all(p.dtype == dtype for p in params.values())
    W, U, b = params["kernel"], params["recurrent_kernel"], params["bias"]
    assert W.shape == (D, k * H) and U.shape == (H, k * H)
    limit = np.sqrt(6.0 / (D + k * H))  # glorot over the fused kernel
    assert np.abs(W).max() <= limit and np.abs(W).max() > 0.7 * limit
    # orthogonal: the H rows of the wide (H, kH) matrix are orthonormal
    np.testing.assert_allclose(
        U.astype(np.float64) @ U.T.astype(np.float64),
        np.eye(H),
        atol=1e-6 if dtype == np.float32 else 1e-12,
    )
    if kind == "rnn":  # square: columns orthonormal too
        np.testing.assert_allclose(
            U.T.astype(np.float64) @ U, np.eye(H), atol=1e-6
        )
    expected_bias = np.zeros(
        (2, 3 * H) if variant.get("reset_after") else (k * H,), dtype
    )
    if kind == "lstm":
        expected_bias[H : 2 * H] = 1.0  # unit forget bias
    np.testing.assert_array_equal(b, expected_bias)
    if variant.get("peephole"):
        for name in rc.lstm.PEEPHOLES:
            p = params[name]
            assert (
                p.shape == (H,)
                and np.abs(p).max() <= np.sqrt(3.0 / H)
                and np.any(p != 0)
            )


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_module_constants_describe_the_cell(kind):
    module = getattr(rc, kind)
    assert module.BLOCKS == K[kind]
    assert (
        module.KERAS_NAME
        == {"rnn": "SimpleRNN", "lstm": "LSTM", "gru": "GRU"}[kind]
    )
    params = module.init_params(
        2, 3, rng=np.random.default_rng(0), dtype=np.float64
    )
    final = module.final_state(module.forward(np.ones((1, 2, 2)), params)[1])
    assert (
        len(parts(final))
        == len(module.STATE_NAMES)
        == (2 if kind == "lstm" else 1)
    )


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_glorot_kernel_statistics(kind):
    # U(-l, l) has mean 0 and variance l^2 / 3; with D * kH >= 4000 draws both
    # are tight
    D, H, k = 80, 50, K[kind]
    W = getattr(rc, kind).init_params(
        D, H, rng=np.random.default_rng(1), dtype=np.float64
    )["kernel"]
    limit = np.sqrt(6.0 / (D + k * H))
    assert abs(W.mean()) < 0.05 * limit
    assert W.var() == pytest.approx(limit**2 / 3, rel=0.06)


def test_orthogonal_is_not_always_the_same_matrix():
    U1 = rc.rnn.init_params(3, 6, rng=np.random.default_rng(1))[
        "recurrent_kernel"
    ]
    U2 = rc.rnn.init_params(3, 6, rng=np.random.default_rng(2))[
        "recurrent_kernel"
    ]
    assert not np.allclose(U1, U2) and not np.allclose(np.abs(U1), np.eye(6))


@pytest.mark.parametrize("kind, variant", CELLS)
def test_same_seed_same_params_other_seed_other_params(kind, variant):
    init = getattr(rc, kind).init_params
    a = init(4, 6, rng=np.random.default_rng(42), **variant)
    b = init(4, 6, rng=np.random.default_rng(42), **variant)
    c = init(4, 6, rng=np.random.default_rng(43), **variant)
    assert a.keys() == b.keys() == c.keys()
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])
    assert not np.array_equal(a["kernel"], c["kernel"])


def test_peephole_lstm_shares_the_plain_lstm_weights_for_one_seed():
    plain = rc.lstm.init_params(4, 6, rng=np.random.default_rng(5))
    peep = rc.lstm.init_params(
        4, 6, rng=np.random.default_rng(5), peephole=True
    )
    for key in plain:
        np.testing.assert_array_equal(plain[key], peep[key])


@pytest.mark.parametrize(
    "kind, flag, value",
    [
        ("gru", "reset_after", False),
        ("gru", "reset_after", True),
        ("lstm", "peephole", True),
        ("lstm", "peephole", False),
    ],
)
def test_forward_reads_the_variant_from_the_params(kind, flag, value):
    """forward without the flag computes what forward with the flag matching
    the params computes."""
    module, params, x, state0, dh_seq, dstate = random_case(
        kind, {flag: value}, np.random.default_rng(8)
    )
    h_read, cache_read = module.forward(x, params, state0)
    h_given, cache_given = module.forward(x, params, state0, **{flag: value})
    np.testing.assert_array_equal(h_read, h_given)
    assert cache_read[flag] is value
    with pytest.raises(ValueError, match=rf"{flag}"):
        module.forward(x, params, state0, **{flag: not value})
