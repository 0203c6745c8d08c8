"""Tests for recurrent.experiments: seed summaries and the two clipping rules
(fast, offline)."""

import numpy as np
import pytest

from recurrent import experiments as ex


def test_seed_summary_median_and_range():
    s = ex.seed_summary([0.97, 0.99, 0.98])
    assert s == {"median": 0.98, "low": 0.97, "high": 0.99, "n": 3}
    assert ex.seed_summary([1, 2, 3, 10])["median"] == 2.5


def test_format_range():
    assert ex.format_range([0.5, 0.25, 1.0], ".2f") == "0.50 (0.25\u20131.00)"


def test_count_below():
    assert ex.count_below([0.001, 0.2, 0.009, 0.01], 0.01) == 2


@pytest.mark.parametrize("bad", [[], [[1.0, 2.0]], [np.nan], "abc", 3.0])
def test_bad_values_raise(bad):
    with pytest.raises(ValueError, match="values"):
        ex.seed_summary(bad)


def test_clip_cosines_global_keeps_direction_per_weight_does_not():
    grads = [np.array([3.0, 4.0]), np.array([0.1, 0.0])]  # norms 5 and 0.1
    c = ex.clip_cosines(grads, 1.0)
    assert c["global_"] == pytest.approx(1.0)
    assert c["n_clipped"] == 1 and c["n_arrays"] == 2
    # per weight: [0.6, 0.8] and [0.1, 0]; cosine with [3, 4, 0.1, 0] by hand
    a, raw = np.array([0.6, 0.8, 0.1, 0.0]), np.array([3.0, 4.0, 0.1, 0.0])
    expected = a @ raw / np.linalg.norm(a) / np.linalg.norm(raw)
    assert c["per_weight"] == pytest.approx(expected)
    assert c["per_weight"] < 0.999


def test_clip_cosines_no_clipping_below_threshold():
    c = ex.clip_cosines([np.ones(3) * 0.1, np.ones((2, 2)) * 0.1], 10.0)
    assert c["per_weight"] == pytest.approx(1.0) and c["n_clipped"] == 0


@pytest.mark.parametrize(
    "grads, max_norm",
    [
        ([], 1.0),
        ({"a": np.ones(2)}, 1.0),
        ([np.ones(2)], 0.0),
        ([np.ones(2)], True),
        ([np.array([np.inf])], 1.0),
        ([np.zeros(2)], 1.0),
    ],
)
def test_clip_cosines_bad_input(grads, max_norm):
    with pytest.raises(ValueError):
        ex.clip_cosines(grads, max_norm)
