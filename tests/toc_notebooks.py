"""Print the notebooks listed in _toc.yml, one per line.

Used by `make test-notebooks` so that nbval executes exactly the chapters the
book contains. Exits non-zero if the table of contents names a notebook that
does not exist, or names none.

    python tests/toc_notebooks.py                  # book order
    python tests/toc_notebooks.py --longest-first  # slowest first

(--longest-first reads the seconds from tests/notebook_seconds.json.)

nbval's workers take notebooks in the order given (with pytest-xdist's `--dist
loadscope --no-loadscope-reorder`), so handing out the slowest first keeps one
long chapter from starting last and running alone at the end. The seconds are
the per-notebook totals pytest's --durations printed for one `make test` (one
thread per worker, two workers on 2 cores); refresh them when a chapter changes
much.
"""

import argparse
import json
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SECONDS = Path(__file__).resolve().parent / "notebook_seconds.json"


def _files(node):
    """Yield every `file:` entry of a _toc.yml node, depth first."""
    if isinstance(node, dict):
        if "file" in node:
            yield node["file"]
        for key in ("parts", "chapters", "sections"):
            for child in node.get(key, []):
                yield from _files(child)
    elif isinstance(node, list):
        for child in node:
            yield from _files(child)


def toc_notebooks(root=ROOT):
    """Return the paths (relative to `root`) of the .ipynb files listed in
    root/_toc.yml."""
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    found = []
    for entry in _files(toc):
        for suffix in (".ipynb", ".md"):
            path = root / (entry if entry.endswith(suffix) else entry + suffix)
            if path.exists():
                if path.suffix == ".ipynb":
                    found.append(path.relative_to(root).as_posix())
                break
        else:
            sys.exit(
                f"_toc.yml lists {entry!r}, but neither {entry}.ipynb nor "
                f"{entry}.md exists"
            )
    return found


def longest_first(notebooks, seconds):
    """Sort `notebooks` by measured seconds, slowest first; unmeasured ones
    keep book order, last.

    Args:
        notebooks: list of str paths, in book order.
        seconds: dict path -> float, wall seconds of one execution alone.
    """
    bad = {
        k: v
        for k, v in seconds.items()
        if not isinstance(v, (int, float)) or v < 0
    }
    if bad:
        raise ValueError(
            f"notebook seconds must be non-negative numbers, got {bad}"
        )
    order = {path: i for i, path in enumerate(notebooks)}
    return sorted(notebooks, key=lambda p: (-seconds.get(p, -1.0), order[p]))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--longest-first",
        action="store_true",
        help=f"order by the seconds in {SECONDS.name}, slowest first",
    )
    args = parser.parse_args(argv)
    notebooks = toc_notebooks()
    if not notebooks:
        sys.exit("_toc.yml lists no notebook: nothing for nbval to run")
    if args.longest_first:
        notebooks = longest_first(notebooks, json.loads(SECONDS.read_text()))
    print("\n".join(notebooks))


if __name__ == "__main__":
    main()
