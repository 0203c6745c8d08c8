"""Forecast evaluation: scaled errors, lagged correlation and tests of skill
against chance (chapter 9).

Every function takes plain 1-D arrays of equal length, one entry per forecast
day, in time order:
``y_true`` (T,) the realised values and ``y_pred`` (T,) the forecasts made the
day before. Nothing here fits a model; these are the yardsticks chapter 9 uses
to compare models with persistence.
"""

import math

import numpy as np


def _series(name, value, *, min_len=1):
    """Return `value` as a finite float64 (T,) array, or raise ValueError
    naming `name`."""
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim != 1:
        raise ValueError(
            f"{name} must be a 1-D array (T,), got shape {arr.shape}"
        )
    if arr.shape[0] < min_len:
        raise ValueError(
            f"{name} needs at least {min_len} values (T >= {min_len}), got "
            f"{arr.shape[0]}"
        )
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must contain finite values only")
    return arr


def _pair(y_true, y_pred, *, min_len=1):
    a = _series("y_true", y_true, min_len=min_len)
    b = _series("y_pred", y_pred, min_len=min_len)
    if a.shape != b.shape:
        raise ValueError(
            f"y_pred must have the shape of y_true {a.shape}, got {b.shape}"
        )
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
    """In-sample mean absolute error of a benchmark forecast on the training
    part (the MASE denominator).

    Args:
        y_train: (T_train,) training series, in time order.
        benchmark: "naive" (Hyndman and Koehler 2006: forecast y[t] by y[t -
            m]), or "zero" for a series of changes or returns, whose price
            random walk forecasts a change of 0.
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
        raise ValueError(
            f"benchmark must be 'naive' or 'zero', got {benchmark!r}"
        )
    if scale == 0.0:
        raise ValueError(
            "y_train gives a zero MASE scale (the benchmark is perfect in "
            "sample)"
        )
    return scale


def mase(y_true, y_pred, y_train, *, benchmark="naive", m=1):
    """Mean absolute scaled error: test MAE divided by the benchmark's
    in-sample MAE on `y_train`.

    Hyndman and Koehler (2006). A value of 1 means "as good on the test part as
    the benchmark was on the training part"; compare a model with the
    benchmark's own test MASE, since volatility changes.

    Args:
        y_true, y_pred: (T,) test values and forecasts.
        y_train: (T_train,) training series that sets the scale (see
            `mase_scale`).
        benchmark, m: as in `mase_scale`.
    """
    return mae(y_true, y_pred) / mase_scale(y_train, benchmark=benchmark, m=m)


def directional_accuracy(y_true, y_pred):
    """Fraction of days on which the forecast has the sign of the outcome (up
    means > 0).

    Args:
        y_true, y_pred: (T,) realised changes (returns) and their forecasts.

    Returns:
        float in [0, 1]; the number of correct calls is ``round(accuracy *
        T)``.
    """
    a, b = _pair(y_true, y_pred)
    return float(np.mean((a > 0) == (b > 0)))


def lagged_correlation(y_true, y_pred, lags):
    """Correlation of y_pred[t] with y_true[t - k] for each lag k (k > 0: the
    truth k days earlier).

    A forecast that copies yesterday's value peaks at k = 1 instead of k = 0.

    Args:
        y_true, y_pred: (T,) series aligned on the same days.
        lags: iterable of ints with |k| < T - 2.

    Returns:
        (K,) float64 array of Pearson correlations, one per lag.
    """
    b, a = _pair(y_true, y_pred, min_len=3)
    lags = [int(k) for k in lags]
    if not lags or any(abs(k) >= a.shape[0] - 2 for k in lags):
        raise ValueError(
            "lags must be a non-empty list of ints with |k| < T - 2 = "
            f"{a.shape[0] - 2}"
        )
    out = []
    for k in lags:
        p, t = (a[k:], b[: a.shape[0] - k]) if k >= 0 else (a[:k], b[-k:])
        out.append(np.corrcoef(p, t)[0, 1])
    return np.array(out)


def newey_west_lag(n):
    """The usual automatic lag for a Bartlett-kernel HAC variance: floor(4 (n /
    100)^(2/9))."""
    if not isinstance(n, (int, np.integer)) or n < 2:
        raise ValueError(f"n must be an int >= 2, got {n!r}")
    return int(math.floor(4 * (n / 100) ** (2 / 9)))


def hac_variance(d, lag):
    """Newey-West (Bartlett kernel) long-run variance of the series d.

    S = g0 + 2 sum_{j=1..lag} (1 - j / (lag + 1)) g_j, with autocovariances g_j
    = sum (d_t - dbar)(d_{t-j} - dbar) / n.

    Args:
        d: (n,) series.
        lag: int >= 0, number of autocovariances used (0 gives the plain
            variance with divisor n).
    """
    d = _series("d", d, min_len=2)
    n = d.shape[0]
    if (
        not isinstance(lag, (int, np.integer))
        or isinstance(lag, bool)
        or not 0 <= lag < n
    ):
        raise ValueError(
            f"lag must be an int in [0, n) = [0, {n}), got {lag!r}"
        )
    u = d - d.mean()
    s = u @ u / n
    for j in range(1, int(lag) + 1):
        s += 2 * (1 - j / (lag + 1)) * (u[j:] @ u[:-j]) / n
    return float(s)


def _normal_pvalue(stat, alternative):
    """p-value of a N(0, 1) statistic; "greater" rejects for large stat, "less"
    for small."""
    if alternative == "two-sided":
        return float(
            math.erfc(abs(stat) / math.sqrt(2))
        )  # 2 (1 - Phi(|stat|))
    if alternative == "greater":
        return float(0.5 * math.erfc(stat / math.sqrt(2)))  # 1 - Phi(stat)
    if alternative == "less":
        return float(0.5 * math.erfc(-stat / math.sqrt(2)))  # Phi(stat)
    raise ValueError(
        "alternative must be 'two-sided', 'greater' or 'less', got "
        f"{alternative!r}"
    )


def mean_test(d, *, lag=None, alternative="two-sided"):
    """HAC t-test that the mean of a loss differential d is zero (the core of
    DM and Clark-West).

    stat = mean(d) / sqrt(S / n), S the Newey-West long-run variance of d,
    compared with N(0, 1).

    Args:
        d: (n,) per-day loss differential, positive when the model does better
            on that day.
        lag: HAC lag (int >= 0); None uses `newey_west_lag(n)`.
        alternative: "two-sided", "greater" (mean(d) > 0: the model is better)
            or "less".

    Returns:
        dict with "stat", "pvalue", "mean_diff" (mean of d) and "lag".
    """
    d = _series("d", d, min_len=3)
    n = d.shape[0]
    lag = newey_west_lag(n) if lag is None else lag
    _normal_pvalue(0.0, alternative)  # validates `alternative` first
    var = hac_variance(d, lag)
    if var <= 0:
        raise ValueError(
            "the loss differential has zero variance: the two forecasts are "
            "identical"
        )
    stat = float(d.mean() / math.sqrt(var / n))
    return {
        "stat": stat,
        "pvalue": _normal_pvalue(stat, alternative),
        "mean_diff": float(d.mean()),
        "lag": int(lag),
    }


def diebold_mariano(
    e_model, e_bench, *, power=2, lag=None, alternative="two-sided"
):
    """Diebold-Mariano test of equal accuracy: does the model's loss differ
    from the benchmark's?

    d_t = |e_bench_t|^power - |e_model_t|^power (positive when the model does
    better on day t); DM = mean(d) / sqrt(S / n) with S the Newey-West long-run
    variance of d, compared with N(0, 1) (Diebold and Mariano 1995). For other
    losses (QLIKE) pass the loss differential to `mean_test`.

    Args:
        e_model, e_bench: (n,) forecast errors of the model and of the
            benchmark on the same days.
        power: 1 (absolute) or 2 (squared error loss).
        lag: HAC lag (int >= 0); None uses `newey_west_lag(n)`.
        alternative: "two-sided", "greater" (H1: the model is better) or "less"
            (H1: it is worse).

    Returns:
        dict with "stat" (DM > 0: the model is better), "pvalue" (for
        `alternative`), "mean_diff" (mean of d), "lag" (the HAC lag used).
    """
    a = _series("e_model", e_model, min_len=3)
    b = _series("e_bench", e_bench, min_len=3)
    if a.shape != b.shape:
        raise ValueError(
            f"e_bench must have the shape of e_model {a.shape}, got {b.shape}"
        )
    if power not in (1, 2):
        raise ValueError(f"power must be 1 or 2, got {power!r}")
    return mean_test(
        np.abs(b) ** power - np.abs(a) ** power,
        lag=lag,
        alternative=alternative,
    )


def clark_west(y_true, pred_small, pred_large, *, lag=None):
    """Clark-West test for nested models: does the larger model forecast better
    than the smaller one?

    Under the null the small model (e.g. the zero forecast) is right and the
    large one (AR, a network) only adds estimation noise, which makes its
    squared error larger on average; Clark and West (2007) add that noise back:
    f_t = e_small_t^2 - (e_large_t^2 - (p_small_t - p_large_t)^2), and test
    mean(f) > 0 with a one-sided HAC t-statistic against N(0, 1).

    Args:
        y_true: (n,) realised values.
        pred_small, pred_large: (n,) forecasts of the nested (small) and the
            larger model.
        lag: HAC lag (int >= 0); None uses `newey_west_lag(n)`.

    Returns:
        dict with "stat", "pvalue" (one-sided, H1: the large model is better),
        "mean_diff" (mean of f) and "lag".
    """
    y, p1 = _pair(y_true, pred_small, min_len=3)
    _, p2 = _pair(y_true, pred_large, min_len=3)
    f = (y - p1) ** 2 - ((y - p2) ** 2 - (p1 - p2) ** 2)
    return mean_test(f, lag=lag, alternative="greater")


def prevailing_mean(series, start):
    """The historical-average forecast: for each t in [start, T) the mean of
    series[:t].

    Args:
        series: (T,) values in time order.
        start: int in [1, T), the first forecast day.

    Returns:
        (T - start,) float64 forecasts, each from the values before its day
        only.
    """
    s = _series("series", series, min_len=2)
    if (
        not isinstance(start, (int, np.integer))
        or isinstance(start, bool)
        or not 1 <= start < s.shape[0]
    ):
        raise ValueError(
            f"start must be an int in [1, T) = [1, {s.shape[0]}), got "
            f"{start!r}"
        )
    csum = np.cumsum(s)
    t = np.arange(start, s.shape[0])
    return csum[t - 1] / t


def oos_r2(y_true, y_pred, y_bench):
    """Out-of-sample R^2 of a forecast against a benchmark (Campbell and
    Thompson 2008).

    R2_OS = 1 - sum (y - y_pred)^2 / sum (y - y_bench)^2; with the prevailing
    mean as benchmark (`prevailing_mean`), R2_OS > 0 means the forecast beats
    the historical average in squared error.

    Args:
        y_true, y_pred, y_bench: (n,) realised values, forecasts and benchmark
            forecasts.

    Returns:
        float <= 1.
    """
    y, p = _pair(y_true, y_pred)
    _, q = _pair(y_true, y_bench)
    denom = float(np.sum((y - q) ** 2))
    if denom == 0.0:
        raise ValueError(
            "y_bench is perfect (zero squared error): R2_OS is undefined"
        )
    return float(1.0 - np.sum((y - p) ** 2) / denom)


def pesaran_timmermann(y_true, y_pred):
    """Pesaran-Timmermann test of market timing: are the forecast signs related
    to the outcome signs?

    With P the hit rate, py and px the up-rates of outcome and forecast, the
    hit rate expected when the two are independent is P* = py px + (1 - py)(1 -
    px). Pesaran and Timmermann (1992):
    S = (P - P*) / sqrt(V(P) - V(P*)), V(P) = P*(1 - P*)/n, V(P*) = (2py - 1)^2
    px(1 - px)/n + (2px - 1)^2 py(1 - py)/n + 4 py px (1 - py)(1 - px)/n^2,
    compared with N(0, 1). Unlike a binomial test against the up-rate, it
    accounts for both rates being estimated on the same days.

    Args:
        y_true, y_pred: (n,) realised changes and their forecasts (up means >
            0).

    Returns:
        dict with "stat", "pvalue" (one-sided, H1: better than independent
        signs), "hit_rate" (P) and "expected" (P*).
    """
    y, x = _pair(y_true, y_pred, min_len=3)
    n = y.shape[0]
    up_y, up_x = y > 0, x > 0
    hit, py, px = np.mean(up_y == up_x), np.mean(up_y), np.mean(up_x)
    p_star = py * px + (1 - py) * (1 - px)
    v_p = p_star * (1 - p_star) / n
    v_star = (
        (2 * py - 1) ** 2 * px * (1 - px) / n
        + (2 * px - 1) ** 2 * py * (1 - py) / n
        + 4 * py * px * (1 - py) * (1 - px) / n**2
    )
    if v_p - v_star <= 0:
        raise ValueError(
            "y_pred (or y_true) has one sign only: the Pesaran-Timmermann "
            "test is undefined"
        )
    stat = float((hit - p_star) / math.sqrt(v_p - v_star))
    return {
        "stat": stat,
        "pvalue": _normal_pvalue(stat, "greater"),
        "hit_rate": float(hit),
        "expected": float(p_star),
    }


def mcnemar(y_true, pred_a, pred_b, *, alternative="greater"):
    """Exact McNemar test: do forecasts a and b call the direction right
    equally often on the same days?

    Only the days where exactly one of the two is right count: n_a (a right, b
    wrong) and n_b (b right, a wrong). Under the null each such day is a fair
    coin, so n_a ~ Binomial(n_a + n_b, 1/2).

    Args:
        y_true: (n,) realised changes; pred_a, pred_b: (n,) forecasts (up means
            > 0).
        alternative: "greater" (H1: a is right more often), "less" or
            "two-sided".

    Returns:
        dict with "n_a", "n_b" (ints) and "pvalue" (exact binomial).
    """
    y, a = _pair(y_true, pred_a)
    _, b = _pair(y_true, pred_b)
    hit_a, hit_b = (a > 0) == (y > 0), (b > 0) == (y > 0)
    n_a, n_b = int(np.sum(hit_a & ~hit_b)), int(np.sum(hit_b & ~hit_a))
    m = n_a + n_b

    def tail(k):  # P(X >= k), X ~ Binomial(m, 1/2)
        return sum(math.comb(m, j) for j in range(k, m + 1)) / 2**m

    if alternative == "greater":
        p = tail(n_a)
    elif alternative == "less":
        p = tail(n_b)
    elif alternative == "two-sided":
        p = min(1.0, 2 * min(tail(n_a), tail(n_b)))
    else:
        raise ValueError(
            "alternative must be 'two-sided', 'greater' or 'less', got "
            f"{alternative!r}"
        )
    return {"n_a": n_a, "n_b": n_b, "pvalue": float(p)}
