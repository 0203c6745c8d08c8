"""The cell variants and dtypes that the cell tests run over, and one comparison helper.

Imported by the test modules (pytest puts tests/ on the path), so that every test runs over the
same five variants under the same ids.
"""
import numpy as np
import pytest

CELLS = [
    pytest.param("rnn", {}, id="rnn"),
    pytest.param("lstm", {"peephole": False}, id="lstm"),
    pytest.param("lstm", {"peephole": True}, id="lstm-peephole"),
    pytest.param("gru", {"reset_after": True}, id="gru-reset_after"),
    pytest.param("gru", {"reset_after": False}, id="gru-reset_before"),
]
# The variants with a Keras twin (Keras 3 has no peephole LSTM); the variant dicts are passed to
# the Keras layers too, so they hold only keyword arguments Keras knows.
KERAS_CELLS = [
    pytest.param("rnn", {}, id="rnn"),
    pytest.param("lstm", {}, id="lstm"),
    pytest.param("gru", {"reset_after": True}, id="gru-reset_after"),
    pytest.param("gru", {"reset_after": False}, id="gru-reset_before"),
]
DTYPES = [pytest.param(np.float32, id="float32"), pytest.param(np.float64, id="float64")]


def max_abs(a, b):
    """Largest absolute difference of two arrays of the same shape and dtype, as a Python float."""
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape and a.dtype == b.dtype, (a.shape, b.shape, a.dtype, b.dtype)
    return float(np.max(np.abs(a.astype(np.float64) - b.astype(np.float64))))
