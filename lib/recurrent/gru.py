"""The GRU cell (Keras GRU) in numpy, forward and backward side by side
(chapter 4).

Gate order z, r, h (Keras). With W = params["kernel"] (D, 3H) and U =
params["recurrent_kernel"] (H, 3H):

reset_after=True (Keras default, the cuDNN form), bias (2, 3H): row 0 for the
input, row 1 for h:
    z = sigmoid(x W_z + b0_z + h U_z + b1_z)      r = sigmoid(x W_r + b0_r + h
    U_r + b1_r) h~ = tanh(x W_h + b0_h + r * (h U_h + b1_h))
reset_after=False (Cho et al. 2014), bias (3H,):
    z, r as above with one bias     h~ = tanh(x W_h + b_h + (r * h) U_h)
both:
    h_t = z * h_{t-1} + (1 - z) * h~

Two implementations of the same equations, as in rnn.py:
  * `step_forward` / `step_backward`: the reference, one time step, one
    equation per line with the numbers of chapter 4, which shows this code.
  * `forward` / `backward`: the whole sequence, fast (fastpath.py, the appendix
    "How fast is numpy?"):
    time-major arrays, the input projections of all steps in one multiply, the
    gates of a step stacked as (3, N, H) so that each is one contiguous block,
    the weight gradients after the loop. The reset gate sits inside the
    candidate's recurrent term, so backward keeps two gradient arrays:
    dA for the input projection and dB for the recurrent one (reset_after=True)
    or (r * h_{t-1}) for U_h (reset_after=False). The tests check them against
    a chain of reference steps.

`mask=` (chapter 11) follows Keras as in rnn.py: a padded step carries h over
unchanged.
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
    "KERAS_NAME",
    "BLOCKS",
    "STATE_NAMES",
]

# What the cell is, for the code around it (keras_bridge, gradcheck,
# gradient_flow, bench, the tests):
KERAS_NAME = "GRU"  # its twin in keras.layers
# weight blocks: kernel (D, 3H), recurrent_kernel (H, 3H), gate order z, r, h
BLOCKS = 3
STATE_NAMES = ("h",)  # what state0 and final_state hold: h (N, H)


def init_params(input_dim, units, *, rng, dtype=np.float32, reset_after=True):
    """Parameters as keras.layers.GRU initialises them (glorot kernel,
    orthogonal U, zero bias).

    Args:
        input_dim: D.  units: H.
        rng: numpy.random.Generator (required).
        dtype: float32 for training, float64 for gradient checks.
        reset_after: True gives bias (2, 3H), False bias (3H,).

    Returns:
        dict kernel (D, 3H), recurrent_kernel (H, 3H), bias (2, 3H) or (3H,).
    """
    D, H = check_init(input_dim, units, rng, dtype)
    return {
        "kernel": glorot_uniform((D, 3 * H), rng, dtype),
        "recurrent_kernel": orthogonal((H, 3 * H), rng, dtype),
        "bias": np.zeros((2, 3 * H) if reset_after else (3 * H,), dtype),
    }


def variant_of(params):
    """reset_after as the bias shape says: (2, 3H) True, (3H,) False; True when
    there is no bias to read (the check that follows names what is wrong)."""
    bias = params.get("bias") if isinstance(params, Mapping) else None
    return not (isinstance(bias, np.ndarray) and bias.ndim == 1)


def _check(params, reset_after):
    label = "(2, 3H)" if reset_after else "(3H,)"
    D, H, dtype = check_params(params, 3, gates="z, r, h", bias_label=label)
    shape = (2, 3 * H) if reset_after else (3 * H,)
    bias = params["bias"]
    # the other convention's bias
    if bias.shape != shape and bias.shape in ((2, 3 * H), (3 * H,)):
        raise ValueError(
            f"params['bias'] must have shape {label} = {shape} for "
            f"reset_after={reset_after}, "
            f"got {bias.shape}, the bias of "
            f"reset_after={not reset_after}: pass "
            f"reset_after={not reset_after} or initialise the "
            f"params with reset_after={reset_after}"
        )
    check_array(
        f"params['bias'] (reset_after={reset_after})",
        bias,
        shape,
        label,
        dtype,
    )
    return D, H, dtype


# ------------------------------------------------ one time step: the reference
# The reference steps keep their hand-aligned equation comments (the chapters
# show them): the formatter leaves them alone.
# fmt: off

def step_forward(x_t, h_prev, params, *, reset_after=True):
    """One GRU step: (4.1)-(4.4), or (4.5)-(4.6) with reset_after=True.

    Args:
        x_t: input at time t, (N, D).
        h_prev: previous hidden state, (N, H).
        params: dict as init_params returns it.
        reset_after: which convention (must match the bias shape).

    Returns:
        h_t: (N, H).
        step_cache: dict of what step_backward needs: x_t, h_prev, the
            gates z, r and the candidate h_cand (each (N, H)),
            m_h = h_prev U_h + b^h_h (reset_after=True only), params,
            reset_after.
    """
    D, H, dtype = _check(params, reset_after)
    check_sequence(x_t, D, dtype, name="x_t", step=True)
    check_state("h_prev", h_prev, x_t.shape[0], H, dtype)
    W, U, b = params["kernel"], params["recurrent_kernel"], params["bias"]
    U_z, U_r, U_h = np.split(U, 3, axis=1)          # (H, H) each
    step_cache = {"x_t": x_t, "h_prev": h_prev, "params": params,
                  "reset_after": reset_after}
    if reset_after:
        # input side, (N, H) each
        a_z, a_r, a_h = np.split(x_t @ W + b[0], 3, axis=1)
        # recurrent side, (N, H) each
        m_z, m_r, m_h = np.split(h_prev @ U + b[1], 3, axis=1)
        z = sigmoid(a_z + m_z)                      # update gate   (4.5)
        r = sigmoid(a_r + m_r)                      # reset gate    (4.5)
        h_cand = np.tanh(a_h + r * m_h)             # candidate     (4.6)
        step_cache["m_h"] = m_h
    else:
        a_z, a_r, a_h = np.split(x_t @ W + b, 3, axis=1)  # (N, H) each
        z = sigmoid(a_z + h_prev @ U_z)             # update gate   (4.1)
        r = sigmoid(a_r + h_prev @ U_r)             # reset gate    (4.2)
        h_cand = np.tanh(a_h + (r * h_prev) @ U_h)  # candidate     (4.3)
    h_t = z * h_prev + (1 - z) * h_cand             # new state     (4.4)
    step_cache.update(z=z, r=r, h_cand=h_cand)
    return h_t, step_cache


def step_backward(dh_t, step_cache):
    """Backward of step_forward: (4.7)-(4.8), then (4.9)-(4.11), or with
    reset_after=True (4.12)-(4.14).

    Args:
        dh_t: dL/dh_t, (N, H): h-bar_t, everything that reaches h_t (its
            output and the next step).
        step_cache: from step_forward.

    Returns:
        dx_t: (N, D).
        dh_prev: (N, H), h-bar of step t - 1 (without its output part).
        grads: dict like params, this step's terms of the sums.
    """
    x_t, h_prev = step_cache["x_t"], step_cache["h_prev"]
    z, r, h_cand = (step_cache[k] for k in ("z", "r", "h_cand"))
    params, reset_after = step_cache["params"], step_cache["reset_after"]
    W, U = params["kernel"], params["recurrent_kernel"]
    check_array("dh_t", dh_t, h_prev.shape, "(N, H)", h_prev.dtype)
    H = h_prev.shape[1]
    d_z = dh_t * (h_prev - h_cand) * z * (1 - z)   # (4.7)
    d_h = dh_t * (1 - z) * (1 - h_cand ** 2)       # (4.8)
    if reset_after:
        d_r = d_h * step_cache["m_h"] * r * (1 - r)  # (4.12)
        lam = np.concatenate([d_z, d_r, r * d_h], axis=1)  # (N, 3H) (4.12)
        dh_prev = dh_t * z + lam @ U.T             # (4.13)
    else:
        gam = d_h @ U[:, 2 * H:].T                 # dL/d(r * h_prev) (4.9)
        d_r = gam * h_prev * r * (1 - r)           # (4.9)
        d_zr = np.concatenate([d_z, d_r], axis=1)  # (N, 2H)
        dh_prev = dh_t * z + gam * r + d_zr @ U[:, :2 * H].T  # (4.10)
    delta = np.concatenate([d_z, d_r, d_h], axis=1)  # (N, 3H)
    dx_t = delta @ W.T                             # (N, D)
    if reset_after:                        # this step's terms of (4.14)
        grads = {"kernel": x_t.T @ delta, "recurrent_kernel": h_prev.T @ lam,
                 "bias": np.stack([delta.sum(axis=0), lam.sum(axis=0)])}
    else:                                  # this step's terms of (4.11)
        grads = {"kernel": x_t.T @ delta,
                 "recurrent_kernel": np.concatenate(
                     [h_prev.T @ d_zr, (r * h_prev).T @ d_h], axis=1),
                 "bias": delta.sum(axis=0)}
    return dx_t, dh_prev, grads

# fmt: on

# ------------------------------------------- the fast path: one step's kernels


def _cell_forward(
    gates, proj, h_prev, params, reset_after, h_out, reset_term_out, tmp
):
    """One step: `proj` (N, 3H) = x_t W + b_in; writes z, r, h~ into `gates`
    (3, N, H).

    Writes h_t into h_out (N, H), and into reset_term_out (N, H) the term where
    the reset gate acts, which backward needs: h U_h + b1_h, which r scales
    (reset_after=True), or r * h_prev, which U_h multiplies
    (reset_after=False). tmp: (2, N, 3H) scratch.
    """
    H = h_prev.shape[1]
    U = params["recurrent_kernel"]
    # (3, N, H) each gate contiguous
    np.copyto(gates, blocks(proj, 3))
    zr, hh = gates[:2], gates[2]
    # (3, N, H) scratch
    rec_blocks = tmp[1].reshape(3, -1, H)
    if reset_after:
        # (N, 3H) one matmul for all blocks
        rec = np.matmul(h_prev, U, out=tmp[0])
        rec += params["bias"][1]
        np.copyto(rec_blocks, blocks(rec, 3))
        zr += rec_blocks[:2]
        # z, r: eqs (4.1), (4.5)
        sigmoid(zr, out=zr)
        # h U_h + b1_h
        reset_term_out[...] = rec_blocks[2]
        # r * (h U_h + b1_h)
        hh += np.multiply(zr[1], reset_term_out, out=rec_blocks[0])
    else:
        # (N, 2H)
        rec = np.matmul(h_prev, U[:, : 2 * H], out=tmp[0][:, : 2 * H])
        np.copyto(rec_blocks[:2], blocks(rec, 2))
        zr += rec_blocks[:2]
        # z, r: eqs (4.1), (4.2)
        sigmoid(zr, out=zr)
        # r * h_prev
        np.multiply(zr[1], h_prev, out=reset_term_out)
        # (r * h_prev) U_h
        hh += np.matmul(reset_term_out, U[:, 2 * H :], out=rec_blocks[2])
    # h~: eq (4.3), reset_after its variant
    np.tanh(hh, out=hh)
    # h_t = z * h_prev + (1 - z) * h~  written as h~ + z * (h_prev - h~): fewer
    # passes
    np.subtract(h_prev, hh, out=h_out)
    h_out *= zr[0]
    h_out += hh  # eq (4.4)


def _cell_backward(
    dh, h_prev, gates, reset_term, U, reset_after, dA, dB, work
):
    """Write the pre-activation gradients of one step and turn dh (N, H) into
    dL/dh_prev.

    gates: z, r, h~ as (3, N, H). dA (N, 3H) receives dL/d(x W + b_in) for the
    z, r, h blocks; for reset_after=True dB (N, 3H) receives dL/d(h U + b1).
    For reset_after=False dB is None: there U_h multiplies r * h_prev and its
    gradient pairs r * h_prev with dA_h, which dA already holds.
    work: (5, N, H) scratch; the gradients are computed in it, one contiguous
        block per gate.
    """
    H = dh.shape[1]
    # (N, H) each
    z, r, hh = gates
    # (N, H), (N, H), (3, N, H)
    d, d_rh, dA_blocks = work[0], work[1], work[2:]
    dA_z, dA_r, dA_h = dA_blocks
    np.subtract(h_prev, hh, out=dA_z)
    dA_z *= dh
    # delta^z: eq (4.7)
    dA_z *= dsigmoid(z, out=d)
    np.subtract(1, z, out=dA_h)
    dA_h *= dh
    # delta^h: eq (4.8)
    dA_h *= dtanh(hh, out=d)
    # the direct path through z * h_prev
    dh *= z
    if reset_after:
        # dL/dr = dA_h * (h U_h + b1_h)
        np.multiply(dA_h, reset_term, out=dA_r)
        dA_r *= dsigmoid(r, out=d)
        np.copyto(blocks(dA, 3), dA_blocks)  # (N, 3H)
        # z, r: same as on the input side
        dB[:, : 2 * H] = dA[:, : 2 * H]
        # r scales the recurrent h block
        np.multiply(dA_h, r, out=d_rh)
        # lambda_t: eq (4.12)
        dB[:, 2 * H :] = d_rh
        # (N, H) eq (4.13)
        dh += np.matmul(dB, U.T, out=d)
    else:
        # (N, H) dL/d(r * h_prev)
        np.matmul(dA_h, U[:, 2 * H :].T, out=d_rh)
        np.multiply(d_rh, h_prev, out=dA_r)
        # delta^r: eq (4.9)
        dA_r *= dsigmoid(r, out=d)
        d_rh *= r
        dh += d_rh
        np.copyto(blocks(dA, 3), dA_blocks)  # (N, 3H)
        dh += np.matmul(dA[:, : 2 * H], U[:, : 2 * H].T, out=d)  # eq (4.10)


# ------------------------------------------- the fast path: the whole sequence


def forward(x, params, state0=None, *, reset_after=None, mask=None):
    """Run the GRU over a sequence (Keras GRU with return_sequences=True).

    Args:
        x: inputs, (N, T, D), float32 or float64 (params must have the same
            dtype).
        params: dict kernel (D, 3H), recurrent_kernel (H, 3H), bias (2, 3H) or
            (3H,).
        state0: h0, (N, H); zeros when None.
        reset_after: None reads it from the bias shape ((2, 3H) True, the Keras
            default; (3H,) False, Cho et al. 2014); True or False must match
            the bias.
        mask: None, or (N, T) bool, True for a real step (chapter 11): a padded
            step carries h over and repeats the previous output (Keras,
            zero_output_for_mask=False); every row needs at least one True.

    Returns:
        h_seq: hidden states h_1..h_T, (N, T, H), dtype of x. The cache holds
            it too: do not modify it in place before calling backward.
        cache: for backward and final_state.
    """
    reset_after = variant_of(params) if reset_after is None else reset_after
    D, H, dtype = _check(params, reset_after)
    x = check_sequence(x, D, dtype)
    N, T, _ = x.shape
    h0 = check_state("state0", state0, N, H, dtype)
    mask = check_mask(mask, N, T)
    b_in = params["bias"][0] if reset_after else params["bias"]
    x_tm = swap_nt(x)  # (T, N, D)
    # (T, N, 3H)
    proj = (x_tm.reshape(T * N, D) @ params["kernel"]).reshape(T, N, 3 * H)
    proj += b_in
    # (T, 3, N, H) z, r, h~ per step
    gates = np.empty((T, 3, N, H), dtype)
    h_tm = np.empty((T, N, H), dtype)  # (T, N, H)
    # (T, N, H), see _cell_forward
    reset_term = np.empty((T, N, H), dtype)
    # scratch for every step
    tmp = np.empty((2, N, 3 * H), dtype)
    h = h0
    if mask is None:
        for t in range(T):
            _cell_forward(
                gates[t],
                proj[t],
                h,
                params,
                reset_after,
                h_tm[t],
                reset_term[t],
                tmp,
            )
            h = h_tm[t]
    else:
        carry, _ = mask_time_major(mask, dtype)  # (T, N, 1)
        for t in range(T):
            _cell_forward(
                gates[t],
                proj[t],
                h,
                params,
                reset_after,
                h_tm[t],
                reset_term[t],
                tmp,
            )
            # padded rows keep h_{t-1}
            np.copyto(h_tm[t], h, where=carry[t])
            h = h_tm[t]
    # (N, T, H) view, batch-major
    h_seq = h_tm.swapaxes(0, 1)
    if mask is not None:
        h_seq = masked_outputs(h_seq, mask)
    cache = {
        "x_tm": x_tm,
        "params": params,
        "reset_after": reset_after,
        "h0": h0,
        "gates": gates,
        "reset_term": reset_term,
        "h_tm": h_tm,
        "h_seq": h_seq,
        "mask": mask,
        "state_keys": ("h_tm",),
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
        dstate: dL/dh_T, (N, H), from whatever uses the final state; None means
            zeros.
        input_grad: False skips dx, the gradient of the inputs, which a
            first layer does not need (Keras does not compute it either): one
            (NT, 3H) x (3H, D) multiply less.

    Returns:
        dx: (N, T, D); None when input_grad is False.
        grads: dict with the keys of params.
        dstate0: dL/dh0, (N, H).
    """
    input_grad = check_bool("input_grad", input_grad)
    x_tm, params, reset_after = (
        cache["x_tm"],
        cache["params"],
        cache["reset_after"],
    )
    gates, reset_term, h_tm, h0 = (
        cache["gates"],
        cache["reset_term"],
        cache["h_tm"],
        cache["h0"],
    )
    T, N, H = h_tm.shape
    D = x_tm.shape[2]
    if dh_seq is not None:
        check_array("dh_seq", dh_seq, (N, T, H), "(N, T, H)", h_tm.dtype)
    # (N, H), updated in place
    dh = check_state("dstate", dstate, N, H, h_tm.dtype).copy()
    U = params["recurrent_kernel"]
    # (T, N, 3H) input-side grads
    dA = np.empty((T, N, 3 * H), h_tm.dtype)
    # (T, N, 3H) recurrent-side grads
    dB = np.empty_like(dA) if reset_after else None
    # scratch for every step
    work = np.empty((5, N, H), h_tm.dtype)
    mask = cache.get("mask")
    if mask is None:
        for t in reversed(range(T)):
            if dh_seq is not None:
                # (N, H) output + next step
                dh += dh_seq[:, t]
            h_prev = h_tm[t - 1] if t > 0 else h0
            dB_t = dB[t] if reset_after else None
            _cell_backward(
                dh,
                h_prev,
                gates[t],
                reset_term[t],
                U,
                reset_after,
                dA[t],
                dB_t,
                work,
            )
            flush_tiny(dh)
    else:
        carry, real = mask_time_major(mask, h_tm.dtype)  # (T, N, 1)
        if dh_seq is not None:
            dh_seq = masked_outputs(dh_seq, mask)
        dh_carried = np.empty_like(dh)  # (N, H)
        for t in reversed(range(T)):
            if dh_seq is not None:
                dh += dh_seq[:, t]
            h_prev = h_tm[t - 1] if t > 0 else h0
            dB_t = dB[t] if reset_after else None
            # what a padded row hands on
            np.multiply(dh, carry[t], out=dh_carried)
            _cell_backward(
                dh,
                h_prev,
                gates[t],
                reset_term[t],
                U,
                reset_after,
                dA[t],
                dB_t,
                work,
            )
            # a padded step gets no gradient
            dA[t] *= real[t]
            if reset_after:
                dB_t *= real[t]
            dh *= real[t]
            dh += dh_carried
            flush_tiny(dh)
    dA2 = dA.reshape(T * N, 3 * H)  # (TN, 3H)
    H_prev = previous_states(h0, h_tm).reshape(T * N, H)  # (TN, H)
    grads = {"kernel": x_tm.reshape(T * N, D).T @ dA2}  # (D, 3H)
    if reset_after:
        dB2 = dB.reshape(T * N, 3 * H)
        grads["recurrent_kernel"] = H_prev.T @ dB2  # (H, 3H)
        # (2, 3H)
        grads["bias"] = np.stack([dA2.sum(axis=0), dB2.sum(axis=0)])
    else:
        grads["recurrent_kernel"] = np.concatenate(  # (H, 3H)
            [
                H_prev.T @ dA2[:, : 2 * H],
                reset_term.reshape(T * N, H).T @ dA2[:, 2 * H :],
            ],
            axis=1,
        )
        grads["bias"] = dA2.sum(axis=0)  # (3H,)
    dx = None
    if input_grad:
        # (N, T, D) batch-major again
        dx = swap_nt((dA2 @ params["kernel"].T).reshape(T, N, D))
    return dx, grads, dh
