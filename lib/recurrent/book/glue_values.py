"""Read the values a committed notebook glued with ``myst_nb.glue`` (chapter
12's comparison table).

``myst_nb.glue(name, value, display=False)`` stores a ``display_data`` output
whose metadata is ``{"scrapbook": {"name": name, "mime_prefix":
"application/papermill.record/"}}`` and whose data holds the value's
representation under ``application/papermill.record/text/plain`` (with
``display=True`` the prefix is empty and the key is plain ``text/plain``). The
representation is what ``repr`` printed when the notebook ran: ``0.9874``,
``'81,674'``, ``5``. This module reads it back, so that a page can quote
another chapter's measurement without retyping it.

    book = find_book_root()  # the folder with _toc.yml
    values = read_glue(book / "chapters/07_mnist_rows/mnist_rows.ipynb")
    values["mnist_test_acc_lstm"]  # 0.9874 (a float)
"""

import ast
import json
import math
import re
from pathlib import Path

_NUMPY_SCALAR = re.compile(r"^np\.(float|int|uint|bool_?|str_)\w*\((.*)\)$")
# What numpy 2 prints for its booleans and non-finite floats, which
# ast.literal_eval cannot read.
_NUMPY_NAMES = {"np.True_": True, "np.False_": False}
_NON_FINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


def find_book_root(start=None):
    """The book's root folder: `start` (default: the working directory) or the
    nearest parent that holds ``_toc.yml``. A notebook runs in its own folder,
    so chapter 12 finds the others so.

    Raises:
        ValueError: neither `start` nor any parent holds ``_toc.yml``.
    """
    start = Path.cwd() if start is None else Path(start)
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / "_toc.yml").is_file():
            return folder
    raise ValueError(
        f"start must lie inside the book (a folder with _toc.yml above it), "
        f"got {str(start)!r}"
    )


def parse_repr(text):
    """Turn a glued text/plain representation back into a Python value.

    Literals (numbers, strings, tuples, lists, dicts, booleans, None) are
    evaluated with ``ast.literal_eval``; a numpy 2 scalar repr gives the value
    inside: ``np.float64(0.98)`` and ``np.float64(nan)`` a float,
    ``np.True_`` a bool, ``np.str_('a')`` a str. Anything else (a figure's
    ``<Figure ...>``, a DataFrame) is returned as the text.
    """
    if not isinstance(text, str):
        raise ValueError(
            "text must be a str (a text/plain output), got "
            f"{type(text).__name__}"
        )
    text = text.strip()
    if text in _NUMPY_NAMES:
        return _NUMPY_NAMES[text]
    match = _NUMPY_SCALAR.match(text)
    if match:
        kind, text = match.groups()
        if kind == "float" and text in _NON_FINITE:
            return _NON_FINITE[text]
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return text


def _source_text(data, prefix):
    """The text/plain entry of one output's data, joined if stored as a list of
    lines."""
    text = data.get(prefix + "text/plain")
    if isinstance(text, list):
        text = "".join(text)
    return text


def read_glue(path):
    """Return {name: value} for every value glued in the notebook at `path`, in
    notebook order.

    Args:
        path: a .ipynb file (str or Path), committed with its outputs.

    Returns:
        dict from glue name to the value parsed by `parse_repr`; a value glued
        without a text/plain representation maps to None. If a name is glued
        twice, the later one wins (as when the cell is run again).

    Raises:
        ValueError: `path` is not an existing .ipynb file or is not a notebook
        (no "cells").
    """
    path = Path(path)
    if path.suffix != ".ipynb" or not path.is_file():
        raise ValueError(
            f"path must be an existing .ipynb notebook, got {str(path)!r}"
        )
    try:
        notebook = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise ValueError(
            f"path {str(path)!r} is not valid notebook JSON: {err}"
        ) from None
    if not isinstance(notebook, dict) or not isinstance(
        notebook.get("cells"), list
    ):
        raise ValueError(
            f"path {str(path)!r} is not a notebook: it has no list of cells"
        )
    values = {}
    for cell in notebook["cells"]:
        for output in cell.get("outputs", ()):
            meta = (output.get("metadata") or {}).get("scrapbook")
            if output.get("output_type") != "display_data" or not isinstance(
                meta, dict
            ):
                continue
            name = meta.get("name")
            if not isinstance(name, str):
                continue
            text = _source_text(
                output.get("data") or {}, meta.get("mime_prefix", "")
            )
            values[name] = None if text is None else parse_repr(text)
    return values
