"""Where the numpy core's time goes: its matrix multiplies against everything
else.

The forward and the backward pass of a cell are timed whole, and the multiplies
they perform (flops.matmul_shapes) are timed alone, with the same shapes, by
np.matmul. The difference is the rest: the elementwise passes of every step
(sigmoids, tanh, gate products, their derivatives), the copies between
layouts, and the cost of each numpy call itself. The rest cannot be negative
in truth; in a measurement on a busy machine it can come out slightly so.
"""

import numpy as np

from .flops import matmul_shapes
from .numpy_side import mse_grad
from .runner import CELLS
from .timing import inputs_rng, matmuls_ms, time_ms


def core_split(name, shape, *, repeats=5, rng=None):
    """Time one forward and one backward of cell `name` at `shape` = (N, T, D,
    H), and their multiplies; backward skips dx, as in the benchmark's step.

    Returns:
        dict of milliseconds (medians of `repeats` calls): forward_ms,
        backward_ms, forward_matmul_ms, backward_matmul_ms (the multiplies
        alone), forward_rest_ms, backward_rest_ms (the difference), and
        matmul_share = all multiplies / (forward + backward), rest_per_step_us
        = the rest of forward + backward per time step, in microseconds.
    """
    import recurrent as rc

    N, T, D, H = shape
    kind, k = CELLS[name]
    module = getattr(rc, kind)
    rng = inputs_rng(rng)
    params = module.init_params(D, H, rng=rng, dtype=np.float32)
    x = rng.standard_normal((N, T, D), dtype=np.float32)  # (N, T, D)
    h_seq, cache = module.forward(x, params)
    dh_seq = mse_grad(h_seq)  # (N, T, H)
    out = {
        "forward_ms": time_ms(lambda: module.forward(x, params), repeats),
        "backward_ms": time_ms(
            lambda: module.backward(dh_seq, cache, input_grad=False), repeats
        ),
    }
    for part in ("forward", "backward"):
        out[f"{part}_matmul_ms"] = matmuls_ms(
            matmul_shapes(k, N, T, D, H, part=part, input_grad=False),
            repeats,
            rng,
        )
        out[f"{part}_rest_ms"] = out[f"{part}_ms"] - out[f"{part}_matmul_ms"]
    total = out["forward_ms"] + out["backward_ms"]
    out["matmul_share"] = (
        out["forward_matmul_ms"] + out["backward_matmul_ms"]
    ) / total
    out["rest_per_step_us"] = (
        1e3 * (out["forward_rest_ms"] + out["backward_rest_ms"]) / T
    )
    return out
