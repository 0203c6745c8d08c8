"""The cell variants and dtypes that the cell tests run over, the random cases
they build, and the helpers they share (a comparison, the state as a list).

Imported by the test modules (pytest puts tests/ on the path), so that every
test runs over the same five variants under the same ids.
"""

import numpy as np
import pytest

import recurrent as rc

CELLS = [
    pytest.param("rnn", {}, id="rnn"),
    pytest.param("lstm", {"peephole": False}, id="lstm"),
    pytest.param("lstm", {"peephole": True}, id="lstm-peephole"),
    pytest.param("gru", {"reset_after": True}, id="gru-reset_after"),
    pytest.param("gru", {"reset_after": False}, id="gru-reset_before"),
]
# The variants with a Keras twin (Keras 3 has no peephole LSTM); the variant
# dicts are passed to the Keras layers too, so they hold only keyword arguments
# Keras knows.
KERAS_CELLS = [
    pytest.param("rnn", {}, id="rnn"),
    pytest.param("lstm", {}, id="lstm"),
    pytest.param("gru", {"reset_after": True}, id="gru-reset_after"),
    pytest.param("gru", {"reset_after": False}, id="gru-reset_before"),
]
DTYPES = [
    pytest.param(np.float32, id="float32"),
    pytest.param(np.float64, id="float64"),
]


def max_abs(a, b):
    """Largest absolute difference of two arrays of the same shape and dtype,
    as a Python float."""
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape and a.dtype == b.dtype, (
        a.shape,
        b.shape,
        a.dtype,
        b.dtype,
    )
    return float(np.max(np.abs(a.astype(np.float64) - b.astype(np.float64))))


def parts(state):
    """A state (or its gradient) as a list of (N, H) arrays: [h] or [h, c]."""
    return list(state) if isinstance(state, tuple) else [state]


def as_state(module, arrays):
    """The list [h] or [h, c] as the cell takes it: h alone, or the pair (h, c)
    (module.STATE_NAMES)."""
    return tuple(arrays) if len(module.STATE_NAMES) == 2 else arrays[0]


def randomize(params, rng, scale=0.5):
    """Overwrite every parameter in place with N(0, scale^2) draws:
    trained-looking weights, non-zero biases, so that no term of a gradient
    hides behind an initial zero. Returns params."""
    for p in params.values():
        p[...] = rng.normal(0.0, scale, p.shape)
    return params


def random_state(module, N, H, rng, dtype=np.float64, scale=1.0):
    """A random state of the cell: h (N, H), or the pair (h, c) for the
    LSTM."""
    return as_state(
        module,
        [
            rng.normal(0.0, scale, (N, H)).astype(dtype)
            for _ in module.STATE_NAMES
        ],
    )


def random_case(
    kind,
    variant,
    rng,
    *,
    N=3,
    T=5,
    D=4,
    H=6,
    dtype=np.float64,
    scale=0.5,
    state_scale=1.0,
):
    """Random params (every entry N(0, scale^2)), x (N, T, D), state0, dh_seq
    (N, T, H) and dstate.

    Returns:
        module, params, x, state0, dh_seq, dstate; the states are h or (h, c),
        as the cell takes them.
    """
    module = getattr(rc, kind)
    params = randomize(
        module.init_params(D, H, rng=rng, dtype=dtype, **variant), rng, scale
    )
    x = rng.normal(size=(N, T, D)).astype(dtype)
    state0 = random_state(module, N, H, rng, dtype, state_scale)
    dh_seq = rng.normal(size=(N, T, H)).astype(dtype)
    dstate = random_state(module, N, H, rng, dtype)
    return module, params, x, state0, dh_seq, dstate
