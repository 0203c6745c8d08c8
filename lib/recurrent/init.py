"""The Keras initialisers the cells and heads start from, and the check of
init_params' arguments.

A matrix of shape (D, kH) is one fused kernel, as Keras sees it: fan_in = D and
fan_out = kH count the whole matrix, not one gate block.
"""

import numpy as np

from .checks import check_float_dtype, check_int, check_rng


def glorot_uniform(shape, rng, dtype=np.float32):
    """keras.initializers.GlorotUniform: U(-limit, limit), limit = sqrt(6 /
    (fan_in + fan_out)).

    Args:
        shape: (fan_in, fan_out) for a matrix; a vector (H,) counts fan_in =
            fan_out = H, as in Keras.
        rng: numpy.random.Generator.
        dtype: float32 or float64.

    Returns:
        array of `shape` and `dtype`.
    """
    fan_in, fan_out = (shape[0], shape[-1])
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=shape).astype(dtype)


def orthogonal(shape, rng, dtype=np.float32):
    """keras.initializers.Orthogonal for a matrix (H, kH): orthonormal rows, U
    @ U.T = I (H, H).

    QR of a tall (kH, H) normal matrix gives Q with orthonormal columns;
    multiplying each column by the sign of R's diagonal makes the result
    uniformly distributed (QR alone is biased), and the transpose turns the
    columns into the rows of the wide (H, kH) matrix.
    """
    rows, cols = shape
    a = rng.standard_normal((max(rows, cols), min(rows, cols)))
    q, r = np.linalg.qr(a)
    q *= np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return np.ascontiguousarray(q).astype(dtype)


def check_init(input_dim, units, rng, dtype):
    """Check the arguments every init_params takes; returns (D, H) as ints.

    Raises ValueError for a size that is not a positive int, an rng that is not
    a numpy.random.Generator, or a dtype other than float32 and float64 (the
    two the cells compute in:
    float16 would flush every carried gradient to zero, see
    fastpath.flush_tiny).
    """
    D = check_int("input_dim", input_dim, 1, expect="a positive int")
    H = check_int("units", units, 1, expect="a positive int")
    check_rng(rng)
    check_float_dtype("dtype", dtype)
    return D, H
