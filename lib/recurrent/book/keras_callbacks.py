"""Keras callbacks that keep notebook outputs clean (used from chapter 7 on).

Keras's own progress bar (`verbose=1`) writes ANSI codes, backspaces and
per-step timings into stored notebook outputs. Train with `verbose=0` and pass
`EpochLine()`: one plain line per epoch, and the wall time of every epoch kept
in `epoch_seconds` for the chapters that compare speed.
"""

import time

import keras

from ..checks import check_int


class EpochLine(keras.callbacks.Callback):
    """Print one line per epoch (`epoch 3/10  loss 0.1234  accuracy 0.9610
    ...`) and time each epoch.

    Args:
        label: str printed at the start of each line (for example the model's
            name), or "".
        every: print every `every`-th epoch (and always the last one); the
            history keeps them all.
        show_time: also print the epoch's wall time in seconds (give such cells
            the tag `nbval-ignore-output`).
        digits: decimals printed for each metric.

    Attributes:
        epoch_seconds: list of float, the wall time of each epoch, in seconds.
    """

    def __init__(self, label="", every=1, show_time=True, digits=4):
        super().__init__()
        every = check_int("every", every, 1, expect="a positive int")
        self.label, self.every, self.show_time, self.digits = (
            label,
            every,
            show_time,
            digits,
        )
        self.epoch_seconds = []
        self._start = None

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.epoch_seconds.append(time.perf_counter() - self._start)
        total = self.params.get("epochs", 0)
        if (epoch + 1) % self.every and epoch + 1 != total:
            return
        metrics = "  ".join(
            f"{k} {float(v):.{self.digits}f}" for k, v in (logs or {}).items()
        )
        timing = (
            f"  ({self.epoch_seconds[-1]:.1f} s)" if self.show_time else ""
        )
        prefix = f"{self.label}  " if self.label else ""
        print(
            f"{prefix}epoch {epoch + 1}/{total}  {metrics}{timing}", flush=True
        )
