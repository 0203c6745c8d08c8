"""rc.activations: correct values, stable limits at |a| = 1e4, dtypes kept,
scalars accepted.

pyproject turns RuntimeWarning into an error, so an overflow in exp would fail
these tests.
"""

import numpy as np
import pytest

import recurrent as rc

A = rc.activations
BIG = 1e4


def _reference_sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))  # fine for moderate a only


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_matches_definition_and_keeps_dtype(dtype):
    a = np.linspace(-20, 20, 81).astype(dtype)
    s = A.sigmoid(a)
    assert s.dtype == dtype and s.shape == a.shape
    tol = 1e-6 if dtype == np.float32 else 1e-14
    np.testing.assert_allclose(
        s, _reference_sigmoid(a.astype(np.float64)), rtol=0, atol=tol
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_and_tanh_limits_without_warnings(dtype):
    a = np.array([-BIG, BIG], dtype)
    np.testing.assert_array_equal(A.sigmoid(a), np.array([0.0, 1.0], dtype))
    np.testing.assert_array_equal(A.tanh(a), np.array([-1.0, 1.0], dtype))
    # derivatives from saturated outputs are exactly zero, not NaN
    np.testing.assert_array_equal(A.dsigmoid(A.sigmoid(a)), np.zeros(2, dtype))
    np.testing.assert_array_equal(A.dtanh(A.tanh(a)), np.zeros(2, dtype))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_huge_logits(dtype):
    a = np.array(
        [[BIG, 0.0, -BIG], [-BIG, -BIG, -BIG], [BIG, BIG, 0.0]], dtype
    )
    y = A.softmax(a)
    assert y.dtype == dtype and np.isfinite(y).all()
    np.testing.assert_allclose(y.sum(axis=-1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(y[0], [1.0, 0.0, 0.0], atol=1e-7)
    np.testing.assert_allclose(y[1], [1 / 3] * 3, rtol=1e-6)
    np.testing.assert_allclose(y[2], [0.5, 0.5, 0.0], atol=1e-7)


def test_softmax_axis_and_shift_invariance():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(2, 3, 5))
    y = A.softmax(a, axis=1)
    np.testing.assert_allclose(y.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(A.softmax(a + 123.0, axis=1), y, rtol=1e-12)


@pytest.mark.parametrize("value", [np.float64(1.0), 1.0, np.array(1.0)])
def test_scalars_give_float64_scalars(value):
    for f in (A.sigmoid, A.tanh):
        y = f(value)
        assert np.ndim(y) == 0 and not isinstance(y, np.ndarray)
        assert np.asarray(y).dtype == np.float64
    assert A.sigmoid(value) == pytest.approx(
        _reference_sigmoid(1.0), abs=1e-15
    )
    assert A.dsigmoid(A.sigmoid(value)) == pytest.approx(
        0.19661193324148185, abs=1e-15
    )
    assert A.dtanh(A.tanh(value)) == pytest.approx(
        1 - np.tanh(1.0) ** 2, abs=1e-15
    )


def test_float32_scalar_stays_float32():
    y = A.sigmoid(np.float32(-BIG))
    assert isinstance(y, np.float32) and y == 0.0
    assert isinstance(A.dtanh(np.float32(0.5)), np.float32)


@pytest.mark.parametrize("f, df", [(A.sigmoid, A.dsigmoid), (A.tanh, A.dtanh)])
def test_derivatives_from_outputs_match_finite_differences(f, df):
    a = np.linspace(-4, 4, 33)
    eps = 1e-6
    numeric = (f(a + eps) - f(a - eps)) / (2 * eps)
    np.testing.assert_allclose(df(f(a)), numeric, rtol=0, atol=1e-9)


def test_out_argument_writes_in_place():
    a = np.array([-1.0, 0.0, 2.0])
    expected = _reference_sigmoid(a)
    A.sigmoid(a, out=a)
    np.testing.assert_allclose(a, expected, rtol=1e-14)
