"""Print one line that says how fast this machine is, for the first line of
every CI log.

The chapters' run times scale with it: numpy-heavy pages with the float32
matmul speed, Keras pages less (README, "How long the tests take"). Needs only
numpy.
"""

import os
import platform
import time

import numpy as np


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
    best = min(_timed(lambda: a @ b) for _ in range(repeats))
    return 2 * n**3 / best / 1e9


def ns_per_element(fn, shape=(256, 512)):
    """Median nanoseconds per element of a float32 ufunc on a (256, 512)
    array."""
    x = np.random.default_rng(0).standard_normal(shape, dtype=np.float32)
    out = np.empty_like(x)
    fn(x, out=out)
    return (
        1e9
        * float(np.median([_timed(lambda: fn(x, out=out)) for _ in range(50)]))
        / x.size
    )


def _timed(fn):
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def simd():
    try:
        from numpy._core._multiarray_umath import __cpu_features__ as features
    except ImportError:
        return "unknown"
    have = [
        k
        for k in ("AVX512_SKX", "AVX512F", "AVX2", "FMA3", "AVX")
        if features.get(k)
    ]
    return "+".join(have[:2]) if have else "none of AVX/AVX2/AVX-512"


if __name__ == "__main__":
    print(
        f"machine: {cpu_name()}, {os.cpu_count()} cores; float32 1024x1024 "
        "matmul "
        f"{matmul_gflops():.0f} GFLOP/s; numpy {np.__version__} SIMD "
        f"{simd()}; float32 ns/element: "
        f"exp {ns_per_element(np.exp):.2f}, tanh "
        f"{ns_per_element(np.tanh):.2f}, "
        f"add {ns_per_element(lambda x, out: np.add(x, x, out=out)):.2f}",
        flush=True,
    )
