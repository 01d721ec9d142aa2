# Two commands for a fresh machine (Python 3.11, Node.js 20 for the interop tests):
#   make run    start the service at http://127.0.0.1:5000 (SQLite + generated keys in ./instance)
#   make test   run the whole test suite, interop tests against the npm reference verifier included
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NODE_STAMP := tests/interop/node_modules/.installed

.PHONY: run test test-postgres bench install

install: $(STAMP)

$(STAMP): requirements.txt requirements-test.txt setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-test.txt
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

$(NODE_STAMP): tests/interop/package.json tests/interop/package-lock.json
	cd tests/interop && npm ci --no-audit --no-fund --loglevel=error
	touch $@

run: $(STAMP)
	ISSUER_DEMO=$${ISSUER_DEMO:-true} $(BIN)/flask --app issuer run --host 127.0.0.1 --port 5000

test: $(STAMP) $(NODE_STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP) $(NODE_STAMP)
	$(BIN)/python bench/sign_verify.py

# The same suite on PostgreSQL: ISSUER_TEST_DATABASE_URL=postgresql+psycopg://user@host:port/db
test-postgres: $(STAMP) $(NODE_STAMP)
	@test -n "$$ISSUER_TEST_DATABASE_URL" || { echo "set ISSUER_TEST_DATABASE_URL (see .ci/run)"; exit 2; }
	$(BIN)/python -m pytest
