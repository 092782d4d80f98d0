# Each target sets itself up: a .venv in the repo root with the project installed.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck unit bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/driftwarden demo

lint: $(STAMP)
	$(BIN)/ruff check monitor tests bench alembic
	$(BIN)/ruff format --check monitor tests bench alembic

typecheck: $(STAMP)
	$(BIN)/mypy monitor

unit: $(STAMP)
	$(BIN)/pytest

test: lint typecheck unit

clean:
	rm -rf $(VENV) demo.db driftwarden.db .mypy_cache .ruff_cache .pytest_cache
