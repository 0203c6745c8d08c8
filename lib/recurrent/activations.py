"""The three squashing functions of the book and their derivatives (chapters
1-3).

The derivatives are written in terms of the function's *output*: the forward
pass has already computed sigmoid(a) or tanh(a), so the backward pass reuses it
instead of keeping `a` around.

Every function keeps the dtype of its input (float32 in, float32 out) and is
safe for huge arguments: sigmoid(1e4) is 1.0 without an overflow warning.
Scalars work too, as with numpy's own ufuncs: a python float or a numpy scalar
(or a 0-d array) gives a numpy scalar back.
"""

import numpy as np


def sigmoid(a, out=None):
    """Logistic sigmoid 1 / (1 + exp(-a)), computed as 0.5 * (1 + tanh(a / 2)).

    The tanh form is the same function, never overflows (exp(-a) does for a <
    -88 in float32) and needs no branch on the sign of `a`.

    Args:
        a: floating array, any shape, or a scalar.
        out: optional array of the same shape and dtype to write into (may be
            `a` itself).

    Returns:
        Array of the shape and dtype of `a`, values in [0, 1]; a numpy scalar
        for a scalar `a`.
    """
    out = np.multiply(a, 0.5, out=out)
    if not isinstance(out, np.ndarray):  # scalar in: numpy gave a scalar,
        return np.tanh(out) * 0.5 + 0.5  # which cannot be written in place
    np.tanh(out, out=out)
    out *= 0.5
    out += 0.5
    return out


def tanh(a, out=None):
    """Hyperbolic tangent (numpy's, which saturates to +-1 without warnings).

    Args:
        a: floating array, any shape.
        out: optional array of the same shape and dtype to write into (may be
            `a` itself).

    Returns:
        Array of the shape and dtype of `a`, values in [-1, 1].
    """
    return np.tanh(a, out=out)


def softmax(a, axis=-1):
    """Softmax along `axis`: exp(a - max) / sum(exp(a - max)).

    Subtracting the maximum changes nothing mathematically and keeps every
    exponent <= 0, so exp never overflows; the largest entry contributes exp(0)
    = 1, so the sum is never 0.

    Args:
        a: floating array, e.g. logits (N, V) or (N, T, V).
        axis: the axis that sums to 1.

    Returns:
        Array of the shape and dtype of `a`, non-negative, summing to 1 along
        `axis`.
    """
    a = np.asarray(a)
    e = np.exp(a - a.max(axis=axis, keepdims=True))
    e /= e.sum(axis=axis, keepdims=True)
    return e


def dsigmoid(s, out=None):
    """Derivative of the sigmoid from its output: if s = sigmoid(a), ds/da = s
    * (1 - s).

    Args:
        s: array of sigmoid outputs, any shape.
        out: optional array of the same shape and dtype to write into (not `s`
            itself).

    Returns:
        Array of the shape and dtype of `s`.
    """
    out = np.subtract(1, s, out=out)
    out *= s
    return out


def dtanh(y, out=None):
    """Derivative of tanh from its output: if y = tanh(a), dy/da = 1 - y**2.

    Args:
        y: array of tanh outputs, any shape.
        out: optional array of the same shape and dtype to write into (may be
            `y` itself).

    Returns:
        Array of the shape and dtype of `y`.
    """
    out = np.multiply(y, y, out=out)
    if not isinstance(out, np.ndarray):  # scalar in, scalar out
        return 1 - out
    return np.subtract(1, out, out=out)
