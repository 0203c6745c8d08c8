"""The numpy side of the benchmark: one SGD training step of a cell of lib.

The step is what Keras's train_on_batch does for Input((T, D)) -> layer(H,
return_sequences=True) compiled with loss="mse" and SGD: forward over the whole
sequence, the mean squared error of h_seq against zeros, its gradient,
backward without dx (input_grad=False: the layer is the first, and Keras does
not compute the gradient of its input either), and a plain SGD update.
"""

import time


def mse_grad(h_seq):
    """d mean(h_seq^2) / d h_seq, (N, T, H): the gradient of Keras's "mse"
    against zeros."""
    return h_seq * h_seq.dtype.type(2.0 / h_seq.size)


def numpy_step(module, params, x, lr):
    """One SGD step of the numpy cell, updating `params` in place.

    Args:
        module: rc.rnn, rc.lstm or rc.gru.
        params: its parameter dict (float32), changed in place: params[key] -=
            lr * grads[key].
        x: inputs (N, T, D).
        lr: learning rate.

    Returns:
        (seconds of forward + backward, seconds of the whole step).
    """
    t0 = time.perf_counter()
    h_seq, cache = module.forward(x, params)  # (N, T, H)
    t1 = time.perf_counter()
    dh_seq = mse_grad(h_seq)  # (N, T, H)
    t2 = time.perf_counter()
    _, grads, _ = module.backward(dh_seq, cache, input_grad=False)
    t3 = time.perf_counter()
    step = x.dtype.type(lr)
    for key, g in grads.items():
        params[key] -= step * g
    return (t1 - t0) + (t3 - t2), time.perf_counter() - t0
