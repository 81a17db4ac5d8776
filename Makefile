# roomscope: `make run` opens the TUI on the demo world, `make test` runs the whole suite.
# Both create .venv and install what they need on a fresh machine.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
ARGS   ?=
PYTEST_ARGS ?=
SOURCES := roomscope/__init__.py tui screens widgets themes tests bench
# Every installed version is pinned here, so `make test`, CI and the snapshots agree.
CONSTRAINTS := constraints.txt

.PHONY: run test lint unit bench snapshots man clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime: pyproject.toml $(CONSTRAINTS) | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c $(CONSTRAINTS) -e . --config-settings editable_mode=compat
	touch $@

$(VENV)/.test: pyproject.toml $(CONSTRAINTS) | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c $(CONSTRAINTS) -e ".[test]" --config-settings editable_mode=compat
	touch $@ $(VENV)/.runtime

run: $(VENV)/.runtime
	$(BIN)/roomscope --provider demo $(ARGS)

lint: $(VENV)/.test
	$(BIN)/ruff check $(SOURCES)
	$(BIN)/ruff format --check $(SOURCES)
	$(BIN)/mypy
	$(BIN)/lint-imports

unit: $(VENV)/.test
	$(BIN)/python -m pytest -n 2 -q -p no:cacheprovider $(PYTEST_ARGS)

test: lint unit

snapshots: $(VENV)/.test
	$(BIN)/python -m pytest -q -p no:cacheprovider tests/ui/test_snapshots.py --snapshot-update

# The manual page the wheel ships (tui/roomscope.1), written again from the parser.
man: $(VENV)/.runtime
	$(BIN)/roomscope man > tui/roomscope.1

bench: $(VENV)/.test
	$(BIN)/python bench/run.py $(ARGS)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
