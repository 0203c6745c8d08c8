"""The plain recurrent cell (Keras SimpleRNN) in numpy: forward in chapter 1, backward in chapter 2.

    h_t = tanh(x_t W + h_{t-1} U + b)

with W = params["kernel"] (D, H), U = params["recurrent_kernel"] (H, H), b = params["bias"] (H,),
exactly the weights of keras.layers.SimpleRNN in the order of layer.get_weights().

The module also holds what the three cells share: the Keras initialisers and `previous_states`.

How the fast path is organised (the LSTM and GRU follow the same plan):
  * forward projects the inputs of all time steps with ONE matrix multiply before the loop; only
    the h_{t-1} U term depends on the previous step and stays inside it;
  * inside, arrays are time-major (T, N, ...): the slice of step t is one contiguous block of memory,
    which the elementwise work of the loop reads about twice as fast as a strided (N, H) view;
    h_seq is handed back batch-major, as a transposed view of the same memory;
  * backward stores the gradient of every pre-activation in one (T, N, H) array during the loop and
    turns it into dW, dU, db and dx with one big matrix multiply each after the loop.
`step_forward` / `step_backward` are the same per-step math for a single step, kept for teaching.

Masking (chapter 11): `forward(..., mask=m)` with m (N, T) bool, True for a real step, follows Keras's
default (zero_output_for_mask=False): at a padded step the state is carried over unchanged and the
output repeats the previous one (zeros before a sequence's first real step, as Keras starts from a zero
output); backward lets no gradient into a padded step's input or weights. The unmasked loops are
untouched; the masked ones add one `np.copyto(..., where=)` per step on the carried state.
"""
import numpy as np

from .activations import dtanh
from .checks import check_array, check_mask, check_params, check_sequence, check_state


# ---------------------------------------------------------------- initialisers (shared by the cells)

def glorot_uniform(shape, rng, dtype=np.float32):
    """keras.initializers.GlorotUniform: U(-limit, limit), limit = sqrt(6 / (fan_in + fan_out)).

    fan_in, fan_out are the two dimensions of a matrix (D, kH): the whole fused kernel, as Keras
    sees it, not one gate block. A vector (H,) counts fan_in = fan_out = H, as in Keras.
    """
    fan_in, fan_out = (shape[0], shape[-1])
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=shape).astype(dtype)


def orthogonal(shape, rng, dtype=np.float32):
    """keras.initializers.Orthogonal for a matrix (H, kH): orthonormal rows, U @ U.T = I (H, H).

    QR of a tall (kH, H) normal matrix gives Q with orthonormal columns; multiplying each column by
    the sign of R's diagonal makes the result uniformly distributed (QR alone is biased), and the
    transpose turns the columns into the rows of the wide (H, kH) matrix.
    """
    rows, cols = shape
    a = rng.standard_normal((max(rows, cols), min(rows, cols)))
    q, r = np.linalg.qr(a)
    q *= np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return np.ascontiguousarray(q).astype(dtype)


def swap_nt(a):
    """A contiguous copy with the first two axes swapped: (N, T, ...) -> (T, N, ...) and back.

    Time-major (T, N, ...) puts the whole batch of step t in one contiguous block.
    """
    return np.ascontiguousarray(a.swapaxes(0, 1))


def previous_states(s0, s_tm):
    """The state each step started from: s0 then s_tm[:-1], as one time-major array (T, N, H).

    Args:
        s0: initial state (N, H).  s_tm: states of steps 1..T, time-major (T, N, H).

    Backward needs it for dU = sum_t h_{t-1}^T dA_t, which it computes as ONE matrix multiply.
    """
    return np.concatenate([s0[None], s_tm[:-1]])                   # (T, N, H)


def mask_time_major(mask, dtype):
    """The masks a masked loop reads each step, time-major: (keep, real), each (T, N, 1).

    keep: bool, True where a padded step carries the state over; real: 1.0 for a real step and 0.0
    for a padded one, in `dtype`, to zero that step's gradients.
    """
    keep = swap_nt(~mask)[..., None]                                # (T, N, 1)
    return keep, (~keep).astype(dtype)


def masked_outputs(h_seq, mask):
    """Keras's outputs of a masked run, from the carried states h_seq (N, T, H).

    Keras starts the output from zeros: before a row's first real step (pre-padding) the output is 0,
    whatever the initial state. Applied to dh_seq in backward, it drops the gradients of those outputs,
    which depend on nothing. Returns h_seq itself when every row starts with a real step.
    """
    started = np.logical_or.accumulate(mask, axis=1)                # (N, T)
    if started.all():
        return h_seq
    return np.where(started[..., None], h_seq, 0).astype(h_seq.dtype, copy=False)


def flush_tiny(a):
    """Set to zero, in place, the entries of a carried gradient below 2**24 * the smallest normal number.

    A gradient that vanishes over many time steps ends in the subnormal range (below 1.2e-38 in
    float32), where x86 CPUs compute up to a hundred times slower: a T = 200 backward pass can take
    five times as long. TensorFlow avoids this by running the CPU in flush-to-zero mode; numpy
    cannot, so backward flushes the gradients it carries from step to step. The margin 2**24 keeps
    their products with the gate derivatives normal as well. The threshold is about 2e-31 in
    float32 and 4e-300 in float64: only gradients that have already vanished are touched.

    Args:
        a: floating array, modified in place.
    """
    np.copyto(a, 0, where=np.abs(a) < np.finfo(a.dtype).tiny * 2.0**24)


# ---------------------------------------------------------------- parameters

def init_params(input_dim, units, *, rng, dtype=np.float32):
    """Parameters as keras.layers.SimpleRNN initialises them (glorot kernel, orthogonal U, zero bias).

    Args:
        input_dim: D, features per time step.
        units: H, size of the hidden state.
        rng: numpy.random.Generator (required: randomness in the book is always explicit).
        dtype: float32 for training, float64 for gradient checks.

    Returns:
        dict kernel (D, H), recurrent_kernel (H, H), bias (H,).
    """
    D, H = _check_init(input_dim, units, rng, dtype)
    return {"kernel": glorot_uniform((D, H), rng, dtype),
            "recurrent_kernel": orthogonal((H, H), rng, dtype),
            "bias": np.zeros(H, dtype)}


def _check_init(input_dim, units, rng, dtype):
    for name, n in (("input_dim", input_dim), ("units", units)):
        if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
            raise ValueError(f"{name} must be a positive int, got {n!r}")
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy.random.Generator (np.random.default_rng(seed)), got {rng!r}")
    if not np.issubdtype(np.dtype(dtype), np.floating):
        raise ValueError(f"dtype must be a floating dtype (float32 or float64), got {dtype!r}")
    return int(input_dim), int(units)


def _check(params):
    D, H, dtype = check_params(params, 1)
    check_array("params['bias']", params["bias"], (H,), "(H,)", dtype)
    return D, H, dtype


# ---------------------------------------------------------------- one time step

def step_forward(x_t, h_prev, params):
    """One step h_t = tanh(x_t W + h_prev U + b).

    Args:
        x_t: input at time t, (N, D).
        h_prev: previous hidden state, (N, H).
        params: dict kernel (D, H), recurrent_kernel (H, H), bias (H,).

    Returns:
        h_t: (N, H).
        step_cache: what step_backward needs.
    """
    D, H, dtype = _check(params)
    check_sequence(x_t, D, dtype, name="x_t", step=True)
    check_state("h_prev", h_prev, x_t.shape[0], H, dtype)
    a = x_t @ params["kernel"] + params["bias"]                     # (N, H) input projection
    h_t = _cell_forward(a, h_prev, params["recurrent_kernel"], np.empty_like(a))   # (N, H)
    return h_t, (x_t, h_prev, h_t, params)


def step_backward(dh_t, step_cache):
    """Backward of step_forward.

    Args:
        dh_t: dL/dh_t, (N, H): everything that reaches h_t (its output and the next step).
        step_cache: from step_forward.

    Returns:
        dx_t: (N, D).
        dh_prev: (N, H).
        grads: dict like params, this step's contribution to dW, dU, db.
    """
    x_t, h_prev, h_t, params = step_cache
    check_array("dh_t", dh_t, h_t.shape, "(N, H)", h_t.dtype)
    da = _cell_backward(dh_t, h_t, np.empty_like(h_t))             # (N, H)
    grads = {"kernel": x_t.T @ da, "recurrent_kernel": h_prev.T @ da, "bias": da.sum(axis=0)}
    return da @ params["kernel"].T, da @ params["recurrent_kernel"].T, grads


def _cell_forward(a, h_prev, U, tmp):
    """Turn the input projection a = x_t W + b (N, H) into h_t, in place; returns `a`.

    tmp: (N, H) scratch, so that the loop allocates nothing.
    """
    a += np.matmul(h_prev, U, out=tmp)                              # (N, H) pre-activation
    return np.tanh(a, out=a)


def _cell_backward(dh, h_t, out):
    """Write into `out` (N, H) dL/da of the pre-activation a, from dL/dh_t and h_t = tanh(a)."""
    dtanh(h_t, out=out)
    out *= dh
    return out


# ---------------------------------------------------------------- the whole sequence

def forward(x, params, state0=None, *, mask=None):
    """Run the cell over a sequence (Keras SimpleRNN with return_sequences=True).

    Args:
        x: inputs, (N, T, D), float32 or float64 (params must have the same dtype).
        params: dict kernel (D, H), recurrent_kernel (H, H), bias (H,).
        state0: h0, (N, H); zeros when None.
        mask: None, or (N, T) bool, True for a real step (chapter 11): a padded step carries h over
            and repeats the previous output (Keras, zero_output_for_mask=False); every row needs
            at least one True.

    Returns:
        h_seq: hidden states h_1..h_T, (N, T, H), dtype of x. The cache holds it too: do not
            modify it in place before calling backward.
        cache: for backward and final_state.
    """
    D, H, dtype = _check(params)
    x = check_sequence(x, D, dtype)
    N, T, _ = x.shape
    h0 = check_state("state0", state0, N, H, dtype)
    mask = check_mask(mask, N, T)
    U = params["recurrent_kernel"]
    x_tm = swap_nt(x)                                               # (T, N, D)
    # The input projections of all steps in one multiply; the loop then turns them into h in place.
    h_tm = (x_tm.reshape(T * N, D) @ params["kernel"]).reshape(T, N, H)   # (T, N, H)
    h_tm += params["bias"]
    tmp = np.empty((N, H), dtype)                                   # scratch for every step
    h = h0
    if mask is None:
        for t in range(T):
            h = _cell_forward(h_tm[t], h, U, tmp)                   # (N, H), a view into h_tm
    else:
        keep, _ = mask_time_major(mask, dtype)                      # (T, N, 1)
        for t in range(T):
            h_new = _cell_forward(h_tm[t], h, U, tmp)               # (N, H), a view into h_tm
            np.copyto(h_new, h, where=keep[t])                      # padded rows keep h_{t-1}
            h = h_new
    h_seq = h_tm.swapaxes(0, 1)                                     # (N, T, H) view, batch-major
    if mask is not None:
        h_seq = masked_outputs(h_seq, mask)
    return h_seq, {"x_tm": x_tm, "params": params, "h0": h0, "h_tm": h_tm, "h_seq": h_seq, "mask": mask}


def backward(dh_seq, cache, dstate=None):
    """Backpropagation through time for forward.

    Args:
        dh_seq: dL/dh_t for every step, (N, T, H); None means zeros (only the final state is used).
        cache: from forward; if forward had a mask, padded steps hand the gradient of the
            state on unchanged and give none to their input, as in Keras.
        dstate: dL/dh_T from whatever uses the final state, (N, H); None means zeros.

    Returns:
        dx: (N, T, D).
        grads: dict with the keys of params: kernel (D, H), recurrent_kernel (H, H), bias (H,).
        dstate0: dL/dh0, (N, H).
    """
    x_tm, params, h0, h_tm = cache["x_tm"], cache["params"], cache["h0"], cache["h_tm"]
    T, N, H = h_tm.shape
    D = x_tm.shape[2]
    if dh_seq is not None:
        check_array("dh_seq", dh_seq, (N, T, H), "(N, T, H)", h_tm.dtype)
    dh = check_state("dstate", dstate, N, H, h_tm.dtype).copy()    # (N, H), updated in place
    U_T = params["recurrent_kernel"].T
    dA = np.empty_like(h_tm)                                        # (T, N, H) dL/d(pre-activation)
    mask = cache.get("mask")
    if mask is None:
        for t in reversed(range(T)):
            if dh_seq is not None:
                dh += dh_seq[:, t]                                  # (N, H) output + next step
            _cell_backward(dh, h_tm[t], dA[t])
            np.matmul(dA[t], U_T, out=dh)                           # (N, H) the only matmul in the loop
            flush_tiny(dh)
    else:
        keep, real = mask_time_major(mask, h_tm.dtype)              # (T, N, 1)
        if dh_seq is not None:
            dh_seq = masked_outputs(dh_seq, mask)
        carry = np.empty_like(dh)                                   # (N, H)
        for t in reversed(range(T)):
            if dh_seq is not None:
                dh += dh_seq[:, t]
            _cell_backward(dh, h_tm[t], dA[t])
            dA[t] *= real[t]                                        # a padded step gets no gradient
            np.multiply(dh, keep[t], out=carry)                     # ... and hands dh on unchanged
            np.matmul(dA[t], U_T, out=dh)
            dh += carry
            flush_tiny(dh)
    dA2 = dA.reshape(T * N, H)                                      # (TN, H)
    grads = {"kernel": x_tm.reshape(T * N, D).T @ dA2,              # (D, H)
             "recurrent_kernel": previous_states(h0, h_tm).reshape(T * N, H).T @ dA2,   # (H, H)
             "bias": dA2.sum(axis=0)}                               # (H,)
    dx = swap_nt((dA2 @ params["kernel"].T).reshape(T, N, D))      # (N, T, D) batch-major again
    return dx, grads, dh


def final_state(cache):
    """h_T, (N, H), a copy (the cache stays intact); with a mask, h at each row's last real step."""
    return cache["h_tm"][-1].copy()
