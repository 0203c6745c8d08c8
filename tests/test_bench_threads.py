"""recurrent.bench.threads: what it runs on which thread, and what it
reports (the timings themselves are the machine's)."""

import json
import threading

import numpy as np
import pytest
from threadpoolctl import threadpool_info

import recurrent as rc
from recurrent.bench import threads


def test_pass_scaling_reports_each_size():
    rows = threads.pass_scaling(
        (64, 256), repeats=1, rng=np.random.default_rng(0)
    )
    assert [r["elements"] for r in rows] == [64, 256]
    for r in rows:
        assert r["serial_ms"] > 0 and r["parallel_ms"] > 0
        assert r["speedup"] == pytest.approx(r["serial_ms"] / r["parallel_ms"])


def _blas_threads():
    return min(
        i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"
    )


def test_batch_split_runs_each_block_on_its_own_thread(monkeypatch):
    """Every round: the whole batch on the calling thread (BLAS as it is and
    held to one thread), and the blocks of rows, which together are the whole
    batch, at once on `parts` other threads with BLAS held to one thread."""
    calls = []
    forward = rc.lstm.forward

    def spy(x, params, *args, **kwargs):
        calls.append((threading.current_thread(), x.copy(), _blas_threads()))
        return forward(x, params, *args, **kwargs)

    monkeypatch.setattr(rc.lstm, "forward", spy)
    out = threads.batch_split(
        "LSTM", (5, 3, 2, 4), parts=2, repeats=1, rng=np.random.default_rng(0)
    )
    main = threading.main_thread()
    whole = [x for t, x, _ in calls if t is main]
    blocks = [(t, x, n) for t, x, n in calls if t is not main]
    # 2 warm-up rounds + 1 timed: two whole calls and two blocks per round
    assert len(whole) == 6 and len(blocks) == 6
    assert {len(x) for x in whole} == {5}
    assert sorted(len(x) for _, x, _ in blocks) == [2, 2, 2, 3, 3, 3]
    # the blocks are the batch, on two threads of one pool
    by_len = {len(x): x for _, x, _ in blocks}
    np.testing.assert_array_equal(
        np.concatenate([by_len[2], by_len[3]]), whole[0]
    )
    assert len({t for t, _, _ in blocks}) == 2
    assert all(n == 1 for _, _, n in blocks)
    assert out["speedup"] == pytest.approx(out["whole_ms"] / out["blocks_ms"])


@pytest.mark.parametrize(
    "args, kwargs, fragment",
    [
        (("Elman", (4, 3, 2, 4)), {}, "name must be one of"),
        (("GRU", (4, 3, 2, 4)), {"parts": 5}, "parts must be"),
        (("GRU", (4, 0, 2, 4)), {}, "T must be"),
    ],
)
def test_batch_split_rejects_bad_arguments(args, kwargs, fragment):
    with pytest.raises(ValueError, match=fragment):
        threads.batch_split(*args, repeats=1, **kwargs)


def test_the_command_line_prints_json(capsys):
    assert (
        threads.main(
            ["--shape", "4x3x2x4", "--cells", "GRU", "--repeats", "1"]
        )
        == 0
    )
    result = json.loads(capsys.readouterr().out)
    assert set(result) == {"machine", "passes", "batch_split"}
    assert [r["cell"] for r in result["batch_split"]] == ["GRU"]
