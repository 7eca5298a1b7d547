# The two quick-start commands (`make run`, `make test`) install what they need on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.porch-installed

.PHONY: run test test-fast lint format bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Porch needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $(STAMP)

## Start Porch on the terminal chat with SQLite and the demo community (no tokens needed).
run: $(STAMP)
	$(BIN)/porch run

## Install the test needs and run the whole suite (Synapse is installed by the suite itself).
test: $(STAMP)
	$(BIN)/pytest

## The quick loop: everything except the slow integration tests (real Synapse etc.).
test-fast: $(STAMP)
	$(BIN)/pytest -m "not slow"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check bot adapters
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format bot adapters tests bench

## Benchmarks (not part of the test run); see README, "Figures".
bench: $(STAMP)
	@for b in bench/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
