"""recurrent: the plain RNN, the LSTM and the GRU from scratch in numpy, as the
book builds them.

Import as ``import recurrent as rc``; submodules load on first use
(``rc.lstm.forward``), so that importing the package never pulls in TensorFlow.

Conventions (shared with Keras, so weights move between the two without
reshuffling): batch-major arrays, x is (N, T, D), hidden sequences (N, T, H);
parameters are dicts named like Keras weights: ``kernel`` (D, k*H),
``recurrent_kernel`` (H, k*H), ``bias``; gate order LSTM i, f, c, o and GRU
z, r, h.
"""

import importlib

__version__ = "0.1.0"

_SUBMODULES = (
    "activations",
    "checks",
    "rnn",
    "lstm",
    "gru",
    "gradcheck",
    "keras_bridge",
    "keras_cells",
    "optim",
    "train",
    "heads",
    "lm",
    "data",
    "download",
    "gradient_flow",
    "bench",
    "book",
    "forecast",
    "volatility",
    "keras_recipe",
    "text",
    "experiments",
    "init",
    "fastpath",
)


def __getattr__(name):
    if name in _SUBMODULES:
        module = importlib.import_module(f".{name}", __name__)
        globals()[name] = module
        return module
    if name == "setup":
        from .book.notebook import setup

        return setup
    if name == "show_source":
        from .book.source import show_source

        return show_source
    raise AttributeError(f"module 'recurrent' has no attribute {name!r}")


def __dir__():
    return sorted(
        list(globals()) + list(_SUBMODULES) + ["setup", "show_source"]
    )
