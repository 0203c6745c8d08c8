"""recurrent.forecast: MASE, directional accuracy, lagged correlation, HAC
variance, Diebold-Mariano, Clark-West, out-of-sample R^2, Pesaran-Timmermann
and McNemar (each against a hand computation)."""

import math

import numpy as np
import pytest

from recurrent import forecast


def test_mae_rmse_values():
    y, p = np.array([1.0, -2.0, 3.0]), np.array([0.0, 0.0, 3.0])
    assert forecast.mae(y, p) == pytest.approx(1.0)
    assert forecast.rmse(y, p) == pytest.approx(math.sqrt(5 / 3))


def test_mase_naive_scale_and_persistence_is_one_in_sample():
    y = np.array([1.0, 3.0, 2.0, 5.0, 4.0])
    assert forecast.mase_scale(y) == pytest.approx((2 + 1 + 3 + 1) / 4)
    assert forecast.mase_scale(y, m=2) == pytest.approx((1 + 2 + 2) / 3)
    # The naive forecast evaluated on its own training series has MASE exactly
    # 1.
    assert forecast.mase(y[1:], y[:-1], y) == pytest.approx(1.0)
    assert forecast.mase(y[1:], y[1:] + 0.5, y) == pytest.approx(0.5 / 1.75)


def test_mase_zero_benchmark_for_returns():
    r_train = np.array([0.01, -0.03, 0.02, 0.0])
    assert forecast.mase_scale(r_train, benchmark="zero") == pytest.approx(
        0.015
    )
    r_test = np.array([0.02, -0.01])
    assert forecast.mase(
        r_test, np.zeros(2), r_train, benchmark="zero"
    ) == pytest.approx(0.015 / 0.015)
    assert forecast.mase(r_test, r_test, r_train, benchmark="zero") == 0.0


def test_directional_accuracy_counts_signs():
    acc = forecast.directional_accuracy(
        [0.1, -0.2, 0.3, -0.1], [1.0, 1.0, 2.0, -3.0]
    )
    assert isinstance(acc, float) and acc == pytest.approx(0.75)
    assert (
        forecast.directional_accuracy([0.1, 0.2], [-1.0, 0.0]) == 0.0
    )  # 0 counts as "not up"


def test_lagged_correlation_finds_a_copy_of_yesterday():
    rng = np.random.default_rng(0)
    y = rng.normal(size=500)
    copy = np.r_[0.0, y[:-1]]  # copy[t] = y[t - 1]
    c = forecast.lagged_correlation(y, copy, range(-2, 3))
    assert np.argmax(c) == 3  # lags -2, -1, 0, 1, 2: peak at k = 1
    assert c[3] > 0.99 and abs(c[2]) < 0.15
    ahead = np.r_[y[1:], 0.0]  # ahead[t] = y[t + 1]: peak at k = -1
    assert np.argmax(forecast.lagged_correlation(y, ahead, range(-2, 3))) == 1
    c_same = forecast.lagged_correlation(y, y, [0, 1])
    assert c_same[0] == pytest.approx(1.0) and abs(c_same[1]) < 0.15


def test_hac_variance_lag0_and_against_hand_formula():
    d = np.array([1.0, 2.0, 0.0, 3.0, 1.0, 5.0])
    u = d - d.mean()
    assert forecast.hac_variance(d, 0) == pytest.approx(np.mean(u**2))
    g1, g2 = u[1:] @ u[:-1] / 6, u[2:] @ u[:-2] / 6
    expected = np.mean(u**2) + 2 * (2 / 3) * g1 + 2 * (1 / 3) * g2
    assert forecast.hac_variance(d, 2) == pytest.approx(expected)


def test_hac_variance_matches_statsmodels():
    sm = pytest.importorskip("statsmodels.api")
    rng = np.random.default_rng(3)
    e = rng.normal(size=301)
    d = e[1:] + 0.6 * e[:-1]  # an MA(1): positive autocorrelation
    res = sm.OLS(d, np.ones_like(d)).fit(
        cov_type="HAC", cov_kwds={"maxlags": 5, "use_correction": False}
    )
    assert forecast.hac_variance(d, 5) / len(d) == pytest.approx(
        res.cov_params()[0, 0], rel=1e-10
    )


def test_diebold_mariano_detects_a_better_forecast_and_not_an_equal_one():
    rng = np.random.default_rng(1)
    y = rng.normal(size=2000)
    good = y - 0.5 * rng.normal(size=2000)  # errors with std 0.5
    bad = y - 1.0 * rng.normal(size=2000)  # errors with std 1.0
    out = forecast.diebold_mariano(y - good, y - bad)
    assert out["stat"] > 5 and out["pvalue"] < 1e-6 and out["mean_diff"] > 0
    assert out["lag"] == forecast.newey_west_lag(2000)
    flipped = forecast.diebold_mariano(y - bad, y - good)
    assert flipped["stat"] == pytest.approx(-out["stat"])
    same = forecast.diebold_mariano(
        rng.normal(size=2000), rng.normal(size=2000), lag=0
    )
    assert same["pvalue"] > 0.01  # equal accuracy: no rejection (seeded)


def test_diebold_mariano_pvalue_is_two_sided_normal():
    scipy_stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(2)
    out = forecast.diebold_mariano(
        rng.normal(size=300) * 0.9, rng.normal(size=300), power=1, lag=3
    )
    assert out["pvalue"] == pytest.approx(
        2 * scipy_stats.norm.sf(abs(out["stat"])), rel=1e-9
    )


def test_newey_west_lag_rule():
    assert forecast.newey_west_lag(100) == 4
    assert forecast.newey_west_lag(754) == 6


def test_diebold_mariano_alternative_is_one_sided_normal():
    scipy_stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(4)
    y = rng.normal(size=400)
    e_model, e_bench = y - 0.2 * y - 0.3 * rng.normal(size=400), y
    two = forecast.diebold_mariano(e_model, e_bench, lag=2)
    greater = forecast.diebold_mariano(
        e_model, e_bench, lag=2, alternative="greater"
    )
    less = forecast.diebold_mariano(
        e_model, e_bench, lag=2, alternative="less"
    )
    assert greater["stat"] == two["stat"]
    assert greater["pvalue"] == pytest.approx(
        scipy_stats.norm.sf(two["stat"]), rel=1e-9
    )
    assert less["pvalue"] == pytest.approx(
        scipy_stats.norm.cdf(two["stat"]), rel=1e-9
    )
    assert greater["pvalue"] + less["pvalue"] == pytest.approx(1.0)
    assert two["pvalue"] == pytest.approx(
        2 * min(greater["pvalue"], less["pvalue"])
    )


def test_mean_test_by_hand_with_lag_zero():
    d = np.array([1.0, -0.5, 2.0, 0.5, 1.0])
    var = np.mean((d - d.mean()) ** 2)  # divisor n, no autocovariances
    stat = d.mean() / math.sqrt(var / 5)
    out = forecast.mean_test(d, lag=0, alternative="greater")
    assert out["stat"] == pytest.approx(stat)
    assert out["pvalue"] == pytest.approx(0.5 * math.erfc(stat / math.sqrt(2)))


def test_clark_west_by_hand():
    y = np.array([0.5, -1.0, 2.0, 0.0, 1.5, -0.5])
    small = np.zeros(6)
    large = np.array([0.2, -0.4, 0.3, 0.1, 0.6, 0.2])
    f = y**2 - (
        (y - large) ** 2 - large**2
    )  # e_small^2 - (e_large^2 - (p_small - p_large)^2)
    u = f - f.mean()
    stat = f.mean() / math.sqrt(np.mean(u**2) / 6)
    out = forecast.clark_west(y, small, large, lag=0)
    assert out["stat"] == pytest.approx(stat) and out[
        "mean_diff"
    ] == pytest.approx(f.mean())
    assert out["pvalue"] == pytest.approx(0.5 * math.erfc(stat / math.sqrt(2)))
    # The adjustment is what makes it differ from DM: the plain MSE difference
    # is smaller.
    assert out["mean_diff"] > np.mean(y**2 - (y - large) ** 2)


def test_clark_west_detects_a_small_real_signal_and_not_noise():
    rng = np.random.default_rng(5)
    x = rng.normal(size=3000)
    y = 0.15 * x + rng.normal(size=3000)
    assert forecast.clark_west(y, np.zeros(3000), 0.15 * x)["pvalue"] < 0.001
    noise = forecast.clark_west(
        y, np.zeros(3000), 0.15 * rng.normal(size=3000)
    )
    assert noise["pvalue"] > 0.01


def test_prevailing_mean_and_oos_r2_by_hand():
    s = np.array([1.0, 3.0, 2.0, 6.0, 4.0])
    assert np.allclose(
        forecast.prevailing_mean(s, 2), [2.0, 2.0, 3.0]
    )  # means of s[:2], s[:3], s[:4]
    y, p, q = (
        np.array([1.0, 2.0, 4.0]),
        np.array([1.5, 2.0, 3.0]),
        np.array([2.0, 2.0, 2.0]),
    )
    expected = 1 - (0.25 + 0 + 1) / (1 + 0 + 4)
    assert forecast.oos_r2(y, p, q) == pytest.approx(expected)
    assert forecast.oos_r2(y, q, q) == 0.0
    assert forecast.oos_r2(y, q + 5, q) < 0


def test_pesaran_timmermann_by_hand():
    y = np.array([1.0, 1.0, -1.0, 1.0, -1.0, 1.0, -1.0, -1.0, 1.0, 1.0])
    x = np.array([1.0, 1.0, -1.0, -1.0, -1.0, 1.0, 1.0, -1.0, 1.0, 1.0])
    n, hit, py, px = 10, 0.8, 0.6, 0.6
    p_star = py * px + (1 - py) * (1 - px)  # 0.52
    v_p = p_star * (1 - p_star) / n
    v_s = (2 * py - 1) ** 2 * px * (1 - px) / n * 2 + 4 * py * px * (
        1 - py
    ) * (1 - px) / n**2
    stat = (hit - p_star) / math.sqrt(v_p - v_s)
    out = forecast.pesaran_timmermann(y, x)
    assert out["hit_rate"] == pytest.approx(hit) and out[
        "expected"
    ] == pytest.approx(p_star)
    assert out["stat"] == pytest.approx(stat)
    assert out["pvalue"] == pytest.approx(0.5 * math.erfc(stat / math.sqrt(2)))


def test_pesaran_timmermann_ignores_an_up_bias_the_binomial_test_rewards():
    rng = np.random.default_rng(6)
    y = rng.normal(0.3, 1.0, size=2000)  # up on about 62% of days
    biased = np.where(
        rng.random(2000) < 0.9, 1.0, -1.0
    )  # says "up" 90% of the time, at random
    assert forecast.pesaran_timmermann(y, biased)["pvalue"] > 0.01
    skilled = y + rng.normal(size=2000)
    assert forecast.pesaran_timmermann(y, skilled)["pvalue"] < 1e-6


def test_mcnemar_exact_by_hand():
    y = np.array([1.0, -1.0, 1.0, -1.0, 1.0, -1.0, 1.0])
    a = np.array(
        [1.0, -1.0, 1.0, -1.0, -1.0, -1.0, 1.0]
    )  # wrong on day 4 only
    b = np.ones(7)  # "always up": wrong on days 1, 3, 5
    out = forecast.mcnemar(y, a, b)
    assert (out["n_a"], out["n_b"]) == (3, 1)
    assert out["pvalue"] == pytest.approx(
        (4 + 1) / 16
    )  # P(X >= 3), X ~ Bin(4, 1/2)
    assert forecast.mcnemar(y, a, b, alternative="less")[
        "pvalue"
    ] == pytest.approx(15 / 16)
    assert forecast.mcnemar(y, a, b, alternative="two-sided")[
        "pvalue"
    ] == pytest.approx(10 / 16)
    assert forecast.mcnemar(y, b, b)["pvalue"] == 1.0  # no discordant days


@pytest.mark.parametrize(
    "call, match",
    [
        (
            lambda: forecast.mae(np.zeros((2, 2)), np.zeros((2, 2))),
            "y_true must be a 1-D",
        ),
        (
            lambda: forecast.rmse(np.zeros(3), np.zeros(4)),
            "y_pred must have the shape",
        ),
        (lambda: forecast.mae([1.0, np.nan], [0.0, 0.0]), "finite"),
        (lambda: forecast.mae([], []), "at least 1"),
        (
            lambda: forecast.mase_scale([1.0, 2.0], benchmark="mean"),
            "benchmark",
        ),
        (lambda: forecast.mase_scale([1.0, 2.0], m=0), "m must be"),
        (lambda: forecast.mase_scale([1.0, 2.0], m=2), "at least 3"),
        (lambda: forecast.mase_scale([2.0, 2.0, 2.0]), "zero MASE scale"),
        (
            lambda: forecast.lagged_correlation(
                np.zeros(10), np.zeros(10), [8]
            ),
            "lags",
        ),
        (
            lambda: forecast.lagged_correlation(
                np.zeros(10), np.zeros(9), [0]
            ),
            "y_pred must have",
        ),
        (
            lambda: forecast.diebold_mariano(
                np.ones(5), np.arange(5.0), alternative="bigger"
            ),
            "alternative",
        ),
        (
            lambda: forecast.mean_test(np.arange(5.0), alternative="up"),
            "alternative",
        ),
        (lambda: forecast.prevailing_mean(np.arange(5.0), 0), "start must be"),
        (lambda: forecast.prevailing_mean(np.arange(5.0), 5), "start must be"),
        (
            lambda: forecast.oos_r2([1.0, 2.0], [0.0, 0.0], [1.0, 2.0]),
            "y_bench is perfect",
        ),
        (
            lambda: forecast.oos_r2([1.0, 2.0], [0.0, 0.0], [1.0]),
            "y_pred must have",
        ),
        (
            lambda: forecast.pesaran_timmermann(
                [1.0, -1.0, 2.0], [1.0, 1.0, 1.0]
            ),
            "one sign only",
        ),
        (
            lambda: forecast.mcnemar(
                [1.0, -1.0], [1.0, 1.0], [1.0, 1.0], alternative="x"
            ),
            "alternative",
        ),
        (
            lambda: forecast.clark_west(np.ones(5), np.ones(5), np.ones(4)),
            "y_pred must have",
        ),
        (lambda: forecast.hac_variance(np.ones(5), -1), "lag must be"),
        (lambda: forecast.hac_variance(np.ones(5), 5), "lag must be"),
        (
            lambda: forecast.diebold_mariano(np.ones(5), np.ones(5)),
            "zero variance",
        ),
        (
            lambda: forecast.diebold_mariano(np.ones(5), np.ones(5), power=3),
            "power",
        ),
        (
            lambda: forecast.diebold_mariano(np.ones(5), np.ones(6)),
            "e_bench must have",
        ),
        (lambda: forecast.newey_west_lag(1), "n must be"),
    ],
)
def test_bad_input_raises_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()
