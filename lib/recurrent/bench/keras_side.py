"""The Keras side of the benchmark: the same training step, compiled three
ways.

Every variant is Input((T, D)) -> the Keras twin of the numpy cell (built by
rc.keras_bridge.keras_layer from the same params, return_sequences=True),
compiled with loss="mse" and SGD, and timed through
model.train_on_batch(x, zeros):

  default  compile() as it comes: on a CPU, TensorFlow runs the time loop as a
           graph `while` loop of small operations.
  xla      compile(jit_compile=True): XLA compiles the whole train step and
           may fuse the elementwise operations of a step.
  unroll   layer(unroll=True), default compile: the T steps become one
           straight graph, with no loop between them (more memory, longer
           tracing).

The first call of each traces the train function (and, for xla, compiles it);
the benchmark times it separately and leaves it out of the medians.
"""

import time

VARIANTS = {  # name: (layer kwargs, compile kwargs)
    "default": ({}, {}),
    "xla": ({}, {"jit_compile": True}),
    "unroll": ({"unroll": True}, {}),
}


def keras_model(kind, params, T, D, variant="default", lr=1e-3):
    """The compiled Keras model of one variant, with the weights of `params`.

    Args:
        kind: "rnn", "lstm" or "gru".
        params: the numpy cell's dict; copied into the layer (later changes to
        it do not reach Keras). T, D: steps and input features of the Input.
        variant: a key of VARIANTS.
        lr: SGD learning rate.

    Returns:
        keras.Model mapping (N, T, D) to h_seq (N, T, H).
    """
    import keras

    from .. import keras_bridge

    if variant not in VARIANTS:
        raise ValueError(
            f"variant must be one of {list(VARIANTS)}, got {variant!r}"
        )
    layer_kw, compile_kw = VARIANTS[variant]
    layer = keras_bridge.keras_layer(
        kind, params, **layer_kw
    )  # returns [h_seq, h_T(, c_T)]
    inputs = keras.Input((T, D), dtype=str(params["kernel"].dtype))
    model = keras.Model(inputs, layer(inputs)[0])
    model.compile(optimizer=keras.optimizers.SGD(lr), loss="mse", **compile_kw)
    return model


def keras_step(model, x, y):
    """Seconds of one model.train_on_batch(x, y)."""
    t0 = time.perf_counter()
    model.train_on_batch(x, y)
    return time.perf_counter() - t0
