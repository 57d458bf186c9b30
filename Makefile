# jixiao — everyday commands. `make help` lists them.
#
# Nothing here needs uv or node_modules beforehand: the first target that needs them installs uv into
# .tools/ (a plain venv), syncs .venv/ from uv.lock and runs `npm ci`. uv never downloads an interpreter:
# Python 3.13 comes from the machine (pyenv reads .python-version).

SHELL := /bin/bash
.DEFAULT_GOAL := help

PORT ?= 8000
HOST ?= 127.0.0.1
PYTHON ?= python3

VENV := .venv
PY := $(VENV)/bin/python
UV := .tools/bin/uv
export UV_PYTHON_DOWNLOADS := never
# mypy checks the pure rules and every service module (the writers), as docs/development.md explains.
MYPY_PATHS = jixiao/rules $(wildcard jixiao/*/services.py jixiao/*/*_services.py)

.PHONY: help setup run demo worker test test-pg lint format typecheck bench clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

# --- installation (file targets, so a second run does nothing unless a lock file changed) ---

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen
	@touch $@

node_modules/.package-lock.json: package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

setup: $(VENV)/.synced node_modules/.package-lock.json ## install Python and front-end packages

# --- running ---

run: setup ## migrate, load the demo data, start the tasks worker, serve at http://127.0.0.1:8000 (PORT=…)
	$(PY) manage.py migrate --noinput
	$(VENV)/bin/jixiao demo
	scripts/serve $(HOST):$(PORT)

demo: setup ## migrate and (re)load the demo data; safe to repeat
	$(PY) manage.py migrate --noinput
	$(VENV)/bin/jixiao demo

worker: setup ## run the background tasks worker alone (make run already starts one)
	$(PY) manage.py db_worker

# --- checks ---

test: setup ## every check: ruff, migrations, mypy, then the whole pytest suite (DATABASE_URL picks the database)
	MYPY_PATHS="$(MYPY_PATHS)" scripts/test $(PYTEST_ARGS)

test-pg: setup ## `make test` against a throwaway PostgreSQL cluster started for the run
	scripts/with-postgres $(MAKE) --no-print-directory test

lint: setup ## ruff (lint and format check) and mypy, without the tests
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy $(MYPY_PATHS)

typecheck: setup ## mypy alone
	$(VENV)/bin/mypy $(MYPY_PATHS)

format: setup ## rewrite the code: ruff's safe fixes, then ruff format
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: setup ## run the benchmarks bench/*_bench.py (results in bench/out/; BENCH_ARGS="20000" for fewer rows)
	scripts/bench $(BENCH_ARGS)

clean: ## remove the installed tools and packages (keeps data/)
	rm -rf .tools $(VENV) node_modules .mypy_cache .ruff_cache
