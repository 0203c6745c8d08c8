"""How far back does a gradient reach? (chapters 2 and 3)

For a loss L that depends only on the last hidden state h_T, the gradient with
respect to the state k steps earlier, dL/dh_{T-k}, is a product of k step
Jacobians. Its norm against k shows vanishing (it falls geometrically) or
exploding (it grows) gradients directly.

The measurement uses only the public cell API: the state after T - k steps is
the final state of a forward pass over the first T - k inputs, and dL/dh_{T-k}
is the `dstate0` that backward returns for a forward pass over the last k
inputs started from that state. This costs O(T^2) steps, which is nothing for
the small sizes a plot needs, and needs no extra code in the cells.
"""

import numpy as np

from .checks import check_cell_module, check_int


def _check_inputs(x, max_lag):
    if not isinstance(x, np.ndarray) or x.ndim != 3:
        raise ValueError(
            "x must be a numpy array of shape (N, T, D), got "
            f"{getattr(x, 'shape', type(x).__name__)}"
        )
    T = x.shape[1]
    if max_lag is None:
        return T - 1
    return check_int(
        "max_lag",
        max_lag,
        0,
        T - 1,
        expect=f"an integer in [0, T - 1] = [0, {T - 1}]",
    )


def gradient_norm_by_lag(
    module, params, x, *, direction=None, max_lag=None, wrt="h", **variant
):
    """Norm of dL/dh_{T-k} for k = 0..max_lag, with L = sum(h_T * direction).

    Args:
        module: recurrent.rnn, recurrent.lstm or recurrent.gru.
        params: the cell's parameters (float64 recommended: small norms stay
            exact).
        x: inputs (N, T, D); the states start at zero.
        direction: (N, H) weights of the loss on h_T; all ones / sqrt(H) when
            None.
        max_lag: largest k (default T - 1).
        wrt: "h" (default) measures dL/dh_{T-k}; "c" measures dL/dc_{T-k}, the
            gradient with respect to the LSTM's cell state (chapter 3; LSTM
            only). The loss is on h_T either way.
        **variant: peephole=... (LSTM) or reset_after=... (GRU).

    Returns:
        lags: (K,) integers 0..max_lag.
        norms: (K,) the mean over the N examples of ||dL/dh_{T-k}|| (Euclidean
            norm over H); with wrt="c" of ||dL/dc_{T-k}||, and norms[0] is nan.
            For the LSTM this is the gradient with respect to h only, unless
            wrt="c".
    """
    if wrt not in ("h", "c"):
        raise ValueError(f"wrt must be 'h' or 'c', got {wrt!r}")
    check_cell_module(module, ("forward", "backward", "final_state"))
    pair = len(module.STATE_NAMES) == 2  # (h, c) for the LSTM
    max_lag = _check_inputs(x, max_lag)
    module.forward(
        x, params, **variant
    )  # the cell checks params, x and variant
    N, T, _ = x.shape
    H = params["recurrent_kernel"].shape[0]
    if direction is None:
        direction = np.full((N, H), 1.0 / np.sqrt(H), dtype=x.dtype)
    elif not isinstance(direction, np.ndarray) or direction.shape != (N, H):
        raise ValueError(
            f"direction must have shape (N, H) = ({N}, {H}), got "
            f"{getattr(direction, 'shape', None)}"
        )
    elif direction.dtype != x.dtype or not np.isfinite(direction).all():
        raise ValueError(
            f"direction of shape (N, H) = ({N}, {H}) must be finite with the "
            "dtype of x "
            f"({x.dtype}), got dtype {direction.dtype}"
        )
    if wrt == "c" and not pair:
        raise ValueError(
            "wrt='c' needs a cell with a cell state (recurrent.lstm)"
        )
    lags = np.arange(max_lag + 1)
    norms = np.empty(max_lag + 1)
    # dL/dh_T is the direction itself; k = 0 of wrt="c" is left out (nan):
    # there the loss sees c_T only through the output step, which is not a path
    # back in time
    norms[0] = (
        np.linalg.norm(direction, axis=1).mean() if wrt == "h" else np.nan
    )
    for k in lags[1:]:
        _, prefix = module.forward(
            x[:, : T - k], params, **variant
        )  # T - k >= 1 steps
        state = module.final_state(prefix)  # h_{T-k} (or (h, c))
        _, suffix = module.forward(x[:, T - k :], params, state, **variant)
        dstate = (direction, np.zeros_like(direction)) if pair else direction
        _, _, dstate0 = module.backward(None, suffix, dstate)
        dh = (
            (dstate0[0] if wrt == "h" else dstate0[1]) if pair else dstate0
        )  # (N, H)
        norms[k] = np.linalg.norm(dh, axis=1).mean()
    return lags, norms
