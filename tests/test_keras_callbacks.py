"""rc.book.keras_callbacks.EpochLine: one plain line per epoch, its values from
Keras's logs, and the epoch times."""

import re
import types

import numpy as np
import pytest

keras = pytest.importorskip("keras")
from recurrent.book import keras_callbacks  # noqa: E402 (needs keras)
from recurrent.book.keras_callbacks import EpochLine  # noqa: E402


@pytest.fixture
def clock(monkeypatch):
    """A fake time.perf_counter for keras_callbacks: `clock.now` is what it
    returns."""
    clock = types.SimpleNamespace(now=0.0)
    monkeypatch.setattr(
        keras_callbacks,
        "time",
        types.SimpleNamespace(perf_counter=lambda: clock.now),
    )
    return clock


def run_epochs(cb, logs_per_epoch, clock, seconds):
    """Call the hooks as Keras's fit does, each epoch lasting `seconds[i]` on
    the fake clock."""
    cb.set_params({"epochs": len(logs_per_epoch), "verbose": 0})
    for epoch, (logs, s) in enumerate(zip(logs_per_epoch, seconds)):
        cb.on_epoch_begin(epoch)
        clock.now += s
        cb.on_epoch_end(epoch, logs)


def test_line_format_values_and_wall_time(clock, capsys):
    cb = EpochLine()
    logs = [
        {"loss": 0.123456, "accuracy": np.float32(0.5)},
        {"loss": 0.0987654, "accuracy": 0.96126},
    ]
    run_epochs(cb, logs, clock, seconds=[2.34, 12.06])
    assert capsys.readouterr().out.splitlines() == [
        "epoch 1/2  loss 0.1235  accuracy 0.5000  (2.3 s)",
        "epoch 2/2  loss 0.0988  accuracy 0.9613  (12.1 s)",
    ]
    assert cb.epoch_seconds == pytest.approx([2.34, 12.06])


def test_label_digits_and_no_time(clock, capsys):
    cb = EpochLine(label="GRU", show_time=False, digits=2)
    run_epochs(cb, [{"loss": 1.0, "val_loss": 1.23456}], clock, seconds=[5.0])
    assert (
        capsys.readouterr().out == "GRU  epoch 1/1  loss 1.00  val_loss 1.23\n"
    )
    assert cb.epoch_seconds == pytest.approx(
        [5.0]
    )  # timed even when the time is not printed


def test_every_prints_every_kth_and_the_last_epoch_but_times_all(
    clock, capsys
):
    cb = EpochLine(every=3, show_time=False)
    run_epochs(
        cb, [{"loss": float(e)} for e in range(7)], clock, seconds=[1.0] * 7
    )
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        "epoch 3/7  loss 2.0000",
        "epoch 6/7  loss 5.0000",
        "epoch 7/7  loss 6.0000",
    ]
    assert len(cb.epoch_seconds) == 7


@pytest.mark.parametrize("every", [0, -1, 1.5, "2", None])
def test_every_must_be_a_positive_int(every):
    with pytest.raises(
        ValueError,
        match=re.escape(f"every must be a positive int, got {every!r}"),
    ):
        EpochLine(every=every)


def test_fit_prints_one_line_per_epoch_from_the_history(capsys):
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 4, 3)).astype(np.float32)  # (N, T, D)
    y = rng.normal(size=(32, 1)).astype(np.float32)
    model = keras.Sequential(
        [keras.Input((4, 3)), keras.layers.SimpleRNN(2), keras.layers.Dense(1)]
    )
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    cb = EpochLine(label="rnn")
    capsys.readouterr()
    history = model.fit(
        x,
        y,
        epochs=2,
        batch_size=16,
        verbose=0,
        callbacks=[cb],
        validation_data=(x[:8], y[:8]),
    )
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and len(cb.epoch_seconds) == 2
    h = history.history
    for epoch, line in enumerate(lines):
        m = re.fullmatch(
            r"rnn  epoch (\d)/2  loss (\S+)  mae (\S+)  val_loss (\S+)  "
            r"val_mae (\S+)  \((\d+\.\d) s\)",
            line,
        )
        assert m, line
        assert int(m[1]) == epoch + 1
        for i, key in enumerate(
            ["loss", "mae", "val_loss", "val_mae"], start=2
        ):
            assert m[i] == f"{h[key][epoch]:.4f}"
        assert float(m[6]) == pytest.approx(cb.epoch_seconds[epoch], abs=0.051)
