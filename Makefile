# Two commands do all setup on a fresh machine (only python3 and make needed):
#   make demo   - creates .venv, installs, opens the demo
#   make test   - creates .venv, installs, runs lint, types and tests
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint types unit bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall when the project's dependencies change.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/s3repl-tui demo

lint: $(STAMP)
	$(BIN)/ruff check s3repl_tui tests bench scripts

types: $(STAMP)
	$(BIN)/mypy --strict s3repl_tui bench

unit: $(STAMP)
	$(BIN)/pytest -n 2 -q

test: lint types unit

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
