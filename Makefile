# Every target sets itself up on a fresh machine: a virtualenv in .venv with the project
# and its dev extras, and the pinned CDK CLI in ./node_modules (never global).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
NODE_STAMP := node_modules/.installed-stamp
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help dev browser serve test lint typecheck unit integration e2e infra-tests synth deploy destroy openapi bench clean

help:
	@echo "make serve   run the API locally on http://127.0.0.1:8000 (no AWS account needed)"
	@echo "make test    lint, type-check and run every test suite"
	@echo "make synth   synthesize the CDK stack offline into cdk.out/"
	@echo "make deploy  cdk deploy (needs AWS credentials); STAGE=prod for production settings"
	@echo "make bench   run the benchmarks and write bench/report.md"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	@touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

dev: $(STAMP) $(NODE_STAMP)

# Debian's chromium, for the test that renders /docs with no network (tests/e2e/test_http_server.py).
# Installing it took 40 s here, so `make test` installs it rather than let that test fail.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser:
	@test -x /usr/bin/chromium || $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium \
		|| ($(SUDO) apt-get update -q && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium)

serve: $(STAMP)
	$(BIN)/quollo serve

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy functions infra

unit: $(STAMP)
	$(BIN)/pytest tests/unit -q

integration: $(STAMP)
	$(BIN)/pytest tests/integration -q

e2e: $(STAMP)
	$(BIN)/pytest tests/e2e -q

infra-tests: dev
	$(BIN)/pytest tests/infra -q

test: dev browser lint typecheck
	$(BIN)/pytest -q

STAGE ?= dev
CDK_ARGS ?=
synth: dev
	PATH="$(CURDIR)/$(BIN):$$PATH" npx --no-install cdk synth -c stage=$(STAGE) --quiet $(CDK_ARGS)

deploy: dev
	PATH="$(CURDIR)/$(BIN):$$PATH" npx --no-install cdk deploy -c stage=$(STAGE) $(CDK_ARGS)

destroy: dev
	PATH="$(CURDIR)/$(BIN):$$PATH" npx --no-install cdk destroy -c stage=$(STAGE) $(CDK_ARGS)

openapi: $(STAMP)
	$(BIN)/python -m functions.local.openapi > docs/openapi.json

bench: dev
	$(BIN)/pip install -q 'matplotlib>=3.8'  # the chart only; the figures need nothing more
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) node_modules cdk.out .build .pytest_cache .mypy_cache .ruff_cache
