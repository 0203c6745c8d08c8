"""Show the library's own code on a page:
``rc.show_source(rc.lstm.step_forward)``.

The chapters derive an equation and then show the function that implements it,
read from the installed module, so the page can never drift from the code it
describes. The result renders as a highlighted Python block in Jupyter and in
the built book (Markdown), and as the plain source text elsewhere.
"""

import inspect
import textwrap


class Source:
    """The source code of one function or class, as a notebook cell output.

    Attributes:
        text: the source, exactly as in the module file (dedented).
        where: "module.name", e.g. "recurrent.lstm.step_forward".
    """

    def __init__(self, text, where):
        self.text, self.where = text, where

    def _repr_markdown_(self):
        return f"`{self.where}`:\n\n```python\n{self.text.rstrip()}\n```\n"

    def __repr__(self):
        return f"# {self.where}\n{self.text.rstrip()}"


def show_source(obj):
    """The source of a function or class of the library, for display as a
    cell's output.

    Args:
        obj: a function or class defined in Python source (not a builtin or a
            lambda typed in a cell).

    Returns:
        Source, which Jupyter and the book render as a highlighted code block.
    """
    if not (inspect.isfunction(obj) or inspect.isclass(obj)):
        raise TypeError(
            "show_source needs a function or a class, got "
            f"{type(obj).__name__}"
        )
    try:
        text = inspect.getsource(obj)
    except (OSError, TypeError) as exc:
        raise TypeError(
            f"no source file for {obj.__qualname__}: {exc}"
        ) from None
    return Source(
        textwrap.dedent(text), f"{obj.__module__}.{obj.__qualname__}"
    )
