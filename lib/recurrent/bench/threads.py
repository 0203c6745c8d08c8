"""Can numpy's elementwise work use a second core? Two measurements on a pool
of threads (appendix "How fast is numpy?").

  pass_scaling  one float32 np.tanh pass, in place, over arrays of several
                sizes: `parts` arrays one after another on one thread, against
                the same arrays at once on `parts` threads. numpy lets go of
                Python's lock (the GIL) inside a ufunc, so a long pass runs on
                every core; between two passes each thread needs the lock
                again, and for short passes that handover is what the time goes
                on.
  batch_split   one forward + backward of a cell (as in the benchmark's step:
                no dx) over the whole batch, on one thread, against the batch
                cut into `parts` blocks of rows, each block's own forward and
                backward at once on its own thread. The rows of a batch never
                meet inside a recurrent layer, so the blocks are independent.
                While they run, BLAS is held to one thread (threadpoolctl), so
                that the blocks use one core each.

    python -m recurrent.bench.threads [--shape 256x28x28x128] [--repeats 15]

prints both as JSON, with describe() of machine.py, after keep_freed_memory
(memory.py) as in the benchmark.
"""

import argparse
import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ..checks import check_int
from .cli import _parse_names, _parse_shape
from .numpy_side import mse_grad
from .runner import CELLS, _rotated
from .timing import inputs_rng

# elements per array of pass_scaling: from a small step's gate to a big batch's
SIZES = (4096, 16384, 65536, 262144)
# elements one array gets per round of pass_scaling, in n passes
PASS_ELEMENTS = 10_000_000


def _rounds(ways, repeats, warmup=2):
    """Median ms of each function of `ways` (a dict), all run in one loop whose
    order rotates every round, as in the benchmark."""
    names = list(ways)
    times = {name: [] for name in names}
    for i in range(warmup + repeats):
        for name in _rotated(names, i):
            t0 = time.perf_counter()
            ways[name]()
            times[name].append(time.perf_counter() - t0)
    return {
        name: 1e3 * float(np.median(t[warmup:])) for name, t in times.items()
    }


def _in_parallel(pool, fns):
    """Run every function of `fns` at once on the pool; wait for all."""
    for future in [pool.submit(fn) for fn in fns]:
        future.result()


def pass_scaling(sizes=SIZES, *, parts=2, repeats=15, rng=None):
    """One np.tanh pass per array, `parts` arrays, serial against parallel.

    Args:
        sizes: elements per array (ints >= 1); float32.
        parts: arrays, and threads (>= 2).
        repeats: timed rounds (>= 1); in a round each array gets as many
            passes as make 10 million elements, so that handing the arrays to
            the threads and waiting for them is a small part of a round.

    Returns:
        list of dicts, one per size: elements, us_per_pass (serial, one pass),
        serial_ms, parallel_ms and speedup = serial / parallel (parts at most).
    """
    parts = check_int("parts", parts, 2)
    repeats = check_int("repeats", repeats, 1)
    rng = inputs_rng(rng)
    rows = []
    with ThreadPoolExecutor(parts) as pool:
        for size in sizes:
            size = check_int("size", size, 1)
            n = max(1, PASS_ELEMENTS // size)
            arrays = [
                rng.standard_normal(size, dtype=np.float32)
                for _ in range(parts)
            ]

            def passes(a, n=n):
                for _ in range(n):
                    np.tanh(a, out=a)

            ms = _rounds(
                {
                    "serial": lambda: [passes(a) for a in arrays],
                    "parallel": lambda: _in_parallel(
                        pool, [lambda a=a: passes(a) for a in arrays]
                    ),
                },
                repeats,
            )
            rows.append(
                {
                    "elements": size,
                    "us_per_pass": 1e3 * ms["serial"] / (parts * n),
                    "serial_ms": ms["serial"],
                    "parallel_ms": ms["parallel"],
                    "speedup": ms["serial"] / ms["parallel"],
                }
            )
    return rows


def batch_split(name, shape, *, parts=2, repeats=15, rng=None):
    """Forward + backward of cell `name` at `shape` = (N, T, D, H): the whole
    batch on one thread against `parts` blocks of rows on `parts` threads.

    Returns:
        dict of median ms: whole (BLAS with its own threads), whole_blas1 (BLAS
        held to one thread: the work of one core) and blocks (the blocks at
        once, BLAS held to one thread in each); and the speedups whole /
        blocks and whole_blas1 / blocks.
    """
    from threadpoolctl import ThreadpoolController

    import recurrent as rc

    if name not in CELLS:
        raise ValueError(f"name must be one of {list(CELLS)}, got {name!r}")
    N, T, D, H = (check_int(k, v, 1) for k, v in zip("NTDH", shape))
    parts = check_int("parts", parts, 2, N)
    module = getattr(rc, CELLS[name][0])
    rng = inputs_rng(rng)
    params = module.init_params(D, H, rng=rng, dtype=np.float32)
    x = rng.standard_normal((N, T, D), dtype=np.float32)  # (N, T, D)
    edges = np.linspace(0, N, parts + 1).astype(int)
    blocks = [x[a:b] for a, b in zip(edges[:-1], edges[1:])]

    def core(rows):
        h_seq, cache = module.forward(rows, params)
        module.backward(mse_grad(h_seq), cache, input_grad=False)

    # made once: it looks through every loaded library (half a millisecond),
    # which each round would otherwise pay
    controller = ThreadpoolController()

    def blas1():
        return controller.limit(limits=1, user_api="blas")

    def whole_blas1():
        with blas1():
            core(x)

    with ThreadPoolExecutor(parts) as pool:

        def in_blocks():
            with blas1():
                _in_parallel(pool, [lambda b=b: core(b) for b in blocks])

        ms = _rounds(
            {
                "whole": lambda: core(x),
                "whole_blas1": whole_blas1,
                "blocks": in_blocks,
            },
            repeats,
        )
    return {
        "cell": name,
        "shape": [N, T, D, H],
        "parts": parts,
        **{f"{k}_ms": v for k, v in ms.items()},
        "speedup": ms["whole"] / ms["blocks"],
        "speedup_blas1": ms["whole_blas1"] / ms["blocks"],
    }


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m recurrent.bench.threads",
        description="Time numpy passes and a cell's forward + backward on "
        "one thread and on several (JSON on stdout).",
    )
    parser.add_argument(
        "--shape",
        type=_parse_shape,
        default=(256, 28, 28, 128),
        help="NxTxDxH (default: 256x28x28x128)",
    )
    parser.add_argument(
        "--cells",
        type=_parse_names(tuple(CELLS), "cells"),
        default=tuple(CELLS),
        help="e.g. LSTM,GRU (default: all)",
    )
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args(argv)
    from .machine import describe
    from .memory import keep_freed_memory

    keep_freed_memory()  # as the benchmark does, for comparable timings
    rng = np.random.default_rng(0)
    result = {
        "machine": describe(),
        "passes": pass_scaling(repeats=args.repeats, rng=rng),
        "batch_split": [
            batch_split(c, args.shape, repeats=args.repeats, rng=rng)
            for c in args.cells
        ],
    }
    json.dump(result, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
