"""recurrent.bench: FLOP counting, argument errors, the table and the JSON file, on tiny shapes only.

No timing is asserted here (timings depend on the machine); only that the figures exist, are
positive, and that the table and the JSON file carry the same rows.
"""
import json

import numpy as np
import pytest

from recurrent import bench

TINY = (2, 3, 2, 4)   # (N, T, D, H)


@pytest.mark.parametrize("k", [1, 3, 4])
def test_matmul_flops_matches_the_closed_form(k):
    N, T, D, H = 5, 7, 3, 6
    # forward: x W and h U; backward: dZ U^T, X^T dZ, H_prev^T dZ, dZ W^T -> 3 (D + H) products of 2 N T kH
    assert bench.matmul_flops(k, N, T, D, H) == 6 * N * T * k * H * (D + H)


def test_matmul_shapes_are_chainable():
    for m, n, p, count in bench.matmul_shapes(4, *TINY):
        assert min(m, n, p, count) >= 1


@pytest.mark.parametrize("argv, fragment", [
    (["--shapes", "64x28x28"], "NxTxDxH"),
    (["--shapes", "64x28x0x128"], "NxTxDxH"),
    (["--shapes", "axbxcxd"], "NxTxDxH"),
    (["--cells", "LSTM,Transformer"], "SimpleRNN,LSTM,GRU"),
    (["--cells", ""], "SimpleRNN,LSTM,GRU"),
    (["--repeats", "0"], ">= 1"),
    (["--warmup", "-1"], ">= 0"),
    (["--speed", "fast"], "unrecognized arguments"),
])
def test_bad_command_line_exits_with_a_clear_message(argv, fragment, capsys):
    with pytest.raises(SystemExit) as exc:
        bench.parse_args(argv)
    assert exc.value.code == 2
    assert fragment in capsys.readouterr().err


def test_command_line_is_parsed():
    args = bench.parse_args(["--cells", "lstm,GRU", "--shapes", "64x28x28x128,32X200x2x128", "--repeats", "3"])
    assert args.cells == ("LSTM", "GRU")
    assert args.shapes == ((64, 28, 28, 128), (32, 200, 2, 128))
    assert args.repeats == 3 and args.warmup == 2 and args.json is None


@pytest.mark.parametrize("kwargs, fragment", [
    ({"cells": ("LSTM", "Mamba")}, "cells"),
    ({"cells": ()}, "cells"),
    ({"shapes": ((2, 3, 4),)}, "four positive ints"),
    ({"shapes": ((2, 3, 0, 4),)}, "four positive ints"),
    ({"shapes": ()}, "shapes"),
    ({"repeats": 0}, "repeats"),
    ({"warmup": -1}, "warmup"),
])
def test_run_rejects_bad_arguments(kwargs, fragment):
    with pytest.raises(ValueError, match=fragment):
        bench.run(**kwargs)


def _fake_result():
    row = {"cell": "LSTM", "N": 2, "T": 3, "D": 2, "H": 4, "repeats": 3, "numpy_ms": 1.25, "keras_ms": 2.5,
           "core_ms": 1.0, "ratio": 0.5, "matmul_gflop": 0.001, "core_gflops": 1.0, "matmul_gflops": 4.0,
           "core_fraction": 0.25}
    return {"rows": [row], "peak_gflops": 10.0, "machine": {"cpus": 2}}


def test_table_shows_every_figure():
    table = bench.format_table(_fake_result())
    line = [ln for ln in table.splitlines() if ln.startswith("LSTM")][0]
    for text in ("(2, 3, 2, 4)", "1.2", "2.5", "0.50", "25%"):
        assert text in line
    assert "10.0 GFLOP/s" in table and "medians of 3" in table


def test_json_writer_creates_the_folder(tmp_path):
    path = bench.write_json(_fake_result(), tmp_path / "a" / "b" / "bench.json")
    assert json.loads(path.read_text()) == _fake_result()


def test_main_end_to_end_on_a_tiny_shape(tmp_path, capsys):
    out = tmp_path / "build" / "bench.json"
    assert bench.main(["--cells", "SimpleRNN", "--shapes", "x".join(map(str, TINY)),
                       "--repeats", "1", "--warmup", "0", "--json", str(out)]) == 0
    captured = capsys.readouterr()
    assert "[1/1] SimpleRNN" in captured.err                        # progress while it runs
    result = json.loads(out.read_text())
    (row,) = result["rows"]
    assert (row["cell"], row["N"], row["T"], row["D"], row["H"]) == ("SimpleRNN",) + TINY
    for key in ("numpy_ms", "keras_ms", "core_ms", "ratio", "core_gflops", "matmul_gflops", "core_fraction"):
        assert np.isfinite(row[key]) and row[key] > 0, key
    assert row["ratio"] == pytest.approx(row["numpy_ms"] / row["keras_ms"])
    assert result["peak_gflops"] > 0 and result["machine"]["dtype"] == "float32"
    assert "SimpleRNN (2, 3, 2, 4)" in captured.out
