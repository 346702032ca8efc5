# Two commands set everything up on a fresh machine:
#   make run    create .venv, install Welkin, start a region on 127.0.0.1:8470
#   make test   install what the tests need and run the whole suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# uv resolves and installs in seconds what pip takes minutes over; pip bootstraps it from PyPI,
# so a fresh machine still needs only python3. Bytecode is compiled at install, as pip does, so
# that the many short-lived processes the suite starts do not each compile their imports.
UV     := $(BIN)/uv pip install --quiet --python $(BIN)/python --compile-bytecode

.PHONY: run test lint check deps test-deps clean

$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet uv

# pip stays, upgraded: Welkin installs functions' requirements with this environment's pip.
$(BIN)/welkin: pyproject.toml | $(BIN)/uv
	$(UV) --upgrade-package pip pip -e .
	touch $@

deps: $(BIN)/welkin

run: deps
	$(BIN)/welkin up

# One resolution for Welkin and its test extras; then PostgreSQL's server binaries (the store
# tests run on SQLite and PostgreSQL both) and Debian's Chromium, which Playwright drives for the
# console's tests (never `playwright install`: the distribution's browser gets security updates).
$(VENV)/.test-deps: pyproject.toml | $(BIN)/uv
	$(UV) --upgrade-package pip pip -e '.[test]'
	touch $(BIN)/welkin $@

test-deps: $(VENV)/.test-deps
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
		echo "Installing PostgreSQL for the store tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	fi
	@if ! command -v chromium >/dev/null 2>&1; then \
		echo "Installing Chromium for the console tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	fi

lint: test-deps
	$(BIN)/ruff check welkin tests $(wildcard benchmarks)
	$(BIN)/ruff format --check welkin tests $(wildcard benchmarks)
	$(BIN)/mypy

# Two workers: the suite waits on servers and subprocesses as much as it computes, so two keep a
# 2-core machine busy. Each takes whole files, so module-scoped servers stay shared, in the order
# collected: the heavy cli/ and compat/ files first, the quick unit tests last to even out the end.
# Welkin's own modules are compiled once first: the suite starts hundreds of server and CLI
# processes, and where PYTHONDONTWRITEBYTECODE is set each of them would compile them again.
test: lint
	$(BIN)/python -m compileall -q welkin
	WELKIN_REQUIRE_POSTGRES=1 WELKIN_REQUIRE_BROWSER=1 $(BIN)/pytest -q -p no:cacheprovider -n 2 --dist loadfile --no-loadscope-reorder

clean:
	rm -rf $(VENV) .welkin build *.egg-info
