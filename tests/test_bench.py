"""recurrent.bench: FLOP counting, the Keras twin, the rotating loop, failures,
the table and the JSON file.

Tiny shapes only, and no timing is asserted (timings depend on the machine):
only how the figures relate to each other, that the Keras model is the numpy
cell's twin, and that a failing Keras variant is reported instead of stopping
the run.
"""

import json
import os
import subprocess
import sys
import time

import numpy as np
import pytest

import recurrent as rc
from recurrent import bench
from recurrent.bench import cli, machine, runner

TINY = (2, 3, 2, 4)  # (N, T, D, H)
KINDS = {"SimpleRNN": "rnn", "LSTM": "lstm", "GRU": "gru"}


@pytest.mark.parametrize("k", [1, 3, 4])
def test_matmul_flops_matches_the_closed_form(k):
    N, T, D, H = 5, 7, 3, 6
    # forward: x W and h U; backward: dZ U^T, X^T dZ, H_prev^T dZ, dZ W^T
    # -> 3 (D + H) products of 2 N T kH
    assert bench.matmul_flops(k, N, T, D, H) == 6 * N * T * k * H * (D + H)
    assert bench.matmul_flops(
        k, N, T, D, H, part="forward"
    ) == 2 * N * T * k * H * (D + H)
    assert bench.matmul_flops(
        k, N, T, D, H, part="backward"
    ) == 4 * N * T * k * H * (D + H)
    # without dx = dZ W^T (a first layer): backward loses 2 N T kH D
    assert bench.matmul_flops(
        k, N, T, D, H, part="backward", input_grad=False
    ) == 2 * N * T * k * H * (D + 2 * H)
    assert bench.matmul_flops(
        k, N, T, D, H, input_grad=False
    ) == 2 * N * T * k * H * (2 * D + 3 * H)


def test_matmul_shapes_rejects_an_unknown_part():
    with pytest.raises(ValueError, match="part"):
        bench.matmul_shapes(4, *TINY, part="sideways")


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["--shapes", "64x28x28"], "NxTxDxH"),
        (["--shapes", "64x28x0x128"], "NxTxDxH"),
        (["--shapes", "axbxcxd"], "NxTxDxH"),
        (["--cells", "LSTM,Transformer"], "SimpleRNN,LSTM,GRU"),
        (["--cells", ""], "SimpleRNN,LSTM,GRU"),
        (["--cells", "LSTM,lstm"], "without repeats"),
        (["--keras", "xla,jax"], "default,xla,unroll"),
        (["--repeats", "0"], ">= 1"),
        (["--warmup", "-1"], ">= 0"),
        (["--speed", "fast"], "unrecognized arguments"),
    ],
)
def test_bad_command_line_exits_with_a_clear_message(argv, fragment, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.parse_args(argv)
    assert exc.value.code == 2
    assert fragment in capsys.readouterr().err


def test_command_line_is_parsed():
    args = cli.parse_args(
        [
            "--cells",
            "lstm,GRU",
            "--shapes",
            "64x28x28x128,32X200x2x128",
            "--repeats",
            "3",
            "--keras",
            "XLA,default",
        ]
    )
    assert args.cells == ("LSTM", "GRU")
    assert args.shapes == ((64, 28, 28, 128), (32, 200, 2, 128))
    assert args.keras == ("xla", "default")
    assert args.repeats == 3 and args.warmup == 2 and args.json is None
    assert cli.parse_args([]).keras == ("default", "xla", "unroll")


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"cells": ("LSTM", "Mamba")}, "cells"),
        ({"cells": ()}, "cells"),
        ({"shapes": ((2, 3, 4),)}, "four positive ints"),
        ({"shapes": ((2, 3, 0, 4),)}, "four positive ints"),
        ({"shapes": ()}, "shapes"),
        ({"repeats": 0}, "repeats"),
        ({"warmup": -1}, "warmup"),
        ({"variants": ("default", "tpu")}, "variants"),
        ({"variants": ("xla", "xla")}, "without repeats"),
    ],
)
def test_run_rejects_bad_arguments(kwargs, fragment):
    with pytest.raises(ValueError, match=fragment):
        bench.run(**kwargs)


# -------------------------------------------------------------- the Keras twin


@pytest.mark.parametrize(
    "name, variant",
    [
        ("SimpleRNN", "default"),
        ("LSTM", "default"),
        ("GRU", "default"),
        ("LSTM", "xla"),
        ("GRU", "unroll"),
    ],
)
def test_keras_model_has_the_numpy_weights_and_loss(name, variant):
    kind = KINDS[name]
    N, T, D, H = TINY
    rng = np.random.default_rng(1)
    params = getattr(rc, kind).init_params(D, H, rng=rng)
    params["bias"] += rng.uniform(-0.5, 0.5, params["bias"].shape).astype(
        np.float32
    )  # not all zeros
    x = rng.standard_normal((N, T, D), dtype=np.float32)
    model = bench.keras_model(kind, params, T, D, variant)
    weights = model.layers[-1].get_weights()
    assert len(weights) == 3
    for w, p in zip(weights, rc.keras_bridge.to_keras(params)):
        assert np.array_equal(w, p)
    h_seq, _ = getattr(rc, kind).forward(x, params)
    loss = model.test_on_batch(x, np.zeros((N, T, H), np.float32))
    assert loss == pytest.approx(_mse(h_seq), rel=1e-5)


def _mse(h_seq):
    """The loss both sides minimise: mean(h_seq^2), a float."""
    return float(np.mean(np.square(h_seq, dtype=np.float64)))


@pytest.mark.parametrize("name", list(KINDS))
def test_one_numpy_step_is_one_keras_train_on_batch(name):
    # the same loss, the same gradients and the same SGD update: the weights
    # after one step agree
    kind = KINDS[name]
    N, T, D, H = TINY
    rng = np.random.default_rng(2)
    params = getattr(rc, kind).init_params(D, H, rng=rng)
    x = rng.standard_normal((N, T, D), dtype=np.float32)
    model = bench.keras_model(
        kind, params, T, D, "default", lr=0.5
    )  # a large step: a visible change
    before = {key: v.copy() for key, v in params.items()}
    bench.numpy_side.numpy_step(getattr(rc, kind), params, x, 0.5)
    model.train_on_batch(x, np.zeros((N, T, H), np.float32))
    for key, w in zip(
        rc.keras_bridge.WEIGHT_NAMES, model.layers[-1].get_weights()
    ):
        assert not np.allclose(params[key], before[key], rtol=0, atol=1e-6), (
            key
        )
        np.testing.assert_allclose(
            w, params[key], rtol=1e-5, atol=1e-6, err_msg=key
        )


# ---------------------------------------- the loop, with fakes (no TensorFlow)


class FakeModel:
    """Stands in for a compiled Keras model; train_on_batch records who ran and
    may fail."""

    def __init__(self, variant, log, fail_after=None):
        self.variant, self.log, self.fail_after, self.calls = (
            variant,
            log,
            fail_after,
            0,
        )

    def train_on_batch(self, x, y):
        self.calls += 1
        if self.fail_after is not None and self.calls > self.fail_after:
            raise RuntimeError("out of memory\nsecond line of the message")
        self.log.append(self.variant)


@pytest.fixture
def fakes(monkeypatch):
    """Fake Keras models and multiplies; returns (call log, {variant: what
    keras_model does})."""
    log, behaviour = [], {}

    def keras_model(kind, params, T, D, variant, lr):
        how = behaviour.get(variant)
        if isinstance(how, Exception):
            raise how
        return FakeModel(variant, log, fail_after=how)

    real_step = runner.numpy_step

    def numpy_step(*args):
        log.append("numpy")
        return real_step(*args)

    monkeypatch.setattr(runner, "keras_model", keras_model)
    monkeypatch.setattr(runner, "numpy_step", numpy_step)
    monkeypatch.setattr(
        runner, "matmul_work", lambda shapes, rng: lambda: log.append("matmul")
    )
    return log, behaviour


def test_cores_are_cpu_time_over_wall_time(fakes, monkeypatch):
    """With a process clock running twice as fast as the wall clock, every
    side kept two cores busy; with one running at the wall clock's pace,
    one."""
    slow = FakeModel.train_on_batch

    def train_on_batch(self, x, y):  # long enough to time
        time.sleep(0.002)
        return slow(self, x, y)

    monkeypatch.setattr(FakeModel, "train_on_batch", train_on_batch)
    for pace in (2.0, 1.0):
        monkeypatch.setattr(
            runner.time,
            "process_time",
            lambda pace=pace: pace * time.perf_counter(),
        )
        row = bench.bench_one("LSTM", TINY, repeats=3, warmup=1)
        assert row["numpy_cores"] == pytest.approx(pace, rel=0.1)
        for v in ("default", "xla", "unroll"):
            assert row["keras"][v]["cores"] == pytest.approx(pace, rel=0.1)
    # the table shows numpy's and the fastest variant's
    row["numpy_cores"], row["keras"][row["fastest_keras"]]["cores"] = 1.9, 1.5
    table = bench.format_table(
        {"rows": [row], "variants": list(bench.VARIANTS), "peak_gflops": 1.0}
    )
    assert "1.9 / 1.5" in table.splitlines()[2]


def test_the_order_rotates_every_round(fakes):
    log, _ = fakes
    row = bench.bench_one("LSTM", TINY, repeats=3, warmup=1)
    first_calls, rounds = (
        log[:3],
        log[3:],
    )  # each variant once on its own first
    assert first_calls == ["default", "xla", "unroll"]
    sides = ["numpy", "default", "xla", "unroll"]
    assert len(rounds) == 4 * 5
    order = [side for side in rounds if side != "matmul"]
    assert [order[4 * i : 4 * i + 4] for i in range(4)] == [
        sides[i:] + sides[:i] for i in range(4)
    ]
    # the ceiling runs right after every numpy step, so that both meet the same
    # load
    assert [
        rounds[j + 1] for j, side in enumerate(rounds) if side == "numpy"
    ] == ["matmul"] * 4
    assert all(row["keras"][v]["error"] is None for v in sides[1:])


def test_a_failing_variant_is_reported_not_raised(fakes):
    log, behaviour = fakes
    behaviour["xla"] = RuntimeError("XLA not available")  # fails when built
    behaviour["unroll"] = 1  # first call works, then it fails
    lines = []
    row = bench.bench_one(
        "GRU", TINY, repeats=2, warmup=0, progress=lines.append
    )
    xla, unroll = row["keras"]["xla"], row["keras"]["unroll"]
    assert xla == {
        "ms": None,
        "first_call_s": None,
        "error": "building the model: RuntimeError: XLA not available",
    }
    assert unroll["ms"] is None and unroll["first_call_s"] is not None
    assert unroll["error"] == "round 1: RuntimeError: out of memory"
    assert row["xla_compile_s"] is None
    assert row["fastest_keras"] == "default"
    assert (
        row["ratio_vs_fastest_keras"]
        == row["ratio"]
        == pytest.approx(row["numpy_ms"] / row["keras_ms"])
    )
    assert log.count("numpy") == log.count("matmul") == 2  # the others went on
    assert log.count("default") == 3
    assert any("xla failed" in ln for ln in lines) and any(
        "unroll failed" in ln for ln in lines
    )
    table = bench.format_table(
        {
            "rows": [row],
            "variants": ["default", "xla", "unroll"],
            "peak_gflops": 1.0,
        }
    )
    line = [ln for ln in table.splitlines() if ln.startswith("GRU")][0]
    assert line.split().count("failed") == 2
    assert (
        "Keras xla: building the model: RuntimeError: XLA not available"
        in table
    )


def test_when_every_variant_fails_the_ratios_are_none(fakes, tmp_path):
    _, behaviour = fakes
    for v in bench.VARIANTS:
        behaviour[v] = ValueError(f"no {v}")
    row = bench.bench_one("SimpleRNN", TINY, repeats=1, warmup=0)
    assert (
        row["ratio"] is None
        and row["ratio_vs_fastest_keras"] is None
        and row["fastest_keras"] is None
    )
    assert np.isfinite(row["numpy_ms"]) and row["core_fraction"] > 0
    result = {
        "rows": [row],
        "variants": list(bench.VARIANTS),
        "peak_gflops": 1.0,
    }
    assert (
        json.loads(bench.write_json(result, tmp_path / "r.json").read_text())
        == result
    )
    line = bench.format_table(result).splitlines()[2]
    assert line.startswith("SimpleRNN") and " / -" in line


# ------------------------------------------------------------- a real tiny run


@pytest.fixture(scope="module")
def tiny_run():
    # keep_memory=False: keep_freed_memory() would change malloc for the rest
    # of the pytest process
    return bench.run(
        cells=("SimpleRNN",),
        shapes=(TINY, (3, 2, 2, 5)),
        repeats=2,
        warmup=1,
        keep_memory=False,
    )


def test_real_run_ratios_follow_the_medians(tiny_run):
    for row in tiny_run["rows"]:
        ms = {v: k["ms"] for v, k in row["keras"].items()}
        assert set(ms) == {"default", "xla", "unroll"}
        assert all(np.isfinite(v) and v > 0 for v in ms.values()), row["keras"]
        assert row["fastest_keras"] == min(ms, key=ms.get)
        assert row["fastest_keras_ms"] == min(ms.values())
        assert row["ratio_vs_fastest_keras"] == pytest.approx(
            row["numpy_ms"] / min(ms.values())
        )
        assert row["ratio"] == pytest.approx(row["numpy_ms"] / ms["default"])
        assert row["xla_compile_s"] == row["keras"]["xla"]["first_call_s"] > 0
        assert 0 < row["core_ms"] <= row["numpy_ms"]
        assert row["core_fraction"] == pytest.approx(
            row["core_gflops"] / row["matmul_gflops"]
        )
        assert row["core_fraction"] == pytest.approx(
            row["matmul_ms"] / row["core_ms"]
        )


def test_real_run_json_round_trips_with_both_keys(tiny_run, tmp_path):
    path = bench.write_json(tiny_run, tmp_path / "a" / "b" / "bench.json")
    back = json.loads(path.read_text())
    assert back == tiny_run
    assert len(back["rows"]) == 2
    for row in back["rows"]:
        assert row["ratio_vs_fastest_keras"] > 0 and row["core_fraction"] > 0
    table = bench.format_table(back)
    for row in back["rows"]:
        shape = f"({row['N']}, {row['T']}, {row['D']}, {row['H']})"
        line = [ln for ln in table.splitlines() if shape in ln][0]
        assert (
            f"{row['ratio_vs_fastest_keras']:.2f}" in line
            and f"{row['core_fraction']:.0%}" in line
        )
        assert row["fastest_keras"] in line


def test_main_end_to_end_on_a_tiny_shape(tmp_path, capsys):
    out = tmp_path / "build" / "bench.json"
    assert (
        bench.main(
            [
                "--cells",
                "SimpleRNN",
                "--shapes",
                "x".join(map(str, TINY)),
                "--keras",
                "default",
                "--repeats",
                "1",
                "--warmup",
                "0",
                "--return-memory",
                "--json",
                str(out),
            ]
        )
        == 0
    )
    captured = capsys.readouterr()
    assert "[1/1] SimpleRNN" in captured.err  # progress while it runs
    result = json.loads(out.read_text())
    (row,) = result["rows"]
    assert (row["cell"], row["N"], row["T"], row["D"], row["H"]) == (
        "SimpleRNN",
    ) + TINY
    assert list(row["keras"]) == ["default"] and row["xla_compile_s"] is None
    assert (
        result["peak_gflops"] > 0 and result["machine"]["dtype"] == "float32"
    )
    assert (
        set(result["machine"]["ns_per_element"]) == set(machine.UFUNCS)
        and result["machine"]["simd"] == machine.numpy_simd()
    )
    assert (
        "SimpleRNN (2, 3, 2, 4)" in captured.out
        and "vs fastest" in captured.out
        and "float32 ns/element: exp " in captured.out
    )


def _machine_without(targets, function):
    """machine.<function>() in a fresh Python whose numpy was told to ignore
    the SIMD targets named (NPY_DISABLE_CPU_FEATURES), as JSON."""
    code = (
        "import json, runpy; m = runpy.run_path("
        f"{machine.__file__!r}); print(json.dumps(m[{function!r}]()))"
    )
    env = {**os.environ, "NPY_DISABLE_CPU_FEATURES": " ".join(targets)}
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def test_numpy_simd_follows_npy_disable_cpu_features():
    """The SIMD record says what numpy really dispatches to: a target that
    NPY_DISABLE_CPU_FEATURES switches off moves from "found" to
    "not_found"."""
    found = machine.numpy_simd()["found"]
    if not found:
        pytest.skip("numpy dispatches to no optional SIMD target on this CPU")
    widest = found[-1]
    simd = _machine_without([widest], "numpy_simd")
    assert widest not in simd["found"] and widest in simd["not_found"]
    assert simd["found"] == [k for k in found if k in simd["found"]]


def test_ns_per_element_rejects_an_unknown_ufunc_and_times_a_known_one():
    with pytest.raises(ValueError, match="name must be one of"):
        machine.ns_per_element("sqrt")
    # a pass over 1024 float32 numbers cannot take less than a picosecond
    # each, nor a whole millisecond
    assert 1e-3 < machine.ns_per_element("add", (1024,), 5) < 1e6


def test_summary_line_names_the_targets_and_every_cost():
    described = {
        "numpy": "9.9",
        "simd": {"baseline": ["B"], "found": ["V3", "V4"], "not_found": []},
        "ns_per_element": {"exp": 0.456, "tanh": 7.2},
    }
    assert machine.summary_line(described) == (
        "numpy 9.9 SIMD V3+V4 (missing: none); float32 ns/element: "
        "exp 0.46, tanh 7.20"
    )


def test_core_split_times_each_pass_against_its_own_multiplies(monkeypatch):
    """core_split's wiring, with the clocks replaced: which pass each timing
    belongs to, which multiplies are subtracted from it, and how the share and
    the per-step rest follow."""
    from recurrent.bench import split

    passes = []

    def fake_time_ms(fn, repeats):
        out = fn()  # forward -> (h_seq, cache), backward -> 3
        passes.append("forward" if len(out) == 2 else "backward")
        return {"forward": 10.0, "backward": 30.0}[passes[-1]]

    def fake_matmuls_ms(shapes, repeats, rng):
        return (
            sum(2 * m * n * p * count for m, n, p, count in shapes) / 1e3
        )  # "ms" = kFLOP

    monkeypatch.setattr(split, "time_ms", fake_time_ms)
    monkeypatch.setattr(split, "matmuls_ms", fake_matmuls_ms)
    N, T, D, H = TINY
    out = bench.core_split(
        "LSTM", TINY, repeats=1, rng=np.random.default_rng(0)
    )
    assert passes == ["forward", "backward"]
    fwd = bench.matmul_flops(4, N, T, D, H, part="forward") / 1e3
    # the benchmark's step skips dx, and so do its multiplies
    bwd = (
        bench.matmul_flops(4, N, T, D, H, part="backward", input_grad=False)
        / 1e3
    )
    assert (out["forward_ms"], out["backward_ms"]) == (10.0, 30.0)
    assert out["forward_matmul_ms"] == pytest.approx(fwd) and out[
        "backward_matmul_ms"
    ] == pytest.approx(bwd)
    assert out["forward_rest_ms"] == pytest.approx(10.0 - fwd)
    assert out["backward_rest_ms"] == pytest.approx(30.0 - bwd)
    assert out["matmul_share"] == pytest.approx((fwd + bwd) / 40.0)
    assert out["rest_per_step_us"] == pytest.approx(
        1e3 * (40.0 - fwd - bwd) / T
    )


def test_matmuls_ms_runs_every_product_count_times(monkeypatch):
    """One way to time the multiplies: all of them, as the rotating loop does
    (no scaling up)."""
    from recurrent.bench import timing

    calls = []
    real = np.matmul
    monkeypatch.setattr(
        timing.np,
        "matmul",
        lambda a, b, out: calls.append(a.shape) or real(a, b, out=out),
    )
    timing.matmuls_ms(
        [(2, 3, 4, 20), (5, 3, 2, 1)], repeats=2, rng=np.random.default_rng(0)
    )
    assert (
        calls.count((2, 3)) == 3 * 20 and calls.count((5, 3)) == 3 * 1
    )  # 1 untimed + 2 timed runs


def test_benchmark_inputs_come_from_the_given_rng_or_the_documented_seed():
    from recurrent.bench import timing

    with pytest.raises(
        ValueError, match="rng must be a numpy.random.Generator"
    ):
        timing.matmul_work([(2, 2, 2, 1)], rng=0)
    with pytest.raises(
        ValueError, match="rng must be a numpy.random.Generator"
    ):
        bench.core_split("GRU", TINY, repeats=1, rng=np.random.RandomState(0))
    a = timing.inputs_rng(None).standard_normal(3)
    np.testing.assert_array_equal(
        a, np.random.default_rng(timing.INPUT_SEED).standard_normal(3)
    )
    assert not np.array_equal(
        a, timing.inputs_rng(np.random.default_rng(1)).standard_normal(3)
    )


def test_cells_table_comes_from_the_cell_modules():
    assert bench.CELLS == {
        "SimpleRNN": ("rnn", 1),
        "LSTM": ("lstm", 4),
        "GRU": ("gru", 3),
    }


def test_importing_bench_pulls_in_neither_tensorflow_nor_keras():
    code = (
        "import sys, recurrent.bench; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('tensorflow', 'keras')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "[]"


def test_disabling_the_avx512_targets_leaves_none():
    """What the appendix does to time numpy without its AVX-512 code."""
    targets = machine.avx512_targets()
    if not targets:
        pytest.skip("numpy has no AVX-512 code for this CPU")
    assert _machine_without(targets, "avx512_targets") == []
