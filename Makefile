# Dissent Channel: every entry point a newcomer looks for. Run `make help`.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin

# Django 6.x needs Python 3.12 or newer (docs/development.md says why we chose it).
# Look for one on PATH first, then in pyenv's usual place, so a fresh machine needs no setup.
PYTHON ?= $(shell for p in python3.12 python3.13 python3 $$HOME/.pyenv/versions/3.12*/bin/python3 $$HOME/.pyenv/versions/3.13*/bin/python3; do \
	  command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { command -v $$p; break; }; \
	done)

# Debian packages, installed only when missing (docs/exports.md): WeasyPrint's Pango and
# HarfBuzz and a font for the PDF export, at run time; poppler-utils (pdftotext, pdftoppm)
# for the tests that read the PDFs back, gettext (xgettext, msgfmt) for the tests of the
# translation catalogues; Debian's Chromium for the browser tests, which Playwright drives
# (it never downloads a browser of its own). `sudo` only when not already root.
# postgresql-client's pg_dump and pg_restore for `dissent backup` and `dissent restore` on
# PostgreSQL; the server's own binaries (initdb, pg_ctl) for the crash test's throw-away cluster.
RUNTIME_DEBS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core postgresql-client
TEST_DEBS := $(RUNTIME_DEBS) poppler-utils gettext
BROWSER_DEBS := chromium
CRASH_DEBS := postgresql
# axe-core from the npm registry, pinned by tests/e2e/package-lock.json; npm ci runs again
# whenever the lock file is newer than this stamp (and starts from an empty node_modules).
AXE_INSTALLED := tests/e2e/node_modules/.installed
# oidc-provider from the npm registry, pinned by tests/oidc/package-lock.json: the real OpenID
# provider the single sign-on tests start on loopback (tests/org/test_oidc.py).
OIDC_INSTALLED := tests/oidc/node_modules/.installed
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

define install-debs
	@if ! command -v dpkg-query >/dev/null 2>&1; then \
	  echo "Not a Debian system: install these (or their equivalents) yourself: $(1)"; exit 0; \
	fi; \
	missing=""; \
	for package in $(1); do \
	  dpkg-query -W -f='$${Status}' "$$package" 2>/dev/null | grep -q "ok installed" || missing="$$missing $$package"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi
endef

.PHONY: help demo test test-browser e2e test-postgres fuzz crash load lint format lock bench clean system-packages system-packages-test browser-deps oidc-deps vendor-js

help:
	@echo "make demo           seed a demo organisation and serve it on http://127.0.0.1:8000"
	@echo "make test           run the whole test suite, browser tests included (SQLite)"
	@echo "make test-browser   only the browser tests (Playwright in Debian's Chromium, axe-core);"
	@echo "                    screenshots of each step in test-artefacts/screenshots/"
	@echo "make test-postgres  run the suite against the local PostgreSQL on 127.0.0.1:5432"
	@echo "make fuzz           the long API fuzz run: schemathesis, FUZZ_MAX_EXAMPLES=400 per route and mode"
	@echo "                    (make test runs the same test bounded, at least 1,000 requests)"
	@echo "make crash          the long crash test: co-signing while app processes, the worker and"
	@echo "                    PostgreSQL are killed (bench/crash.py; .ci/run runs a bounded one)"
	@echo "make load           the crisis load at rising concurrency (bench/load.py)"
	@echo "make oidc-deps      oidc-provider (npm ci) for the single sign-on tests (run by test)"
	@echo "make lint           ruff, mypy --strict and makemigrations --check"
	@echo "make bench          run the benchmarks under bench/"
	@echo "make lock           recompile requirements/*.lock from requirements/*.in"
	@echo "make system-packages       the Debian packages the PDF export needs (run by demo)"
	@echo "make system-packages-test  those, poppler-utils and gettext for the tests (run by test)"
	@echo "make browser-deps   Debian's chromium and axe-core (npm ci) for the browser tests (run by test)"
	@echo "make vendor-js      rebuild the committed @noble/curves bundle ring.js imports (tools/noble)"

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "No Python 3.12+ found. Install python3.12 (or pyenv install 3.12) and retry."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.base-installed: requirements/base.lock pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements/base.lock
	$(BIN)/pip install --quiet --no-deps -e .  # pip builds it in isolation (setuptools from PyPI)
	touch $@

$(VENV)/.dev-installed: requirements/dev.lock $(VENV)/.base-installed
	$(BIN)/pip install --quiet --require-hashes -r requirements/dev.lock
	touch $@

system-packages:
	$(call install-debs,$(RUNTIME_DEBS))

system-packages-test:
	$(call install-debs,$(TEST_DEBS))

browser-deps: $(AXE_INSTALLED)
	$(call install-debs,$(BROWSER_DEBS))

oidc-deps: $(OIDC_INSTALLED)

$(OIDC_INSTALLED): tests/oidc/package.json tests/oidc/package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "npm is missing: install Node.js 20 or newer with npm (Debian: apt-get install npm)"; exit 1; }
	cd tests/oidc && npm ci --no-audit --no-fund
	touch $@

$(AXE_INSTALLED): tests/e2e/package.json tests/e2e/package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "npm is missing: install Node.js 18 or newer with npm (Debian: apt-get install npm)"; exit 1; }
	cd tests/e2e && npm ci --no-audit --no-fund
	touch $@

# The parts of @noble/curves the browser's ring signature uses, bundled by esbuild into one
# committed ES module (src/dissent/anonymous/static/anonymous/vendor/noble.js), versions pinned
# by tools/noble/package-lock.json. Run after changing tools/noble; the site never needs npm.
vendor-js:
	@command -v npm >/dev/null 2>&1 || { echo "npm is missing: install Node.js 20 or newer with npm (Debian: apt-get install npm)"; exit 1; }
	cd tools/noble && npm ci --no-audit --no-fund && npm run build

demo: $(VENV)/.base-installed system-packages
	$(BIN)/dissent demo

test: $(VENV)/.dev-installed system-packages-test browser-deps oidc-deps
	$(BIN)/pytest -n auto

test-browser: $(VENV)/.dev-installed system-packages-test browser-deps
	$(BIN)/pytest -n auto -m browser tests/e2e
	@echo "Screenshots: $${DISSENT_SCREENSHOT_DIR:-test-artefacts/screenshots}/<test>/<language>/"

e2e: test-browser  # the name shared/ARCHITECTURE.md uses

test-postgres: $(VENV)/.dev-installed system-packages-test browser-deps oidc-deps
	bash .ci/postgres-tests

# The same test as in `make test`, with many more cases per route (docs/api.md). Nothing is
# written into the checkout: no pytest cache, and the test keeps no Hypothesis database.
FUZZ_MAX_EXAMPLES ?= 400
fuzz: $(VENV)/.dev-installed system-packages-test
	FUZZ_MAX_EXAMPLES=$(FUZZ_MAX_EXAMPLES) $(BIN)/pytest -p no:cacheprovider -s tests/api/test_fuzz.py

# Co-signing through two app processes and a worker on a PostgreSQL cluster of its own while
# each is killed (kill -9) and the database crashes once (docs/deployment.md, bench/crash.py).
CRASH_ARGS ?= --members 300 --memos 10 --seconds 60 --clients 40
crash: $(VENV)/.dev-installed system-packages
	$(call install-debs,$(CRASH_DEBS))
	$(BIN)/python bench/crash.py $(CRASH_ARGS)

load: $(VENV)/.dev-installed system-packages
	$(BIN)/python bench/load.py

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/dissent makemigrations --check --dry-run

format: $(VENV)/.dev-installed
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

bench: $(VENV)/.dev-installed
	$(BIN)/python bench/cosign.py
	$(BIN)/python bench/ring.py
	$(BIN)/python bench/ring_browser.py

lock:
	cd requirements && uv pip compile --python-version 3.12 --generate-hashes base.in -o base.lock
	cd requirements && uv pip compile --python-version 3.12 --generate-hashes dev.in -o dev.lock

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache tests/e2e/node_modules tests/oidc/node_modules test-artefacts
