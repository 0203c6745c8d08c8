"""Moving weights between the numpy cells and Keras layers (chapter 6).

The parameter dicts of rnn, lstm and gru use Keras's names, shapes and gate orders, so the bridge is
only a list in the order of layer.get_weights(): [kernel, recurrent_kernel, bias]. Nothing is
transposed or reordered.

Keras (and TensorFlow) are imported inside the functions: `import recurrent` stays light.
"""
import numpy as np

KINDS = ("rnn", "lstm", "gru")
WEIGHT_NAMES = ("kernel", "recurrent_kernel", "bias")


def to_keras(params):
    """The weights list for layer.set_weights(): [kernel, recurrent_kernel, bias].

    Args:
        params: dict from rnn/lstm/gru.init_params (or trained).

    Returns:
        list of the three arrays themselves (no copies), in layer.get_weights() order.
    """
    peepholes = [key for key in params if "peephole" in key]
    if peepholes:
        raise ValueError(f"params has peephole weights {peepholes}: Keras has no peephole LSTM layer, "
                         "so a peephole LSTM has no Keras twin")
    missing = [key for key in WEIGHT_NAMES if key not in params]
    if missing or len(params) != 3:
        raise ValueError(f"params must have exactly the keys {list(WEIGHT_NAMES)}, got {list(params)}")
    return [params[key] for key in WEIGHT_NAMES]


def from_keras(layer):
    """The parameter dict of a Keras SimpleRNN, LSTM or GRU layer (copies of its weights).

    Args:
        layer: a built keras.layers.SimpleRNN, LSTM or GRU with use_bias=True.

    Returns:
        dict kernel (D, kH), recurrent_kernel (H, kH), bias (kH,) or (2, 3H) for a reset_after GRU.
    """
    weights = layer.get_weights()
    if len(weights) != 3:
        raise ValueError(f"layer must be a built SimpleRNN, LSTM or GRU with a bias (3 weights), "
                         f"got {len(weights)} weights")
    return {key: np.array(w) for key, w in zip(WEIGHT_NAMES, weights)}


def keras_layer(kind, params, **kw):
    """A built Keras layer that computes what the numpy cell computes with these params.

    Args:
        kind: "rnn" (SimpleRNN), "lstm" or "gru".
        params: dict as the cell's init_params returns it; its dtype becomes the layer's dtype,
            and for the GRU its bias shape decides reset_after ((2, 3H) True, (3H,) False).
        **kw: further keyword arguments for the layer (e.g. name=...).

    Returns:
        keras layer with return_sequences=True and return_state=True, weights set from params.
        Called as layer(x, initial_state=[h0] or [h0, c0]) it returns [h_seq, h_T] or
        [h_seq, h_T, c_T] for the LSTM.
    """
    import keras

    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    weights = to_keras(params)
    kernel, recurrent_kernel, bias = weights
    H = recurrent_kernel.shape[0]
    layer_class = {"rnn": keras.layers.SimpleRNN, "lstm": keras.layers.LSTM, "gru": keras.layers.GRU}[kind]
    if kind == "gru":
        reset_after = bias.ndim == 2
        if kw.setdefault("reset_after", reset_after) != reset_after:
            raise ValueError(f"reset_after={kw['reset_after']} does not match params['bias'] of shape "
                             f"{bias.shape}: (2, 3H) means reset_after=True, (3H,) False")
    layer = layer_class(H, return_sequences=True, return_state=True, dtype=str(kernel.dtype), **kw)
    layer.build((None, None, kernel.shape[0]))
    layer.set_weights(weights)
    return layer


def keras_forward_backward(kind, params, x, state0=None, dh_seq=None, dstate=None):
    """Run the Keras twin and differentiate it with tf.GradientTape, in the numpy cells' terms.

    The loss is L = sum(h_seq * dh_seq) + sum(final_state * dstate), so its gradients are exactly
    what the cell's backward(dh_seq, cache, dstate) returns: comparing the two compares the
    backward passes.

    Args:
        kind: "rnn", "lstm" or "gru".
        params: dict as the cell uses it (float32 or float64).
        x: inputs (N, T, D), dtype of params.
        state0: h0 (N, H), or (h0, c0) for the LSTM; zeros when None.
        dh_seq: (N, T, H); zeros when None.
        dstate: dh_T (N, H), or (dh_T, dc_T) for the LSTM; zeros when None.

    Returns:
        h_seq (N, T, H), final_state, dx (N, T, D), grads (dict like params), dstate0 (like state0),
        all numpy arrays in the dtype of params; final_state and dstate0 are pairs for the LSTM.
    """
    import tensorflow as tf

    layer = keras_layer(kind, params)
    dtype = params["kernel"].dtype
    N, T, _ = x.shape
    H = params["recurrent_kernel"].shape[0]
    n_states = 2 if kind == "lstm" else 1
    if state0 is None:
        state0 = [np.zeros((N, H), dtype) for _ in range(n_states)]
    states = [tf.constant(s) for s in (state0 if n_states == 2 else [state0])]
    dstate = [np.zeros((N, H), dtype)] * n_states if dstate is None else (dstate if n_states == 2 else [dstate])
    dh_seq = np.zeros((N, T, H), dtype) if dh_seq is None else dh_seq
    x_tf = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch([x_tf] + states)
        h_seq, *final = layer(x_tf, initial_state=states)
        loss = tf.reduce_sum(h_seq * dh_seq) + sum(tf.reduce_sum(s * d) for s, d in zip(final, dstate))
    variables = [layer.cell.kernel, layer.cell.recurrent_kernel, layer.cell.bias]
    dx, *rest = tape.gradient(loss, [x_tf] + states + [v.value for v in variables])
    dstate0, dweights = rest[:n_states], rest[n_states:]
    grads = {key: np.asarray(g) for key, g in zip(WEIGHT_NAMES, dweights)}
    final = [np.asarray(s) for s in final]
    dstate0 = [np.asarray(d) for d in dstate0]
    if n_states == 1:
        final, dstate0 = final[0], dstate0[0]
    else:
        final, dstate0 = tuple(final), tuple(dstate0)
    return np.asarray(h_seq), final, np.asarray(dx), grads, dstate0
