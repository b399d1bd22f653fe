# DenialOps — the two commands a newcomer needs are `make demo` and `make test`.
# Each sets itself up: a .venv is created and the project installed on first use.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install demo test lint serve bench format clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "DenialOps needs Python >= 3.11 (set PYTHON=...)")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP) ## create .venv and install DenialOps with its dev tools

demo: install ## create a case from the bundled sample letter and show its event log
	$(BIN)/denialops demo

test: install ## run the test suite
	$(BIN)/pytest -q

lint: install ## ruff + mypy strict
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

format: install
	$(BIN)/ruff check --fix src tests bench
	$(BIN)/ruff format src tests bench

serve: install ## run the API on API_HOST:API_PORT (default 127.0.0.1:8000)
	$(BIN)/denialops serve

bench: install ## benchmarks, printing tables
	$(PY) -m bench

clean:
	rm -rf $(VENV) .demo-data .pytest_cache .mypy_cache .ruff_cache
