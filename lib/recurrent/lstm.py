"""The LSTM cell (Keras LSTM) in numpy, forward and backward side by side
(chapter 3).

With the pre-activations a = x_t W + h_{t-1} U + b cut into four blocks in
Keras's gate order i, f, c, o:

    i = sigmoid(a_i)   f = sigmoid(a_f)   c~ = tanh(a_c)   o = sigmoid(a_o)
    c_t = f * c_{t-1} + i * c~          h_t = o * tanh(c_t)

W = params["kernel"] (D, 4H), U = params["recurrent_kernel"] (H, 4H), b =
params["bias"] (4H,).

`peephole=True` adds diagonal peepholes (Gers & Schmidhuber 2000), three (H,)
weights that let the gates look at the cell state: i = sigmoid(a_i + p_i *
c_{t-1}), f = sigmoid(a_f + p_f * c_{t-1}), o = sigmoid(a_o + p_o * c_t). Keras
has no such layer, so the gradient check is its only proof.

Two implementations of the same equations, as in rnn.py:
  * `step_forward` / `step_backward`: the reference, one time step, one
    equation per line with the numbers of chapter 3, which shows this code.
  * `forward` / `backward`: the whole sequence, fast (fastpath.py, the appendix
    "How fast is numpy?"):
    one matmul for all input projections, one h U per step, time-major arrays,
    gate gradients of all steps kept in one (T, N, 4H) array and turned into
    dW, dU, db, dx after the loop. The elementwise work of a step runs in place
    on the four gates stacked as (4, N, H), so that each gate is one contiguous
    block: numpy is several times slower on the strided column blocks
    [:, :H], [:, H:2H], ... of an (N, 4H) array. The tests check them against
    a chain of reference steps.

`mask=` (chapter 11) follows Keras as in rnn.py: a padded step carries (h, c)
over unchanged.
"""

from collections.abc import Mapping

import numpy as np

from .activations import dsigmoid, dtanh, sigmoid
from .checks import (
    check_array,
    check_bool,
    check_mask,
    check_params,
    check_sequence,
    check_state,
)
from .fastpath import (
    blocks,
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
    "PEEPHOLES",
    "KERAS_NAME",
    "BLOCKS",
    "STATE_NAMES",
]

# What the cell is, for the code around it (keras_bridge, gradcheck,
# gradient_flow, bench, the tests):
KERAS_NAME = "LSTM"  # its twin in keras.layers
# weight blocks: kernel (D, 4H), recurrent_kernel (H, 4H), gate order i, f, c,
# o
BLOCKS = 4
# what state0 and final_state hold: the pair (h, c), each (N, H)
STATE_NAMES = ("h", "c")

PEEPHOLES = (
    "input_gate_peephole_weights",
    "forget_gate_peephole_weights",
    "output_gate_peephole_weights",
)


def init_params(input_dim, units, *, rng, dtype=np.float32, peephole=False):
    """Parameters as keras.layers.LSTM initialises them, plus optional
    peepholes.

    Glorot-uniform kernel, orthogonal recurrent kernel, zero bias except the
    forget block, which starts at 1 (Keras unit_forget_bias=True): a new cell
    keeps its memory until it learns not to.

    The peephole weights are drawn glorot-uniform for a vector (fan_in =
    fan_out = H, limit sqrt(3 / H)), as the PeepholeLSTMCell of tf.keras did
    with these names. Small random values let every peephole receive a
    different gradient from the first step; they are drawn after the other
    weights, so kernel and recurrent_kernel equal those of the plain LSTM for
    the same rng.

    Args:
        input_dim: D.  units: H.
        rng: numpy.random.Generator (required).
        dtype: float32 for training, float64 for gradient checks.
        peephole: add the three (H,) peephole weights.

    Returns:
        dict kernel (D, 4H), recurrent_kernel (H, 4H), bias (4H,) [, the three
        peepholes (H,)].
    """
    D, H = check_init(input_dim, units, rng, dtype)
    params = {
        "kernel": glorot_uniform((D, 4 * H), rng, dtype),
        "recurrent_kernel": orthogonal((H, 4 * H), rng, dtype),
        "bias": np.zeros(4 * H, dtype),
    }
    # forget gate starts open
    params["bias"][H : 2 * H] = 1
    if peephole:
        for name in PEEPHOLES:
            params[name] = glorot_uniform((H,), rng, dtype)
    return params


def variant_of(params):
    """peephole as the keys say: True when params holds any of the PEEPHOLES
    weights."""
    return isinstance(params, Mapping) and any(
        name in params for name in PEEPHOLES
    )


def _check(params, peephole):
    has_peepholes = isinstance(params, Mapping) and any(
        name in params for name in PEEPHOLES
    )
    hints = {
        "hint_missing": " (peephole=True needs the peephole weights: "
        "init_params(..., peephole=True))"
        if peephole
        else "",
        "hint_unexpected": " (a peephole LSTM needs peephole=True)"
        if has_peepholes and not peephole
        else "",
    }
    D, H, dtype = check_params(
        params,
        4,
        extra=PEEPHOLES if peephole else (),
        gates="i, f, c, o",
        **hints,
    )
    check_array("params['bias']", params["bias"], (4 * H,), "(4H,)", dtype)
    for name in PEEPHOLES if peephole else ():
        check_array(f"params['{name}']", params[name], (H,), "(H,)", dtype)
    return D, H, dtype


def _peepholes(params, peephole):
    return tuple(params[name] for name in PEEPHOLES) if peephole else None


# ------------------------------------------------ one time step: the reference
# The reference steps keep their hand-aligned equation comments (the chapters
# show them): the formatter leaves them alone.
# fmt: off

def step_forward(x_t, state_prev, params, *, peephole=False):
    """One LSTM step, equations (3.1)-(3.6).

    Args:
        x_t: input at time t, (N, D).
        state_prev: (h_prev, c_prev), each (N, H).
        params: dict as init_params returns it.
        peephole: use the peephole weights.

    Returns:
        (h_t, c_t): each (N, H).
        step_cache: dict of what step_backward needs: x_t, h_prev,
            c_prev, the gates i, f, o and the candidate c_cand (each
            (N, H)), c_t, params, peephole.
    """
    D, H, dtype = _check(params, peephole)
    check_sequence(x_t, D, dtype, name="x_t", step=True)
    h_prev, c_prev = check_state("state_prev", state_prev, x_t.shape[0], H,
                                 dtype, pair=True)
    W, U, b = params["kernel"], params["recurrent_kernel"], params["bias"]
    a = x_t @ W + h_prev @ U + b                 # (N, 4H) pre-activations
    a_i, a_f, a_c, a_o = np.split(a, 4, axis=1)  # (N, H) each, Keras order
    if peephole:
        p_i, p_f, p_o = _peepholes(params, peephole)
        a_i = a_i + p_i * c_prev                 # the gates look at c_{t-1}
        a_f = a_f + p_f * c_prev
    i = sigmoid(a_i)                             # input gate        (3.1)
    f = sigmoid(a_f)                             # forget gate       (3.2)
    c_cand = np.tanh(a_c)                        # candidate c~      (3.3)
    c_t = f * c_prev + i * c_cand                # cell state        (3.5)
    if peephole:
        a_o = a_o + p_o * c_t                    # o looks at the new cell
    o = sigmoid(a_o)                             # output gate       (3.4)
    h_t = o * np.tanh(c_t)                       # hidden state      (3.6)
    step_cache = {"x_t": x_t, "h_prev": h_prev, "c_prev": c_prev,
                  "i": i, "f": f, "c_cand": c_cand, "o": o, "c_t": c_t,
                  "params": params, "peephole": peephole}
    return (h_t, c_t), step_cache


def step_backward(dstate_t, step_cache):
    """Backward of step_forward: (3.7)-(3.13), this step's terms of (3.14).

    Args:
        dstate_t: (dh_t, dc_t), each (N, H): h-bar_t, all that reaches h_t
            (output and next step), and c-bar_t, what reaches c_t from the
            next step.
        step_cache: from step_forward.

    Returns:
        dx_t: (N, D).
        (dh_prev, dc_prev): each (N, H), h-bar and c-bar of step t - 1
            (without its output part).
        grads: dict like params, this step's contribution.
    """
    x_t, h_prev, c_prev, c_t = (step_cache[k]
                                for k in ("x_t", "h_prev", "c_prev", "c_t"))
    i, f, c_cand, o = (step_cache[k] for k in ("i", "f", "c_cand", "o"))
    params, peephole = step_cache["params"], step_cache["peephole"]
    W, U = params["kernel"], params["recurrent_kernel"]
    dh_t, dc_t = check_state("dstate_t", dstate_t, *c_t.shape, c_t.dtype,
                             pair=True)
    tanh_c = np.tanh(c_t)                        # (N, H)
    d_o = dh_t * tanh_c * o * (1 - o)            # (3.7)
    c_hat = dc_t + dh_t * o * (1 - tanh_c ** 2)  # all that reaches c_t (3.8)
    if peephole:
        p_i, p_f, p_o = _peepholes(params, peephole)
        c_hat = c_hat + d_o * p_o                # ... and o's peephole
    d_i = c_hat * c_cand * i * (1 - i)           # (3.9)
    d_f = c_hat * c_prev * f * (1 - f)           # (3.10)
    d_c = c_hat * i * (1 - c_cand ** 2)          # (3.11)
    dc_prev = c_hat * f                          # the cell-state path (3.12)
    if peephole:
        dc_prev = dc_prev + d_i * p_i + d_f * p_f
    delta = np.concatenate([d_i, d_f, d_c, d_o], axis=1)  # (N, 4H)
    dx_t = delta @ W.T                           # (3.13)
    dh_prev = delta @ U.T                        # (3.13)
    grads = {"kernel": x_t.T @ delta,            # this step's terms of (3.14)
             "recurrent_kernel": h_prev.T @ delta,
             "bias": delta.sum(axis=0)}
    if peephole:
        grads.update(_peephole_grads(delta, c_prev, c_t, axes=0))
    return dx_t, (dh_prev, dc_prev), grads

# fmt: on

# ------------------------------------------- the fast path: one step's kernels


def _cell_forward(
    gates, proj, h_prev, c_prev, U, peep, h_out, c_out, tanh_c_out, tmp
):
    """One step: `proj` (N, 4H) = x_t W + b; writes i, f, c~, o into `gates`
    (4, N, H).

    Writes c_t into c_out, tanh(c_t) into tanh_c_out (kept for backward, which
    would otherwise compute it again) and h_t into h_out, each (N, H); peep is
    None or (p_i, p_f, p_o); tmp is an (N, 4H) scratch array, so that the loop
    allocates nothing. proj is overwritten.
    """
    H = h_prev.shape[1]
    # (N, 4H) z = x W + b + h U
    proj += np.matmul(h_prev, U, out=tmp)
    # (4, N, H) each gate contiguous
    np.copyto(gates, blocks(proj, 4))
    # (N, H) each
    i, f, g, o = gates
    # (N, H) tmp's memory, free again
    work = tmp.reshape(4, -1, H)[0]
    if peep is not None:
        i += np.multiply(peep[0], c_prev, out=work)
        f += np.multiply(peep[1], c_prev, out=work)
    # i, f: eqs (3.1), (3.2)
    sigmoid(gates[:2], out=gates[:2])
    # candidate c~: eq (3.3)
    np.tanh(g, out=g)
    np.multiply(f, c_prev, out=c_out)
    # c_t = f c_prev + i c~ (3.5)
    c_out += np.multiply(i, g, out=work)
    if peep is not None:
        # o looks at the new cell
        o += np.multiply(peep[2], c_out, out=work)
    sigmoid(o, out=o)  # eq (3.4)
    np.tanh(c_out, out=tanh_c_out)
    # h_t = o tanh(c_t) (3.6)
    np.multiply(o, tanh_c_out, out=h_out)


def _cell_backward(dh, dc, gates, c_prev, tanh_c, peep, dz, work):
    """Write dL/dz of the four pre-activations into dz (4, N, H) and turn dc
    into dL/dc_prev.

    gates: i, f, c~, o as (4, N, H); tanh_c: tanh(c_t) (N, H), from forward.
    dh, dc: everything that reaches h_t and c_t from later steps and outputs
    (N, H); dc is overwritten with dL/dc_prev. work: (2, N, H) scratch.
    """
    # (N, H) each
    i, f, g, o = gates
    # (N, H) each
    dz_i, dz_f, dz_g, dz_o = dz
    # (N, H) each
    dc_via_h, d = work
    np.multiply(dh, tanh_c, out=dz_o)
    # delta^o: eq (3.7)
    dz_o *= dsigmoid(o, out=d)
    dtanh(tanh_c, out=dc_via_h)
    dc_via_h *= o
    # h-bar o (1 - tanh^2 c_t)
    dc_via_h *= dh
    # all that reaches c_t (3.8)
    dc += dc_via_h
    if peep is not None:
        # ... and o, with a peephole
        dc += np.multiply(dz_o, peep[2], out=d)
    np.multiply(dc, g, out=dz_i)
    # delta^i: eq (3.9)
    dz_i *= dsigmoid(i, out=d)
    np.multiply(dc, c_prev, out=dz_f)
    # delta^f: eq (3.10)
    dz_f *= dsigmoid(f, out=d)
    np.multiply(dc, i, out=dz_g)
    # delta^c: eq (3.11)
    dz_g *= dtanh(g, out=d)
    # dL/dc_prev: eq (3.12)
    dc *= f
    if peep is not None:
        dc += np.multiply(dz_i, peep[0], out=d)
        dc += np.multiply(dz_f, peep[1], out=d)


def _peephole_grads(dz, c_prev, c_t, axes):
    """dL/dp for the three peepholes (H,), summing over the batch (and time)
    `axes`."""
    H = c_t.shape[-1]
    return {
        PEEPHOLES[0]: (dz[..., :H] * c_prev).sum(axis=axes),
        PEEPHOLES[1]: (dz[..., H : 2 * H] * c_prev).sum(axis=axes),
        PEEPHOLES[2]: (dz[..., 3 * H :] * c_t).sum(axis=axes),
    }


# ------------------------------------------- the fast path: the whole sequence


def forward(x, params, state0=None, *, peephole=None, mask=None):
    """Run the LSTM over a sequence (Keras LSTM with return_sequences=True).

    Args:
        x: inputs, (N, T, D), float32 or float64 (params must have the same
            dtype).
        params: dict kernel (D, 4H), recurrent_kernel (H, 4H), bias (4H,) [,
            peepholes (H,)].
        state0: (h0, c0), each (N, H); zeros when None.
        peephole: use the peephole weights; None reads it from the keys
            (PEEPHOLES present or not).
        mask: None, or (N, T) bool, True for a real step (chapter 11): a padded
            step carries (h, c) over and repeats the previous output (Keras,
            zero_output_for_mask=False); every row needs at least one True.

    Returns:
        h_seq: hidden states h_1..h_T, (N, T, H), dtype of x. The cache holds
            it too: do not modify it in place before calling backward.
        cache: for backward and final_state.
    """
    peephole = variant_of(params) if peephole is None else peephole
    D, H, dtype = _check(params, peephole)
    x = check_sequence(x, D, dtype)
    N, T, _ = x.shape
    h0, c0 = check_state("state0", state0, N, H, dtype, pair=True)
    mask = check_mask(mask, N, T)
    U, peep = params["recurrent_kernel"], _peepholes(params, peephole)
    x_tm = swap_nt(x)  # (T, N, D)
    # (T, N, 4H)
    proj = (x_tm.reshape(T * N, D) @ params["kernel"]).reshape(T, N, 4 * H)
    proj += params["bias"]
    # (T, 4, N, H) i, f, c~, o per step
    gates = np.empty((T, 4, N, H), dtype)
    h_tm = np.empty((T, N, H), dtype)  # (T, N, H)
    c_tm = np.empty((T, N, H), dtype)  # (T, N, H)
    tanh_c_tm = np.empty((T, N, H), dtype)  # (T, N, H) tanh(c_t)
    # scratch for every step
    tmp = np.empty((N, 4 * H), dtype)
    h, c = h0, c0
    # (T, N, 1) True where a padded step carries the state over
    carry = None if mask is None else mask_time_major(mask, dtype)[0]
    for t in range(T):
        _cell_forward(
            gates[t],
            proj[t],
            h,
            c,
            U,
            peep,
            h_tm[t],
            c_tm[t],
            tanh_c_tm[t],
            tmp,
        )
        if carry is not None:
            # padded rows keep h_{t-1} and c_{t-1}
            np.copyto(h_tm[t], h, where=carry[t])
            np.copyto(c_tm[t], c, where=carry[t])
        h, c = h_tm[t], c_tm[t]
    # (N, T, H) view, batch-major
    h_seq = h_tm.swapaxes(0, 1)
    if mask is not None:
        h_seq = masked_outputs(h_seq, mask)
    cache = {
        "x_tm": x_tm,
        "params": params,
        "peephole": peephole,
        "h0": h0,
        "c0": c0,
        "gates": gates,
        "h_tm": h_tm,
        "c_tm": c_tm,
        "tanh_c_tm": tanh_c_tm,
        "h_seq": h_seq,
        "mask": mask,
        "state_keys": ("h_tm", "c_tm"),
    }
    return h_seq, cache


def backward(dh_seq, cache, dstate=None, *, input_grad=True):
    """Backpropagation through time for forward.

    Args:
        dh_seq: dL/dh_t for every step, (N, T, H); None means zeros (only the
            final state is used).
        cache: from forward; if forward had a mask, padded steps hand the
            gradient of the state on unchanged and give none to their input, as
            in Keras.
        dstate: (dh_T, dc_T), each (N, H), from whatever uses the final state;
            None means zeros.
        input_grad: False skips dx, the gradient of the inputs, which a
            first layer does not need (Keras does not compute it either): one
            (NT, 4H) x (4H, D) multiply less.

    Returns:
        dx: (N, T, D); None when input_grad is False.
        grads: dict with the keys of params.
        dstate0: (dh0, dc0), each (N, H).
    """
    input_grad = check_bool("input_grad", input_grad)
    x_tm, params, peephole = cache["x_tm"], cache["params"], cache["peephole"]
    gates, h_tm, c_tm, h0, c0 = (
        cache["gates"],
        cache["h_tm"],
        cache["c_tm"],
        cache["h0"],
        cache["c0"],
    )
    tanh_c_tm = cache["tanh_c_tm"]
    T, N, H = h_tm.shape
    D = x_tm.shape[2]
    if dh_seq is not None:
        check_array("dh_seq", dh_seq, (N, T, H), "(N, T, H)", h_tm.dtype)
    dh, dc = (
        s.copy()
        for s in check_state("dstate", dstate, N, H, h_tm.dtype, pair=True)
    )
    U_T, peep = params["recurrent_kernel"].T, _peepholes(params, peephole)
    # (T, N, 4H) gate pre-activation grads
    dz = np.empty((T, N, 4 * H), h_tm.dtype)
    # one step's, gate blocks contiguous
    dz4 = np.empty((4, N, H), h_tm.dtype)
    # scratch for every step
    work = np.empty((2, N, H), h_tm.dtype)
    mask = cache.get("mask")
    if mask is None:
        for t in reversed(range(T)):
            if dh_seq is not None:
                # (N, H) output + next step
                dh += dh_seq[:, t]
            c_prev = c_tm[t - 1] if t > 0 else c0
            _cell_backward(
                dh, dc, gates[t], c_prev, tanh_c_tm[t], peep, dz4, work
            )
            # (N, 4H) blocks side by side
            np.copyto(blocks(dz[t], 4), dz4)
            # (N, H) the only matmul in the loop
            np.matmul(dz[t], U_T, out=dh)
            flush_tiny(dh)
            flush_tiny(dc)
    else:
        carry, real = mask_time_major(mask, h_tm.dtype)  # (T, N, 1)
        if dh_seq is not None:
            dh_seq = masked_outputs(dh_seq, mask)
        # (N, H) each
        carry_h, carry_c = np.empty_like(dh), np.empty_like(dc)
        for t in reversed(range(T)):
            if dh_seq is not None:
                dh += dh_seq[:, t]
            c_prev = c_tm[t - 1] if t > 0 else c0
            # what a padded row hands on
            np.multiply(dh, carry[t], out=carry_h)
            np.multiply(dc, carry[t], out=carry_c)
            _cell_backward(
                dh, dc, gates[t], c_prev, tanh_c_tm[t], peep, dz4, work
            )
            # a padded step gets no gradient
            dz4 *= real[t]
            np.copyto(blocks(dz[t], 4), dz4)
            np.matmul(dz[t], U_T, out=dh)
            dh += carry_h
            dc *= real[t]
            dc += carry_c
            flush_tiny(dh)
            flush_tiny(dc)
    dz2 = dz.reshape(T * N, 4 * H)  # (TN, 4H)
    grads = {
        "kernel": x_tm.reshape(T * N, D).T @ dz2,  # (D, 4H)
        # (H, 4H)
        "recurrent_kernel": previous_states(h0, h_tm).reshape(T * N, H).T
        @ dz2,
        "bias": dz2.sum(axis=0),
    }  # (4H,)
    if peephole:
        grads.update(
            _peephole_grads(dz, previous_states(c0, c_tm), c_tm, axes=(0, 1))
        )
    dx = None
    if input_grad:
        # (N, T, D) batch-major again
        dx = swap_nt((dz2 @ params["kernel"].T).reshape(T, N, D))
    return dx, grads, (dh, dc)
