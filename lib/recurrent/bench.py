"""How fast are the numpy cells? One training step of lib against Keras (appendix "How fast is numpy?").

    python -m recurrent.bench [--cells LSTM,GRU] [--shapes 64x28x28x128,...] [--repeats 7] [--json out.json]

For each cell (SimpleRNN, LSTM, GRU) and each shape (N, T, D, H) one training step is timed on both sides,
in float32, with the same weights, the runs of the two sides alternating and the medians reported:

  numpy  rc.<cell>.forward over the whole sequence (return_sequences=True), the mean squared error of
         h_seq against zeros and its gradient, rc.<cell>.backward (dx, dW, dU, db and dh0: a little
         more than Keras, which needs no dx), and a plain SGD update of the three weights.
  Keras  model.train_on_batch(x, zeros) on Input((T, D)) -> layer(H, return_sequences=True), compiled
         with loss="mse" and SGD: the same loss, the same gradients and the same update, plus whatever
         Keras adds around them (tensor conversion, its train function, the metrics bookkeeping).

The numpy core (forward + backward) is also put against the machine: the matrix multiplies it performs
are counted (see `matmul_flops`) and the same multiplies, of the same shapes, are timed alone with
np.matmul. Their GFLOP/s is the ceiling the core could reach if everything besides the multiplies were
free; "core/matmul" is the fraction of that ceiling the core achieves. A large square multiply is
timed too, for the machine's best float32 throughput.

Unless told otherwise (`--return-memory`), the benchmark first calls `keep_freed_memory`, for both sides
alike: see there why.

Timings depend on the machine and on whatever else runs on it: read them as one run's measurements.
"""
import argparse
import ctypes
import ctypes.util
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

CELLS = {"SimpleRNN": ("rnn", 1), "LSTM": ("lstm", 4), "GRU": ("gru", 3)}   # name: (lib module, blocks k)
SHAPES = ((64, 28, 28, 128), (256, 28, 28, 128), (32, 200, 2, 128))          # (N, T, D, H)
LR = 1e-3


def matmul_shapes(k, N, T, D, H):
    """The matrix multiplies of one forward + backward of a cell with k blocks, as (m, n, p, count).

    Each entry multiplies an (m, n) by an (n, p) matrix `count` times (2 m n p FLOPs each); G = kH.
    Forward: all input projections at once, then h U at every step. Backward: dZ U^T at every step,
    then dW = X^T dZ, dU = H_prev^T dZ and dx = dZ W^T, each over all N T rows at once.
    """
    G = k * H
    return [(N * T, D, G, 1), (N, H, G, T),                         # forward
            (N, G, H, T), (D, N * T, G, 1), (H, N * T, G, 1), (N * T, G, D, 1)]   # backward


def matmul_flops(k, N, T, D, H):
    """FLOPs of those multiplies: 6 N T kH (D + H). Elementwise work and bias sums are not counted."""
    return sum(2 * m * n * p * count for m, n, p, count in matmul_shapes(k, N, T, D, H))


def time_ms(fn, repeats=5):
    """Median wall time of fn() in milliseconds over `repeats` calls, after one untimed call.

    The untimed call warms caches and starts the BLAS threads; the median ignores the odd run that
    another process on the machine slowed down.
    """
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return 1e3 * float(np.median(times))


def keep_freed_memory(limit=1 << 30):
    """Ask the C library's malloc to keep freed memory for reuse instead of returning it to the system.

    Every forward and backward allocates fresh arrays of several megabytes. By default glibc maps
    large blocks straight from the operating system and hands them back when they are freed, so the
    next call must fault the same memory in again, page by page, each page zeroed by the kernel; on
    some machines that costs as much time as the arithmetic. Two mallopt settings stop it: blocks up
    to 32 MiB (the largest threshold glibc accepts) come from the heap (M_MMAP_THRESHOLD), and up to
    `limit` bytes of freed heap stay with the process (M_TRIM_THRESHOLD). Results do not change; the
    setting holds for the whole process, numpy and TensorFlow alike.

    Returns:
        True if both settings were applied (glibc), False where there is no mallopt (e.g. macOS).
    """
    M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return bool(libc.mallopt(M_MMAP_THRESHOLD, 32 << 20)) and bool(libc.mallopt(M_TRIM_THRESHOLD, int(limit)))
    except (OSError, AttributeError, TypeError):
        return False


def matmul_ceiling(k, N, T, D, H, repeats=5, rng=None):
    """GFLOP/s of np.matmul doing exactly the multiplies of `matmul_shapes`, alone, in float32."""
    rng = rng or np.random.default_rng(0)
    total = 0.0
    for m, n, p, count in matmul_shapes(k, N, T, D, H):
        a = rng.standard_normal((m, n), dtype=np.float32)
        b = rng.standard_normal((n, p), dtype=np.float32)
        out = np.empty((m, p), np.float32)
        loops = max(1, min(count, 8))                               # a few of the per-step ones suffice
        seconds = time_ms(lambda: [np.matmul(a, b, out=out) for _ in range(loops)], repeats) / 1e3
        total += seconds / loops * count
    return matmul_flops(k, N, T, D, H) / total / 1e9


def matmul_peak(size=1024, repeats=5):
    """GFLOP/s of one large square float32 multiply (size x size): the machine's best case."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((size, size), dtype=np.float32)
    b = rng.standard_normal((size, size), dtype=np.float32)
    return 2 * size ** 3 / time_ms(lambda: a @ b, repeats) / 1e6


def _numpy_step(module, params, x):
    """One SGD step of the numpy cell; returns (seconds of forward + backward, seconds of the whole step)."""
    t0 = time.perf_counter()
    h_seq, cache = module.forward(x, params)
    t1 = time.perf_counter()
    dh_seq = h_seq * np.float32(2.0 / h_seq.size)                   # d mean(h^2) / dh, the "mse" to zeros
    t2 = time.perf_counter()
    _, grads, _ = module.backward(dh_seq, cache)
    t3 = time.perf_counter()
    for key, g in grads.items():
        params[key] -= np.float32(LR) * g
    return (t1 - t0) + (t3 - t2), time.perf_counter() - t0


def _keras_model(name, params, T, D, H):
    import keras

    layer = getattr(keras.layers, name)(H, return_sequences=True)
    model = keras.Sequential([keras.Input((T, D), dtype="float32"), layer])
    layer.set_weights([params[key] for key in ("kernel", "recurrent_kernel", "bias")])
    model.compile(optimizer=keras.optimizers.SGD(LR), loss="mse")
    return model


def bench_one(name, shape, *, repeats=7, warmup=2, rng=None):
    """Time one cell at one shape; returns a dict of medians (ms), the ratio and GFLOP/s figures."""
    import recurrent as rc

    N, T, D, H = shape
    kind, k = CELLS[name]
    module = getattr(rc, kind)
    rng = rng or np.random.default_rng(0)
    params = module.init_params(D, H, rng=rng, dtype=np.float32)
    x = rng.standard_normal((N, T, D), dtype=np.float32)
    y = np.zeros((N, T, H), np.float32)
    model = _keras_model(name, {key: v.copy() for key, v in params.items()}, T, D, H)
    core, step, keras_s = [], [], []
    for i in range(warmup + repeats):
        first_numpy = i % 2 == 0                                    # alternate who goes first
        for side in ("numpy", "keras") if first_numpy else ("keras", "numpy"):
            if side == "numpy":
                c, s = _numpy_step(module, params, x)
                core.append(c)
                step.append(s)
            else:
                t0 = time.perf_counter()
                model.train_on_batch(x, y)
                keras_s.append(time.perf_counter() - t0)
    med = {key: float(np.median(v[warmup:])) for key, v in (("core", core), ("numpy", step), ("keras", keras_s))}
    flops = matmul_flops(k, N, T, D, H)
    ceiling = matmul_ceiling(k, N, T, D, H, rng=rng)
    achieved = flops / med["core"] / 1e9
    return {"cell": name, "N": N, "T": T, "D": D, "H": H, "repeats": repeats,
            "numpy_ms": 1e3 * med["numpy"], "keras_ms": 1e3 * med["keras"], "core_ms": 1e3 * med["core"],
            "ratio": med["numpy"] / med["keras"], "matmul_gflop": flops / 1e9,
            "core_gflops": achieved, "matmul_gflops": ceiling, "core_fraction": achieved / ceiling,
            "keras_jit_compile": bool(model.jit_compile)}


def run(cells=tuple(CELLS), shapes=SHAPES, *, repeats=7, warmup=2, keep_memory=True, progress=None):
    """Benchmark every cell at every shape.

    Args:
        cells: names among CELLS.  shapes: (N, T, D, H) tuples of positive ints.
        repeats: timed runs per side (>= 1), after `warmup` untimed ones (>= 0).
        keep_memory: call keep_freed_memory() first (once set, it stays for the process).
        progress: None, or a callable taking one line of text (e.g. print) called before each case.

    Returns:
        dict with "rows" (one dict per cell and shape, see bench_one), "peak_gflops", "machine" and
        "keep_freed_memory" (whether that setting is in force).
    """
    cells, shapes = _check_cells(cells), _check_shapes(shapes)
    if not isinstance(repeats, int) or repeats < 1 or not isinstance(warmup, int) or warmup < 0:
        raise ValueError(f"repeats must be an int >= 1 and warmup an int >= 0, got {repeats!r}, {warmup!r}")
    from .notebook import quiet_tensorflow

    quiet_tensorflow()
    kept = keep_freed_memory() if keep_memory else False
    rows, total = [], len(cells) * len(shapes)
    for j, (name, shape) in enumerate(((c, s) for c in cells for s in shapes), 1):
        if progress:
            progress(f"[{j}/{total}] {name} (N, T, D, H) = {shape} ...")
        rows.append(bench_one(name, shape, repeats=repeats, warmup=warmup))
    return {"rows": rows, "peak_gflops": matmul_peak(), "machine": _machine(), "keep_freed_memory": kept}


def _machine():
    import keras

    return {"cpus": os.cpu_count(), "numpy": np.__version__, "keras": keras.__version__,
            "backend": keras.backend.backend(), "dtype": "float32"}


def _check_cells(cells):
    cells = tuple(cells)
    bad = [c for c in cells if c not in CELLS]
    if not cells or bad:
        raise ValueError(f"cells must be a non-empty selection of {list(CELLS)}, got {list(cells)}")
    return cells


def _check_shapes(shapes):
    shapes = tuple(tuple(s) for s in shapes)
    for s in shapes:
        if len(s) != 4 or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= 1 for v in s):
            raise ValueError(f"each shape must be four positive ints (N, T, D, H), got {s!r}")
    if not shapes:
        raise ValueError("shapes must not be empty")
    return tuple(tuple(int(v) for v in s) for s in shapes)


def format_table(result):
    """The benchmark as a fixed-width text table (one line per cell and shape)."""
    head = (f"{'cell':<10}{'(N, T, D, H)':<20}{'numpy ms':>10}{'Keras ms':>10}{'ratio':>8}"
            f"{'core GF/s':>11}{'matmul GF/s':>13}{'core/matmul':>13}")
    lines = [head, "-" * len(head)]
    for r in result["rows"]:
        shape = f"({r['N']}, {r['T']}, {r['D']}, {r['H']})"
        lines.append(f"{r['cell']:<10}{shape:<20}{r['numpy_ms']:>10.1f}{r['keras_ms']:>10.1f}{r['ratio']:>8.2f}"
                     f"{r['core_gflops']:>11.1f}{r['matmul_gflops']:>13.1f}{r['core_fraction']:>13.0%}")
    lines.append(f"float32 square matmul (1024): {result['peak_gflops']:.1f} GFLOP/s; "
                 f"medians of {result['rows'][0]['repeats'] if result['rows'] else 0} alternating runs; "
                 "ratio = numpy step / Keras train_on_batch; freed memory "
                 + ("kept for reuse" if result.get("keep_freed_memory") else "returned to the system"))
    return "\n".join(lines)


def write_json(result, path):
    """Write the result as JSON, creating the parent folder; returns the Path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2) + "\n")
    return path


def _parse_shape(text):
    try:
        shape = tuple(int(v) for v in text.lower().split("x"))
    except ValueError:
        shape = ()
    if len(shape) != 4 or min(shape) < 1:
        raise argparse.ArgumentTypeError(
            f"shape must look like NxTxDxH with positive ints, e.g. 64x28x28x128; got {text!r}")
    return shape


def _parse_cells(text):
    cells = tuple(c.strip() for c in text.split(",") if c.strip())
    by_lower = {c.lower(): c for c in CELLS}
    bad = [c for c in cells if c.lower() not in by_lower]
    if not cells or bad:
        raise argparse.ArgumentTypeError(f"cells must be a comma-separated subset of {','.join(CELLS)}; got {text!r}")
    return tuple(by_lower[c.lower()] for c in cells)


def _positive(minimum):
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < minimum:
            raise argparse.ArgumentTypeError(f"must be an int >= {minimum}, got {text!r}")
        return value
    return parse


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m recurrent.bench",
                                     description="Time one training step of the numpy cells against Keras.")
    parser.add_argument("--cells", type=_parse_cells, default=tuple(CELLS), help="e.g. LSTM,GRU (default: all)")
    parser.add_argument("--shapes", type=lambda t: tuple(_parse_shape(s) for s in t.split(",")),
                        default=SHAPES, help="comma-separated NxTxDxH (default: %(default)s)")
    parser.add_argument("--repeats", type=_positive(1), default=7, help="timed runs per side (default 7)")
    parser.add_argument("--warmup", type=_positive(0), default=2, help="untimed runs first (default 2)")
    parser.add_argument("--return-memory", action="store_true",
                        help="leave malloc's default, which returns freed memory to the system (see keep_freed_memory)")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures to this JSON file")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    result = run(args.cells, args.shapes, repeats=args.repeats, warmup=args.warmup,
                 keep_memory=not args.return_memory,
                 progress=lambda line: print(line, file=sys.stderr, flush=True))
    print(format_table(result))
    if args.json is not None:
        print(f"wrote {write_json(result, args.json)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
