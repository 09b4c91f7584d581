# Boomerang — the one entry point. `make demo` and `make test` bootstrap everything on a machine that has
# only python3 (3.11+), node and npm.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export CDK_OUTDIR := cdk.out

.PHONY: help install demo test test-unit test-integration test-e2e test-infra local synth deploy lint bench schemas clean

help:
	@echo "make demo    start the local stack, replay sample webhooks, print the Slack DMs"
	@echo "make test    unit, integration (moto), end-to-end (local stack) and infra tests"
	@echo "make local   run the local stack on http://127.0.0.1:8787 until Ctrl-C"
	@echo "make synth   synthesize the CDK app offline into cdk.out (cdk-nag on)"
	@echo "make deploy  cdk deploy to the AWS account in your environment"
	@echo "make lint    ruff + mypy"

$(STAMP): pyproject.toml package.json
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	npm ci --no-audit --no-fund --loglevel=error || npm install --no-audit --no-fund --loglevel=error
	@touch $(STAMP)

install: $(STAMP)

cdk.out/Boomerang.template.json: $(STAMP) app.py $(shell find infra services -name '*.py' 2>/dev/null) boomerang.toml
	$(BIN)/python app.py
	@touch $@

synth: cdk.out/Boomerang.template.json
	@echo "synthesized: cdk.out/Boomerang.template.json"

demo: synth
	$(BIN)/boomerang demo

local: synth
	$(BIN)/boomerang local

test: synth lint
	$(BIN)/boomerang schemas --check
	$(BIN)/python -m pytest -q

test-unit: $(STAMP)
	$(BIN)/python -m pytest -q tests/unit

test-integration: synth
	$(BIN)/python -m pytest -q tests/integration

test-e2e: synth
	$(BIN)/python -m pytest -q tests/e2e

test-infra: synth
	$(BIN)/python -m pytest -q tests/infra

deploy: $(STAMP)
	npx cdk deploy --require-approval broadening

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy services boomerang infra app.py

bench: synth
	$(BIN)/python -m benchmarks

schemas: $(STAMP)
	$(BIN)/boomerang schemas

clean:
	rm -rf cdk.out .build .pytest_cache .mypy_cache .ruff_cache
