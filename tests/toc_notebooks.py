"""Print the notebooks listed in _toc.yml, one per line, in book order.

Used by `make test-notebooks` so that nbval executes exactly the chapters the book contains.
Exits non-zero if the table of contents names a notebook that does not exist, or names none.
"""
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


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
    """Return the paths (relative to `root`) of the .ipynb files listed in root/_toc.yml."""
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
            sys.exit(f"_toc.yml lists {entry!r}, but neither {entry}.ipynb nor {entry}.md exists")
    return found


if __name__ == "__main__":
    notebooks = toc_notebooks()
    if not notebooks:
        sys.exit("_toc.yml lists no notebook: nothing for nbval to run")
    print("\n".join(notebooks))
