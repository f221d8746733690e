# The two commands of the README: `make demo` and `make test`. Each builds .venv on first use
# (pip is upgraded first: older pips skip lxml's html_clean extra and trafilatura then fails).
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
RUNTIME := $(VENV)/.installed-runtime
DEV := $(VENV)/.installed-dev

SCORE_VENV ?= .venv-score
SCORE := $(SCORE_VENV)/.installed

.PHONY: demo test lint format bench bench-tools clean

$(RUNTIME): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

$(DEV): $(RUNTIME) requirements-dev.txt requirements-spark.txt
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

demo: $(RUNTIME)
	$(BIN)/storyline demo

lint: $(DEV)
	$(BIN)/ruff check storyline tests bench scripts
	$(BIN)/ruff format --check storyline tests bench scripts
	$(BIN)/mypy storyline

# The browser tests drive Debian's chromium with playwright (never `playwright install`).
CHROMIUM := /usr/bin/chromium

$(CHROMIUM):
	apt-get update -q && apt-get install -y -q --no-install-recommends chromium \
	  || echo "warning: could not install chromium; the browser tests will be skipped"

# The Spark tests need Java 17; they are skipped with a reason when there is none.
JAVA := /usr/bin/java

$(JAVA):
	apt-get update -q && apt-get install -y -q --no-install-recommends openjdk-17-jre-headless \
	  || echo "warning: could not install Java 17; the Spark tests will be skipped"

test: lint $(CHROMIUM) $(JAVA)
	$(BIN)/python -m pytest

format: $(DEV)
	$(BIN)/ruff format storyline tests bench scripts
	$(BIN)/ruff check --fix storyline tests bench scripts

bench: $(RUNTIME)
	$(BIN)/python bench/throughput.py

# The reference ROUGE scorers' own tools (digest and timeline benches), kept out of .venv:
# they measure Storyline, they are not part of it. ROUGE-1.5.5 also needs perl and XML::DOM
# (Debian: libxml-dom-perl).
$(SCORE): requirements-bench.txt
	test -x $(SCORE_VENV)/bin/python || $(PYTHON) -m venv $(SCORE_VENV)
	$(SCORE_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(SCORE_VENV)/bin/python -m pip install --quiet -r requirements-bench.txt
	touch $@

bench-tools: $(SCORE)

clean:
	rm -rf $(VENV) $(SCORE_VENV) .mypy_cache .ruff_cache .pytest_cache storyline.egg-info
