"""recurrent.volatility: Parkinson variance, EWMA, HAR features, QLIKE, PIT and
coverage, against hand values."""

import math

import numpy as np
import pytest

from recurrent import volatility


def test_parkinson_variance_by_hand():
    v = volatility.parkinson_variance([110.0, 100.0], [100.0, 100.0])
    assert v[0] == pytest.approx(math.log(1.1) ** 2 / (4 * math.log(2)))
    assert v[1] == 0.0


def test_parkinson_is_unbiased_for_brownian_paths():
    # A day of Brownian motion with variance s2: E[log(H/L)^2] = 4 log 2 s2
    # (Parkinson 1980).
    rng = np.random.default_rng(0)
    steps = rng.normal(scale=0.01 / math.sqrt(2000), size=(4000, 2000)).cumsum(
        axis=1
    )
    path = np.concatenate([np.zeros((4000, 1)), steps], axis=1)
    v = volatility.parkinson_variance(
        np.exp(path.max(axis=1)), np.exp(path.min(axis=1))
    )
    assert v.mean() == pytest.approx(1e-4, rel=0.05)


def test_ewma_recursion_by_hand():
    r = np.array([0.01, -0.02, 0.03])
    s2 = volatility.ewma_variance(r, lam=0.9, init=1e-4)
    assert s2[0] == 1e-4
    assert s2[1] == pytest.approx(0.9 * 1e-4 + 0.1 * 0.01**2)
    assert s2[2] == pytest.approx(0.9 * s2[1] + 0.1 * 0.02**2)
    assert volatility.ewma_variance(r)[0] == pytest.approx(np.mean(r**2))


def test_ewma_uses_only_the_past():
    r = np.array([0.01, -0.02, 0.03, 0.5])
    a, b = (
        volatility.ewma_variance(r),
        volatility.ewma_variance(np.r_[r[:3], -9.0], init=np.mean(r**2)),
    )
    assert a[3] == b[3]  # day 3's forecast ignores day 3's return


def test_har_features_by_hand():
    v = np.arange(1.0, 11.0)  # 1, 2, ..., 10
    x = volatility.har_features(v, windows=(1, 2, 4))
    assert np.isnan(x[:4]).all()
    assert np.allclose(x[4], [4.0, 3.5, 2.5])  # v[3]; mean v[2:4]; mean v[0:4]
    assert np.allclose(x[9], [9.0, 8.5, 7.5])


def test_qlike_zero_at_the_truth_and_asymmetric():
    y = np.array([1.0, 2.0, 0.5])
    assert np.allclose(volatility.qlike(y, y), 0.0)
    under, over = (
        volatility.qlike([1.0], [0.5])[0],
        volatility.qlike([1.0], [2.0])[0],
    )
    assert under == pytest.approx(
        2 - math.log(2) - 1
    ) and over == pytest.approx(0.5 + math.log(2) - 1)
    assert under > over  # under-prediction costs more


def test_qlike_zero_proxy_keeps_the_loss_differences():
    h1, h2 = np.array([0.5]), np.array([2.0])
    d_zero = volatility.qlike([0.0], h1) - volatility.qlike([0.0], h2)
    assert d_zero[0] == pytest.approx(
        math.log(0.5) - math.log(2.0)
    )  # log h + proxy / h


def test_pit_and_coverage():
    samples = np.arange(100.0)[:, None] * np.ones(
        (1, 3)
    )  # (100, 3): 0..99 in each column
    assert np.allclose(
        volatility.pit(samples, [10.0, 50.5, 200.0]), [0.10, 0.51, 1.0]
    )
    assert volatility.interval_coverage([1.0, 2.0, 5.0, -1.0], 0.0, 2.0) == 0.5


@pytest.mark.parametrize(
    "call, match",
    [
        (
            lambda: volatility.parkinson_variance([1.0, 2.0], [1.0]),
            "low must have",
        ),
        (
            lambda: volatility.parkinson_variance([1.0], [2.0]),
            "low must be positive",
        ),
        (
            lambda: volatility.parkinson_variance([1.0], [0.0]),
            "low must be positive",
        ),
        (lambda: volatility.ewma_variance([0.1, 0.2], lam=1.0), "lam must be"),
        (
            lambda: volatility.ewma_variance([0.1, 0.2], init=0.0),
            "init must be",
        ),
        (lambda: volatility.ewma_variance([[0.1]]), "r must be a 1-D"),
        (
            lambda: volatility.har_features(np.ones(10), windows=(5, 1)),
            "windows must be",
        ),
        (
            lambda: volatility.har_features(np.ones(10), windows=(1, 10)),
            "windows must be",
        ),
        (lambda: volatility.qlike([1.0], [0.0]), "forecast must be positive"),
        (
            lambda: volatility.qlike([-1.0], [1.0]),
            "proxy must be non-negative",
        ),
        (
            lambda: volatility.qlike([1.0, 2.0], [1.0]),
            "forecast must have the shape",
        ),
        (
            lambda: volatility.pit(np.ones((5, 2)), [1.0, 2.0, 3.0]),
            "samples must have shape",
        ),
        (
            lambda: volatility.interval_coverage([1.0], 2.0, 1.0),
            "lower must not exceed",
        ),
        (
            lambda: volatility.interval_coverage([], 0.0, 1.0),
            "must not be empty",
        ),
    ],
)
def test_bad_input_raises_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()
