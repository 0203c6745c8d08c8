"""The notebook list that nbval runs: every _toc.yml notebook exactly once,
slowest first."""

import json

import pytest
import toc_notebooks as tn


def test_toc_lists_existing_notebooks_once():
    notebooks = tn.toc_notebooks()
    assert notebooks, "the table of contents lists no notebook"
    assert len(notebooks) == len(set(notebooks))
    assert all((tn.ROOT / p).is_file() for p in notebooks)


def test_longest_first_puts_measured_slow_notebooks_first():
    order = tn.longest_first(["a", "b", "c", "d"], {"c": 30.0, "a": 5.0})
    assert order == [
        "c",
        "a",
        "b",
        "d",
    ]  # unmeasured keep book order, after the measured


def test_longest_first_rejects_bad_seconds():
    with pytest.raises(ValueError, match="non-negative"):
        tn.longest_first(["a"], {"a": -1})


def test_seconds_file_names_only_notebooks_of_the_book():
    seconds = json.loads(tn.SECONDS.read_text())
    unknown = set(seconds) - set(tn.toc_notebooks())
    assert not unknown, (
        f"{tn.SECONDS.name} names notebooks the book does not list: {unknown}"
    )
