"""Running the benchmark: every cell at every shape, numpy and each Keras
variant side by side.

For one cell and shape (bench_one) the numpy step and the Keras variants run in
the same loop, in an order that rotates every round (numpy, default, xla,
unroll; then default, xla, unroll, numpy;
...), so that a busy moment on the machine hits every side alike; the medians
of the rounds after `warmup` are reported. Right after each numpy step the same
multiplies run alone ("matmul": the ceiling of the numpy core), so that the
core and its ceiling meet the same load. Before the loop each Keras variant is
called once on its own: that first call traces (and for xla compiles) the train
function, and its time is reported apart.

Threads: numpy's BLAS and TensorFlow fix their thread counts when they start
(OPENBLAS_NUM_THREADS, TF_NUM_INTRAOP_THREADS, TF_NUM_INTEROP_THREADS); the
result's "machine" records the three variables, and each row the cores every
side kept busy (CPU time over wall time).

A variant that fails (XLA missing, say) is recorded in the row with its error
and left out; the others go on.
"""

import os
import time

import numpy as np

from .. import gru, lstm, rnn
from ..checks import check_int
from .flops import matmul_flops, matmul_shapes
from .keras_side import VARIANTS, keras_model, keras_step
from .numpy_side import numpy_step
from .timing import inputs_rng, matmul_peak, matmul_work

# Keras name: (lib module, weight blocks k), from the cell modules' own
# constants
CELLS = {
    m.KERAS_NAME: (m.__name__.rsplit(".", 1)[1], m.BLOCKS)
    for m in (rnn, lstm, gru)
}
SHAPES = (
    (64, 28, 28, 128),
    (256, 28, 28, 128),
    (32, 200, 2, 128),
)  # (N, T, D, H)
LR = 1e-3


def _error(exc):
    """One line naming the exception: 'ValueError: first line of its
    message'."""
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0] if lines else ''}"[:300]


def _rotated(items, i):
    """items rotated left by i: round i of the benchmark starts with items[i %
    len]."""
    i %= len(items)
    return items[i:] + items[:i]


def _with_cores(fn):
    """(fn(), cores): cores = the process's CPU time during the call over its
    wall time, the number of cores the call kept busy on average (threads
    that spin while they wait count as busy)."""
    c0, w0 = time.process_time(), time.perf_counter()
    out = fn()
    wall = time.perf_counter() - w0
    return out, (time.process_time() - c0) / wall if wall > 0 else 0.0


def bench_one(
    name,
    shape,
    *,
    repeats=7,
    warmup=2,
    variants=tuple(VARIANTS),
    rng=None,
    progress=None,
):
    """Time one training step of cell `name` at `shape` = (N, T, D, H): numpy
    and the Keras variants.

    Returns:
        dict (one row of the benchmark):
          cell, N, T, D, H, repeats, warmup;
          numpy_ms: median ms of the numpy step;  core_ms: of its forward +
              backward alone;  numpy_cores: the cores the step kept busy
              (median of CPU time / wall time, _with_cores);
          matmul_ms: of the core's multiplies alone (np.matmul, same shapes,
              same counts);
          keras: {variant: {"ms": median ms or None, "cores": as numpy_cores
                  (only when it ran), "first_call_s": seconds or None,
                  "error": None or a one-line message}};
          keras_ms: the default variant's ms (None if it failed);
          ratio: numpy_ms / keras_ms;  fastest_keras: the variant with the
          smallest ms; fastest_keras_ms;  ratio_vs_fastest_keras: numpy_ms /
          fastest_keras_ms;
          xla_compile_s: first call of the xla variant (trace + compile), None
          if not run; matmul_gflop, core_gflops, matmul_gflops (the ceiling),
          core_fraction = core / ceiling.
        The ratios and the fastest variant are None when no variant they need
        worked.
    """
    import recurrent as rc

    N, T, D, H = shape
    kind, k = CELLS[name]
    module = getattr(rc, kind)
    rng = inputs_rng(rng)
    say = progress or (lambda line: None)
    params = module.init_params(D, H, rng=rng, dtype=np.float32)
    x = rng.standard_normal((N, T, D), dtype=np.float32)  # (N, T, D)
    y = np.zeros((N, T, H), np.float32)  # (N, T, H) the "mse" target
    keras = {
        v: {"ms": None, "first_call_s": None, "error": None} for v in variants
    }
    models, times = {}, {"numpy": [], "core": [], "matmul": []}
    # cores each side kept busy, per round
    cores = {"numpy": []}
    # the step's multiplies: no dx, as numpy_step skips it
    matmuls = matmul_work(matmul_shapes(k, N, T, D, H, input_grad=False), rng)

    def failed(variant, exc, when):
        keras[variant]["error"] = f"{when}: {_error(exc)}"
        models.pop(variant, None)
        say(
            f"    Keras {variant} failed and is left out of this row "
            f"({keras[variant]['error']})"
        )

    for variant in variants:
        try:
            model = keras_model(
                kind, params, T, D, variant, LR
            )  # copies the weights
        except Exception as exc:  # noqa: BLE001 - reported, not hidden
            failed(variant, exc, "building the model")
            continue
        try:
            keras[variant]["first_call_s"] = keras_step(model, x, y)
        except Exception as exc:  # noqa: BLE001
            failed(variant, exc, "first call")
            continue
        models[variant], times[variant], cores[variant] = model, [], []
    for i in range(warmup + repeats):
        for side in _rotated(["numpy", *variants], i):
            if side == "numpy":
                (core, step), busy = _with_cores(
                    lambda: numpy_step(module, params, x, LR)
                )
                times["core"].append(core)
                times["numpy"].append(step)
                cores["numpy"].append(busy)
                t0 = time.perf_counter()  # its ceiling, at once
                matmuls()
                times["matmul"].append(time.perf_counter() - t0)
            elif side in models:
                try:
                    wall, busy = _with_cores(
                        lambda: keras_step(models[side], x, y)
                    )
                    times[side].append(wall)
                    cores[side].append(busy)
                except Exception as exc:  # noqa: BLE001
                    failed(side, exc, f"round {i + 1}")
    med = {
        key: 1e3 * float(np.median(times[key][warmup:]))
        for key in ("numpy", "core", "matmul", *models)
    }
    busy = {
        key: float(np.median(cores[key][warmup:]))
        for key in ("numpy", *models)
    }
    for variant in models:
        keras[variant]["ms"] = med[variant]
        keras[variant]["cores"] = busy[variant]
    done = {v: r["ms"] for v, r in keras.items() if r["ms"] is not None}
    fastest = min(done, key=done.get) if done else None
    flops = matmul_flops(k, N, T, D, H, input_grad=False)
    ceiling = flops / med["matmul"] / 1e6
    achieved = flops / med["core"] / 1e6
    return {
        "cell": name,
        "N": N,
        "T": T,
        "D": D,
        "H": H,
        "repeats": repeats,
        "warmup": warmup,
        "numpy_ms": med["numpy"],
        "numpy_cores": busy["numpy"],
        "core_ms": med["core"],
        "matmul_ms": med["matmul"],
        "keras": keras,
        "keras_ms": done.get("default"),
        "ratio": med["numpy"] / done["default"] if "default" in done else None,
        "fastest_keras": fastest,
        "fastest_keras_ms": done.get(fastest),
        "ratio_vs_fastest_keras": med["numpy"] / done[fastest]
        if done
        else None,
        "xla_compile_s": keras["xla"]["first_call_s"]
        if "xla" in keras
        else None,
        "matmul_gflop": flops / 1e9,
        "core_gflops": achieved,
        "matmul_gflops": ceiling,
        "core_fraction": achieved / ceiling,
    }


def run(
    cells=tuple(CELLS),
    shapes=SHAPES,
    *,
    repeats=7,
    warmup=2,
    variants=tuple(VARIANTS),
    keep_memory=True,
    progress=None,
):
    """Benchmark every cell at every shape.

    Args:
        cells: names among CELLS.  shapes: (N, T, D, H) tuples of positive
            ints.
        repeats: timed rounds (>= 1), after `warmup` untimed ones (>= 0).
        variants: Keras variants among keras_side.VARIANTS (default, xla,
            unroll).
        keep_memory: call keep_freed_memory() first (once set, it stays for the
            process).
        progress: None, or a callable taking one line of text (e.g. print to
            stderr), called before each case and when a Keras variant fails.

    Returns:
        dict with "rows" (one dict per cell and shape, see bench_one),
        "variants", "peak_gflops", "machine" and "keep_freed_memory" (whether
        that setting is in force). "machine" records the thread settings,
        the versions, numpy's SIMD targets and what one float32 pass of exp,
        tanh, add and reciprocal costs per element (machine.describe), so
        that runs on different CPUs can be compared.
    """
    cells, shapes, variants = (
        _check_cells(cells),
        _check_shapes(shapes),
        _check_variants(variants),
    )
    repeats, warmup = (
        check_int("repeats", repeats, 1),
        check_int("warmup", warmup, 0),
    )
    from ..keras_bridge import quiet_tensorflow
    from .memory import keep_freed_memory

    quiet_tensorflow()
    kept = keep_freed_memory() if keep_memory else False
    rows, total = [], len(cells) * len(shapes)
    for j, (name, shape) in enumerate(
        ((c, s) for c in cells for s in shapes), 1
    ):
        if progress:
            progress(f"[{j}/{total}] {name} (N, T, D, H) = {shape} ...")
        rows.append(
            bench_one(
                name,
                shape,
                repeats=repeats,
                warmup=warmup,
                variants=variants,
                progress=progress,
            )
        )
    return {
        "rows": rows,
        "variants": list(variants),
        "peak_gflops": matmul_peak(),
        "machine": _machine(),
        "keep_freed_memory": kept,
    }


def _machine():
    import keras

    from .machine import describe

    return {
        "cpus": os.cpu_count(),
        **describe(),
        "keras": keras.__version__,
        "backend": keras.backend.backend(),
        "dtype": "float32",
        "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS"),
        "TF_NUM_INTRAOP_THREADS": os.environ.get("TF_NUM_INTRAOP_THREADS"),
        "TF_NUM_INTEROP_THREADS": os.environ.get("TF_NUM_INTEROP_THREADS"),
    }


def _check_cells(cells):
    cells = tuple(cells)
    bad = [c for c in cells if c not in CELLS]
    if not cells or bad:
        raise ValueError(
            f"cells must be a non-empty selection of {list(CELLS)}, got "
            f"{list(cells)}"
        )
    return cells


def _check_variants(variants):
    variants = tuple(variants)
    bad = [v for v in variants if v not in VARIANTS]
    if not variants or bad or len(set(variants)) != len(variants):
        raise ValueError(
            "variants must be a non-empty selection, without repeats, of "
            f"{list(VARIANTS)}, "
            f"got {list(variants)}"
        )
    return variants


def _check_shapes(shapes):
    shapes = tuple(tuple(s) for s in shapes)
    for s in shapes:
        positive = all(
            isinstance(v, (int, np.integer))
            and not isinstance(v, bool)
            and v >= 1
            for v in s
        )
        if len(s) != 4 or not positive:
            raise ValueError(
                "each shape must be four positive ints (N, T, D, H), got "
                f"{s!r}"
            )
    if not shapes:
        raise ValueError("shapes must not be empty")
    return tuple(tuple(int(v) for v in s) for s in shapes)
