"""The learning-rate grid of the Shakespeare chapter, run outside the page.

Each run trains one cell at one rate exactly as the page does: this script
executes the page's own code cells up to the training (text, vocabulary,
windows, pipeline, model and `train`), with the rate replaced, and records the
validation loss (windows from the zero state) after every epoch. The page reads
learning_rate_grid.json, shows the grid and checks that it trains each cell at
the rate with the lowest final validation loss. A run costs about three
minutes of CPU, so the grid is not run with the page.

    python learning_rate_grid.py --cell lstm --rate 0.01 [--seed 0]

adds (or replaces) that run in learning_rate_grid.json. Run it from this
folder, in the book's environment, with one thread as the tests use
(README: OMP_NUM_THREADS=1 TF_NUM_INTRAOP_THREADS=1 ...).
"""

import argparse
import json
import time
from pathlib import Path

import nbformat

HERE = Path(__file__).parent
PAGE = HERE / "shakespeare.ipynb"
RESULTS = HERE / "learning_rate_grid.json"
FIRST_TRAINING_CELL = 'models["lstm"], histories["lstm"] = train("lstm")'


def page_namespace(seed, rate):
    """Run the page's code cells before its first training cell, with SEED
    and both cells' rates replaced, but not the cell that reads this grid;
    returns the namespace they built."""
    namespace = {}
    for cell in nbformat.read(PAGE, as_version=4).cells:
        if cell.cell_type != "code" or RESULTS.name in cell.source:
            continue
        source = cell.source
        if FIRST_TRAINING_CELL in source:
            return namespace
        source = source.replace("from myst_nb import glue", "")
        source = source.replace("SEED = 0", f"SEED = {seed}")
        if source.startswith("EMBED, UNITS"):
            source += f"\nLR = {{'lstm': {rate}, 'gru': {rate}}}\n"
        namespace["glue"] = lambda *args, **kwargs: None
        exec(compile(source, str(PAGE), "exec"), namespace)
    raise RuntimeError(f"{PAGE.name} has no cell {FIRST_TRAINING_CELL!r}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cell", choices=("lstm", "gru"), required=True)
    parser.add_argument("--rate", type=float, required=True)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if not args.rate > 0:
        parser.error(f"--rate must be > 0, got {args.rate}")
    namespace = page_namespace(args.seed, args.rate)
    start = time.process_time()
    _, history = namespace["train"](args.cell)
    run = {
        "cell": args.cell,
        "rate": args.rate,
        "seed": args.seed,
        "val_loss": [float(v) for v in history["val_loss"]],
        "loss": [float(v) for v in history["loss"]],
        "cpu_s": round(time.process_time() - start),
    }
    runs = json.loads(RESULTS.read_text()) if RESULTS.exists() else []
    runs = [
        r
        for r in runs
        if (r["cell"], r["rate"], r["seed"])
        != (args.cell, args.rate, args.seed)
    ]
    runs.append(run)
    runs.sort(key=lambda r: (r["cell"], r["seed"], r["rate"]))
    RESULTS.write_text(json.dumps(runs, indent=1) + "\n")
    print(
        f"{args.cell} at {args.rate:g}, seed {args.seed}: final validation "
        f"loss {run['val_loss'][-1]:.4f} -> {RESULTS.name}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
