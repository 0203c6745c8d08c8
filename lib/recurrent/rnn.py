"""The plain recurrent cell (Keras SimpleRNN) in numpy: forward in chapter 1,
backward in chapter 2.

    a_t = x_t W + h_{t-1} U + b,    h_t = tanh(a_t)

with W = params["kernel"] (D, H), U = params["recurrent_kernel"] (H, H), b =
params["bias"] (H,), exactly the weights of keras.layers.SimpleRNN in the order
of layer.get_weights().

Two implementations of the same equations, as in lstm.py and gru.py:
  * `step_forward` / `step_backward`: the reference, one time step, one
    equation per line, as the chapters derive them. Chapters 1 and 2 show this
    code.
  * `forward` / `backward`: the whole sequence, fast. They add only speed (one
    multiply for the input projections of all steps, time-major arrays, the
    weight gradients after the loop, in-place updates; see fastpath.py and the
    appendix "How fast is numpy?"), and the tests check them against a chain of
    reference steps.

Masking (chapter 11): `forward(..., mask=m)` with m (N, T) bool, True for a
real step, follows Keras's
default (zero_output_for_mask=False): at a padded step the state is carried
over unchanged and the output repeats the previous one (zeros before a
sequence's first real step, as Keras starts from a zero output); backward lets
no gradient into a padded step's input or weights. The unmasked loops are
untouched; the masked ones add one `np.copyto(..., where=)` per step on the
carried state.
"""

import numpy as np

from .activations import dtanh
from .checks import (
    check_array,
    check_bool,
    check_mask,
    check_params,
    check_sequence,
    check_state,
)
from .fastpath import (
    final_state,
    flush_tiny,
    mask_time_major,
    masked_outputs,
    previous_states,
    swap_nt,
)
from .init import check_init, glorot_uniform, orthogonal

__all__ = [
    "init_params",
    "step_forward",
    "step_backward",
    "forward",
    "backward",
    "final_state",
    "KERAS_NAME",
    "BLOCKS",
    "STATE_NAMES",
]

# What the cell is, for the code around it (keras_bridge, gradcheck,
# gradient_flow, bench, the tests):
KERAS_NAME = "SimpleRNN"  # its twin in keras.layers
BLOCKS = 1  # weight blocks: kernel (D, H), recurrent_kernel (H, H)
STATE_NAMES = ("h",)  # what state0 and final_state hold: h (N, H)


# ---------------------------------------------------------------- parameters


def init_params(input_dim, units, *, rng, dtype=np.float32):
    """Parameters as keras.layers.SimpleRNN initialises them (glorot kernel,
    orthogonal U, zero bias).

    Args:
        input_dim: D, features per time step.
        units: H, size of the hidden state.
        rng: numpy.random.Generator (required: randomness in the book is always
            explicit).
        dtype: float32 for training, float64 for gradient checks.

    Returns:
        dict kernel (D, H), recurrent_kernel (H, H), bias (H,).
    """
    D, H = check_init(input_dim, units, rng, dtype)
    return {
        "kernel": glorot_uniform((D, H), rng, dtype),
        "recurrent_kernel": orthogonal((H, H), rng, dtype),
        "bias": np.zeros(H, dtype),
    }


def _check(params):
    D, H, dtype = check_params(params, 1)
    check_array("params['bias']", params["bias"], (H,), "(H,)", dtype)
    return D, H, dtype


# ------------------------------------------------ one time step: the reference
# The reference steps keep their hand-aligned equation comments (the chapters
# show them): the formatter leaves them alone.
# fmt: off

def step_forward(x_t, h_prev, params):
    """One step h_t = tanh(x_t W + h_prev U + b).

    Args:
        x_t: input at time t, (N, D).
        h_prev: previous hidden state h_{t-1}, (N, H).
        params: dict kernel (D, H), recurrent_kernel (H, H), bias (H,).

    Returns:
        h_t: (N, H).
        step_cache: dict of what step_backward needs: x_t, h_prev, h_t, params.
    """
    D, H, dtype = _check(params)
    check_sequence(x_t, D, dtype, name="x_t", step=True)
    check_state("h_prev", h_prev, x_t.shape[0], H, dtype)
    W, U, b = params["kernel"], params["recurrent_kernel"], params["bias"]
    a = x_t @ W + h_prev @ U + b                   # (N, H) pre-activation a_t
    h_t = np.tanh(a)                               # (N, H)
    return h_t, {"x_t": x_t, "h_prev": h_prev, "h_t": h_t, "params": params}


def step_backward(dh_t, step_cache):
    """Backward of step_forward: one step of chapter 2's equations.

    Args:
        dh_t: dL/dh_t, (N, H): everything that reaches h_t (its output
            and the next step).
        step_cache: from step_forward.

    Returns:
        dx_t: dL/dx_t, (N, D).
        dh_prev: dL/dh_{t-1} through this step, (N, H).
        grads: dict like params, this step's terms of the sums dW, dU, db.
    """
    x_t, h_prev, h_t = (step_cache[k] for k in ("x_t", "h_prev", "h_t"))
    W = step_cache["params"]["kernel"]
    U = step_cache["params"]["recurrent_kernel"]
    check_array("dh_t", dh_t, h_t.shape, "(N, H)", h_t.dtype)
    delta = dh_t * (1 - h_t ** 2)          # (N, H) dL/da_t: tanh' = 1 - h_t^2
    grads = {"kernel": x_t.T @ delta,              # (D, H) x_t^T delta_t
             "recurrent_kernel": h_prev.T @ delta,  # (H, H) h_{t-1}^T delta_t
             "bias": delta.sum(axis=0)}            # (H,)
    dx_t = delta @ W.T                             # (N, D)
    dh_prev = delta @ U.T                          # (N, H)
    return dx_t, dh_prev, grads

# fmt: on

# ------------------------------------------- the fast path: one step's kernels


def _cell_forward(a, h_prev, U, tmp):
    """Turn the input projection a = x_t W + b (N, H) into h_t, in place;
    returns `a`.

    tmp: (N, H) scratch, so that the loop allocates nothing.
    """
    # (N, H) pre-activation
    a += np.matmul(h_prev, U, out=tmp)
    return np.tanh(a, out=a)


def _cell_backward(dh, h_t, out):
    """Write into `out` (N, H) dL/da of the pre-activation a, from dL/dh_t and
    h_t = tanh(a)."""
    # tanh'(a) = 1 - h_t^2
    dtanh(h_t, out=out)
    out *= dh
    return out


# ------------------------------------------- the fast path: the whole sequence


def forward(x, params, state0=None, *, mask=None):
    """Run the cell over a sequence (Keras SimpleRNN with
    return_sequences=True).

    Args:
        x: inputs, (N, T, D), float32 or float64 (params must have the same
            dtype).
        params: dict kernel (D, H), recurrent_kernel (H, H), bias (H,).
        state0: h0, (N, H); zeros when None.
        mask: None, or (N, T) bool, True for a real step (chapter 11): a padded
            step carries h over and repeats the previous output (Keras,
            zero_output_for_mask=False); every row needs at least one True.

    Returns:
        h_seq: hidden states h_1..h_T, (N, T, H), dtype of x. The cache holds
            it too: do not modify it in place before calling backward.
        cache: for backward and final_state.
    """
    D, H, dtype = _check(params)
    x = check_sequence(x, D, dtype)
    N, T, _ = x.shape
    h0 = check_state("state0", state0, N, H, dtype)
    mask = check_mask(mask, N, T)
    U = params["recurrent_kernel"]
    x_tm = swap_nt(x)  # (T, N, D)
    # The input projections of all steps in one multiply; step t turns its
    # block into h_t in place.
    # (T, N, H)
    a_tm = (x_tm.reshape(T * N, D) @ params["kernel"]).reshape(T, N, H)
    a_tm += params["bias"]
    # scratch for every step
    tmp = np.empty((N, H), dtype)
    h = h0
    if mask is None:
        for t in range(T):
            # (N, H) h_t, in a_tm[t]'s memory
            h = _cell_forward(a_tm[t], h, U, tmp)
    else:
        carry, _ = mask_time_major(mask, dtype)  # (T, N, 1)
        for t in range(T):
            # (N, H) h_t, in a_tm[t]'s memory
            h_new = _cell_forward(a_tm[t], h, U, tmp)
            # padded rows keep h_{t-1}
            np.copyto(h_new, h, where=carry[t])
            h = h_new
    # (T, N, H) now h_1..h_T
    h_tm = a_tm
    # (N, T, H) view, batch-major
    h_seq = h_tm.swapaxes(0, 1)
    if mask is not None:
        h_seq = masked_outputs(h_seq, mask)
    return h_seq, {
        "x_tm": x_tm,
        "params": params,
        "h0": h0,
        "h_tm": h_tm,
        "h_seq": h_seq,
        "mask": mask,
        "state_keys": ("h_tm",),
    }


def backward(dh_seq, cache, dstate=None, *, input_grad=True):
    """Backpropagation through time for forward.

    Args:
        dh_seq: dL/dh_t for every step, (N, T, H); None means zeros (only the
            final state is used).
        cache: from forward; if forward had a mask, padded steps hand the
            gradient of the state on unchanged and give none to their input, as
            in Keras.
        dstate: dL/dh_T from whatever uses the final state, (N, H); None means
            zeros.
        input_grad: False skips dx, the gradient of the inputs, which a
            first layer does not need (Keras does not compute it either): one
            (NT, H) x (H, D) multiply less.

    Returns:
        dx: (N, T, D); None when input_grad is False.
        grads: dict with the keys of params: kernel (D, H), recurrent_kernel
            (H, H), bias (H,).
        dstate0: dL/dh0, (N, H).
    """
    input_grad = check_bool("input_grad", input_grad)
    x_tm, params, h0, h_tm = (
        cache["x_tm"],
        cache["params"],
        cache["h0"],
        cache["h_tm"],
    )
    T, N, H = h_tm.shape
    D = x_tm.shape[2]
    if dh_seq is not None:
        check_array("dh_seq", dh_seq, (N, T, H), "(N, T, H)", h_tm.dtype)
    # (N, H), updated in place
    dh = check_state("dstate", dstate, N, H, h_tm.dtype).copy()
    U_T = params["recurrent_kernel"].T
    # (T, N, H) dL/d(pre-activation)
    dA = np.empty_like(h_tm)
    mask = cache.get("mask")
    if mask is None:
        for t in reversed(range(T)):
            if dh_seq is not None:
                # (N, H) output + next step
                dh += dh_seq[:, t]
            _cell_backward(dh, h_tm[t], dA[t])
            # (N, H) the only matmul in the loop
            np.matmul(dA[t], U_T, out=dh)
            flush_tiny(dh)
    else:
        carry, real = mask_time_major(mask, h_tm.dtype)  # (T, N, 1)
        if dh_seq is not None:
            dh_seq = masked_outputs(dh_seq, mask)
        dh_carried = np.empty_like(dh)  # (N, H)
        for t in reversed(range(T)):
            if dh_seq is not None:
                dh += dh_seq[:, t]
            _cell_backward(dh, h_tm[t], dA[t])
            # a padded step gets no gradient
            dA[t] *= real[t]
            # ... and hands dh on unchanged
            np.multiply(dh, carry[t], out=dh_carried)
            np.matmul(dA[t], U_T, out=dh)
            dh += dh_carried
            flush_tiny(dh)
    dA2 = dA.reshape(T * N, H)  # (TN, H)
    grads = {
        "kernel": x_tm.reshape(T * N, D).T @ dA2,  # (D, H)
        # (H, H)
        "recurrent_kernel": previous_states(h0, h_tm).reshape(T * N, H).T
        @ dA2,
        "bias": dA2.sum(axis=0),
    }  # (H,)
    dx = None
    if input_grad:
        # (N, T, D) batch-major again
        dx = swap_nt((dA2 @ params["kernel"].T).reshape(T, N, D))
    return dx, grads, dh
