"""What the fast sequence loops of rnn.py, lstm.py and gru.py share (see the
appendix "How fast is numpy?").

The reference steps (`step_forward`, `step_backward`) need none of this: they
are the equations.
The loops add four things to them:

  * layout: arrays are time-major inside (T, N, ...), so the batch of step t is
    one contiguous block (`swap_nt`), and the gates of a step are copied into a
    gate-major (k, N, H) array, one contiguous block per gate (`blocks` is the
    strided view they are copied from);
  * big multiplies: the input projections of all steps before the loop, the
    weight gradients after it, using the state each step started from
    (`previous_states`);
  * `flush_tiny`: carried gradients that have vanished are set to zero, to
    avoid slow subnormals;
  * masking (chapter 11): `mask_time_major`, `masked_outputs`.
"""

import numpy as np


def swap_nt(a):
    """A contiguous copy with the first two axes swapped: (N, T, ...) -> (T, N,
    ...) and back.

    Time-major (T, N, ...) puts the whole batch of step t in one contiguous
    block.
    """
    return np.ascontiguousarray(a.swapaxes(0, 1))


def blocks(a, k):
    """The (k, N, H) view of an (N, kH) array: gate block j is [j] (strided, no
    copy)."""
    return a.reshape(a.shape[0], k, -1).swapaxes(0, 1)


def previous_states(s0, s_tm):
    """The state each step started from: s0 then s_tm[:-1], as one time-major
    array (T, N, H).

    Args:
        s0: initial state (N, H).  s_tm: states of steps 1..T, time-major (T,
            N, H).

    Backward needs it for dU = sum_t h_{t-1}^T delta_t, which it computes as
    ONE matrix multiply.
    """
    return np.concatenate([s0[None], s_tm[:-1]])  # (T, N, H)


def final_state(cache):
    """The state after the last step, copied from a forward cache (the cache
    stays intact).

    Returns h_T (N, H) for the RNN and the GRU, (h_T, c_T) for the LSTM; with a
    mask, the state at each row's last real step (padded steps carry it over).
    """
    states = tuple(cache[key][-1].copy() for key in cache["state_keys"])
    return states[0] if len(states) == 1 else states


def mask_time_major(mask, dtype):
    """The masks a masked loop reads each step, time-major: (carry, real), each
    (T, N, 1).

    carry: bool, True where a padded step carries the state over; real: 1.0 for
    a real step and 0.0 for a padded one, in `dtype`, to zero that step's
    gradients.
    """
    carry = swap_nt(~mask)[..., None]  # (T, N, 1)
    return carry, (~carry).astype(dtype)


def masked_outputs(h_seq, mask):
    """Keras's outputs of a masked run, from the carried states h_seq (N, T,
    H).

    Keras starts the output from zeros: before a row's first real step
    (pre-padding) the output is 0, whatever the initial state. Applied to
    dh_seq in backward, it drops the gradients of those outputs, which depend
    on nothing. Returns h_seq itself when every row starts with a real step.
    """
    started = np.logical_or.accumulate(mask, axis=1)  # (N, T)
    if started.all():
        return h_seq
    return np.where(started[..., None], h_seq, 0).astype(
        h_seq.dtype, copy=False
    )


def flush_tiny(a):
    """Set to zero, in place, the entries of a carried gradient below 2**24 *
    the smallest normal number.

    A gradient that vanishes over many time steps ends in the subnormal range
    (below 1.2e-38 in float32), where x86 CPUs compute up to a hundred times
    slower: a T = 200 backward pass can take five times as long. TensorFlow
    avoids this by running the CPU in flush-to-zero mode; numpy cannot, so
    backward flushes the gradients it carries from step to step. The margin
    2**24 keeps their products with the gate derivatives normal as well. The
    threshold is about 2e-31 in float32 and 4e-300 in float64: only gradients
    that have already vanished are touched. (In float16 it overflows to inf and
    every gradient would be zeroed: the cells accept float32 and float64 only.)

    Args:
        a: float32 or float64 array, modified in place.
    """
    np.copyto(a, 0, where=np.abs(a) < np.finfo(a.dtype).tiny * 2.0**24)
