"""The book's page tooling, apart from the networks: what the notebooks use to
set themselves up, show the library's code, quote each other's numbers, print
Keras progress and draw the unrolled cell.

    notebook         setup(seed): seeds, quiet TensorFlow, the plot style
    source           show_source(fn): a library function as a code block
    glue_values      read_glue(path): the numbers another page glued
    keras_callbacks  EpochLine: one printed line per Keras epoch
    plots            draw_unrolled(T): the figure of an unrolled cell

Nothing under recurrent/ outside this folder imports it; ``rc.setup`` and
``rc.show_source`` reach into it, and ``rc.book.<module>`` loads the rest on
first use.
"""

import importlib

_SUBMODULES = (
    "notebook",
    "source",
    "glue_values",
    "keras_callbacks",
    "plots",
)


def __getattr__(name):
    if name in _SUBMODULES:
        module = importlib.import_module(f".{name}", __name__)
        globals()[name] = module
        return module
    raise AttributeError(f"module 'recurrent.book' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_SUBMODULES))
