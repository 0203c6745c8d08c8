"""The loaders of recurrent.data: the parsers on small files made here, the
loaders on the real files.

The tests that read the real files carry the `data` marker (`make test-data`,
after `make data` filled the cache or with RECURRENT_DATA_MIRROR set); the rest
need neither the data nor the network (`make test-lib`).
"""

import re

import numpy as np
import pytest

from recurrent import data

# Published MNIST class counts (digits 0..9), training and test sets.
MNIST_TRAIN_COUNTS = [
    5923,
    6742,
    5958,
    6131,
    5842,
    5421,
    5918,
    6265,
    5851,
    5949,
]
MNIST_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


@pytest.mark.data
def test_load_mnist_real_files():
    (x_train, y_train), (x_test, y_test) = data.load_mnist()
    assert x_train.shape == (60000, 28, 28) and y_train.shape == (60000,)
    assert x_test.shape == (10000, 28, 28) and y_test.shape == (10000,)
    for a in (x_train, y_train, x_test, y_test):
        assert a.dtype == np.uint8
        assert (
            not a.flags.writeable
        )  # memoised: must not be changed in place by a caller
    assert np.bincount(y_train, minlength=10).tolist() == MNIST_TRAIN_COUNTS
    assert np.bincount(y_test, minlength=10).tolist() == MNIST_TEST_COUNTS
    assert x_train.max() == 255 and x_train.min() == 0
    assert (
        data.load_mnist()[0][0] is x_train
    )  # the second call is served from memory


@pytest.mark.data
def test_load_shakespeare_real_file():
    text = data.load_shakespeare()
    assert isinstance(text, str)
    assert len(text) == 1115394
    assert len(set(text)) == 65
    assert text.startswith(
        "First Citizen:\nBefore we proceed any further, hear me speak."
    )


def test_unmarked_tests_cannot_reach_the_data_files():
    # tests/conftest.py gives every test without the `data` marker an empty
    # cache and an empty mirror, so a test that needs the real files but lacks
    # the marker fails in `make test-lib` on every machine.
    assert not data.cache_dir().exists()
    with pytest.raises(data.DownloadError, match="shakespeare.txt"):
        data.fetch("shakespeare.txt")


def write_idx(path, dims, payload, *, type_code=0x08, ndim=None):
    header = bytes([0, 0, type_code, len(dims) if ndim is None else ndim])
    path.write_bytes(
        header + b"".join(d.to_bytes(4, "big") for d in dims) + payload
    )
    return path


def test_read_idx_parses_a_small_file(tmp_path):
    values = bytes(range(24))
    a = data.read_idx(write_idx(tmp_path / "ok", (2, 3, 4), values), ndim=3)
    assert a.shape == (2, 3, 4) and a.dtype == np.uint8
    np.testing.assert_array_equal(a.ravel(), np.arange(24))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"type_code": 0x0D}, "element type"),
        ({"ndim": 2}, "dimensions, expected 3"),
        ({"payload": bytes(23)}, "need 24 data bytes"),
        ({"payload": bytes(25)}, "need 24 data bytes"),
    ],
)
def test_read_idx_rejects_malformed_files(tmp_path, kwargs, match):
    payload = kwargs.pop("payload", bytes(24))
    path = write_idx(tmp_path / "bad", (2, 3, 4), payload, **kwargs)
    with pytest.raises(ValueError, match=match):
        data.read_idx(path, ndim=3)


def test_read_idx_rejects_wrong_magic_and_short_header(tmp_path):
    (tmp_path / "text").write_bytes(b"hello world")
    with pytest.raises(ValueError, match="not an IDX file"):
        data.read_idx(tmp_path / "text", ndim=1)
    (tmp_path / "short").write_bytes(bytes([0, 0, 8, 3, 0, 0]))
    with pytest.raises(ValueError, match="truncated"):
        data.read_idx(tmp_path / "short", ndim=3)


@pytest.mark.data
def test_load_sp500():
    import pandas as pd

    df = data.load_sp500()
    assert isinstance(df, pd.DataFrame)
    assert isinstance(df.index, pd.DatetimeIndex)
    assert df.index.is_monotonic_increasing
    assert df.index[0].year == 1999 and df.index[-1].year == 2018
    assert {"Open", "High", "Low", "Close", "Adj Close", "Volume"} <= set(
        df.columns
    )
    assert df["Adj Close"].notna().all() and (df["Adj Close"] > 0).all()
    df.loc[df.index[0], "Adj Close"] = -1.0  # each call gives a fresh copy
    assert data.load_sp500()["Adj Close"].iloc[0] > 0


def test_adding_problem_layout():
    n, T = 500, 9  # odd T: first half is steps 0..3, second half 4..8
    x, y = data.adding_problem(n, T, rng=np.random.default_rng(1))
    assert x.shape == (n, T, 2) and x.dtype == np.float32
    assert y.shape == (n, 1) and y.dtype == np.float32
    values, markers = x[..., 0], x[..., 1]
    assert values.min() >= 0.0 and values.max() < 1.0
    assert set(np.unique(markers).tolist()) == {0.0, 1.0}
    assert (markers[:, : T // 2].sum(axis=1) == 1).all()
    assert (markers[:, T // 2 :].sum(axis=1) == 1).all()
    marked = np.where(markers == 1.0, values, 0.0)
    np.testing.assert_allclose(y[:, 0], marked.sum(axis=1), rtol=1e-6)
    # Every position of each half is used for some sequence: the markers are
    # not stuck in place.
    assert (markers.sum(axis=0) > 0).all()


def test_adding_problem_constant_baseline_is_one_sixth():
    _, y = data.adding_problem(100_000, 10, rng=np.random.default_rng(0))
    mse = float(np.mean((y.astype(np.float64) - 1.0) ** 2))
    # Var(U1 + U2) = 2/12; the standard error of this mean over 1e5 samples is
    # about 6e-4.
    assert abs(mse - 1 / 6) < 3e-3


def test_adding_problem_is_reproducible():
    a = data.adding_problem(20, 6, rng=np.random.default_rng(7))
    b = data.adding_problem(20, 6, rng=np.random.default_rng(7))
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])


@pytest.mark.parametrize(
    "n, T, rng, name",
    [
        (0, 5, np.random.default_rng(0), "n"),
        (2.0, 5, np.random.default_rng(0), "n"),
        (True, 5, np.random.default_rng(0), "n"),
        (3, 1, np.random.default_rng(0), "T"),
        (3, "5", np.random.default_rng(0), "T"),
        (3, 5, None, "rng"),
        (3, 5, np.random.RandomState(0), "rng"),
    ],
)
def test_adding_problem_validates_arguments(n, T, rng, name):
    with pytest.raises(ValueError, match=f"^{name} must"):
        data.adding_problem(n, T, rng=rng)


def test_adding_problem_needs_rng_keyword():
    with pytest.raises(TypeError):
        data.adding_problem(3, 5, np.random.default_rng(0))


def test_adding_problem_shortest_sequences():
    x, y = data.adding_problem(np.int64(4), 2, rng=np.random.default_rng(3))
    # T=2: the first half is step 0 and the second half step 1, so both steps
    # are always marked.
    np.testing.assert_array_equal(x[..., 1], np.ones((4, 2), dtype=np.float32))
    np.testing.assert_allclose(y[:, 0], x[..., 0].sum(axis=1), rtol=1e-6)


# Published Japanese Vowels class counts (speakers 1..9), UCI page: 30 each in
# training.
VOWELS_TEST_COUNTS = [31, 35, 88, 44, 29, 24, 40, 50, 29]


@pytest.mark.data
def test_load_japanese_vowels_real_files():
    (x_train, y_train), (x_test, y_test) = data.load_japanese_vowels()
    assert (
        len(x_train) == len(y_train) == 270
        and len(x_test) == len(y_test) == 370
    )
    lengths = [len(a) for a in x_train + x_test]
    assert min(lengths) == 7 and max(lengths) == 29
    for a in x_train + x_test:
        assert a.ndim == 2 and a.shape[1] == 12 and a.dtype == np.float32
        assert not a.flags.writeable
    assert y_train.dtype == np.int64 and not y_train.flags.writeable
    assert np.bincount(y_train, minlength=9).tolist() == [30] * 9
    assert np.bincount(y_test, minlength=9).tolist() == VOWELS_TEST_COUNTS
    # the first training utterance, as the file spells it (first value of
    # channels 1 and 2)
    assert x_train[0].shape == (20, 12)
    np.testing.assert_allclose(
        x_train[0][0, :2], [1.860936, -0.207383], rtol=1e-6
    )
    again = data.load_japanese_vowels()[0][0]
    assert (
        again is not x_train and again[0] is x_train[0]
    )  # a new list of the same memoised arrays


TS_HEADER = (
    "# comment\n@problemName toy\n@dimensions 2\n@equalLength false\n"
    "@classLabel true a b\n@data\n"
)


def test_read_ts_parses_a_small_file(tmp_path):
    path = tmp_path / "toy.ts"
    path.write_text(TS_HEADER + "1,2,3:4,5,6:a\n\n0.5:-1e-3:b\n")
    series, labels = data.read_ts(path)
    assert labels == ["a", "b"]
    np.testing.assert_array_equal(
        series[0], np.array([[1, 4], [2, 5], [3, 6]], np.float32)
    )
    assert series[1].shape == (1, 2) and series[0].dtype == np.float32


@pytest.mark.parametrize(
    "body, match",
    [
        (
            "1,2:3,4:a\n1,2:3:b\n",
            "toy.ts, line 8: the 2 channels have different lengths",
        ),
        (
            "1,2:3,4:a\n1,2:3,4\n",
            "toy.ts, line 8: expected 2 channels and a label separated by "
            "':', got 2 fields",
        ),
        ("1,2:3,x:a\n", "toy.ts, line 7: a value is not a number"),
        ("1,2:3,?:a\n", "toy.ts, line 7: a value is not a number"),
        (
            "1,2:3,4:c\n",
            "toy.ts, line 7: label 'c' is not one of the @classLabel values",
        ),
        ("1,2:3,nan:a\n", "toy.ts, line 7: values must be finite"),
        ("", "toy.ts: no series after '@data'"),
    ],
)
def test_read_ts_rejects_malformed_lines(tmp_path, body, match):
    path = tmp_path / "toy.ts"
    path.write_text(TS_HEADER + body)
    with pytest.raises(ValueError, match=re.escape(match)):
        data.read_ts(path)


def test_read_ts_rejects_data_before_header(tmp_path):
    path = tmp_path / "toy.ts"
    path.write_text("@dimensions 2\n1,2:3,4:a\n")
    with pytest.raises(
        ValueError,
        match=re.escape("toy.ts, line 2: expected a '@' header line"),
    ):
        data.read_ts(path)
    path.write_text("@dimensions 2\n@data\n1,2:3,4:a\n")
    with pytest.raises(
        ValueError,
        match=re.escape(
            "toy.ts, line 2: '@data' before the '@dimensions' and "
            "'@classLabel' headers"
        ),
    ):
        data.read_ts(path)


@pytest.mark.parametrize("dims", ["0", "-2", "two", ""])
def test_read_ts_refuses_dimensions_that_are_not_a_positive_int(
    tmp_path, dims
):
    path = tmp_path / "toy.ts"
    path.write_text(
        TS_HEADER.replace("@dimensions 2", f"@dimensions {dims}")
        + "1,2:3,4:a\n"
    )
    with pytest.raises(
        ValueError,
        match=re.escape("toy.ts: '@dimensions' must be a positive int"),
    ):
        data.read_ts(path)


def test_user_agent_carries_the_package_version():
    from recurrent import __version__, download

    assert download._USER_AGENT.endswith(f"recurrent-book-data/{__version__})")
