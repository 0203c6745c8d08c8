"""The numpy cells against their Keras twins: same weights in, same outputs and
gradients out.

Random weights (non-zero biases), random inputs and non-zero initial states;
the loss is a random projection of the whole hidden sequence plus one of the
final state(s), differentiated by backward on one side and by tf.GradientTape
(rc.keras_bridge.keras_forward_backward) on the other. The largest differences
are printed in a table at the end of the module (visible with pytest -s).

TensorFlow is imported by a fixture, so the rest of the suite never loads it.
"""

import subprocess
import sys

import numpy as np
import pytest
from cell_cases import (
    DTYPES,
    max_abs,
    parts,
    random_case,
)
from cell_cases import (
    KERAS_CELLS as CELLS,
)

import recurrent as rc

TOL = {np.float32: 1e-5, np.float64: 1e-10}
N, T, D, H = 3, 5, 4, 6

MAX_DIFFS = {}  # (cell, dtype) -> (outputs, gradients)


@pytest.fixture(scope="module")
def keras(tf):
    import keras

    yield keras
    if MAX_DIFFS:
        print("\n\nmax |numpy - keras|            outputs     gradients")
        for (cell, dtype), (out, grad) in sorted(MAX_DIFFS.items()):
            print(f"{cell:<18} {dtype:<9}  {out:10.2e}  {grad:10.2e}")


def _random_case(kind, variant, dtype, seed):
    return random_case(
        kind,
        variant,
        np.random.default_rng(seed),
        N=N,
        T=T,
        D=D,
        H=H,
        dtype=dtype,
        scale=0.4,
        state_scale=0.5,
    )  # trained-looking weights, biases too


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind, variant", CELLS)
def test_outputs_and_gradients_match_keras(keras, kind, variant, dtype):
    module, params, x, state0, dh_seq, dstate = _random_case(
        kind, variant, dtype, seed=11
    )
    h_seq, cache = module.forward(x, params, state0, **variant)
    final = module.final_state(cache)
    dx, grads, dstate0 = module.backward(dh_seq, cache, dstate)

    k_h_seq, k_final, k_dx, k_grads, k_dstate0 = (
        rc.keras_bridge.keras_forward_backward(
            kind, params, x, state0, dh_seq, dstate
        )
    )

    out_diffs = {"h_seq": max_abs(h_seq, k_h_seq)}
    out_diffs.update(
        {
            f"final[{j}]": max_abs(a, b)
            for j, (a, b) in enumerate(
                zip(parts(final), parts(k_final), strict=True)
            )
        }
    )
    grad_diffs = {"x": max_abs(dx, k_dx)}
    grad_diffs.update(
        {
            key: max_abs(grads[key], k_grads[key])
            for key in ("kernel", "recurrent_kernel", "bias")
        }
    )
    grad_diffs.update(
        {
            f"state0[{j}]": max_abs(a, b)
            for j, (a, b) in enumerate(
                zip(parts(dstate0), parts(k_dstate0), strict=True)
            )
        }
    )
    label = (
        kind
        if "reset_after" not in variant
        else f"{kind}-reset_{'after' if variant['reset_after'] else 'before'}"
    )
    MAX_DIFFS[(label, np.dtype(dtype).name)] = (
        max(out_diffs.values()),
        max(grad_diffs.values()),
    )

    tol = TOL[dtype]
    assert max(out_diffs.values()) < tol, out_diffs
    assert max(grad_diffs.values()) < tol, grad_diffs
    # the gradients are not trivially small: the comparison means something
    assert (
        np.abs(grads["recurrent_kernel"]).max() > 0.1
        and np.abs(dx).max() > 0.1
    )


@pytest.mark.parametrize("kind, variant", CELLS)
def test_weights_round_trip_in_get_weights_order(keras, kind, variant):
    dtype = np.float32
    module, params, *_ = _random_case(kind, variant, dtype, seed=12)
    layer_class = getattr(
        keras.layers, {"rnn": "SimpleRNN", "lstm": "LSTM", "gru": "GRU"}[kind]
    )
    # a layer made directly by Keras, not by the bridge: its own layout must be
    # the cell's layout
    layer = layer_class(H, **variant)
    layer.build((None, None, D))
    assert [w.path.split("/")[-1] for w in layer.weights] == [
        "kernel",
        "recurrent_kernel",
        "bias",
    ]
    assert [w.shape for w in layer.get_weights()] == [
        p.shape for p in rc.keras_bridge.to_keras(params)
    ]

    layer.set_weights(rc.keras_bridge.to_keras(params))
    for got, want in zip(
        layer.get_weights(),
        [params["kernel"], params["recurrent_kernel"], params["bias"]],
        strict=True,
    ):
        np.testing.assert_array_equal(got, want)
    back = rc.keras_bridge.from_keras(layer)
    assert back.keys() == params.keys()
    for key in params:
        np.testing.assert_array_equal(back[key], params[key])
        assert back[key] is not params[key]


@pytest.mark.parametrize("kind, variant", CELLS)
def test_keras_initialised_layer_runs_in_numpy(keras, kind, variant):
    # the other direction: weights Keras drew itself, imported with from_keras,
    # give Keras's outputs
    layer_class = getattr(keras.layers, getattr(rc, kind).KERAS_NAME)
    layer = layer_class(H, return_sequences=True, **variant)
    x = np.random.default_rng(13).normal(size=(N, T, D)).astype(np.float32)
    expected = np.asarray(layer(x))
    h_seq, _ = getattr(rc, kind).forward(
        x, rc.keras_bridge.from_keras(layer), **variant
    )
    assert max_abs(h_seq, expected) < TOL[np.float32]


def test_bridge_refuses_what_has_no_keras_twin(keras):
    rng = np.random.default_rng(0)
    with pytest.raises(
        ValueError,
        match=r"params has peephole weights .*has no peephole LSTM layer",
    ):
        rc.keras_bridge.to_keras(
            rc.lstm.init_params(D, H, rng=rng, peephole=True)
        )
    with pytest.raises(
        ValueError,
        match=r"reset_after=False does not match params\['bias'\] "
        r"of shape \(2, 18\)",
    ):
        rc.keras_bridge.keras_layer(
            "gru", rc.gru.init_params(D, H, rng=rng), reset_after=False
        )
    with pytest.raises(
        ValueError,
        match=r"kind must be one of \('rnn', 'lstm', 'gru'\), "
        r"got 'transformer'",
    ):
        rc.keras_bridge.keras_layer(
            "transformer", rc.rnn.init_params(D, H, rng=rng)
        )
    with pytest.raises(
        ValueError,
        match=r"params must have exactly the keys "
        r"\['kernel', 'recurrent_kernel', 'bias'",
    ):
        rc.keras_bridge.to_keras({"kernel": np.zeros((D, H))})


def test_the_cells_never_import_tensorflow():
    code = (
        "import sys, numpy as np, recurrent as rc; rc.keras_bridge; "
        "p = rc.lstm.init_params(2, 3, rng=np.random.default_rng(0)); "
        "rc.keras_bridge.to_keras(p); "
        "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
