# DenialOps — the two commands a newcomer needs are `make demo` and `make test`.
# Each sets itself up: a .venv is created and the project installed on first use.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install demo test lint eval serve bench format clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "DenialOps needs Python >= 3.11 (set PYTHON=...)")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP) ## create .venv and install DenialOps with its dev tools

demo: install ## analyse the bundled sample letter offline; the pack lands in demo-out/
	$(BIN)/denialops analyze src/denialops/samples/prior_auth_denial.txt --out demo-out

test: install ## run the test suite
	$(BIN)/pytest -q

lint: install ## ruff + mypy strict
	$(BIN)/ruff check src tests bench eval
	$(BIN)/ruff format --check src tests bench eval
	$(BIN)/mypy

format: install
	$(BIN)/ruff check --fix src tests bench
	$(BIN)/ruff format src tests bench

eval: install ## reading accuracy on the labelled set (exit 1 below the thresholds)
	$(BIN)/denialops eval eval/letters

serve: install ## run the API on API_HOST:API_PORT (default 127.0.0.1:8000)
	$(BIN)/denialops serve

bench: install ## benchmarks, printing tables (installs wrk for the load test if missing)
	@command -v wrk >/dev/null || (apt-get install -y -q wrk >/dev/null 2>&1 || (apt-get update -q >/dev/null && apt-get install -y -q wrk >/dev/null)) || echo "wrk unavailable: the throughput table will be skipped"
	$(PY) -m bench

clean:
	rm -rf $(VENV) .demo-data .pytest_cache .mypy_cache .ruff_cache
