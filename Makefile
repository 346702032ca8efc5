# Two commands set everything up on a fresh machine:
#   make run    create .venv, install Welkin, start a region on 127.0.0.1:8470
#   make test   install what the tests need and run the whole suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: run test lint check deps test-deps clean

$(BIN)/welkin: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

deps: $(BIN)/welkin

run: deps
	$(BIN)/welkin up

# PostgreSQL's server binaries (the store tests run on SQLite and PostgreSQL both).
test-deps: deps
	$(BIN)/pip install --quiet -e '.[test]'
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
		echo "Installing PostgreSQL for the store tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	fi

lint: test-deps
	$(BIN)/ruff check welkin tests $(wildcard benchmarks)
	$(BIN)/ruff format --check welkin tests $(wildcard benchmarks)
	$(BIN)/mypy

test: lint
	WELKIN_REQUIRE_POSTGRES=1 $(BIN)/pytest -q -p no:cacheprovider

clean:
	rm -rf $(VENV) .welkin build *.egg-info
