# sTvOS: `make run` serves the API locally, `make test` proves it. Both set themselves up.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# The newest Python >= 3.10 on PATH (pyenv shims that fail are skipped).
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3.10 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null \
	&& { command -v $$p; break; }; done)
VENV := .venv
SAM_VENV := .venv-sam
PY := $(VENV)/bin/python
PIP_QUIET := --quiet --disable-pip-version-check
export SAM_CLI_TELEMETRY := 0
export AWS_DEFAULT_REGION ?= us-east-1

# `sam build` needs the Lambda runtime's Python (3.13) itself on PATH; pyenv shims do not count.
PY313_BIN := $(shell p=$$(command -v python3.13 2>/dev/null) && python3.13 -c pass 2>/dev/null && dirname $$p || \
	{ command -v pyenv >/dev/null 2>&1 && v=$$(pyenv versions --bare 2>/dev/null | grep -E '^3\.13' | tail -1) && \
	  [ -n "$$v" ] && echo "$$(pyenv prefix $$v)/bin"; })

.PHONY: help setup run test test-fast test-dynamodb fuzz-neutral lint lint-template build bench admin events openapi clean

help:
	@echo "make run    serve the API on http://127.0.0.1:3000 (PORT=... to change) with demo data"
	@echo "make test   run every test, plus ruff, mypy, cfn-lint, sam validate --lint and sam build"
	@echo "make bench  cold-start, DynamoDB and hashing figures"
	@echo "make test-dynamodb [ARGS=--aws]   the race tests on a throwaway table (here, or in AWS)"
	@echo "make fuzz-neutral [ARGS='--max-examples 5 --seed 6']   schemathesis with no project settings"
	@echo "make admin ARGS='--help'   the platform admin CLI"

$(VENV)/.installed: requirements-dev.txt layers/core/requirements.txt layers/livekit/requirements.txt
	@test -n "$(PYTHON)" || { echo "Python 3.10 or newer is needed (python3 on PATH)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install $(PIP_QUIET) --upgrade pip
	$(VENV)/bin/pip install $(PIP_QUIET) -r requirements-dev.txt
	@touch $@

$(SAM_VENV)/.installed: requirements-sam.txt
	@test -n "$(PYTHON)" || { echo "Python 3.10 or newer is needed (python3 on PATH)"; exit 1; }
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install $(PIP_QUIET) --upgrade pip
	$(SAM_VENV)/bin/pip install $(PIP_QUIET) -r requirements-sam.txt
	@touch $@

setup: $(VENV)/.installed

run: $(VENV)/.installed
	$(PY) -m local

# Test files run in parallel (pytest-xdist), each worker with a local API of its own; a file stays on one worker
# (its module fixtures are shared). TEST_WORKERS=1 runs them one after another.
TEST_WORKERS ?= 4

test: $(VENV)/.installed lint lint-template build
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

# ruff (correctness, security, naming; every `# noqa` must name a rule that is on) and mypy, strict on shared/:
# both configured in pyproject.toml.
lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

test-fast: $(VENV)/.installed
	$(PY) -m pytest -x -q

# The race and repository tests on a throwaway table made from the template (ARGS="--aws": in AWS; see
# local/throwaway_table.py).
test-dynamodb: $(VENV)/.installed
	$(PY) -m local.throwaway_table $(ARGS)

# schemathesis with none of schemathesis.toml: every check, seeded, only the credentials given; passes when all
# it finds are refusals the document lists on their routes (tests/support/neutral_fuzz.py). About 15 minutes.
fuzz-neutral: $(VENV)/.installed
	$(PY) -m tests.support.neutral_fuzz $(ARGS)

lint-template: $(SAM_VENV)/.installed
	$(SAM_VENV)/bin/cfn-lint template.yaml
	$(SAM_VENV)/bin/sam validate --lint --template-file template.yaml

build: $(SAM_VENV)/.installed
	@if [ -z "$(PY313_BIN)" ]; then \
		echo "sam build skipped: Python 3.13 (the Lambda runtime) is not installed here"; \
	else \
		PATH="$(PY313_BIN):$$PATH" $(SAM_VENV)/bin/sam build --template-file template.yaml; \
	fi

bench: $(VENV)/.installed
	$(PY) -m bench

admin: $(VENV)/.installed
	$(PY) -m admin $(ARGS)

events: $(VENV)/.installed
	$(PY) -m local.make_events

clean:
	rm -rf .aws-sam .local .pytest_cache

openapi: $(VENV)/.installed
	$(PY) -m local.openapi
