"""A peephole LSTM for Keras 3, written as a custom cell (chapter 6).

Keras 3 has no peephole LSTM layer (Keras 2 had
tf.keras.experimental.PeepholeLSTMCell). A custom recurrent cell is a small
keras.layers.Layer with a `state_size` and a
`call(inputs, states) -> (output, new_states)`; keras.layers.RNN runs it over
the time steps. This one computes chapter 3's peephole equations with
rc.lstm's weight names, shapes and gate order (i, f, c, o), so that the numpy
cell and the Keras cell can be compared number for number.

Keras is imported inside the functions, as in keras_bridge: `import recurrent`
stays light.
"""

import functools

import numpy as np

from .checks import check_sequence
from .keras_bridge import WEIGHT_NAMES
from .lstm import PEEPHOLES

WEIGHT_ORDER = WEIGHT_NAMES + PEEPHOLES  # the order of layer.get_weights()


@functools.cache
def peephole_lstm_cell_class():
    """The class PeepholeLSTMCell (a keras.layers.Layer), made on first use."""
    import keras
    from keras import ops

    class PeepholeLSTMCell(keras.layers.Layer):
        """One peephole LSTM step for keras.layers.RNN (chapter 3).

        Weights named as rc.lstm.init_params(..., peephole=True) names
        them: kernel (D, 4H), recurrent_kernel (H, 4H), bias (4H,) and the
        three peephole vectors (H,). States [h, c], each (N, H); the
        output is h (N, H).
        """

        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            if (
                isinstance(units, bool)
                or not isinstance(units, (int, np.integer))
                or units < 1
            ):
                raise ValueError(
                    f"units must be a positive int, got {units!r}"
                )
            self.units = int(units)
            self.state_size = [self.units, self.units]  # h and c
            self.output_size = self.units

        def build(self, input_shape):
            D, H = input_shape[-1], self.units

            def bias_init(shape, dtype=None):  # forget block 1, as Keras
                return ops.concatenate(
                    [
                        ops.zeros((H,), dtype),
                        ops.ones((H,), dtype),
                        ops.zeros((2 * H,), dtype),
                    ]
                )

            self.kernel = self.add_weight(
                shape=(D, 4 * H), initializer="glorot_uniform", name="kernel"
            )
            self.recurrent_kernel = self.add_weight(
                shape=(H, 4 * H),
                initializer="orthogonal",
                name="recurrent_kernel",
            )
            self.bias = self.add_weight(
                shape=(4 * H,), initializer=bias_init, name="bias"
            )
            self.peepholes = [  # p_i, p_f, p_o
                self.add_weight(
                    shape=(H,), initializer="glorot_uniform", name=name
                )
                for name in PEEPHOLES
            ]

        def call(self, inputs, states):
            h_prev, c_prev = states  # (N, H) each
            p_i, p_f, p_o = self.peepholes  # (H,) each
            a = (
                ops.matmul(inputs, self.kernel)
                + ops.matmul(h_prev, self.recurrent_kernel)
                + self.bias
            )  # (N, 4H)
            a_i, a_f, a_c, a_o = ops.split(a, 4, axis=-1)  # i, f, c, o
            i = ops.sigmoid(a_i + p_i * c_prev)  # look at c_{t-1}
            f = ops.sigmoid(a_f + p_f * c_prev)
            c = f * c_prev + i * ops.tanh(a_c)  # (3.5)
            o = ops.sigmoid(a_o + p_o * c)  # looks at c_t
            h = o * ops.tanh(c)  # (3.6)
            return h, [h, c]

        def get_config(self):
            return {**super().get_config(), "units": self.units}

    return PeepholeLSTMCell


def peephole_lstm_layer(units, **kwargs):
    """keras.layers.RNN around a PeepholeLSTMCell of `units` units.

    Args:
        units: H, a positive int.
        **kwargs: for keras.layers.RNN (return_sequences, return_state,
            dtype, ...); `dtype` is also the cell's.

    Returns:
        an unbuilt keras.layers.RNN; its get_weights() follow WEIGHT_ORDER.
    """
    import keras

    cell = peephole_lstm_cell_class()(units, dtype=kwargs.get("dtype"))
    return keras.layers.RNN(cell, **kwargs)


def to_keras(params):
    """The weights list for set_weights() of a peephole layer, WEIGHT_ORDER.

    Args:
        params: dict from rc.lstm.init_params(..., peephole=True): kernel
            (D, 4H), recurrent_kernel (H, 4H), bias (4H,), peepholes (H,).
    """
    if not isinstance(params, dict) or sorted(params) != sorted(WEIGHT_ORDER):
        got = list(params) if isinstance(params, dict) else type(params)
        raise ValueError(
            f"params must have exactly the keys {list(WEIGHT_ORDER)} "
            f"(rc.lstm.init_params(..., peephole=True)), got {got}"
        )
    return [params[key] for key in WEIGHT_ORDER]


def keras_layer(params):
    """A built peephole layer (return_sequences, return_state) with params.

    Its dtype is that of params["kernel"]. Called as
    layer(x, initial_state=[h0, c0]) it returns [h_seq (N, T, H),
    h_T (N, H), c_T (N, H)].
    """
    weights = to_keras(params)
    D, H = weights[0].shape[0], weights[1].shape[0]
    layer = peephole_lstm_layer(
        H,
        return_sequences=True,
        return_state=True,
        dtype=str(weights[0].dtype),
    )
    layer.build((None, None, D))
    layer.set_weights(weights)
    return layer


def forward_backward(params, x, state0, dh_seq, dstate):
    """Run the Keras peephole layer; differentiate L with tf.GradientTape.

    L = sum(h_seq * dh_seq) + sum(h_T * dh_T) + sum(c_T * dc_T), so the
    gradients are what rc.lstm.backward(dh_seq, cache, dstate) returns for
    rc.lstm.forward(x, params, state0, peephole=True).

    Args:
        params: dict with the peephole weights (float32 or float64).
        x: (N, T, D), in the dtype of params.
        state0: (h0, c0), each (N, H).
        dh_seq: (N, T, H).
        dstate: (dh_T, dc_T), each (N, H).

    Returns:
        h_seq (N, T, H), (h_T, c_T), dx (N, T, D), grads (dict like
        params), (dh0, dc0); numpy arrays.
    """
    import tensorflow as tf

    layer = keras_layer(params)
    kernel = params["kernel"]
    check_sequence(x, kernel.shape[0], kernel.dtype, name="x")
    x_tf = tf.constant(x)
    states = [tf.constant(s) for s in state0]
    with tf.GradientTape() as tape:
        tape.watch([x_tf] + states)
        h_seq, h_T, c_T = layer(x_tf, initial_state=states)
        loss = (
            tf.reduce_sum(h_seq * dh_seq)
            + tf.reduce_sum(h_T * dstate[0])
            + tf.reduce_sum(c_T * dstate[1])
        )
    cell = layer.cell
    weights = [cell.kernel, cell.recurrent_kernel, cell.bias, *cell.peepholes]
    dx, dh0, dc0, *dweights = tape.gradient(
        loss, [x_tf] + states + [w.value for w in weights]
    )
    grads = {key: np.asarray(g) for key, g in zip(WEIGHT_ORDER, dweights)}
    return (
        np.asarray(h_seq),
        (np.asarray(h_T), np.asarray(c_T)),
        np.asarray(dx),
        grads,
        (np.asarray(dh0), np.asarray(dc0)),
    )
