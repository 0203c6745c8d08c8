"""Gradient checking: is a hand-written backward pass right? (chapter 2, used
again in 3 and 4)

The derivative of a scalar loss f with respect to one number w is, up to
O(eps^2),

    (f(w + eps) - f(w - eps)) / (2 eps)

Doing this for every entry of every array is slow but needs no calculus, so it
is the referee for the analytic gradients of backward. Run it in float64: with
float32 the rounding error of f, divided by 2 eps, swamps the answer.
"""

import numpy as np

from .checks import (
    check_cell_module,
    check_int,
    check_positive_float,
    check_rng,
)


def numerical_gradient(f, x, eps=1e-5):
    """Centred-difference gradient of the scalar f() with respect to the array
    x.

    Args:
        f: function of no arguments returning a float; it must read x (e.g. a
            closure over it).
        x: floating array, perturbed in place one entry at a time and restored
            exactly.
        eps: the step.

    Returns:
        Array of the shape and dtype of x: df/dx.
    """
    if not callable(f):
        raise ValueError(
            "f must be a function of no arguments returning a float, got "
            f"{type(f).__name__}"
        )
    if not isinstance(x, np.ndarray) or not np.issubdtype(
        x.dtype, np.floating
    ):
        raise ValueError(
            f"x must be a floating numpy array (any shape), "
            f"got {getattr(x, 'dtype', type(x).__name__)}"
        )
    _check_eps(eps)
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + eps
        f_plus = f()
        x[idx] = old - eps
        f_minus = f()
        x[idx] = old  # restore exactly
        grad[idx] = (f_plus - f_minus) / (2 * eps)
    return grad


def _check_eps(eps):
    return check_positive_float(
        "eps", eps, upper=1.0, expect="a number in (0, 1), e.g. 1e-5"
    )


def rel_error(a, b):
    """Relative error of two whole arrays: ||a - b|| / max(1e-300, ||a|| +
    ||b||) (Frobenius norms).

    Norm-wise rather than entry by entry: an entry whose true gradient is
    almost zero would otherwise turn the centred-difference noise of that one
    entry (about 1e-10 in float64) into a large "relative" error even though
    backward is right.

    Args:
        a, b: arrays of one shape (e.g. the analytic and the numerical
            gradient).

    Returns:
        float; about 1e-9 or less for a correct float64 backward pass, near 1
        for a wrong one.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(
            f"a and b must have the same shape, got {a.shape} and {b.shape}"
        )
    return float(
        np.linalg.norm(a - b)
        / max(1e-300, np.linalg.norm(a) + np.linalg.norm(b))
    )


def check_cell(module, N, T, D, H, *, rng, eps=1e-5, **variant):
    """Gradient-check a whole cell module (rnn, lstm or gru) in float64.

    Every parameter gets a random value (biases and peepholes too, so that no
    term is hidden behind a zero), x and the initial state(s) are random, and
    the loss is

        L = sum(h_seq * R) + sum(final_state * S)

    with fixed random R (N, T, H) and S (one (N, H) array per state), so that
    every output and the final cell state all carry gradient.

    Args:
        module: recurrent.rnn, recurrent.lstm or recurrent.gru. N, T, D, H: the
        sizes (keep them small: each entry costs two forward passes).
        rng: numpy.random.Generator.
        eps: step of the centred differences.
        **variant: peephole=... (LSTM) or reset_after=... (GRU).

    Returns:
        dict name -> rel_error: every key of params, "x", and "h0" (plus "c0"
        for the LSTM).
    """
    check_cell_module(
        module, ("init_params", "forward", "backward", "final_state")
    )
    for name, n in (("N", N), ("T", T), ("D", D), ("H", H)):
        check_int(
            name, n, 1, expect="a positive int (x is (N, T, D), states (N, H))"
        )
    check_rng(rng)
    _check_eps(eps)
    f64 = np.float64
    params = module.init_params(D, H, rng=rng, dtype=f64, **variant)
    for name, p in params.items():  # random weights, not just the init
        p[...] = rng.normal(0.0, 0.5, p.shape)
    x = rng.normal(size=(N, T, D))
    is_pair = len(module.STATE_NAMES) == 2  # (h, c) for the LSTM
    state0 = (
        tuple(rng.normal(size=(N, H)) for _ in range(2))
        if is_pair
        else rng.normal(size=(N, H))
    )
    R = rng.normal(size=(N, T, H))
    S = (
        tuple(rng.normal(size=(N, H)) for _ in range(2))
        if is_pair
        else rng.normal(size=(N, H))
    )

    def loss():
        h_seq, cache = module.forward(x, params, state0, **variant)
        final = module.final_state(cache)
        if is_pair:
            return float(
                np.sum(h_seq * R)
                + sum(np.sum(s * w) for s, w in zip(final, S))
            )
        return float(np.sum(h_seq * R) + np.sum(final * S))

    _, cache = module.forward(x, params, state0, **variant)
    dx, grads, dstate0 = module.backward(R, cache, S)
    analytic = dict(grads, x=dx)
    targets = dict(params, x=x)
    if is_pair:
        analytic.update(h0=dstate0[0], c0=dstate0[1])
        targets.update(h0=state0[0], c0=state0[1])
    else:
        analytic["h0"], targets["h0"] = dstate0, state0
    if set(grads) != set(params):
        raise ValueError(
            f"backward returned gradients for {sorted(grads)}, params has "
            f"{sorted(params)}"
        )
    return {
        name: rel_error(
            analytic[name], numerical_gradient(loss, targets[name], eps)
        )
        for name in targets
    }
