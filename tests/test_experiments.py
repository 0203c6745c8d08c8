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
