"""The classifier head on top of a recurrent layer (chapter 5, training from scratch).

A dense layer maps the last hidden state h (N, H) to C class scores (logits), softmax turns them into
probabilities and cross-entropy compares those with the true labels. Names follow ``keras.layers.Dense``:
``kernel`` (H, C) and ``bias`` (C,), so ``[p["kernel"], p["bias"]]`` is that layer's ``get_weights()``.
"""
import numpy as np

from .checks import check_float_dtype, check_int, check_rng
from .init import glorot_uniform


def _check_2d(name, a, letters):
    if not isinstance(a, np.ndarray) or a.ndim != 2:
        got = a.shape if isinstance(a, np.ndarray) else type(a).__name__
        raise ValueError(f"{name} must be a 2-D array of shape ({letters}), got {got}")
    if not np.issubdtype(a.dtype, np.floating):
        raise ValueError(f"{name} must be floating point, got dtype {a.dtype}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} contains non-finite values (NaN or inf)")


def _check_dense_params(params, H):
    if not isinstance(params, dict) or not {"kernel", "bias"} <= set(params):
        raise ValueError("params must be a dict with keys 'kernel' (H, C) and 'bias' (C,)")
    kernel, bias = params["kernel"], params["bias"]
    if not isinstance(kernel, np.ndarray) or kernel.ndim != 2 or kernel.shape[0] != H:
        raise ValueError(f"params['kernel'] must have shape ({H}, C), got {np.shape(kernel)}")
    if not isinstance(bias, np.ndarray) or bias.shape != (kernel.shape[1],):
        raise ValueError(f"params['bias'] must have shape ({kernel.shape[1]},), got {np.shape(bias)}")


def init_dense(H, C, *, rng, dtype=np.float32):
    """Dense-layer parameters initialised like Keras: glorot_uniform kernel, zero bias.

    Args:
        H: int >= 1, input size (the hidden units of the recurrent layer).
        C: int >= 2, number of classes.
        rng: numpy.random.Generator.
        dtype: float32 for training, float64 for gradient checks.

    Returns:
        dict ``kernel`` (H, C), ``bias`` (C,).
    """
    H, C = check_int("H", H, 1), check_int("C", C, 2)
    check_rng(rng)
    check_float_dtype("dtype", dtype)
    # Glorot and Bengio (2010): keeps the activation variance across the layer
    return {"kernel": glorot_uniform((H, C), rng, dtype), "bias": np.zeros(C, dtype=dtype)}


def dense_forward(h, params):
    """logits = h @ kernel + bias.

    Args:
        h: (N, H) inputs, usually the last hidden state of a recurrent layer.
        params: dict ``kernel`` (H, C), ``bias`` (C,), the dtype of `h`.

    Returns:
        (logits, cache): logits (N, C); cache for :func:`dense_backward`.
    """
    _check_2d("h", h, "N, H")
    _check_dense_params(params, h.shape[1])
    kernel, bias = params["kernel"], params["bias"]
    if kernel.dtype != h.dtype or bias.dtype != h.dtype:
        raise ValueError(f"params dtype {kernel.dtype} does not match h dtype {h.dtype}")
    logits = h @ kernel + bias  # (N, C)
    return logits, (h, kernel)


def dense_backward(dlogits, cache):
    """Backward pass of :func:`dense_forward`.

    Args:
        dlogits: (N, C) gradient of the loss with respect to the logits.
        cache: from :func:`dense_forward`.

    Returns:
        (dh, grads): dh (N, H); grads dict ``kernel`` (H, C), ``bias`` (C,).
    """
    h, kernel = cache
    _check_2d("dlogits", dlogits, "N, C")
    if dlogits.shape != (h.shape[0], kernel.shape[1]):
        raise ValueError(f"dlogits must have shape {(h.shape[0], kernel.shape[1])}, got {dlogits.shape}")
    dh = dlogits @ kernel.T                          # (N, H)
    grads = {"kernel": h.T @ dlogits,                # (H, C): summed over the batch
             "bias": dlogits.sum(axis=0)}            # (C,)
    return dh, grads


def softmax_cross_entropy(logits, y):
    """Mean softmax cross-entropy over the batch and its gradient.

    loss = mean_n [ logsumexp(logits_n) - logits_n[y_n] ],  dlogits = (softmax(logits) - onehot(y)) / N.

    Args:
        logits: (N, C) class scores, floating point.
        y: (N,) integer labels in 0..C-1.

    Returns:
        (loss, dlogits): loss a Python float; dlogits (N, C), the dtype of `logits`.
    """
    _check_2d("logits", logits, "N, C")
    N, C = logits.shape
    y = np.asarray(y)
    if y.shape != (N,):
        raise ValueError(f"y must have shape ({N},) to match logits (N, C) = {logits.shape}, got {y.shape}")
    if not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"y must hold integer class labels, got dtype {y.dtype}")
    if N == 0:
        raise ValueError("logits must hold at least one example (N >= 1)")
    if y.min() < 0 or y.max() >= C:
        raise ValueError(f"y must hold labels in 0..{C - 1}, got values from {y.min()} to {y.max()}")
    z = logits - logits.max(axis=1, keepdims=True)          # (N, C)
    log_sum = np.log(np.exp(z).sum(axis=1))                 # (N,)
    rows = np.arange(N)
    loss = float(np.mean(log_sum - z[rows, y], dtype=np.float64))
    dlogits = np.exp(z - log_sum[:, None])                  # (N, C) softmax probabilities
    dlogits[rows, y] -= 1
    dlogits /= N
    return loss, dlogits.astype(logits.dtype, copy=False)
