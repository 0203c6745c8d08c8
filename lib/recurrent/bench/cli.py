"""The command line: python -m recurrent.bench [options] (make bench writes
_build/bench.json).

Arguments are checked here, so that a typo fails at once with a message saying
what is expected, not after minutes of benchmarking.
"""

import argparse
import sys
from pathlib import Path

from .keras_side import VARIANTS
from .report import format_table, write_json
from .runner import CELLS, SHAPES, run


def _parse_shape(text):
    try:
        shape = tuple(int(v) for v in text.lower().split("x"))
    except ValueError:
        shape = ()
    if len(shape) != 4 or min(shape) < 1:
        raise argparse.ArgumentTypeError(
            "shape must look like NxTxDxH with positive ints, e.g. "
            f"64x28x28x128; got {text!r}"
        )
    return shape


def _parse_names(choices, what):
    def parse(text):
        names = tuple(c.strip() for c in text.split(",") if c.strip())
        by_lower = {c.lower(): c for c in choices}
        bad = [c for c in names if c.lower() not in by_lower]
        if not names or bad or len({c.lower() for c in names}) != len(names):
            raise argparse.ArgumentTypeError(
                f"{what} must be a comma-separated subset of "
                f"{','.join(choices)} without repeats; got {text!r}"
            )
        return tuple(by_lower[c.lower()] for c in names)

    return parse


def _at_least(minimum):
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < minimum:
            raise argparse.ArgumentTypeError(
                f"must be an int >= {minimum}, got {text!r}"
            )
        return value

    return parse


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m recurrent.bench",
        description=(
            "Time one training step of the numpy cells against Keras "
            "(default, XLA, unrolled)."
        ),
    )
    parser.add_argument(
        "--cells",
        type=_parse_names(tuple(CELLS), "cells"),
        default=tuple(CELLS),
        help="e.g. LSTM,GRU (default: all)",
    )
    parser.add_argument(
        "--shapes",
        type=lambda t: tuple(_parse_shape(s) for s in t.split(",")),
        default=SHAPES,
        help="comma-separated NxTxDxH (default: %(default)s)",
    )
    parser.add_argument(
        "--keras",
        type=_parse_names(tuple(VARIANTS), "Keras variants"),
        default=tuple(VARIANTS),
        help="Keras variants, e.g. default,xla (default: all)",
    )
    parser.add_argument(
        "--repeats",
        type=_at_least(1),
        default=7,
        help="timed rounds (default 7)",
    )
    parser.add_argument(
        "--warmup",
        type=_at_least(0),
        default=2,
        help="untimed rounds first (default 2)",
    )
    parser.add_argument(
        "--return-memory",
        action="store_true",
        help=(
            "leave malloc's default, which returns freed memory to the "
            "system (see keep_freed_memory)"
        ),
    )
    parser.add_argument(
        "--json",
        type=Path,
        default=None,
        help="also write the figures to this JSON file",
    )
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    result = run(
        args.cells,
        args.shapes,
        repeats=args.repeats,
        warmup=args.warmup,
        variants=args.keras,
        keep_memory=not args.return_memory,
        progress=lambda line: print(line, file=sys.stderr, flush=True),
    )
    print(format_table(result))
    if args.json is not None:
        print(f"wrote {write_json(result, args.json)}")
    return 0
