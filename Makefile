# The two commands of the README: `make demo` and `make test`. Each builds .venv on first use
# (pip is upgraded first: older pips skip lxml's html_clean extra and trafilatura then fails).
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
RUNTIME := $(VENV)/.installed-runtime
DEV := $(VENV)/.installed-dev

.PHONY: demo test lint format bench clean

$(RUNTIME): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

$(DEV): $(RUNTIME) requirements-dev.txt
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

demo: $(RUNTIME)
	$(BIN)/storyline demo

lint: $(DEV)
	$(BIN)/ruff check storyline tests bench scripts
	$(BIN)/ruff format --check storyline tests bench scripts
	$(BIN)/mypy storyline

test: lint
	$(BIN)/python -m pytest

format: $(DEV)
	$(BIN)/ruff format storyline tests bench scripts
	$(BIN)/ruff check --fix storyline tests bench scripts

bench: $(RUNTIME)
	$(BIN)/python bench/throughput.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache storyline.egg-info
