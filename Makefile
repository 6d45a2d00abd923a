# Biostat: `make run` serves the app, `make test` runs the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
REDIS_TEST_URL ?= redis://127.0.0.1:6379/1

.PHONY: run install install-dev migrate demo test test-services lint bench bench-peer chromium

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

run: install
	BIOSTAT_LOCAL=1 $(BIN)/python manage.py migrate --no-input
	BIOSTAT_LOCAL=1 $(BIN)/python manage.py collectstatic --no-input --verbosity 0
	BIOSTAT_LOCAL=1 $(BIN)/python manage.py load_demo
	BIOSTAT_LOCAL=1 $(BIN)/python manage.py serve --port $(PORT)

test: install-dev chromium
	$(BIN)/pytest

# The same suite against PostgreSQL and Redis (a throwaway test_* database).
test-services: install-dev chromium
	DATABASE_URL=$(PG_URL) REDIS_URL=$(REDIS_TEST_URL) $(BIN)/pytest

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# P5 compares against R's survival package: installed from Debian when missing.
bench: install-dev
	@Rscript -e 'library(survival)' >/dev/null 2>&1 || apt-get install -y --no-install-recommends \
		r-base-core r-cran-survival || echo "R unavailable: P5 falls back to lifelines as its baseline"
	$(BIN)/python -m bench

# The Parse Server peer's flow (../shared/peers/parse) against Parse, then against Biostat in production
# mode (uvicorn workers, PostgreSQL 127.0.0.1:5432, Redis 127.0.0.1:6379): bench/peer.py, one after the other.
bench-peer: install
	$(BIN)/python -m bench.peer

# Debian's Chromium for the browser tests (tests_browser/); without it they skip, saying why.
chromium:
	@test -x /usr/bin/chromium || (apt-get update -qq && apt-get install -y -qq chromium) \
		|| echo "Could not install chromium (needs root): the browser tests will be skipped."
