# Every target sets itself up on a fresh machine. Python: uv (pinned, from PyPI, in .tools) builds
# .venv from uv.lock with Lambda's Python 3.12 where the machine has one; `make serve` installs
# what the functions and the local server need, the other targets add the dev tools. Node (the
# pinned CDK CLI and Spectral, in ./node_modules, never global) only for tests, synth and deploy.
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin
LOCAL_STAMP := $(VENV)/.local-stamp
DEV_STAMP := $(VENV)/.dev-stamp
NODE_STAMP := node_modules/.installed-stamp
# The first interpreter that runs: pyenv's 3.12, python3.12 on PATH, then python3.
PYTHON ?= $(shell for p in $$HOME/.pyenv/versions/3.12*/bin/python3.12 $$(command -v python3.12) $$(command -v python3); do \
	"$$p" -c "" 2>/dev/null && echo "$$p" && break; done)
export UV_PYTHON := $(PYTHON)
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_NO_PROGRESS := 1
# Node: the machine's node and npm only run `npm ci`, which installs the Node.js LTS pinned in
# package.json (the npm `node` package, 24.x: supported by jsii until 2028-04-30) into node_modules.
# That node runs the CDK CLI, Spectral and the CDK app's jsii runtime (it looks `node` up on PATH),
# so no end-of-life warning needs silencing (the machine's Node 20 reached its end in April 2026).
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)
export PIP_DISABLE_PIP_VERSION_CHECK := 1

# mypy's cache belongs to the machine, as uv's and npm's package caches do: a fresh clone (CI's
# too) reuses what any clone here has already checked, and a first run checks cold (about 80 s of
# CPU on 2 cores). mypy keys each entry by its file's hash, its options and its own version, so a
# stale entry is never used. MYPY_CACHE_DIR=.mypy_cache keeps it in the clone.
MYPY_CACHE_DIR ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/quollo/mypy
export MYPY_CACHE_DIR

PORT ?= 8000
AWS_PORT ?= 8001
SEED ?=
STATE ?=

.PHONY: help dev local browser serve smoke test test-stress lint typecheck unit integration e2e infra-tests synth deploy destroy openapi bench cost lock clean

help:
	@echo "make serve   run the API locally on http://127.0.0.1:8000 (no AWS account, no Node needed)"
	@echo "             PORT=8000 AWS_PORT=8001 SEED=examples/seed.json STATE=.quollo-state pass through"
	@echo "make smoke   BASE=URL TOKEN=qlo_live_... [RECEIVER=https://...]: a short black-box check of a running API"
	@echo "make test    lint, type-check and run every test suite"
	@echo "make synth   synthesize the CDK stacks offline into cdk.out/"
	@echo "make deploy  cdk deploy (needs AWS credentials); STAGE=prod ALARM_EMAIL=... (or ALARM_TOPIC_ARN=...) for production"
	@echo "make bench   run the benchmarks and write bench/report.md"
	@echo "make cost    each stage's idle monthly cost, from the synthesized templates"
	@echo "make lock    re-resolve uv.lock after editing the dependencies in pyproject.toml"

$(UV):
	$(or $(PYTHON),python3) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install -q uv==$(UV_VERSION)

# --inexact: a `make serve` after `make test` keeps the dev tools in the shared .venv.
$(LOCAL_STAMP): uv.lock pyproject.toml | $(UV)
	$(UV) sync --frozen --inexact --extra local --no-dev --quiet
	@touch $@

$(DEV_STAMP): uv.lock pyproject.toml | $(UV)
	$(UV) sync --frozen --extra local --quiet
	@touch $@ $(LOCAL_STAMP)

local: $(LOCAL_STAMP)

lock: | $(UV)
	$(UV) lock

# node_modules is installed once per machine and lock (`npm ci` into NODE_CACHE/<hash of package.json
# and package-lock.json>), then hard-linked into each clone, as uv links .venv from its cache: npm has
# no linking install, and `npm ci` spent 18 s and 21 s of CPU of a fresh clone's set-up unpacking the
# same 14,000 files (the 193 MB `node` package among them) again. npm replaces files rather than
# writing into them, so an `npm install` in a clone never changes the cache; a copy where the cache is
# on another file system. Each install builds in a directory of its own and renames it into place, so
# two clones setting up at once never share a half-made tree (the second finds one in place and drops
# its own). NODE_CACHE=none installs in the clone as before.
NODE_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/quollo/node_modules
NPM_CI := npm ci --no-audit --no-fund --loglevel=error
$(NODE_STAMP): package.json package-lock.json
	@if [ "$(NODE_CACHE)" = none ]; then $(NPM_CI); else \
		cached="$(NODE_CACHE)/$$(cat package.json package-lock.json | { sha256sum 2>/dev/null || shasum -a 256; } | cut -c1-16)"; \
		if [ ! -e "$$cached/.complete" ]; then \
			building="$$cached.$$$$"; echo "npm ci into $$cached"; mkdir -p "$$building" \
			&& cp package.json package-lock.json "$$building/" && (cd "$$building" && $(NPM_CI)) \
			&& touch "$$building/.complete" || { rm -rf "$$building"; exit 1; }; \
			[ -e "$$cached" ] || mv "$$building" "$$cached"; rm -rf "$$building"; \
		fi; \
		rm -rf node_modules && { cp -al "$$cached/node_modules" node_modules 2>/dev/null \
			|| { rm -rf node_modules && cp -a "$$cached/node_modules" node_modules; }; } || exit 1; \
	fi
	@touch $@

dev: $(DEV_STAMP) $(NODE_STAMP)

# What the tests need, its independent steps (uv's sync, npm ci, apt's chromium) at the same time: on
# a fresh machine they download together. Each step's output is printed whole when it ends.
.PHONY: test-setup
test-setup:
	@$(MAKE) --no-print-directory --jobs=4 --output-sync=target dev browser

# Debian's chromium, for the test that renders /docs with no network (tests/e2e/test_http_server.py).
# `make test` installs it rather than let that test fail; only its dependencies, not its
# recommends (about 130 packages more, avahi-daemon and cups helpers among them: none renders HTML).
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser:
	@test -x /usr/bin/chromium || $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium \
		|| ($(SUDO) apt-get update -q && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium)

serve: $(LOCAL_STAMP)
	$(BIN)/quollo serve --port $(PORT) --aws-port $(AWS_PORT) $(if $(SEED),--seed $(SEED)) $(if $(STATE),--state $(STATE))

# `quollo smoke` against a deployed (or local) API: docs/deploy.md, "Smoke test after every deploy".
# The token reaches it in the environment, never on the command line make echoes (or `ps` shows).
# BASE and QUOLLO_TOKEN may come from the environment, as `quollo serve` prints them for export.
BASE ?=
TOKEN ?=
RECEIVER ?=
smoke: export QUOLLO_TOKEN := $(or $(TOKEN),$(QUOLLO_TOKEN))
smoke: $(LOCAL_STAMP)
	@test -n "$(BASE)" && test -n "$$QUOLLO_TOKEN" || { echo "usage: make smoke BASE=https://... TOKEN=qlo_live_... [RECEIVER=https://...]" >&2; exit 2; }
	$(BIN)/quollo smoke --base '$(BASE)' $(if $(RECEIVER),--receiver '$(RECEIVER)')

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(DEV_STAMP)
	$(BIN)/mypy functions infra tests bench testkit

unit: $(DEV_STAMP)
	$(BIN)/pytest tests/unit -q

integration: $(DEV_STAMP)
	$(BIN)/pytest tests/integration -q

e2e: $(DEV_STAMP)
	$(BIN)/pytest tests/e2e -q

infra-tests: dev
	$(BIN)/pytest tests/infra -q

# One pytest session for every suite (a failure in one never skips another; its last lines say how
# each suite did), on two xdist workers: each e2e module and the infra suite stay on one worker
# (testkit/scheduling.py), so their servers and synths are made once, and the longest go first. mypy runs beside the tests, with
# its cache in MYPY_CACHE_DIR (above). Lint, types and tests all run; the last lines give each one's status.
PYTEST_ARGS ?= -n 2
# Python caches each module's bytecode in __pycache__ on first import. A shell with
# PYTHONDONTWRITEBYTECODE set (the shells of the machines here have it) makes every process compile every module it
# imports again: each `quollo serve`, `quollo admin` and route import the suite starts took twice as
# long (a route's imports 1.3 s against 0.6 s). The tests cache it (an empty value is unset to Python);
# the bench keeps the caller's setting, as it times interpreters with and without bytecode.
test test-stress: export PYTHONDONTWRITEBYTECODE :=
test: test-setup
	@mkdir -p .build; $(BIN)/mypy functions infra tests bench testkit > .build/mypy.log 2>&1 & mypy=$$!; \
	lint=ok; { $(BIN)/ruff check . && $(BIN)/ruff format --check .; } || lint=FAILED; \
	tests=ok; $(BIN)/pytest -q $(PYTEST_ARGS) tests || tests=FAILED; \
	types=ok; wait $$mypy || types=FAILED; cat .build/mypy.log; \
	echo "== make test: lint $$lint, typecheck $$types, tests $$tests (per suite above)"; \
	[ "$$lint$$types$$tests" = okokok ]

# The whole suite RUNS times (default 3) with two CPU hogs beside it, as on a busy CI machine: a test
# that depends on timing or on another test's leftovers fails here first. Stops at the first failing run.
RUNS ?= 3
test-stress: test-setup
	@yes > /dev/null & hog1=$$!; yes > /dev/null & hog2=$$!; trap 'kill $$hog1 $$hog2' EXIT; \
	for run in $$(seq $(RUNS)); do \
		echo "== test-stress: run $$run of $(RUNS)"; \
		$(BIN)/pytest -q $(PYTEST_ARGS) tests || { echo "== test-stress: run $$run FAILED"; exit 1; }; \
	done; echo "== test-stress: $(RUNS) runs passed"

STAGE ?= dev
CDK_ARGS ?=
# Which changes `make deploy` stops to confirm (cdk --require-approval): broadening (IAM or security
# group changes that widen access), any-change, destructive or never. Without a terminal (CI), a
# confirmation fails the deploy, so CI sets APPROVAL=never.
APPROVAL ?= broadening
# Where alarms go (docs/deploy.md, Alarms): prod refuses to synthesize without one of them.
ALARM_EMAIL ?=
ALARM_TOPIC_ARN ?=
ALARMS := $(if $(ALARM_EMAIL),-c alarm_email=$(ALARM_EMAIL)) $(if $(ALARM_TOPIC_ARN),-c alarm_topic_arn=$(ALARM_TOPIC_ARN))
# synth, bootstrap and destroy deploy no alarm, so when none is given (here or in CDK_ARGS) they pass a
# placeholder address to get past that check; deploy never does.
NO_DEPLOY_ALARMS := $(if $(strip $(ALARMS))$(findstring alarm_email,$(CDK_ARGS))$(findstring alarm_topic_arn,$(CDK_ARGS)),$(ALARMS),-c alarm_email=synth-only@example.invalid)
# The CDK CLI runs the app (python -m infra.app), so the venv's Python comes first on PATH.
CDK := PATH="$(CURDIR)/$(BIN):$$PATH" npx --no-install cdk
synth: dev
	$(CDK) synth -c stage=$(STAGE) --quiet $(NO_DEPLOY_ALARMS) $(CDK_ARGS)

# Once per account and region: the CDK toolkit stack (asset bucket and deploy roles).
.PHONY: bootstrap
bootstrap: dev
	$(CDK) bootstrap -c stage=$(STAGE) $(NO_DEPLOY_ALARMS) $(CDK_ARGS)

# --all: the stage's four stacks (infra/stack.py), in their dependency order; destroy goes in reverse.
deploy: dev
	$(CDK) deploy --all -c stage=$(STAGE) --require-approval $(APPROVAL) $(ALARMS) $(CDK_ARGS)

destroy: dev
	$(CDK) destroy --all -c stage=$(STAGE) $(NO_DEPLOY_ALARMS) $(CDK_ARGS)

openapi: $(DEV_STAMP)
	$(BIN)/python -m functions.local.openapi > docs/openapi.json

bench: dev
	$(UV) sync --frozen --extra local --group bench --quiet  # matplotlib, for the chart only
	$(BIN)/python -m bench

# Each stage's idle monthly cost (alarm metrics, dashboards, WAF, secrets, SnapStart) from templates
# synthesized here, at the us-east-1 prices stated in bench/cost.py; docs/deploy.md has the table.
cost: dev
	$(BIN)/python -m bench.cost

clean:
	rm -rf $(TOOLS) $(VENV) node_modules cdk.out .build .pytest_cache .mypy_cache .ruff_cache
