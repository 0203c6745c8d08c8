"""Wall-clock timing, and the speed of the machine's float32 multiplies (the
"ceiling").

Timings depend on the machine and on whatever else runs on it; every figure is
a median so that the odd call another process slowed down does not decide it.
"""

import time

import numpy as np

from ..checks import check_rng
from .flops import matmul_flops, matmul_shapes

# the seed of the multiplied arrays when no rng is given (see inputs_rng)
INPUT_SEED = 0


def time_ms(fn, repeats=5):
    """Median wall time of fn() in milliseconds over `repeats` calls, after one
    untimed call.

    The untimed call warms caches and starts the BLAS threads; the median
    ignores the odd run that another process on the machine slowed down.
    """
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return 1e3 * float(np.median(times))


def inputs_rng(rng):
    """The generator of the random arrays a benchmark multiplies: `rng` itself
    (a numpy.random.Generator), or np.random.default_rng(INPUT_SEED) when None.
    The values do not change the time a multiply takes; the fixed seed keeps
    the inputs the same from run to run."""
    return np.random.default_rng(INPUT_SEED) if rng is None else check_rng(rng)


def matmul_work(shapes, rng=None):
    """A function that runs all the multiplies `shapes` ((m, n, p, count)
    tuples) once, in float32.

    Every product is done `count` times on random arrays (from inputs_rng(rng))
    into a preallocated result: the matrix work of one forward + backward with
    none of the rest.
    The benchmark times it in the same rotating loop as the cells, so that the
    ceiling and the core meet the same load.
    """
    rng = inputs_rng(rng)
    work = []
    for m, n, p, count in shapes:
        work.append(
            (
                rng.standard_normal((m, n), dtype=np.float32),
                rng.standard_normal((n, p), dtype=np.float32),
                np.empty((m, p), np.float32),
                count,
            )
        )

    def run():
        for a, b, out, count in work:
            for _ in range(count):
                np.matmul(a, b, out=out)

    return run


def matmuls_ms(shapes, repeats=5, rng=None):
    """Milliseconds np.matmul needs for all the multiplies `shapes` ((m, n, p,
    count) tuples), in float32:
    the median of `repeats` runs of matmul_work(shapes, rng), every product
    done `count` times."""
    return time_ms(matmul_work(shapes, rng), repeats)


def matmul_ceiling(k, N, T, D, H, repeats=5, rng=None):
    """GFLOP/s of np.matmul doing exactly the multiplies of `matmul_shapes`,
    alone, in float32.

    The speed a cell with k blocks at (N, T, D, H) would reach if everything
    besides its multiplies were free. rng: see inputs_rng.
    """
    ms = matmuls_ms(matmul_shapes(k, N, T, D, H), repeats, rng)
    return matmul_flops(k, N, T, D, H) / ms / 1e6


def matmul_peak(size=1024, repeats=5):
    """GFLOP/s of one large square float32 multiply (size x size): the
    machine's best case."""
    rng = np.random.default_rng(INPUT_SEED)
    a = rng.standard_normal((size, size), dtype=np.float32)
    b = rng.standard_normal((size, size), dtype=np.float32)
    return 2 * size**3 / time_ms(lambda: a @ b, repeats) / 1e6
