"""rc.setup, the first call of every notebook: it seeds every random source,
returns a Generator, keeps TensorFlow quiet (and unimported unless keras=True),
sets the plot style; keras=True also turns TensorFloat-32 off (chapter 6's
float32 equality on GPUs)."""

import os
import random
import re
import subprocess
import sys

import numpy as np
import pytest

import recurrent as rc


def draws_after_setup(seed, **kwargs):
    """Numbers from each random source the chapters use, right after
    rc.setup(seed)."""
    rng = rc.setup(seed, **kwargs)
    return rng.normal(), random.random(), np.random.rand()


def test_setup_returns_a_seeded_generator():
    rng = rc.setup(7)
    assert isinstance(rng, np.random.Generator)
    assert rng.normal() == np.random.default_rng(7).normal()


def test_setup_same_seed_same_numbers_other_seed_other_numbers():
    first = draws_after_setup(7)
    (
        random.random(),
        np.random.rand(),
    )  # move the global states on: setup must reset them
    assert draws_after_setup(7) == first
    other = draws_after_setup(8)
    assert all(
        a != b for a, b in zip(other, first)
    )  # the Generator, `random` and numpy's global state


# setup() accepts numpy integers, but random.seed refuses them since Python
# 3.11: it should seed with int(seed).
def test_setup_accepts_numpy_integers():
    assert draws_after_setup(np.int64(4)) == draws_after_setup(4)


@pytest.mark.parametrize("seed", [-1, 1.5, True, "0", None])
def test_setup_rejects_bad_seed(seed):
    with pytest.raises(
        ValueError,
        match=re.escape(f"seed must be a non-negative int, got {seed!r}"),
    ):
        rc.setup(seed)


def test_setup_keras_seeds_tensorflow_and_keras():
    tf = pytest.importorskip("tensorflow")
    keras = pytest.importorskip("keras")

    def draws(seed):
        rc.setup(seed, keras=True)
        layer = keras.layers.Dense(3)
        layer.build((None, 2))  # glorot_uniform from Keras's global seed
        return float(tf.random.uniform(())), layer.get_weights()[0].tolist()

    first = draws(3)
    assert draws(3) == first
    other = draws(4)
    assert other[0] != first[0] and other[1] != first[1]


def test_setup_keras_disables_tf32():
    tf = pytest.importorskip("tensorflow")
    tf.config.experimental.enable_tensor_float_32_execution(True)
    assert tf.config.experimental.tensor_float_32_execution_enabled()
    rng = rc.setup(3, keras=True)
    assert not tf.config.experimental.tensor_float_32_execution_enabled()
    assert isinstance(rng, np.random.Generator)


def test_disable_tf32_returns_the_new_setting():
    tf = pytest.importorskip("tensorflow")
    tf.config.experimental.enable_tensor_float_32_execution(True)
    assert rc.book.notebook.disable_tf32() is False
    assert not tf.config.experimental.tensor_float_32_execution_enabled()


def test_setup_without_keras_quiets_but_does_not_import_tensorflow():
    # A fresh interpreter: in this one other tests have imported TensorFlow
    # already.
    code = (
        "import os, sys, matplotlib as mpl, recurrent as rc; rc.setup(0); "
        "print(os.environ['TF_CPP_MIN_LOG_LEVEL'], "
        "os.environ['TF_ENABLE_ONEDNN_OPTS'], "
        "'tensorflow' in sys.modules, 'keras' in sys.modules, "
        "mpl.rcParams['axes.spines.top'])"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("TF_")}
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    assert out.stdout.split() == ["3", "0", "False", "False", "False"]
