"""Forecast evaluation: scaled errors, lagged correlation and the Diebold-Mariano test (chapter 9).

Every function takes plain 1-D arrays of equal length, one entry per forecast day, in time order:
``y_true`` (T,) the realised values and ``y_pred`` (T,) the forecasts made the day before. Nothing here
fits a model; these are the yardsticks chapter 9 uses to compare models with persistence.
"""
import math

import numpy as np


def _series(name, value, *, min_len=1):
    """Return `value` as a finite float64 (T,) array, or raise ValueError naming `name`."""
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array (T,), got shape {arr.shape}")
    if arr.shape[0] < min_len:
        raise ValueError(f"{name} needs at least {min_len} values (T >= {min_len}), got {arr.shape[0]}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must contain finite values only")
    return arr


def _pair(y_true, y_pred, *, min_len=1):
    a = _series("y_true", y_true, min_len=min_len)
    b = _series("y_pred", y_pred, min_len=min_len)
    if a.shape != b.shape:
        raise ValueError(f"y_pred must have the shape of y_true {a.shape}, got {b.shape}")
    return a, b


def mae(y_true, y_pred):
    """Mean absolute error of (T,) forecasts."""
    a, b = _pair(y_true, y_pred)
    return float(np.mean(np.abs(a - b)))


def rmse(y_true, y_pred):
    """Root mean squared error of (T,) forecasts."""
    a, b = _pair(y_true, y_pred)
    return float(np.sqrt(np.mean((a - b) ** 2)))


def mase_scale(y_train, *, benchmark="naive", m=1):
    """In-sample mean absolute error of a benchmark forecast on the training part (the MASE denominator).

    Args:
        y_train: (T_train,) training series, in time order.
        benchmark: "naive" (Hyndman and Koehler 2006: forecast y[t] by y[t - m]), or "zero" for a
            series of changes or returns, whose price random walk forecasts a change of 0.
        m: int >= 1, the seasonal lag of the naive forecast ("naive" only).

    Returns:
        float > 0: mean |y[t] - y[t - m]| for "naive", mean |y[t]| for "zero".
    """
    if not isinstance(m, (int, np.integer)) or isinstance(m, bool) or m < 1:
        raise ValueError(f"m must be an int >= 1, got {m!r}")
    if benchmark == "naive":
        y = _series("y_train", y_train, min_len=m + 1)
        scale = float(np.mean(np.abs(y[m:] - y[:-m])))
    elif benchmark == "zero":
        y = _series("y_train", y_train)
        scale = float(np.mean(np.abs(y)))
    else:
        raise ValueError(f"benchmark must be 'naive' or 'zero', got {benchmark!r}")
    if scale == 0.0:
        raise ValueError("y_train gives a zero MASE scale (the benchmark is perfect in sample)")
    return scale


def mase(y_true, y_pred, y_train, *, benchmark="naive", m=1):
    """Mean absolute scaled error: test MAE divided by the benchmark's in-sample MAE on `y_train`.

    Hyndman and Koehler (2006). A value of 1 means "as good on the test part as the benchmark was on
    the training part"; compare a model with the benchmark's own test MASE, since volatility changes.

    Args:
        y_true, y_pred: (T,) test values and forecasts.
        y_train: (T_train,) training series that sets the scale (see `mase_scale`).
        benchmark, m: as in `mase_scale`.
    """
    return mae(y_true, y_pred) / mase_scale(y_train, benchmark=benchmark, m=m)


def directional_accuracy(y_true, y_pred):
    """Fraction of days on which the forecast has the sign of the outcome (up means > 0).

    Args:
        y_true, y_pred: (T,) realised changes (returns) and their forecasts.

    Returns:
        (accuracy, hits, n): float in [0, 1], int number of correct calls, int T.
    """
    a, b = _pair(y_true, y_pred)
    hits = int(np.sum((a > 0) == (b > 0)))
    return hits / a.shape[0], hits, int(a.shape[0])


def lagged_correlation(y_pred, y_true, lags):
    """Correlation of y_pred[t] with y_true[t - k] for each lag k (k > 0: the truth k days earlier).

    A forecast that copies yesterday's value peaks at k = 1 instead of k = 0.

    Args:
        y_pred, y_true: (T,) series aligned on the same days.
        lags: iterable of ints with |k| < T - 2.

    Returns:
        (K,) float64 array of Pearson correlations, one per lag.
    """
    a = _series("y_pred", y_pred, min_len=3)
    b = _series("y_true", y_true, min_len=3)
    if a.shape != b.shape:
        raise ValueError(f"y_true must have the shape of y_pred {a.shape}, got {b.shape}")
    lags = [int(k) for k in lags]
    if not lags or any(abs(k) >= a.shape[0] - 2 for k in lags):
        raise ValueError(f"lags must be a non-empty list of ints with |k| < T - 2 = {a.shape[0] - 2}")
    out = []
    for k in lags:
        p, t = (a[k:], b[:a.shape[0] - k]) if k >= 0 else (a[:k], b[-k:])
        out.append(np.corrcoef(p, t)[0, 1])
    return np.array(out)


def newey_west_lag(n):
    """The usual automatic lag for a Bartlett-kernel HAC variance: floor(4 (n / 100)^(2/9))."""
    if not isinstance(n, (int, np.integer)) or n < 2:
        raise ValueError(f"n must be an int >= 2, got {n!r}")
    return int(math.floor(4 * (n / 100) ** (2 / 9)))


def hac_variance(d, lag):
    """Newey-West (Bartlett kernel) long-run variance of the series d.

    S = g0 + 2 sum_{j=1..lag} (1 - j / (lag + 1)) g_j, with autocovariances g_j = sum (d_t - dbar)(d_{t-j} - dbar) / n.

    Args:
        d: (n,) series.
        lag: int >= 0, number of autocovariances used (0 gives the plain variance with divisor n).
    """
    d = _series("d", d, min_len=2)
    n = d.shape[0]
    if not isinstance(lag, (int, np.integer)) or isinstance(lag, bool) or not 0 <= lag < n:
        raise ValueError(f"lag must be an int in [0, n) = [0, {n}), got {lag!r}")
    u = d - d.mean()
    s = u @ u / n
    for j in range(1, int(lag) + 1):
        s += 2 * (1 - j / (lag + 1)) * (u[j:] @ u[:-j]) / n
    return float(s)


def diebold_mariano(e_model, e_bench, *, power=2, lag=None):
    """Diebold-Mariano test of equal accuracy: does the model's loss differ from the benchmark's?

    d_t = |e_bench_t|^power - |e_model_t|^power (positive when the model does better on day t);
    DM = mean(d) / sqrt(S / n) with S the Newey-West long-run variance of d, compared with N(0, 1)
    (Diebold and Mariano 1995).

    Args:
        e_model, e_bench: (n,) forecast errors of the model and of the benchmark on the same days.
        power: 1 (absolute) or 2 (squared error loss).
        lag: HAC lag (int >= 0); None uses `newey_west_lag(n)`.

    Returns:
        dict with "stat" (DM > 0: the model is better), "pvalue" (two-sided), "mean_diff" (mean of d),
        "lag" (the HAC lag used).
    """
    a = _series("e_model", e_model, min_len=3)
    b = _series("e_bench", e_bench, min_len=3)
    if a.shape != b.shape:
        raise ValueError(f"e_bench must have the shape of e_model {a.shape}, got {b.shape}")
    if power not in (1, 2):
        raise ValueError(f"power must be 1 or 2, got {power!r}")
    n = a.shape[0]
    lag = newey_west_lag(n) if lag is None else lag
    d = np.abs(b) ** power - np.abs(a) ** power
    var = hac_variance(d, lag)
    if var <= 0:
        raise ValueError("the loss differential has zero variance: the two forecasts are identical")
    stat = float(d.mean() / math.sqrt(var / n))
    pvalue = float(math.erfc(abs(stat) / math.sqrt(2)))   # 2 * (1 - Phi(|stat|))
    return {"stat": stat, "pvalue": pvalue, "mean_diff": float(d.mean()), "lag": int(lag)}
