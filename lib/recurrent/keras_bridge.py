"""Moving weights between the numpy cells and Keras layers (chapter 6).

The parameter dicts of rnn, lstm and gru use Keras's names, shapes and gate
orders, so the bridge is only a list in the order of layer.get_weights():
[kernel, recurrent_kernel, bias]. Nothing is transposed or reordered.

Keras (and TensorFlow) are imported inside the functions: `import recurrent`
stays light.
"""

import os

import numpy as np

from .checks import check_mask

KINDS = ("rnn", "lstm", "gru")
WEIGHT_NAMES = ("kernel", "recurrent_kernel", "bias")


def quiet_tensorflow():
    """Set the environment variables that keep TensorFlow quiet; harmless if it
    is already loaded.

    TF_CPP_MIN_LOG_LEVEL=3: no C++ info or warning lines on stderr.
    TF_ENABLE_ONEDNN_OPTS=0: no oneDNN banner, and steadier float results.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")


def to_keras(params):
    """The weights list for layer.set_weights(): [kernel, recurrent_kernel,
    bias].

    Args:
        params: dict from rnn/lstm/gru.init_params (or trained).

    Returns:
        list of the three arrays themselves (no copies), in layer.get_weights()
        order.
    """
    peepholes = [key for key in params if "peephole" in key]
    if peepholes:
        raise ValueError(
            f"params has peephole weights {peepholes}: Keras 3 has no "
            "peephole LSTM layer; "
            "rc.keras_cells builds one as a custom cell"
        )
    missing = [key for key in WEIGHT_NAMES if key not in params]
    if missing or len(params) != 3:
        raise ValueError(
            f"params must have exactly the keys {list(WEIGHT_NAMES)}, got "
            f"{list(params)}"
        )
    return [params[key] for key in WEIGHT_NAMES]


def from_keras(layer):
    """The parameter dict of a Keras SimpleRNN, LSTM or GRU layer (copies of
    its weights).

    Args:
        layer: a built keras.layers.SimpleRNN, LSTM or GRU with use_bias=True.

    Returns:
        dict kernel (D, kH), recurrent_kernel (H, kH), bias (kH,) or (2, 3H)
        for a reset_after GRU.
    """
    weights = layer.get_weights()
    if len(weights) != 3:
        raise ValueError(
            "layer must be a built SimpleRNN, LSTM or GRU with a bias (3 "
            "weights), "
            f"got {len(weights)} weights"
        )
    return {key: np.array(w) for key, w in zip(WEIGHT_NAMES, weights)}


def cell_module(kind):
    """The numpy cell module of `kind`: "rnn", "lstm" or "gru" (or one of those
    modules itself)."""
    from . import gru, lstm, rnn

    modules = {"rnn": rnn, "lstm": lstm, "gru": gru}
    if isinstance(kind, str) and kind in modules:
        return modules[kind]
    if any(kind is m for m in modules.values()):
        return kind
    raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")


def keras_layer(kind, params, **kw):
    """A built Keras layer that computes what the numpy cell computes with
    these params.

    Args:
        kind: "rnn" (SimpleRNN), "lstm" or "gru", or the cell module (rc.rnn,
            rc.lstm, rc.gru).
        params: dict as the cell's init_params returns it; its dtype becomes
            the layer's dtype, and for the GRU its bias shape decides
            reset_after ((2, 3H) True, (3H,) False).
        **kw: further keyword arguments for the layer (e.g. name=...).

    Returns:
        keras layer with return_sequences=True and return_state=True, weights
        set from params. Called as layer(x, initial_state=[h0] or [h0, c0]) it
        returns [h_seq, h_T] or [h_seq, h_T, c_T] for the LSTM.
    """
    import keras

    module = cell_module(kind)
    weights = to_keras(params)
    kernel, recurrent_kernel, bias = weights
    H = recurrent_kernel.shape[0]
    if module.KERAS_NAME == "GRU":
        reset_after = bias.ndim == 2
        if kw.setdefault("reset_after", reset_after) != reset_after:
            raise ValueError(
                f"reset_after={kw['reset_after']} does not match "
                "params['bias'] of shape "
                f"{bias.shape}: (2, 3H) means reset_after=True, (3H,) False"
            )
    layer_class = getattr(keras.layers, module.KERAS_NAME)
    layer = layer_class(
        H,
        return_sequences=True,
        return_state=True,
        dtype=str(kernel.dtype),
        **kw,
    )
    layer.build((None, None, kernel.shape[0]))
    layer.set_weights(weights)
    return layer


def keras_forward_backward(
    kind, params, x, state0=None, dh_seq=None, dstate=None, *, mask=None
):
    """Run the Keras twin and differentiate it with tf.GradientTape, in the
    numpy cells' terms.

    The loss is L = sum(h_seq * dh_seq) + sum(final_state * dstate), so its
    gradients are exactly what the cell's backward(dh_seq, cache, dstate)
    returns: comparing the two compares the backward passes.

    Args:
        kind: "rnn", "lstm" or "gru", or the cell module.
        params: dict as the cell uses it (float32 or float64).
        x: inputs (N, T, D), dtype of params.
        state0: h0 (N, H), or (h0, c0) for the LSTM; zeros when None.
        dh_seq: (N, T, H); zeros when None.
        dstate: dh_T (N, H), or (dh_T, dc_T) for the LSTM; zeros when None.
        mask: None, or an (N, T) bool array, True for a real step, passed to
            the layer as Keras's
            mask (chapter 11): compare with the cell's forward(..., mask=mask).

    Returns:
        h_seq (N, T, H), final_state, dx (N, T, D), grads (dict like params),
        dstate0 (like state0), all numpy arrays in the dtype of params;
        final_state and dstate0 are pairs for the LSTM.
    """
    import tensorflow as tf

    module = cell_module(kind)
    layer = keras_layer(module, params)
    dtype = params["kernel"].dtype
    N, T, _ = x.shape
    H = params["recurrent_kernel"].shape[0]
    check_mask(mask, N, T)
    pair = len(module.STATE_NAMES) == 2
    as_list = list if pair else (lambda s: [s])
    zeros = [np.zeros((N, H), dtype) for _ in module.STATE_NAMES]
    states = [
        tf.constant(s) for s in (zeros if state0 is None else as_list(state0))
    ]
    dstate = zeros if dstate is None else as_list(dstate)
    dh_seq = np.zeros((N, T, H), dtype) if dh_seq is None else dh_seq
    x_tf = tf.constant(x)
    masking = {} if mask is None else {"mask": tf.constant(mask)}
    with tf.GradientTape() as tape:
        tape.watch([x_tf] + states)
        h_seq, *final = layer(x_tf, initial_state=states, **masking)
        loss = tf.reduce_sum(h_seq * dh_seq) + sum(
            tf.reduce_sum(s * d) for s, d in zip(final, dstate)
        )
    variables = [
        layer.cell.kernel,
        layer.cell.recurrent_kernel,
        layer.cell.bias,
    ]
    dx, *rest = tape.gradient(
        loss, [x_tf] + states + [v.value for v in variables]
    )
    dstate0, dweights = rest[: len(states)], rest[len(states) :]
    grads = {key: np.asarray(g) for key, g in zip(WEIGHT_NAMES, dweights)}
    final = [np.asarray(s) for s in final]
    dstate0 = [np.asarray(d) for d in dstate0]
    if pair:
        final, dstate0 = tuple(final), tuple(dstate0)
    else:
        final, dstate0 = final[0], dstate0[0]
    return np.asarray(h_seq), final, np.asarray(dx), grads, dstate0
