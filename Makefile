# Every target that needs the environment creates it first (a local virtualenv in .venv),
# so each works on a fresh machine with only python3 (3.10+) and network access to PyPI.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
DEMO_DIR ?= build/demo

.PHONY: install demo test lint bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[rtx,dev]'
	touch $@

demo: install
	bash examples/demo.sh $(DEMO_DIR)

test: install
	$(PY) -m pytest -q

lint: install
	$(VENV)/bin/ruff check trtkit tests examples bench

bench: install
	$(PY) bench/startup.py
	$(PY) bench/plan_load.py

clean:
	rm -rf $(VENV) build .pytest_cache
