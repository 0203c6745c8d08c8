"""The Keras initialisers the cells and heads start from, and the check of init_params' arguments.

A matrix of shape (D, kH) is one fused kernel, as Keras sees it: fan_in = D and fan_out = kH count the
whole matrix, not one gate block.
"""
import numpy as np

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def glorot_uniform(shape, rng, dtype=np.float32):
    """keras.initializers.GlorotUniform: U(-limit, limit), limit = sqrt(6 / (fan_in + fan_out)).

    Args:
        shape: (fan_in, fan_out) for a matrix; a vector (H,) counts fan_in = fan_out = H, as in Keras.
        rng: numpy.random.Generator.
        dtype: float32 or float64.

    Returns:
        array of `shape` and `dtype`.
    """
    fan_in, fan_out = (shape[0], shape[-1])
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=shape).astype(dtype)


def orthogonal(shape, rng, dtype=np.float32):
    """keras.initializers.Orthogonal for a matrix (H, kH): orthonormal rows, U @ U.T = I (H, H).

    QR of a tall (kH, H) normal matrix gives Q with orthonormal columns; multiplying each column by
    the sign of R's diagonal makes the result uniformly distributed (QR alone is biased), and the
    transpose turns the columns into the rows of the wide (H, kH) matrix.
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

    Raises ValueError for a size that is not a positive int, an rng that is not a
    numpy.random.Generator, or a dtype other than float32 and float64 (the two the cells compute in:
    float16 would flush every carried gradient to zero, see fastpath.flush_tiny).
    """
    for name, n in (("input_dim", input_dim), ("units", units)):
        if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
            raise ValueError(f"{name} must be a positive int, got {n!r}")
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy.random.Generator (np.random.default_rng(seed)), got {rng!r}")
    check_float_dtype("dtype", dtype)
    return int(input_dim), int(units)


def check_float_dtype(name, dtype):
    """Raise ValueError unless `dtype` is float32 or float64; returns it as a numpy dtype."""
    try:
        dt = np.dtype(dtype)
    except TypeError:
        dt = None
    if dt not in FLOAT_DTYPES:
        raise ValueError(f"{name} must be a floating dtype (float32 or float64), got {dtype!r}")
    return dt
