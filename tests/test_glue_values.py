"""rc.book.glue_values: read back what a notebook glued, exactly as myst-nb
stores it."""

import json
import math

import pytest

import recurrent as rc

PREFIX = "application/papermill.record/"


def _glue_output(name, text, prefix=PREFIX, output_type="display_data"):
    return {
        "output_type": output_type,
        "data": {prefix + "text/plain": text},
        "metadata": {"scrapbook": {"name": name, "mime_prefix": prefix}},
    }


def _write(tmp_path, outputs, name="nb.ipynb"):
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": "# T"},
        {
            "cell_type": "code",
            "metadata": {},
            "source": "",
            "outputs": outputs,
            "execution_count": 1,
        },
    ]
    path = tmp_path / name
    path.write_text(
        json.dumps(
            {
                "cells": cells,
                "metadata": {},
                "nbformat": 4,
                "nbformat_minor": 5,
            }
        )
    )
    return path


@pytest.mark.parametrize(
    "text, value",
    [
        ("0.9874", 0.9874),
        ("5", 5),
        ("'81,674'", "81,674"),
        ("np.float64(0.25)", 0.25),
        ("np.int64(7)", 7),
        ("np.True_", True),
        ("np.False_", False),
        ("np.str_('2 of 3')", "2 of 3"),
        ("np.float32(inf)", float("inf")),
        ("np.float64(-inf)", float("-inf")),
        ("(1, 2)", (1, 2)),
        ("True", True),
        (
            "<Figure size 700x360 with 1 Axes>",
            "<Figure size 700x360 with 1 Axes>",
        ),
    ],
)
def test_parse_repr(text, value):
    parsed = rc.book.glue_values.parse_repr(text)
    assert parsed == value and type(parsed) is type(value)


def test_parse_repr_reads_a_numpy_nan_as_a_float():
    parsed = rc.book.glue_values.parse_repr("np.float64(nan)")
    assert type(parsed) is float and math.isnan(parsed)


def test_read_glue_both_prefixes_and_order(tmp_path):
    outputs = [
        _glue_output("acc", "0.98"),
        {"output_type": "stream", "name": "stdout", "text": "acc 0.5\n"},
        {
            "output_type": "display_data",
            "data": {"text/plain": "'x'"},
            "metadata": {},
        },
        _glue_output("shown", ["'12", "3'"], prefix=""),
        _glue_output("acc", "0.99"),
    ]  # glued again: the later one wins
    values = rc.book.glue_values.read_glue(_write(tmp_path, outputs))
    assert values == {"acc": 0.99, "shown": "123"}
    assert list(values) == ["acc", "shown"]


def test_read_glue_ignores_non_display_outputs(tmp_path):
    path = _write(
        tmp_path, [_glue_output("a", "1", output_type="execute_result")]
    )
    assert rc.book.glue_values.read_glue(path) == {}


def test_read_glue_rejects_bad_paths(tmp_path):
    with pytest.raises(ValueError, match="path must be an existing .ipynb"):
        rc.book.glue_values.read_glue(tmp_path / "missing.ipynb")
    text = tmp_path / "notes.txt"
    text.write_text("{}")
    with pytest.raises(ValueError, match="path must be an existing .ipynb"):
        rc.book.glue_values.read_glue(text)
    broken = tmp_path / "broken.ipynb"
    broken.write_text("{not json")
    with pytest.raises(ValueError, match="not valid notebook JSON"):
        rc.book.glue_values.read_glue(broken)
    empty = tmp_path / "empty.ipynb"
    empty.write_text("{}")
    with pytest.raises(ValueError, match="not a notebook"):
        rc.book.glue_values.read_glue(empty)


def test_reads_a_committed_chapter():
    """Chapter 1 as committed: MNIST read row by row has T = D = 28 and 60,000
    images."""
    from pathlib import Path

    path = (
        Path(__file__).resolve().parent.parent
        / "chapters/01_recurrent_cell/01_sequences_as_data.ipynb"
    )
    values = rc.book.glue_values.read_glue(path)
    assert values["seq_T"] == 28 and values["seq_D"] == 28
    # glued as a raw int; the prose formats it ({glue:text}`n_train:,d`)
    assert values["n_train"] == 60_000 and type(values["n_train"]) is int


def test_find_book_root(tmp_path):
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    assert (
        rc.book.glue_values.find_book_root(root / "chapters" / "07_mnist_rows")
        == root
    )
    assert rc.book.glue_values.find_book_root(root) == root
    with pytest.raises(ValueError, match="start must lie inside the book"):
        rc.book.glue_values.find_book_root(tmp_path)
