"""The book's data: MNIST, Tiny Shakespeare, the S&P 500, Japanese Vowels and
the adding problem.

Real files come from the verified cache of :mod:`recurrent.download` (registry
in ``data/registry.json``; ``RECURRENT_DATA_HOME`` moves the cache,
``RECURRENT_DATA_MIRROR`` replaces the official hosts). The loaders memoise
their result in the process, so calling one twice in a notebook costs nothing
the second time.

Fetch and verify every file once, before any notebook runs (``make data``)::

    python -m recurrent.download fetch [mnist | shakespeare
                                        | japanese_vowels | file names ...]
"""

import functools
import math
from pathlib import Path

import numpy as np

from .checks import check_int, check_rng

# Re-exported: recurrent.data is where readers look for them.
from .download import (  # noqa: F401
    ChecksumError,
    DownloadError,
    cache_dir,
    fetch,
    registry,
)

_MNIST = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
_IDX_UBYTE = (
    0x08  # IDX element type code of unsigned bytes, the only one MNIST uses
)
_VOWELS = {
    "train": "JapaneseVowels_TRAIN.ts",
    "test": "JapaneseVowels_TEST.ts",
}
_VOWELS_D = 12  # LPC cepstrum coefficients per time step


def read_idx(path, *, ndim):
    """Parse an uncompressed IDX file of unsigned bytes (the MNIST format).

    Layout: two zero bytes, the type code 0x08, the number of dimensions, one
    big-endian uint32 per dimension, then the data in C order.

    Args:
        path: the file.
        ndim: the number of dimensions expected (3 for images, 1 for labels).

    Returns:
        Read-only uint8 array of the shape the header gives, e.g. (N, 28, 28)
        or (N,).

    Raises:
        ValueError: the magic number, the number of dimensions or the length
        does not fit.
    """
    path = Path(path)
    data = path.read_bytes()
    if len(data) < 4 or data[:2] != b"\x00\x00":
        raise ValueError(
            f"{path.name}: not an IDX file (magic bytes "
            f"{data[:4].hex() or 'missing'})"
        )
    if data[2] != _IDX_UBYTE:
        raise ValueError(
            f"{path.name}: IDX element type 0x{data[2]:02x}, expected 0x08 "
            "(unsigned byte)"
        )
    if data[3] != ndim:
        raise ValueError(
            f"{path.name}: IDX file has {data[3]} dimensions, expected {ndim}"
        )
    start = 4 + 4 * ndim
    if len(data) < start:
        raise ValueError(
            f"{path.name}: IDX header is truncated ({len(data)} bytes)"
        )
    dims = tuple(
        int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)
    )
    if len(data) - start != math.prod(dims):
        raise ValueError(
            f"{path.name}: dimensions {dims} need {math.prod(dims)} data "
            "bytes, "
            f"the file has {len(data) - start}"
        )
    # frombuffer over immutable bytes gives a read-only array: memoised data
    # cannot be changed by accident.
    return np.frombuffer(data, dtype=np.uint8, offset=start).reshape(dims)


def _mnist_split(images_name, labels_name):
    images = read_idx(fetch(images_name), ndim=3)  # (N, 28, 28)
    labels = read_idx(fetch(labels_name), ndim=1)  # (N,)
    if images.shape[1:] != (28, 28):
        raise ValueError(
            f"{images_name}: images are {images.shape[1:]}, expected (28, 28)"
        )
    if labels.shape[0] != images.shape[0]:
        raise ValueError(
            f"{labels_name}: {labels.shape[0]} labels for {images.shape[0]} "
            "images"
        )
    if labels.size and labels.max() > 9:
        raise ValueError(f"{labels_name}: label {labels.max()} outside 0..9")
    return images, labels


@functools.lru_cache(maxsize=1)
def load_mnist():
    """The MNIST digits (LeCun et al.), parsed from the four original IDX
    files.

    Used in chapter 1 (an image as a sequence; the cell run over digits),
    chapter 3 (the LSTM on digit rows), chapter 5 (the numpy models trained on
    MNIST rows) and chapter 7 (MNIST read row by row in Keras): each image is a
    sequence of T=28 rows of D=28 pixels.

    Returns:
        ``((x_train, y_train), (x_test, y_test))``, read-only uint8 arrays
        (copy before changing them):
        x_train (60000, 28, 28) pixel intensities 0..255, y_train (60000,)
        digits 0..9, x_test (10000, 28, 28), y_test (10000,).
    """
    return _mnist_split(*_MNIST["train"]), _mnist_split(*_MNIST["test"])


@functools.lru_cache(maxsize=1)
def load_shakespeare():
    """Tiny Shakespeare, the text of TensorFlow's character-level text
    generation tutorial.

    Used in chapter 10 (character-level language model, sampling with
    temperature).

    Returns:
        str of 1,115,394 characters (65 distinct), starting "First Citizen:".
    """
    return fetch("shakespeare.txt").read_bytes().decode("utf-8")


@functools.lru_cache(maxsize=1)
def _sp500():
    try:
        from arch.data import sp500
    # arch is the `data` extra, not one of the library's own dependencies
    except ImportError as exc:
        raise ImportError(
            "load_sp500 needs the 'arch' package: pip install "
            "'recurrent[data]' "
            "(requirements.txt pins it for the book)"
        ) from exc
    return sp500.load()


def load_sp500():
    """Daily S&P 500 index prices, 1999-01-04 to 2018-12-31, as shipped offline
    by the ``arch`` package.

    Used in chapter 9 (stock prices: persistence and AR baselines, returns vs.
    levels).

    Returns:
        pandas.DataFrame indexed by a DatetimeIndex of trading days (5031
        rows), with float columns ``Open``, ``High``, ``Low``, ``Close``, ``Adj
        Close`` (index points) and int ``Volume``. A fresh copy on each call,
        so that changing it does not affect later calls.
    """
    return _sp500().copy()


def read_ts(path):
    """Parse a UEA/UCR ``.ts`` file of labelled, possibly variable-length
    multivariate series.

    Layout: ``#`` comment lines, then ``@`` header lines (``@dimensions 12``,
    ``@classLabel true 1 2 ...``), then ``@data`` and one series a line: its D
    channels separated by ``:``, the values of a channel by ``,``, the class
    label last. All channels of a series have the same length T_i >= 1. Blank
    lines are skipped. Missing values (``?``) are refused.

    Args:
        path: the file.

    Returns:
        (series, labels): a list of float32 arrays (T_i, D) and a list of label
        strings.

    Raises:
        ValueError naming the file and the line (1-based) that does not fit the
        layout.
    """
    path = Path(path)
    header, series, labels = {}, [], []
    in_data = False
    for lineno, raw in enumerate(
        path.read_text(encoding="utf-8").splitlines(), start=1
    ):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        where = f"{path.name}, line {lineno}"
        if not in_data:
            if not line.startswith("@"):
                raise ValueError(
                    f"{where}: expected a '@' header line or '@data' before "
                    "the data, "
                    f"got {line[:40]!r}"
                )
            key, _, value = line[1:].partition(" ")
            key = key.lower()
            if key == "data":
                in_data = True
                if "dimensions" not in header or "classlabel" not in header:
                    raise ValueError(
                        f"{where}: '@data' before the '@dimensions' and "
                        "'@classLabel' headers"
                    )
                D, classes = _ts_layout(
                    header, path.name
                )  # once, for every data line
            else:
                header[key] = value.split()
            continue
        parts = line.split(":")
        if len(parts) != D + 1:
            raise ValueError(
                f"{where}: expected {D} channels and a label separated by "
                "':', "
                f"got {len(parts)} fields"
            )
        if parts[-1].strip() not in classes:
            raise ValueError(
                f"{where}: label {parts[-1].strip()!r} is not one of the "
                f"@classLabel values {classes}"
            )
        try:
            channels = [
                np.array([float(v) for v in p.split(",")], dtype=np.float64)
                for p in parts[:-1]
            ]
        except ValueError as exc:
            raise ValueError(
                f"{where}: a value is not a number ({exc})"
            ) from None
        lengths = {len(c) for c in channels}
        if len(lengths) != 1:
            raise ValueError(
                f"{where}: the {D} channels have different lengths "
                f"{sorted(lengths)}"
            )
        a = np.stack(channels, axis=1)  # (T_i, D)
        if not np.isfinite(a).all():
            raise ValueError(
                f"{where}: values must be finite (no NaN, inf or missing '?')"
            )
        series.append(a.astype(np.float32))
        labels.append(parts[-1].strip())
    if not in_data:
        raise ValueError(f"{path.name}: no '@data' line: not a .ts file")
    if not series:
        raise ValueError(f"{path.name}: no series after '@data'")
    return series, labels


def _ts_layout(header, name):
    try:
        D = int(header["dimensions"][0])
    except (IndexError, ValueError):
        D = 0
    if D < 1:
        raise ValueError(
            f"{name}: '@dimensions' must be a positive int, got "
            f"{header['dimensions']}"
        )
    classes = header["classlabel"]
    if not classes or classes[0].lower() != "true" or len(classes) < 2:
        raise ValueError(
            f"{name}: '@classLabel' must be 'true' followed by the labels, "
            f"got {classes}"
        )
    return D, classes[1:]


@functools.lru_cache(maxsize=1)
def _vowels():
    splits = []
    for split in ("train", "test"):
        name = _VOWELS[split]
        series, labels = read_ts(fetch(name))
        bad = [a.shape for a in series if a.shape[1] != _VOWELS_D]
        if bad:
            raise ValueError(
                f"{name}: series of shape {bad[0]}, expected (T, {_VOWELS_D})"
            )
        y = np.array(
            [int(label) - 1 for label in labels], dtype=np.int64
        )  # speakers 1..9 -> 0..8
        if y.min() < 0 or y.max() > 8:
            raise ValueError(f"{name}: speaker labels must be 1..9")
        for a in series:
            a.flags.writeable = False
        y.flags.writeable = False
        splits.append((tuple(series), y))
    return tuple(splits)


def load_japanese_vowels():
    """Japanese Vowels (Kudo, Toyama & Shimbo 1999): who of nine speakers says
    /ae/? (chapter 11).

    Each utterance is a sequence of 12 LPC cepstrum coefficients a time step, 7
    to 29 steps long; the fixed split has 270 training sequences (30 a speaker)
    and 370 test sequences. Parsed from the UEA archive's ``.ts`` files
    (registry entries ``JapaneseVowels_TRAIN.ts``, ``JapaneseVowels_TEST.ts``).

    Returns:
        ``((x_train, y_train), (x_test, y_test))``: x a new list of read-only
        float32 arrays (T_i, 12), y a read-only int64 array (N,) of speakers
        0..8 (the files' labels 1..9 minus one).
    """
    return tuple((list(x), y) for x, y in _vowels())


def adding_problem(n, T, *, rng):
    """Sample the adding problem (Hochreiter & Schmidhuber 1997; the variant of
    Le et al. 2015).

    Each sequence has two channels: random values and markers. Exactly two
    steps are marked, one in the first half (steps t = 1 .. T//2, array indices
    ``0 .. T//2 - 1``) and one in the second half (steps t = T//2 + 1 .. T);
    the target is the sum of the two marked values. A network must remember a
    value across up to T-1 steps. Predicting the constant 1 gives a mean
    squared error of 1/6 (the variance of a sum of two U(0, 1) values): the
    baseline a model has to beat. Used in chapter 8 (long-range memory).

    Args:
        n: number of sequences N, int >= 1.
        T: sequence length, int >= 2.
        rng: numpy.random.Generator, the only source of randomness.

    Returns:
        x: float32 (N, T, 2); channel 0 values uniform in [0, 1), channel 1
            markers (0 or 1).
        y: float32 (N, 1), sum of the two marked values.
    """
    n = check_int("n", n, 1)
    T = check_int("T", T, 2)
    check_rng(rng)
    half = T // 2
    values = rng.random((n, T), dtype=np.float32)  # (N, T)
    first = rng.integers(0, half, size=n)  # (N,)
    second = rng.integers(half, T, size=n)  # (N,)
    rows = np.arange(n)
    markers = np.zeros((n, T), dtype=np.float32)  # (N, T)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    x = np.stack([values, markers], axis=-1)  # (N, T, 2)
    y = (values[rows, first] + values[rows, second])[:, None]  # (N, 1)
    return x, y.astype(np.float32, copy=False)
