# Every target that needs the environment creates it first (a local virtualenv in .venv),
# so each works on a fresh machine with only python3 (3.10+) and network access to PyPI.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
DEMO_DIR ?= build/demo

.PHONY: install lock demo test test-latest lint check bench clean system-packages trt-bindings

install: $(VENV)/.installed

# Development and CI install exactly what requirements.lock names (made by `make lock` from pyproject.toml's ranges),
# then trtkit itself, editable, without resolving anything again. `pip check` proves the locked set is consistent.
# PIP_OPTS passes extra pip options, e.g. PIP_OPTS="--extra-index-url https://download.pytorch.org/whl/cpu" where the
# locked CPU PyTorch wheel (torch==...+cpu) is not on the machine's own package index.
LOCK := requirements.lock
EXTRAS := rtx,dev,modelopt,ray,notebook
PIP_OPTS ?=

$(VENV)/.installed: pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet $(PIP_OPTS) --no-deps -r $(LOCK)
	$(PY) -m pip install --quiet $(PIP_OPTS) --no-deps -e .
	$(PY) -m pip check
	touch $@

# Regenerates requirements.lock: a throw-away environment gets CPU PyTorch first (a plain "torch" requirement would
# pull a multi-GB CUDA build), then trtkit with every extra at the newest versions its ranges allow; the lock is what
# that environment holds, trtkit itself excluded. Commit the result.
LOCK_VENV := build/lock-venv
TORCH_CPU ?= torch==2.13.0

lock:
	rm -rf $(LOCK_VENV)
	$(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/python -m pip install --quiet $(PIP_OPTS) --upgrade pip
	$(LOCK_VENV)/bin/python -m pip install --quiet $(PIP_OPTS) $(TORCH_CPU)
	$(LOCK_VENV)/bin/python -m pip install --quiet $(PIP_OPTS) '.[$(EXTRAS)]'
	{ echo "# Exact versions for development and CI, made by 'make lock' from pyproject.toml on $$(date -u +%F)"; \
	  echo "# with $$($(LOCK_VENV)/bin/python -c 'import platform; print("Python", platform.python_version(), platform.machine())'). Do not edit by hand."; \
	  $(LOCK_VENV)/bin/python -m pip freeze --all --exclude pip --exclude trtkit; } > $(LOCK).tmp
	mv $(LOCK).tmp $(LOCK)
	rm -rf $(LOCK_VENV)

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

PYTEST_ENV = TRTKIT_SARIF_SCHEMA=$(SARIF_SCHEMA) TRTKIT_BROWSER_TEST=required

test: install trt-bindings $(SARIF_SCHEMA) system-packages
	$(PYTEST_ENV) $(PY) -m pytest -q

# Drift check, run on purpose (not by CI): the suite in a fresh environment holding the newest versions that
# pyproject.toml's ranges allow, so a new release that breaks trtkit shows up here, not in a newcomer's `make test`.
# PyTorch stays the CPU build of the lock: the newest allowed one is a multi-GB CUDA build.
LATEST_VENV := .venv-latest

test-latest: trt-bindings $(SARIF_SCHEMA) system-packages
	rm -rf $(LATEST_VENV)
	$(PYTHON) -m venv $(LATEST_VENV)
	grep -E '^torch==' $(LOCK) > $(LATEST_VENV)/torch-constraint.txt
	$(LATEST_VENV)/bin/python -m pip install --quiet $(PIP_OPTS) -r $(LATEST_VENV)/torch-constraint.txt
	$(LATEST_VENV)/bin/python -m pip install --quiet $(PIP_OPTS) --upgrade --upgrade-strategy eager \
		-c $(LATEST_VENV)/torch-constraint.txt -e '.[$(EXTRAS)]'
	$(LATEST_VENV)/bin/python -m pip freeze --all --exclude pip --exclude trtkit > $(LATEST_VENV)/versions.txt
	diff $(LOCK) $(LATEST_VENV)/versions.txt | grep -E '^[<>] [A-Za-z]' || echo "the newest versions are the locked ones"
	$(PYTEST_ENV) $(LATEST_VENV)/bin/python -m pytest -q

lint: install
	$(VENV)/bin/ruff check trtkit tests examples bench

# ruff (with RUF100: stale noqa comments) and mypy on trtkit/, both configured in pyproject.toml; zero findings
check: install
	$(VENV)/bin/ruff check trtkit tests examples bench
	$(VENV)/bin/mypy

bench: install
	$(PY) bench/startup.py
	$(PY) bench/plan_load.py
	$(PY) bench/lint_plan.py
	$(PY) bench/convert_large.py
	$(PY) bench/build_speed.py
	$(PY) bench/report_speed.py

clean:
	rm -rf $(VENV) $(LATEST_VENV) build .pytest_cache .mypy_cache
