"""What this machine's numpy can vectorise, and what an elementwise pass
costs on it.

The numpy cells spend the time besides their multiplies in elementwise passes
(sigmoid, tanh, products of gates), so two runs of the benchmark on different
CPUs compare only together with these figures: numpy picks, when it starts,
the widest SIMD code its build has for the CPU (AVX-512, AVX2, ...), and
float32 `np.tanh` and `np.exp` cost several times more per number on a CPU
where only the narrower code runs.

Needs only numpy (.ci/machine_line.py loads this file on its own, before the
project's environment exists).
"""

import time

import numpy as np

#: The ufuncs whose cost per element is recorded: the two transcendental
#: functions of the cells, and two cheap passes for scale.
UFUNCS = {
    "exp": lambda x, out: np.exp(x, out=out),
    "tanh": lambda x, out: np.tanh(x, out=out),
    "add": lambda x, out: np.add(x, x, out=out),
    "reciprocal": lambda x, out: np.reciprocal(x, out=out),
}


def numpy_simd():
    """numpy's SIMD targets on this CPU.

    Returns:
        dict with "baseline" (what the build requires of every CPU), "found"
        (the optional targets this CPU has, which numpy dispatches to) and
        "not_found" (those it lacks), each a list of names such as "X86_V3"
        (AVX2 and FMA3) and "X86_V4" (AVX-512) in numpy 2, "AVX2" and
        "AVX512_SKX" in numpy 1. NPY_DISABLE_CPU_FEATURES moves targets to
        "not_found". Empty lists where numpy does not say.
    """
    try:
        from numpy._core import _multiarray_umath as umath
    except ImportError:  # numpy 1
        from numpy.core import _multiarray_umath as umath
    features = getattr(umath, "__cpu_features__", {})
    dispatch = list(getattr(umath, "__cpu_dispatch__", []))
    return {
        "baseline": list(getattr(umath, "__cpu_baseline__", [])),
        "found": [k for k in dispatch if features.get(k)],
        "not_found": [k for k in dispatch if not features.get(k)],
    }


def avx512_targets():
    """The SIMD targets numpy dispatches to on this CPU that need AVX-512
    (numpy 2's X86_V4 and AVX512_*, numpy 1's AVX512F and AVX512_*): what
    NPY_DISABLE_CPU_FEATURES must name to leave numpy with its AVX2 code.
    Empty on a CPU without AVX-512."""
    return [
        k
        for k in numpy_simd()["found"]
        if k == "X86_V4" or k.startswith("AVX512")
    ]


def ns_per_element(name, shape=(256, 512), repeats=50):
    """Median nanoseconds per element of one float32 ufunc pass.

    Args:
        name: a key of UFUNCS ("exp", "tanh", "add", "reciprocal").
        shape: the array, standard normal numbers, written into a second
            array of the same shape; (256, 512) is the LSTM's four gates at
            N = 256, H = 128.
        repeats: timed calls (after one untimed); the median ignores the odd
            call another process slowed down.

    Returns:
        float, ns per element.
    """
    if name not in UFUNCS:
        raise ValueError(f"name must be one of {list(UFUNCS)}, got {name!r}")
    fn = UFUNCS[name]
    x = np.random.default_rng(0).standard_normal(shape, dtype=np.float32)
    out = np.empty_like(x)
    fn(x, out)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn(x, out)
        times.append(time.perf_counter() - start)
    return 1e9 * float(np.median(times)) / x.size


def describe():
    """numpy's version and SIMD targets, and the ns per element of UFUNCS.

    Returns:
        dict with "numpy", "simd" (numpy_simd()) and "ns_per_element" (name ->
        float).
    """
    return {
        "numpy": np.__version__,
        "simd": numpy_simd(),
        "ns_per_element": {name: ns_per_element(name) for name in UFUNCS},
    }


def summary_line(described):
    """One line of text from describe(): SIMD targets found and the costs."""
    simd = described["simd"]
    found = "+".join(simd["found"]) or "baseline only"
    costs = ", ".join(
        f"{name} {ns:.2f}" for name, ns in described["ns_per_element"].items()
    )
    return (
        f"numpy {described['numpy']} SIMD {found} (missing: "
        f"{'+'.join(simd['not_found']) or 'none'}); float32 ns/element: "
        f"{costs}"
    )
