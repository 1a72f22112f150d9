# Every target that needs the environment creates it first (a local virtualenv in .venv),
# so each works on a fresh machine with only python3 (3.10+) and network access to PyPI.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
DEMO_DIR ?= build/demo

.PHONY: install demo test lint bench clean system-packages trt-bindings

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# CPU PyTorch for Model Optimizer, first: a plain "torch" requirement would pull a multi-GB CUDA build
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[rtx,dev,modelopt,ray]'
	touch $@

demo: install
	bash examples/demo.sh $(DEMO_DIR)

# The SARIF 2.1.0 JSON schema (Microsoft's rtm.5 release, as published in the npm package @microsoft/jest-sarif):
# the lint tests validate trtkit's SARIF output against it. Fetched with npm, which the machines here have.
SARIF_SCHEMA := build/sarif-schema-2.1.0.json

$(SARIF_SCHEMA):
	mkdir -p build/sarif-pack
	cd build/sarif-pack && npm pack --silent @microsoft/jest-sarif@1.0.0-beta.0 > /dev/null
	tar -xzf build/sarif-pack/microsoft-jest-sarif-1.0.0-beta.0.tgz -C build/sarif-pack package/lib/schemas/sarif-2.1.0-rtm.5.json
	mv build/sarif-pack/package/lib/schemas/sarif-2.1.0-rtm.5.json $@
	rm -rf build/sarif-pack

# Headless Chromium and Graphviz from the system packages: the report's browser test opens the HTML report in
# Chromium, and the report draws engine graphs with Graphviz's dot. Installed with apt-get (as root, else sudo).
system-packages:
	@if command -v chromium >/dev/null && command -v dot >/dev/null; then :; \
	elif command -v apt-get >/dev/null; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq --no-install-recommends chromium graphviz; \
	else echo "install Chromium and Graphviz (dot) with your system's package manager" >&2; exit 1; fi

# The real TensorRT 10.8-11.4 Python bindings (PyPI's tensorrt-cu12-bindings wheels) with stub C libraries, so
# `import tensorrt` works on a CPU for the conformance tests (tests/conformance); cached in build/trt-bindings.
trt-bindings: install
	$(PY) -m tests.conformance.bindings

test: install $(SARIF_SCHEMA) system-packages
	TRTKIT_SARIF_SCHEMA=$(SARIF_SCHEMA) TRTKIT_BROWSER_TEST=required $(PY) -m pytest -q

lint: install
	$(VENV)/bin/ruff check trtkit tests examples bench

bench: install
	$(PY) bench/startup.py
	$(PY) bench/plan_load.py
	$(PY) bench/lint_plan.py
	$(PY) bench/convert_large.py
	$(PY) bench/build_speed.py
	$(PY) bench/report_speed.py

clean:
	rm -rf $(VENV) build .pytest_cache
