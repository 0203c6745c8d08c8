# Every target sets itself up: a fresh clone needs only Python 3.10+ and make.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Quiet TensorFlow before it is imported (its C++ log lines would land in notebook stderr).
export TF_CPP_MIN_LOG_LEVEL := 3
export TF_ENABLE_ONEDNN_OPTS := 0
export PYTHONHASHSEED := 0
# Let pytest-xdist spread the notebooks over the cores (1 = one after another), each worker with its
# own thread budget: two workers whose numpy and TensorFlow each start a thread per core fight over
# the cores instead of sharing them.
NB_WORKERS ?= 2
NB_THREADS ?= 1
NB_THREAD_ENV := OMP_NUM_THREADS=$(NB_THREADS) OPENBLAS_NUM_THREADS=$(NB_THREADS) \
    MKL_NUM_THREADS=$(NB_THREADS) TF_NUM_INTRAOP_THREADS=$(NB_THREADS) TF_NUM_INTEROP_THREADS=2

.PHONY: venv data book lint test test-lib test-data test-notebooks test-book execute lab test-lab bench clean

venv: $(STAMP)

# constraints.txt pins every package of the environment (requirements.txt names only those the book uses
# directly); when it changes, the pip install below runs again and only changes what differs.
$(STAMP): requirements.txt constraints.txt pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt -c constraints.txt
	$(PY) -m pip install --quiet --no-deps -e .
	$(PY) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (book)" > /dev/null
	@touch $(STAMP)

# Download (or copy from RECURRENT_DATA_MIRROR) and verify every dataset once, before notebooks run.
data: $(STAMP)
	$(PY) -m recurrent.download fetch

# The one build of the book; test-book runs it on a clean _build and then checks the pages it built.
book: $(STAMP)
	$(VENV)/bin/jupyter-book build . -W -n --keep-going

# Style first: ruff checks lib/, tests/ and the notebooks (pyproject.toml: line length 79, pycodestyle,
# pyflakes, import order) and that `ruff format` would change nothing. `ruff format FILES` fixes the layout.
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test: lint test-lib test-data test-notebooks test-book

# The lib tests need no data and no network; those that read the real dataset files carry the
# `data` marker (pyproject.toml) and run after `make data` has filled the cache. The tests marked `book`
# (the built pages in headless Chromium) run in test-book, those marked `lab` in test-lab.
test-lib: $(STAMP)
	$(PY) -m pytest -p no:cacheprovider tests -m "not data and not book and not lab" --durations=10

test-data: data
	$(PY) -m pytest -p no:cacheprovider tests -m data --durations=5

# The slowest notebooks start first (tests/notebook_seconds.json), in the order given.
test-notebooks: data
	$(NB_THREAD_ENV) $(PY) -m pytest -p no:cacheprovider --nbval --nbval-current-env \
	    --nbval-sanitize-with tests/sanitize.cfg --durations=0 \
	    -n $(NB_WORKERS) --dist loadscope --no-loadscope-reorder \
	    $$($(PY) tests/toc_notebooks.py --longest-first)

test-book: $(STAMP)
	rm -rf _build/html _build/.doctrees _build/jupyter_execute
	$(MAKE) --no-print-directory book
	$(PY) -m pytest -p no:cacheprovider tests -m book

# Execute one notebook top to bottom in place, in this environment: make execute NB=chapters/.../name.ipynb
execute: data
	@test -n "$(NB)" || { echo "usage: make execute NB=path/to/notebook.ipynb"; exit 2; }
	$(VENV)/bin/jupyter-execute --inplace --timeout=1800 $(NB)

# JupyterLab on the book, with the book's kernel ("Python 3 (book)"). requirements-lab.txt pins it and every
# package it adds, exactly. It is installed into .venv with its own stamp, constrained to the versions already
# there, so it only adds packages and never changes one that the tests use (pip fails loudly instead).
# Extra options: make lab LAB_ARGS="--no-browser".
LAB_STAMP := $(VENV)/.lab-installed
LAB_ARGS ?=
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

$(LAB_STAMP): $(STAMP) requirements-lab.txt
	$(PY) -m pip freeze --exclude-editable > $(VENV)/lab-constraints.txt
	$(PY) -m pip install --quiet -r requirements-lab.txt -c $(VENV)/lab-constraints.txt
	@touch $(LAB_STAMP)

lab: $(LAB_STAMP)
	$(VENV)/bin/jupyter lab --ServerApp.root_dir=. $(ROOT_FLAG) $(LAB_ARGS)

# Starts the JupyterLab server headless and checks it lists the book's kernel (tests/test_lab.py).
test-lab: $(LAB_STAMP)
	$(PY) -m pytest -p no:cacheprovider tests/test_lab.py

bench: $(STAMP)
	$(PY) -m recurrent.bench --json _build/bench.json

clean:
	rm -rf _build
