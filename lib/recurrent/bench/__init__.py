"""How fast are the numpy cells? One training step of lib against Keras
(appendix "How fast is numpy?").

    python -m recurrent.bench [--cells LSTM,GRU] [--shapes 64x28x28x128,...]
        [--keras default,xla,unroll] [--repeats 7] [--json out.json]

For each cell (SimpleRNN, LSTM, GRU) and each shape (N, T, D, H) one training
step is timed, in float32, with the same weights, numpy and every Keras variant
in one loop whose order rotates each round, and the medians are reported:

  numpy  rc.<cell>.forward over the whole sequence (return_sequences=True),
         the mean squared error of h_seq against zeros and its gradient,
         rc.<cell>.backward, and an SGD update (numpy_side.py).
  Keras  model.train_on_batch(x, zeros) on Input((T, D)) -> the cell's Keras
         twin from rc.keras_bridge, loss="mse" and SGD, compiled three ways:
         default, XLA (jit_compile=True) and with the layer unrolled
         (unroll=True) (keras_side.py).

Each row gives numpy / Keras default ("ratio") and numpy / the fastest Keras
variant, and puts the numpy core (forward + backward) against the machine: its
multiplies are counted (flops.py) and timed alone with np.matmul (timing.py);
"core_fraction" is the share of that ceiling the core reaches. split.py shows
where the rest goes; machine.py records what numpy can vectorise on the CPU and
what one elementwise pass costs, elementwise.py times other ways of computing
tanh and the sigmoid, and threads.py whether numpy's passes, and a batch cut
into blocks of rows, run faster on several threads. Unless told otherwise the
benchmark first calls `keep_freed_memory` (memory.py), for both sides alike.

Timings depend on the machine and on whatever else runs on it: read them as
one run's measurements. No module of the cells imports this package; it
imports them.
"""

from . import elementwise, machine, threads
from .cli import main, parse_args
from .flops import matmul_flops, matmul_shapes
from .keras_side import VARIANTS, keras_model
from .memory import keep_freed_memory
from .report import format_table, write_json
from .runner import CELLS, LR, SHAPES, bench_one, run
from .split import core_split
from .timing import matmul_ceiling, matmul_peak, matmuls_ms, time_ms

__all__ = [
    "elementwise",
    "machine",
    "threads",
    "matmul_shapes",
    "matmul_flops",
    "time_ms",
    "matmuls_ms",
    "matmul_ceiling",
    "matmul_peak",
    "keep_freed_memory",
    "run",
    "bench_one",
    "core_split",
    "format_table",
    "write_json",
    "keras_model",
    "main",
    "parse_args",
    "CELLS",
    "SHAPES",
    "VARIANTS",
    "LR",
]
