"""The one setup call every notebook makes first: ``rc.setup()``.

It seeds every random source the chapters use, silences TensorFlow's C++
logging *before* TensorFlow is imported (its log lines would otherwise be
stored as stderr in the notebook), and sets one plotting style for the whole
book.
"""

import random
import warnings

import numpy as np

from ..checks import check_int
from ..keras_bridge import quiet_tensorflow

DEFAULT_SEED = 0


def plot_style():
    """Apply the book's matplotlib style (inline PNG figures, readable sizes,
    light grid)."""
    import matplotlib as mpl

    mpl.rcParams.update(
        {
            "figure.figsize": (7.0, 3.6),
            "figure.dpi": 100,
            "savefig.dpi": 100,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "font.size": 10,
            "legend.frameon": False,
            "image.cmap": "viridis",
        }
    )


def disable_tf32():
    """Make TensorFlow compute float32 matmuls in full float32 precision.

    On recent NVIDIA GPUs (Ampere and later) TensorFlow runs float32 matrix
    multiplies and convolutions in TensorFloat-32 by default, which keeps only
    10 bits of mantissa (errors of about 1e-3). Chapter 6 asserts float32
    equality with numpy, so the book switches it off. It changes nothing on a
    CPU.

    Returns:
        bool, whether TensorFloat-32 is enabled afterwards (always False).
    """
    import tensorflow as tf

    tf.config.experimental.enable_tensor_float_32_execution(False)
    return tf.config.experimental.tensor_float_32_execution_enabled()


def setup(seed=DEFAULT_SEED, *, keras=False):
    """Prepare a notebook: quiet TensorFlow, seed everything, set the plot
    style.

    Args:
        seed: int, seeds Python's `random`, numpy's global state and (if
            `keras`) TensorFlow.
        keras: if True, import Keras now, call
            ``keras.utils.set_random_seed(seed)`` and turn off TensorFloat-32
            (see `disable_tf32`).

    Returns:
        numpy.random.Generator seeded with `seed`, for the explicit randomness
        lib functions take.
    """
    check_int("seed", seed, 0, expect="a non-negative int")
    quiet_tensorflow()
    warnings.filterwarnings(
        "ignore", category=DeprecationWarning, module="jupyter_client"
    )
    random.seed(int(seed))  # random.seed refuses numpy ints
    np.random.seed(seed)
    if keras:
        import keras as _keras

        _keras.utils.set_random_seed(int(seed))
        disable_tf32()
    plot_style()
    return np.random.default_rng(seed)
