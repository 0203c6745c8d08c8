"""The other ways to compute tanh and the sigmoid that the benchmark times
(recurrent.bench.elementwise): each gives the function, within its own error,
and the comparison reports every way."""

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import recurrent as rc
from recurrent.bench import elementwise as ew

# beyond the clamp, around zero, and the float32 overflow of exp(-a)
A = np.concatenate(
    [np.linspace(-12, 12, 4001), [-100.0, -89.0, 0.0, 1e-6, 89.0, 100.0]]
).astype(np.float32)


def test_sigmoid_exp_is_the_sigmoid_without_warnings():
    out = np.empty_like(A)
    with np.errstate(all="raise"):
        ew.sigmoid_exp(A, out)
    exact = 1 / (1 + np.exp(-A.astype(np.float64)))
    assert np.abs(out - exact).max() < 2e-7
    assert out[A == -100.0] == 0 and out[A == 100.0] == 1


def test_tanh_rational_is_within_its_stated_error_and_saturates():
    out = np.empty_like(A)
    ew.tanh_rational(A, out, np.empty((2, *A.shape), np.float32))
    err = np.abs(out - np.tanh(A.astype(np.float64)))
    # Eigen's approximation: a few float32 roundings, not np.tanh's one
    assert err.max() < 5e-7
    assert np.all(np.abs(out[np.abs(A) >= 9]) == 1)
    # and not a copy of np.tanh: the approximation has an error of its own
    assert np.abs(out - np.tanh(A)).max() > 1e-8


def test_tanh_rational_with_a_wrong_coefficient_is_far_off(monkeypatch):
    monkeypatch.setattr(ew, "ALPHA", (ew.ALPHA[0] * 1.01,) + ew.ALPHA[1:])
    out = np.empty_like(A)
    ew.tanh_rational(A, out, np.empty((2, *A.shape), np.float32))
    assert np.abs(out - np.tanh(A.astype(np.float64))).max() > 1e-3


@pytest.mark.parametrize("parts", [2, 3])
def test_split_rows_equals_one_pass(parts):
    a = np.random.default_rng(0).standard_normal((7, 5)).astype(np.float32)
    out = np.full_like(a, np.nan)
    with ThreadPoolExecutor(parts) as pool:
        ew.split_rows(
            lambda x, o: rc.activations.sigmoid(x, out=o), a, out, pool, parts
        )
    np.testing.assert_array_equal(out, rc.activations.sigmoid(a))


def test_compare_reports_every_way_with_its_error():
    result = ew.compare((8, 16), repeats=2, rng=np.random.default_rng(0))
    assert set(result) == {
        "np.tanh",
        "tanh_rational",
        "np.tanh, split",
        "sigmoid (tanh)",
        "sigmoid_exp",
        "sigmoid (tanh), split",
    }
    assert all(r["us"] > 0 for r in result.values())
    assert result["np.tanh"]["max_error"] < 1e-7
    assert 1e-8 < result["tanh_rational"]["max_error"] < 5e-7


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"shape": (0, 4)}, "rows must be"),
        ({"shape": (4, 1.5)}, "cols must be"),
        ({"threads": 1}, "threads must be"),
    ],
)
def test_compare_rejects_bad_arguments(kwargs, fragment):
    with pytest.raises(ValueError, match=fragment):
        ew.compare(**kwargs, rng=np.random.default_rng(0))


def test_command_line_prints_the_comparison_as_json(capsys):
    """With --return-memory, which leaves malloc's setting alone for the rest
    of this process."""
    import json

    argv = "--rows 4 --cols 8 --repeats 1 --lstm-split 2 --return-memory"
    assert ew.main(argv.split()) == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result) == {"machine", "ways", "lstm_split"}
    assert "tanh_rational" in result["ways"]
    assert set(result["machine"]["ns_per_element"]) == set(
        rc.bench.machine.UFUNCS
    )
    assert result["lstm_split"]["forward_ms"] > 0
