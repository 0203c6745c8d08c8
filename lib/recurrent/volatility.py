"""Volatility forecasting: variance proxies, the EWMA and HAR baselines, QLIKE
loss, fan calibration (chapter 9).

Arrays are 1-D in time order, one entry per day: ``r`` (T,) daily returns,
``v`` (T,) a daily variance proxy (the squared return or the range-based
variance). A forecast for day t uses days < t only. GARCH models come from the
`arch` package in the chapter; nothing here imports it.
"""

import math

import numpy as np

from .forecast import _series


def parkinson_variance(high, low):
    """Range-based estimate of one day's variance (Parkinson 1980): log(high /
    low)^2 / (4 log 2).

    Args:
        high, low: (T,) daily highest and lowest prices, 0 < low <= high.

    Returns:
        (T,) float64 variances in squared log-return units.
    """
    h = _series("high", high)
    lo = _series("low", low)
    if h.shape != lo.shape:
        raise ValueError(
            f"low must have the shape of high {h.shape}, got {lo.shape}"
        )
    if np.any(lo <= 0) or np.any(lo > h):
        raise ValueError(
            "low must be positive and not above high on every day"
        )
    return np.log(h / lo) ** 2 / (4 * math.log(2))


def ewma_variance(r, *, lam=0.94, init=None):
    """RiskMetrics EWMA variance forecast: s2[t] = lam * s2[t - 1] + (1 - lam)
    * r[t - 1]^2.

    Args:
        r: (T,) returns (demeaned or not; RiskMetrics uses them as they are).
        lam: decay in (0, 1); 0.94 is RiskMetrics' daily value.
        init: s2[0], a positive float; None uses the mean of r^2.

    Returns:
        (T,) float64: entry t is the forecast for day t made from r[:t].
    """
    r = _series("r", r, min_len=1)
    if (
        isinstance(lam, bool)
        or not isinstance(lam, (int, float))
        or not 0 < lam < 1
    ):
        raise ValueError(f"lam must be a number in (0, 1), got {lam!r}")
    s2 = np.empty_like(r)
    s2[0] = float(np.mean(r**2)) if init is None else float(init)
    if not s2[0] > 0:
        raise ValueError(f"init must be positive, got {init!r}")
    for t in range(1, r.shape[0]):
        s2[t] = lam * s2[t - 1] + (1 - lam) * r[t - 1] ** 2
    return s2


def har_features(v, *, windows=(1, 5, 22)):
    """HAR regressors (Corsi 2009): means of v over the last 1, 5 and 22 days
    before each day.

    Args:
        v: (T,) daily variance proxy.
        windows: increasing ints >= 1, the averaging windows (day, week,
            month).

    Returns:
        (T, K) float64 with K = len(windows); row t averages v[t - w:t]; rows t
        < max(windows) are NaN.
    """
    v = _series("v", v, min_len=2)
    ws = [int(w) for w in windows]
    if not ws or ws != sorted(set(ws)) or ws[0] < 1 or ws[-1] >= v.shape[0]:
        raise ValueError(
            f"windows must be increasing ints in [1, T) = [1, {v.shape[0]}), "
            f"got {windows!r}"
        )
    csum = np.concatenate([[0.0], np.cumsum(v)])  # csum[t] = sum of v[:t]
    out = np.full((v.shape[0], len(ws)), np.nan)
    t = np.arange(ws[-1], v.shape[0])
    for k, w in enumerate(ws):
        out[t, k] = (csum[t] - csum[t - w]) / w
    return out


def qlike(proxy, forecast):
    """Per-day QLIKE loss of variance forecasts (Patton 2011): proxy / h -
    log(proxy / h) - 1.

    Zero for a perfect forecast, robust to noise in the proxy. A proxy of
    exactly 0 (a day without a move) is allowed: its loss uses the form log(h)
    + proxy / h, which differs from the one above by a term that does not
    depend on the forecast, so rankings and loss differences are the same.

    Args:
        proxy: (T,) realised variance proxy, >= 0.
        forecast: (T,) variance forecasts, > 0.

    Returns:
        (T,) float64 losses.
    """
    y, h = _series("proxy", proxy), _series("forecast", forecast)
    if y.shape != h.shape:
        raise ValueError(
            f"forecast must have the shape of proxy {y.shape}, got {h.shape}"
        )
    if np.any(h <= 0):
        raise ValueError("forecast must be positive on every day")
    if np.any(y < 0):
        raise ValueError("proxy must be non-negative on every day")
    ratio = y / h
    with np.errstate(divide="ignore"):
        loss = ratio - np.log(ratio) - 1
    zero = y == 0
    loss[zero] = np.log(h[zero])
    return loss


def pit(samples, realised):
    """Probability integral transform: the share of simulated outcomes below
    each realised one.

    For a calibrated forecast distribution the PIT values are uniform on [0,
    1].

    Args:
        samples: (S, K) simulated outcomes, S draws for each of K forecast
            targets.
        realised: (K,) the outcomes that happened.

    Returns:
        (K,) float64 in [0, 1].
    """
    s = np.asarray(samples, dtype=np.float64)
    y = _series("realised", realised)
    if s.ndim != 2 or s.shape[1] != y.shape[0] or s.shape[0] < 2:
        raise ValueError(
            f"samples must have shape (S >= 2, {y.shape[0]}), got {s.shape}"
        )
    if not np.all(np.isfinite(s)):
        raise ValueError("samples must contain finite values only")
    return np.mean(s < y, axis=0)


def interval_coverage(realised, lower, upper):
    """Share of outcomes inside [lower, upper]; all three (K,) or broadcastable
    to one shape."""
    y, lo, hi = (
        np.asarray(v, dtype=np.float64) for v in (realised, lower, upper)
    )
    try:
        y, lo, hi = np.broadcast_arrays(y, lo, hi)
    except ValueError:
        raise ValueError(
            f"realised, lower and upper must broadcast, got {y.shape}, "
            f"{lo.shape}, {hi.shape}"
        )
    if y.size == 0:
        raise ValueError("realised must not be empty")
    if np.any(lo > hi):
        raise ValueError("lower must not exceed upper")
    return float(np.mean((y >= lo) & (y <= hi)))
