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
# Let pytest-xdist spread the notebooks over the cores (1 = one after another).
NB_WORKERS ?= 2

.PHONY: venv data book test test-lib test-notebooks test-book execute lab bench clean

venv: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	$(PY) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (book)" > /dev/null
	@touch $(STAMP)

# Download (or copy from RECURRENT_DATA_MIRROR) and verify every dataset once, before notebooks run.
data: $(STAMP)
	$(PY) -m recurrent.data fetch

book: $(STAMP)
	$(VENV)/bin/jupyter-book build . -W -n --keep-going

test: test-lib test-notebooks test-book

test-lib: $(STAMP)
	$(PY) -m pytest -p no:cacheprovider tests --durations=10

test-notebooks: data
	$(PY) -m pytest -p no:cacheprovider --nbval --nbval-current-env \
	    --nbval-sanitize-with tests/sanitize.cfg --durations=0 \
	    -n $(NB_WORKERS) --dist loadscope $$($(PY) tests/toc_notebooks.py)

test-book: $(STAMP)
	rm -rf _build/html _build/.doctrees _build/jupyter_execute
	$(VENV)/bin/jupyter-book build . -W -n --keep-going

# Execute one notebook top to bottom in place, in this environment: make execute NB=chapters/.../name.ipynb
execute: data
	@test -n "$(NB)" || { echo "usage: make execute NB=path/to/notebook.ipynb"; exit 2; }
	$(VENV)/bin/jupyter-execute --inplace --timeout=1800 $(NB)

lab: $(STAMP)
	$(PY) -m pip install --quiet -r requirements-lab.txt
	$(VENV)/bin/jupyter lab

bench: $(STAMP)
	$(PY) -m recurrent.bench --json _build/bench.json

clean:
	rm -rf _build
