# The README's two commands are `make all` (main job on the default data, ending with the built site)
# and `make test`.  Everything installs into .venv from the pinned requirements.lock.
SHELL := /bin/bash
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
export UV_COMPILE_BYTECODE := 1
export PIP_DISABLE_PIP_VERSION_CHECK := 1

# Main job settings (override on the command line, e.g. `make all DATA=/path/to/cdcr AS_OF=2025-06-30`).
PEOPLE ?= 95000
SEED ?= 1
AS_OF ?= 2026-05-01
RAW ?= data/raw/synthetic
DATA ?= $(RAW)
PROCESSED ?= data/processed
JOBS ?= 2

.PHONY: all install sample ingest run book lab test test-fast lint format bench clean

all: install ingest run book

$(BIN)/.installed: requirements.lock pyproject.toml
	@command -v $(PY) >/dev/null || { echo "error: $(PY) not found (Python 3.11 is required)"; exit 2; }
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -qq uv==0.13.9 || true
	if [ -x $(BIN)/uv ]; then \
	  $(BIN)/uv pip install -q -p $(BIN)/python -r requirements.lock && \
	  $(BIN)/uv pip install -q -p $(BIN)/python --no-deps -e . ; \
	else \
	  $(BIN)/python -m pip install -q -r requirements.lock && \
	  $(BIN)/python -m pip install -q --no-deps -e . ; \
	fi
	touch $@

install: $(BIN)/.installed

$(RAW)/demographics.csv: | install
	$(BIN)/secondlook sample --people $(PEOPLE) --seed $(SEED) --out $(RAW)

sample: $(RAW)/demographics.csv

ingest: install $(if $(filter $(RAW),$(DATA)),sample)
	$(BIN)/secondlook ingest $(DATA) --as-of $(AS_OF) --out $(PROCESSED)

run: install
	$(BIN)/secondlook run --all --data $(PROCESSED) --jobs $(JOBS)

book: install
	$(BIN)/secondlook book --shared outputs/shared

# JupyterLab on the county notebooks (MyST text, opened as notebooks through jupytext), with the
# project installed: rerun them after `make run`; the widgets recompute live.
LAB_SETTINGS := $(VENV)/share/jupyter/lab/settings
lab: install
	mkdir -p $(LAB_SETTINGS)
	echo '{"@jupyterlab/docmanager-extension:plugin": {"defaultViewers": {"markdown": "Jupytext Notebook", "myst": "Jupytext Notebook"}}}' > $(LAB_SETTINGS)/overrides.json
	$(BIN)/jupyter lab --ServerApp.root_dir=. --LabApp.default_url=/lab/tree/notebooks $(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

test: install
	bash scripts/ensure_chromium.sh
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -n 2 --dist loadfile -q --durations=15

# Unit tests only (no notebook runs, site builds or browsers): under a minute on 2 cores.
test-fast: install
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n 2 --dist loadfile -q -m "not slow and not browser"

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install
	for b in benchmarks/bench_*.py; do $(BIN)/python $$b; done

clean:
	rm -rf _build $(PROCESSED) book/counties book/generated outputs
