"""The benchmark's result as a text table and as a JSON file."""

import json
from pathlib import Path

from .machine import summary_line


def _ms(value):
    return "failed" if value is None else f"{value:.1f}"


def _ratio(value):
    return "-" if value is None else f"{value:.2f}"


def _cores(row):
    """'numpy / fastest variant' cores kept busy, e.g. '1.9 / 1.5'."""
    fastest = row.get("fastest_keras")
    keras = row["keras"][fastest].get("cores") if fastest else None
    numpy = row.get("numpy_cores")
    return " / ".join("-" if c is None else f"{c:.1f}" for c in (numpy, keras))


def format_table(result):
    """The benchmark as a fixed-width text table: one line per cell and shape,
    then notes.

    Columns: the numpy step and each Keras variant in median ms, the fastest
    variant, numpy / Keras default ("ratio"), numpy / the fastest variant ("vs
    fastest"), the cores numpy and the fastest variant kept busy ("cores"),
    the numpy core's share of its matmul ceiling, and the first (tracing +
    compiling) call of the xla variant in seconds.
    """
    variants = result.get("variants") or sorted(
        {v for r in result["rows"] for v in r["keras"]}
    )
    head = (
        f"{'cell':<10}{'(N, T, D, H)':<20}{'numpy':>8}"
        + "".join(f"{v:>9}" for v in variants)
        + f"{'fastest':>9}{'ratio':>7}{'vs fastest':>11}{'cores':>11}"
        + f"{'core/matmul':>12}{'XLA 1st s':>10}"
    )
    lines = [head, "-" * len(head)]
    failures = []
    for r in result["rows"]:
        shape = f"({r['N']}, {r['T']}, {r['D']}, {r['H']})"
        xla = r.get("xla_compile_s")
        lines.append(
            f"{r['cell']:<10}{shape:<20}{r['numpy_ms']:>8.1f}"
            + "".join(
                f"{_ms(r['keras'][v]['ms']) if v in r['keras'] else '-':>9}"
                for v in variants
            )
            + f"{r['fastest_keras'] or '-':>9}{_ratio(r['ratio']):>7}"
            f"{_ratio(r['ratio_vs_fastest_keras']):>11}{_cores(r):>11}"
            f"{r['core_fraction']:>12.0%}"
            f"{'-' if xla is None else f'{xla:.1f}':>10}"
        )
        failures += [
            f"  {r['cell']} {shape}, Keras {v}: {k['error']}"
            for v, k in r["keras"].items()
            if k["error"]
        ]
    repeats = result["rows"][0]["repeats"] if result["rows"] else 0
    lines += [
        f"ms: medians of {repeats} rounds, numpy and the Keras variants in "
        "an order rotating every round; "
        "ratio = numpy / Keras default; vs fastest = numpy / fastest Keras "
        "variant;",
        "cores = busy cores, numpy / fastest variant (CPU time over wall "
        "time); core/matmul = numpy forward + backward GFLOP/s over its own "
        "multiplies timed alone; "
        "XLA 1st = first xla call (trace + compile), not in the medians;",
        f"float32 square matmul (1024): {result['peak_gflops']:.1f} GFLOP/s; "
        "freed memory "
        + (
            "kept for reuse"
            if result.get("keep_freed_memory")
            else "returned to the system"
        ),
    ]
    if "simd" in result.get("machine", {}):
        lines.append(summary_line(result["machine"]))
    if failures:
        lines += ["failed (left out of their rows):"] + failures
    return "\n".join(lines)


def write_json(result, path):
    """Write the result as JSON, creating the parent folder; returns the
    Path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2, allow_nan=False) + "\n")
    return path
