"""The Keras 3 peephole LSTM cell (rc.keras_cells) against rc.lstm.

Same weights in (biases and peepholes moved off their initial values), same
outputs and gradients out, in float64; the loss is a random projection of the
hidden sequence and of both final states. TensorFlow is imported by the `tf`
fixture, so the rest of the suite never loads it.
"""

import numpy as np
import pytest
from cell_cases import max_abs, random_case

import recurrent as rc

N, T, D, H = 3, 6, 4, 5
PEEP = {"peephole": True}


def _case(seed, dtype=np.float64):
    return random_case(
        "lstm",
        PEEP,
        np.random.default_rng(seed),
        N=N,
        T=T,
        D=D,
        H=H,
        dtype=dtype,
        scale=0.4,
        state_scale=0.5,
    )


def _numpy_side(params, x, state0, dh_seq, dstate, peephole=True):
    h_seq, cache = rc.lstm.forward(x, params, state0, peephole=peephole)
    dx, grads, dstate0 = rc.lstm.backward(dh_seq, cache, dstate)
    return h_seq, rc.lstm.final_state(cache), dx, grads, dstate0


def test_outputs_and_gradients_match_rc_lstm_float64(tf):
    _, params, x, state0, dh_seq, dstate = _case(seed=21)
    want = _numpy_side(params, x, state0, dh_seq, dstate)
    got = rc.keras_cells.forward_backward(params, x, state0, dh_seq, dstate)
    h_seq, final, dx, grads, dstate0 = want
    k_h_seq, k_final, k_dx, k_grads, k_dstate0 = got
    assert set(k_grads) == set(grads) == set(rc.keras_cells.WEIGHT_ORDER)
    diffs = {
        "h_seq": max_abs(h_seq, k_h_seq),
        "h_T": max_abs(final[0], k_final[0]),
        "c_T": max_abs(final[1], k_final[1]),
        "dx": max_abs(dx, k_dx),
        "dh0": max_abs(dstate0[0], k_dstate0[0]),
        "dc0": max_abs(dstate0[1], k_dstate0[1]),
    }
    diffs.update({key: max_abs(grads[key], k_grads[key]) for key in grads})
    assert max(diffs.values()) < 1e-10, diffs
    # the comparison means something: every peephole gradient is far from 0
    for key in rc.lstm.PEEPHOLES:
        assert np.abs(grads[key]).max() > 1e-2, key


def test_peepholes_change_the_output(tf):
    # the Keras cell really uses the peepholes: rc.lstm without them
    # gives other numbers
    _, params, x, state0, dh_seq, dstate = _case(seed=22)
    k_h_seq = rc.keras_cells.forward_backward(
        params, x, state0, dh_seq, dstate
    )[0]
    plain = {key: params[key] for key in rc.keras_bridge.WEIGHT_NAMES}
    h_plain = _numpy_side(plain, x, state0, dh_seq, dstate, peephole=False)[0]
    assert max_abs(k_h_seq, h_plain) > 1e-2


def test_float32_agrees_to_float32_precision(tf):
    case = _case(seed=23, dtype=np.float32)[1:]
    h_seq = _numpy_side(*case)[0]
    k_h_seq = rc.keras_cells.forward_backward(*case)[0]
    assert k_h_seq.dtype == np.float32
    assert max_abs(h_seq, k_h_seq) < 1e-5


def test_fresh_layer_initialises_like_rc_lstm(tf):
    layer = rc.keras_cells.peephole_lstm_layer(H, dtype="float64")
    layer.build((None, None, D))
    names = [w.path.split("/")[-1] for w in layer.weights]
    assert names == list(rc.keras_cells.WEIGHT_ORDER)
    kernel, recurrent_kernel, bias, *peepholes = layer.get_weights()
    assert kernel.shape == (D, 4 * H) and recurrent_kernel.shape == (H, 4 * H)
    np.testing.assert_array_equal(
        bias, np.r_[np.zeros(H), np.ones(H), np.zeros(2 * H)]
    )
    np.testing.assert_allclose(
        recurrent_kernel @ recurrent_kernel.T, np.eye(H), atol=1e-6
    )
    limit = np.sqrt(6 / (2 * H))  # glorot-uniform for an (H,) vector
    for p in peepholes:
        assert p.shape == (H,) and 0 < np.abs(p).max() <= limit


def test_returns_sequences_and_states_as_keras_rnn(tf):
    import keras

    layer = rc.keras_cells.peephole_lstm_layer(H, return_sequences=True)
    out = layer(keras.ops.zeros((2, T, D)))
    assert tuple(out.shape) == (2, T, H)
    # zero input and state: the candidate and so c and h stay 0
    assert np.abs(np.asarray(out)).max() == 0.0


@pytest.mark.parametrize("units", [0, -3, 2.5, True, "8"])
def test_bad_units_raise(tf, units):
    with pytest.raises(ValueError, match="units must be a positive int"):
        rc.keras_cells.peephole_lstm_cell_class()(units)


def test_params_without_peepholes_raise():
    params = rc.lstm.init_params(D, H, rng=np.random.default_rng(0))
    with pytest.raises(
        ValueError, match=r"params must have exactly the keys .*peephole"
    ):
        rc.keras_cells.to_keras(params)
    with pytest.raises(ValueError, match="params must have exactly the keys"):
        rc.keras_cells.to_keras([params["kernel"]])
