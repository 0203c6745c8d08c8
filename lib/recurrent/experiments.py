"""Summaries for runs repeated over seeds (chapters 7 and 8).

A training run is a random experiment: the seed picks the initial weights and
the batches. Chapters 7 and 8 repeat every configuration over several seeds and
report the median with the range (lowest to highest), which a single lucky or
unlucky run cannot move much, and for all-or-nothing outcomes the number of
runs that succeeded.
(How per-weight and global clipping change a gradient's direction is
:func:`recurrent.optim.clip_cosines`.)
"""

import numpy as np

from .checks import check_number


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
