"""The softmax heads on top of a recurrent layer (chapter 5, training from
scratch).

A dense layer maps the last hidden state h (N, H) to C class scores (logits),
softmax turns them into probabilities and cross-entropy compares those with the
true labels. Names follow ``keras.layers.Dense``: ``kernel`` (H, C) and
``bias`` (C,), so ``[p["kernel"], p["bias"]]`` is that layer's
``get_weights()``. The same layer applied at every step (logits (N, T, V) from
h_seq (N, T, H)) is the head of the character language model.
"""

import numpy as np

from .checks import check_float_dtype, check_int, check_rng
from .init import glorot_uniform


def _check_2d(name, a, letters):
    if not isinstance(a, np.ndarray) or a.ndim != 2:
        got = a.shape if isinstance(a, np.ndarray) else type(a).__name__
        raise ValueError(
            f"{name} must be a 2-D array of shape ({letters}), got {got}"
        )
    if not np.issubdtype(a.dtype, np.floating):
        raise ValueError(f"{name} must be floating point, got dtype {a.dtype}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} contains non-finite values (NaN or inf)")


def _check_dense_params(params, H):
    if not isinstance(params, dict) or not {"kernel", "bias"} <= set(params):
        raise ValueError(
            "params must be a dict with keys 'kernel' (H, C) and 'bias' (C,)"
        )
    kernel, bias = params["kernel"], params["bias"]
    if (
        not isinstance(kernel, np.ndarray)
        or kernel.ndim != 2
        or kernel.shape[0] != H
    ):
        raise ValueError(
            f"params['kernel'] must have shape ({H}, C), got "
            f"{np.shape(kernel)}"
        )
    if not isinstance(bias, np.ndarray) or bias.shape != (kernel.shape[1],):
        raise ValueError(
            f"params['bias'] must have shape ({kernel.shape[1]},), got "
            f"{np.shape(bias)}"
        )


def init_dense(H, C, *, rng, dtype=np.float32):
    """Dense-layer parameters initialised like Keras: glorot_uniform kernel,
    zero bias.

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
    return {
        "kernel": glorot_uniform((H, C), rng, dtype),
        "bias": np.zeros(C, dtype=dtype),
    }


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
        raise ValueError(
            f"params dtype {kernel.dtype} does not match h dtype {h.dtype}"
        )
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
        raise ValueError(
            f"dlogits must have shape {(h.shape[0], kernel.shape[1])}, got "
            f"{dlogits.shape}"
        )
    dh = dlogits @ kernel.T  # (N, H)
    grads = {
        "kernel": h.T @ dlogits,  # (H, C): summed over the batch
        "bias": dlogits.sum(axis=0),
    }  # (C,)
    return dh, grads


def softmax_cross_entropy(logits, y):
    """Mean softmax cross-entropy over the batch and its gradient.

    loss = mean_n [ logsumexp(logits_n) - logits_n[y_n] ],  dlogits =
    (softmax(logits) - onehot(y)) / N.

    Args:
        logits: (N, C) class scores, floating point.
        y: (N,) integer labels in 0..C-1.

    Returns:
        (loss, dlogits): loss a Python float; dlogits (N, C), the dtype of
        `logits`.
    """
    _check_2d("logits", logits, "N, C")
    N, C = logits.shape
    y = np.asarray(y)
    if y.shape != (N,):
        raise ValueError(
            f"y must have shape ({N},) to match logits (N, C) = "
            f"{logits.shape}, got {y.shape}"
        )
    if not np.issubdtype(y.dtype, np.integer):
        raise ValueError(
            f"y must hold integer class labels, got dtype {y.dtype}"
        )
    if N == 0:
        raise ValueError("logits must hold at least one example (N >= 1)")
    if y.min() < 0 or y.max() >= C:
        raise ValueError(
            f"y must hold labels in 0..{C - 1}, got values from {y.min()} to "
            f"{y.max()}"
        )
    z = logits - logits.max(axis=1, keepdims=True)  # (N, C)
    log_sum = np.log(np.exp(z).sum(axis=1))  # (N,)
    rows = np.arange(N)
    loss = float(np.mean(log_sum - z[rows, y], dtype=np.float64))
    dlogits = np.exp(z - log_sum[:, None])  # (N, C) softmax probabilities
    dlogits[rows, y] -= 1
    dlogits /= N
    return loss, dlogits.astype(logits.dtype, copy=False)


# ------------------------------------------ a head at every step (chapter 5)


def _check_3d(name, a, letters):
    if not isinstance(a, np.ndarray) or a.ndim != 3:
        got = a.shape if isinstance(a, np.ndarray) else type(a).__name__
        raise ValueError(
            f"{name} must be a 3-D array of shape ({letters}), got {got}"
        )
    if a.shape[0] == 0 or a.shape[1] == 0:
        raise ValueError(f"{name} must have N >= 1 and T >= 1, got {a.shape}")


def sequence_dense_forward(h_seq, params):
    """The dense head at every step: logits[:, t] = h_t @ kernel + bias.

    This is what ``keras.layers.Dense`` does to a 3-D input: the same kernel
    for every step, so the N*T hidden states go through one
    (N*T, H) @ (H, V) product.

    Args:
        h_seq: (N, T, H) hidden states of a recurrent layer
            (return_sequences=True).
        params: dict ``kernel`` (H, V), ``bias`` (V,), the dtype of `h_seq`.

    Returns:
        (logits, cache): logits (N, T, V); cache for
        :func:`sequence_dense_backward`.
    """
    _check_3d("h_seq", h_seq, "N, T, H")
    N, T, H = h_seq.shape
    logits, cache = dense_forward(h_seq.reshape(N * T, H), params)  # NT, V
    return logits.reshape(N, T, -1), (cache, N, T)


def sequence_dense_backward(dlogits, cache):
    """Backward pass of :func:`sequence_dense_forward`.

    Args:
        dlogits: (N, T, V) gradient of the loss with respect to the logits.
        cache: from :func:`sequence_dense_forward`.

    Returns:
        (dh_seq, grads): dh_seq (N, T, H), the upstream gradient of *every*
        step for the cell's backward; grads dict ``kernel`` (H, V), ``bias``
        (V,), summed over N and T.
    """
    dense_cache, N, T = cache
    _check_3d("dlogits", dlogits, "N, T, V")
    if dlogits.shape[:2] != (N, T):
        raise ValueError(
            f"dlogits must have shape ({N}, {T}, V) like the forward pass, "
            f"got {dlogits.shape}"
        )
    dh, grads = dense_backward(dlogits.reshape(N * T, -1), dense_cache)
    return dh.reshape(N, T, -1), grads


def sequence_softmax_cross_entropy(logits, y, mask=None):
    """Mean softmax cross-entropy over every step of every sequence, and its
    gradient.

    loss = sum_nt m_nt [logsumexp(logits_nt) - logits_nt[y_nt]] / sum_nt m_nt,
    with m = 1 everywhere when `mask` is None (the mean over N*T, as Keras's
    SparseCategoricalCrossentropy(from_logits=True) on (N, T) labels), and
    dlogits_nt = m_nt (softmax(logits_nt) - onehot(y_nt)) / sum m.

    Args:
        logits: (N, T, V) scores, floating point.
        y: (N, T) integer targets in 0..V-1 (the next character at every step).
        mask: None, or (N, T) bool, True for a real step; padded steps add
            nothing to the loss and get zero gradient.

    Returns:
        (loss, dlogits): loss a Python float; dlogits (N, T, V), the dtype
        of `logits`.
    """
    _check_3d("logits", logits, "N, T, V")
    N, T, V = logits.shape
    y = np.asarray(y)
    if y.shape != (N, T):
        raise ValueError(
            f"y must have shape ({N}, {T}) to match logits (N, T, V) = "
            f"{logits.shape}, got {y.shape}"
        )
    if mask is None:
        loss, dlogits = softmax_cross_entropy(
            logits.reshape(N * T, V), y.reshape(N * T)
        )
        return loss, dlogits.reshape(N, T, V)
    mask = np.asarray(mask)
    if mask.shape != (N, T) or mask.dtype != bool:
        raise ValueError(
            f"mask must be a bool array of shape ({N}, {T}), got "
            f"{mask.dtype} {mask.shape}"
        )
    n_real = int(mask.sum())
    if n_real == 0:
        raise ValueError("mask must mark at least one real step (True)")
    loss, dlogits = softmax_cross_entropy(logits[mask], y[mask])  # (n, V)
    full = np.zeros_like(logits)  # padded steps: no gradient
    full[mask] = dlogits
    return loss, full
