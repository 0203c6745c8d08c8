"""Print one line that says how fast this machine is, for the first line of
every CI log.

The chapters' run times scale with it: numpy-heavy pages with the float32
matmul speed, Keras pages less (README, "How long the tests take"). Needs only
numpy: the SIMD targets and per-element costs come from
lib/recurrent/bench/machine.py, loaded as a single file (the project's
environment may not exist yet).
"""

import importlib.util
import os
import platform
import time
from pathlib import Path

import numpy as np

MACHINE = Path(__file__).parents[1] / "lib/recurrent/bench/machine.py"


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def matmul_gflops(n=1024, repeats=20):
    """Best float32 n x n matmul speed of `repeats` calls, in GFLOP/s (numpy's
    default threads)."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    a @ b
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - start)
    return 2 * n**3 / best / 1e9


def load_machine():
    spec = importlib.util.spec_from_file_location("machine", MACHINE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


if __name__ == "__main__":
    machine = load_machine()
    print(
        f"machine: {cpu_name()}, {os.cpu_count()} cores; float32 1024x1024 "
        f"matmul {matmul_gflops():.0f} GFLOP/s; "
        + machine.summary_line(machine.describe()),
        flush=True,
    )
