"""rc.setup: keras=True turns TensorFloat-32 off (chapter 6's float32 equality on GPUs)."""
import numpy as np
import pytest

import recurrent as rc


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
    assert rc.notebook.disable_tf32() is False
    assert not tf.config.experimental.tensor_float_32_execution_enabled()


def test_setup_same_seed_same_stream():
    assert rc.setup(7).normal() == rc.setup(7).normal()
    assert rc.setup(7).normal() != rc.setup(8).normal()


@pytest.mark.parametrize("seed", [-1, 1.5, True, "0"])
def test_setup_rejects_bad_seed(seed):
    with pytest.raises(ValueError, match="seed must be a non-negative int"):
        rc.setup(seed)
