"""Other ways to compute the cells' squashing functions in float32, timed
against numpy's own on this CPU (appendix "How fast is numpy?").

The cells compute tanh with `np.tanh` and the sigmoid as (1 + tanh(a/2)) / 2
(activations.py). On a CPU where numpy has no AVX-512 code, its float32 tanh
costs several times more per number, and three other ways might then pay:

  sigmoid_exp     1 / (1 + exp(-a)): an exp pass instead of a tanh pass;
  tanh_rational   a rational function of a, multiplies, adds and one divide
                  only: the 13/6 approximation that Eigen, the library under
                  TensorFlow's CPU kernels, uses for float32 tanh
                  (generic_fast_tanh_float in its MathFunctionsImpl.h);
  split rows      the same pass cut into row blocks run on a pool of threads
                  (numpy releases the GIL inside a ufunc).

`compare` times each against numpy's way and measures its largest error
against float64, so that a page can say from its own run which of them pay.

    python -m recurrent.bench.elementwise [--rows 256] [--cols 512]
        [--repeats 50] [--lstm-split N] [--return-memory]

prints the comparison as JSON, with describe() of machine.py and, given
--lstm-split N, core_split of the LSTM at (N, 28, 28, 128), with freed memory
kept for reuse as in the benchmark (memory.py) unless --return-memory. The
appendix runs it with some of numpy's SIMD code switched off, in a fresh
process: numpy chooses its SIMD code when it starts.
"""

import argparse
import json
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ..activations import sigmoid
from ..checks import check_int
from .timing import time_ms

# Eigen's float32 tanh: tanh(x) ~ x P(x^2) / Q(x^2) on [-CLAMP, CLAMP], where
# it has reached +-1 in float32; numerator coefficients of x^1, x^3, ..., x^13
# and denominator coefficients of x^0, x^2, ..., x^6.
CLAMP = 7.90531110763549805
ALPHA = (
    4.89352455891786e-03,
    6.37261928875436e-04,
    1.48572235717979e-05,
    5.12229709037114e-08,
    -8.60467152213735e-11,
    2.00018790482477e-13,
    -2.76076847742355e-16,
)
BETA = (
    4.89352518554385e-03,
    2.26843463243900e-03,
    1.18534705686654e-04,
    1.19825839466702e-06,
)


def sigmoid_exp(a, out):
    """sigmoid(a) = 1 / (1 + exp(-a)) into out (same shape and dtype as a).

    exp(-a) overflows to inf for a < -88 in float32 (1 / (1 + inf) is then 0,
    the right limit) and underflows to 0 for a > 103 (giving 1): both are
    silenced.
    """
    with np.errstate(over="ignore", under="ignore"):
        np.negative(a, out=out)
        np.exp(out, out=out)
    out += 1
    return np.reciprocal(out, out=out)


def tanh_rational(a, out, work):
    """tanh(a) from Eigen's rational approximation, into out.

    Args:
        a: float32 array.  out: array like a (may be a).  work: (2, *a.shape)
            scratch of a's dtype.

    Passes over memory: a clip, a square, two per coefficient (Horner), a
    multiply by x and one divide: 23 in all, none of them a transcendental
    function.
    """
    x, x2 = work
    np.clip(a, -CLAMP, CLAMP, out=x)
    np.multiply(x, x, out=x2)
    np.multiply(x2, ALPHA[-1], out=out)
    for coef in ALPHA[-2:0:-1]:
        out += coef
        out *= x2
    out += ALPHA[0]
    out *= x
    np.multiply(x2, BETA[-1], out=x)  # x is no longer needed
    for coef in BETA[-2:0:-1]:
        x += coef
        x *= x2
    x += BETA[0]
    return np.divide(out, x, out=out)


def split_rows(fn, a, out, pool, parts):
    """fn(a[rows], out[rows]) on `parts` blocks of rows at once, one per thread
    of `pool` (a concurrent.futures executor); returns out."""
    bounds = np.linspace(0, len(a), parts + 1).astype(int)
    futures = [
        pool.submit(fn, a[lo:hi], out[lo:hi])
        for lo, hi in zip(bounds[:-1], bounds[1:])
    ]
    for f in futures:
        f.result()
    return out


def compare(shape=(256, 512), *, repeats=50, threads=2, rng):
    """Time every way of computing tanh and the sigmoid on one float32 array.

    Args:
        shape: (rows, cols); (256, 512) holds an LSTM's four gates at N = 256,
            H = 128, and (64, 512) at N = 64.
        repeats: timed calls per way (after one untimed); medians are kept.
        threads: the pool size for the split-rows ways (>= 2).
        rng: np.random.Generator for the inputs, N(0, 2^2) draws.

    Returns:
        dict: way -> {"us": median microseconds per call, "max_error": largest
        absolute error against the same function in float64}; the ways are
        "np.tanh", "tanh_rational", "sigmoid (tanh)", "sigmoid_exp" and, with
        the pass split over the pool, "np.tanh, split" and "sigmoid (tanh),
        split".
    """
    rows, cols = (check_int(n, v, 1) for n, v in zip(("rows", "cols"), shape))
    threads = check_int("threads", threads, 2)
    a = (2 * rng.standard_normal((rows, cols))).astype(np.float32)
    out = np.empty_like(a)
    work = np.empty((2, rows, cols), np.float32)
    exact_tanh = np.tanh(a.astype(np.float64))
    exact_sigmoid = 0.5 * (1 + np.tanh(a.astype(np.float64) / 2))
    with ThreadPoolExecutor(threads) as pool:
        ways = {
            "np.tanh": (lambda: np.tanh(a, out=out), exact_tanh),
            "tanh_rational": (lambda: tanh_rational(a, out, work), exact_tanh),
            "np.tanh, split": (
                lambda: split_rows(
                    lambda x, o: np.tanh(x, out=o), a, out, pool, threads
                ),
                exact_tanh,
            ),
            "sigmoid (tanh)": (lambda: sigmoid(a, out=out), exact_sigmoid),
            "sigmoid_exp": (lambda: sigmoid_exp(a, out), exact_sigmoid),
            "sigmoid (tanh), split": (
                lambda: split_rows(
                    lambda x, o: sigmoid(x, out=o), a, out, pool, threads
                ),
                exact_sigmoid,
            ),
        }
        result = {}
        for name, (fn, exact) in ways.items():
            us = 1e3 * time_ms(fn, repeats)
            fn()
            result[name] = {
                "us": us,
                "max_error": float(np.abs(out - exact).max()),
            }
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m recurrent.bench.elementwise",
        description="Time ways of computing float32 tanh and sigmoid "
        "(JSON on stdout).",
    )
    parser.add_argument("--rows", type=int, default=256)
    parser.add_argument("--cols", type=int, default=512)
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument(
        "--lstm-split",
        type=int,
        metavar="N",
        help="also time the LSTM's core at (N, 28, 28, 128), split into its "
        "multiplies and the rest",
    )
    parser.add_argument(
        "--return-memory",
        action="store_true",
        help="leave malloc's default, which returns freed memory to the "
        "system (see memory.keep_freed_memory)",
    )
    args = parser.parse_args(argv)
    from .machine import describe
    from .memory import keep_freed_memory
    from .split import core_split

    if not args.return_memory:
        keep_freed_memory()  # as the benchmark does, for comparable timings
    rng = np.random.default_rng(0)
    result = {
        "machine": describe(),
        "ways": compare((args.rows, args.cols), repeats=args.repeats, rng=rng),
    }
    if args.lstm_split is not None:
        result["lstm_split"] = core_split(
            "LSTM", (args.lstm_split, 28, 28, 128), repeats=5, rng=rng
        )
    json.dump(result, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
