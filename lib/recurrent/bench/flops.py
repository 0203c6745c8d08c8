"""Counting the matrix multiplies of one forward + backward pass (appendix "How
fast is numpy?").

A cell with k weight blocks (SimpleRNN 1, GRU 3, LSTM 4) and G = kH output
columns does all its heavy arithmetic in six kinds of products; everything else
(sigmoids, tanh, gate products, bias sums) is elementwise and is not counted
here.
"""

PARTS = ("forward", "backward", "both")


def matmul_shapes(k, N, T, D, H, *, part="both", input_grad=True):
    """The matrix multiplies of one forward and/or backward pass, as (m, n, p,
    count) tuples.

    Each entry multiplies an (m, n) by an (n, p) matrix `count` times (2 m n p
    FLOPs each); G = kH. Forward: all input projections at once, (NT, D) x (D,
    G), then h_{t-1} U at every step, (N, H) x (H, G). Backward: dZ_t U^T at
    every step, (N, G) x (G, H), then dW = X^T dZ, dU = H_prev^T dZ and dx = dZ
    W^T, each over all N T rows at once (dx only with input_grad, as the
    cells' backward(..., input_grad=...) computes it).

    Args:
        k: blocks of the cell.  N, T, D, H: batch, steps, input features,
            units.
        part: "forward", "backward" or "both".
        input_grad: count dx = dZ W^T (False: a first layer, which needs
            none).

    Returns:
        list of (m, n, p, count).
    """
    if part not in PARTS:
        raise ValueError(f"part must be one of {PARTS}, got {part!r}")
    G = k * H
    forward = [(N * T, D, G, 1), (N, H, G, T)]
    backward = [
        (N, G, H, T),
        (D, N * T, G, 1),
        (H, N * T, G, 1),
    ] + ([(N * T, G, D, 1)] if input_grad else [])
    return {
        "forward": forward,
        "backward": backward,
        "both": forward + backward,
    }[part]


def matmul_flops(k, N, T, D, H, *, part="both", input_grad=True):
    """FLOPs of those multiplies; for part="both" that is 6 N T kH (D + H),
    and 2 N T kH (2 D + 3 H) without dx."""
    shapes = matmul_shapes(k, N, T, D, H, part=part, input_grad=input_grad)
    return sum(2 * m * n * p * count for m, n, p, count in shapes)
