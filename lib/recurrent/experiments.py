"""Summaries for runs repeated over seeds, and the two ways to clip a gradient
(chapters 7 and 8).

A training run is a random experiment: the seed picks the initial weights and
the batches. Chapters 7 and 8 repeat every configuration over several seeds and
report the median with the range (lowest to highest), which a single lucky or
unlucky run cannot move much, and for all-or-nothing outcomes the number of
runs that succeeded. :func:`clip_cosines` measures what per-weight clipping
(Keras ``clipnorm``) does to the direction of a gradient compared with clipping
the global norm (Keras ``global_clipnorm``, chapter 2).
"""

import numpy as np

from .checks import check_number, check_positive_float
from .optim import clip_by_global_norm


def _check_values(values):
    if isinstance(values, (str, bytes)) or not hasattr(values, "__len__"):
        raise ValueError(
            "values must be a sequence of numbers (one per seed), got "
            f"{type(values).__name__}"
        )
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(
            "values must be a non-empty 1-D sequence (n_seeds,), got shape "
            f"{arr.shape}"
        )
    if not np.all(np.isfinite(arr)):
        raise ValueError("values must be finite (no NaN or inf)")
    return arr


def seed_summary(values):
    """Median and range of one quantity measured once per seed.

    Args:
        values: sequence (n_seeds,) of numbers, e.g. test accuracies.

    Returns:
        dict of Python floats ``median``, ``low`` (minimum), ``high`` (maximum)
        and the int ``n``.
    """
    arr = _check_values(values)
    return {
        "median": float(np.median(arr)),
        "low": float(arr.min()),
        "high": float(arr.max()),
        "n": int(arr.size),
    }


def count_below(values, threshold):
    """How many runs ended below `threshold` (for example "solved": test MSE
    below 0.01), as an int."""
    arr = _check_values(values)
    return int(np.sum(arr < check_number("threshold", threshold)))


def format_range(values, fmt=".4f"):
    """``"median (low-high)"`` of per-seed values, e.g. ``"0.9871
    (0.9862-0.9880)"``."""
    s = seed_summary(values)
    return f"{s['median']:{fmt}} ({s['low']:{fmt}}\u2013{s['high']:{fmt}})"


def clip_cosines(grads, max_norm):
    """Cosine between the raw gradient and its two clipped versions.

    Per-weight clipping rescales every array whose own norm exceeds `max_norm`
    (Keras ``clipnorm``); global clipping rescales all arrays by one factor
    when their joint norm exceeds it (Keras ``global_clipnorm``,
    :func:`recurrent.optim.clip_by_global_norm`). Only the second keeps the
    direction.

    Args:
        grads: non-empty list of arrays (any shapes), one per weight, e.g. a
            Keras model's gradients.
        max_norm: float > 0.

    Returns:
        dict ``per_weight`` and ``global_`` (cosines with the raw gradient,
        Python floats in [-1, 1]), ``n_clipped`` (arrays that per-weight
        clipping rescales) and ``n_arrays``.
    """
    if (
        isinstance(grads, dict)
        or not hasattr(grads, "__len__")
        or len(grads) == 0
    ):
        raise ValueError(
            "grads must be a non-empty list of arrays (one per weight)"
        )
    arrays = [np.asarray(g, dtype=np.float64).ravel() for g in grads]
    if not all(np.all(np.isfinite(a)) for a in arrays):
        raise ValueError("grads must be finite (no NaN or inf)")
    check_positive_float("max_norm", max_norm, expect="a finite number > 0")
    raw = np.concatenate(arrays)
    if not np.any(raw):
        raise ValueError(
            "grads are all zero: a zero gradient has no direction"
        )
    norms = [float(np.linalg.norm(a)) for a in arrays]
    per_weight = np.concatenate(
        [
            a * min(1.0, max_norm / n) if n > 0 else a
            for a, n in zip(arrays, norms)
        ]
    )
    total = float(np.linalg.norm(raw))
    clipped, _ = clip_by_global_norm(
        dict(enumerate(arrays)), max_norm
    )  # the rule the chapters train with
    global_ = np.concatenate([clipped[j] for j in range(len(arrays))])

    def cosine(a):
        return float(a @ raw / (np.linalg.norm(a) * total))

    return {
        "per_weight": cosine(per_weight),
        "global_": cosine(global_),
        "n_clipped": int(sum(n > max_norm for n in norms)),
        "n_arrays": len(arrays),
    }
