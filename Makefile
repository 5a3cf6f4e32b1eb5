# The two set-up commands of the README: `make demo` and `make test`.
# A fresh machine needs only Python 3.11 or newer and make; another interpreter than
# `python3` is named with PYTHON, e.g. `make test PYTHON=python3.12`.
.PHONY: install lint browser test demo format benchmark evaluate sample clean

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

# the virtual environment, made by a Python that is new enough
$(VENV)/.python:
	@$(PYTHON) -c 'import sys; v = sys.version_info; sys.exit(0 if v >= (3, 11) else "bot-analysis needs Python 3.11 or newer, and $(PYTHON) is %d.%d: name another with make PYTHON=python3.12" % v[:2])'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	touch $@

# what the tool needs to run (make demo) ...
$(VENV)/.ok-run: pyproject.toml $(VENV)/.python
	$(BIN)/python -m pip install -q -e .
	touch $@

# ... and what its tests and tools need (make test)
$(VENV)/.ok: pyproject.toml $(VENV)/.ok-run
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@

install: $(VENV)/.ok

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# Debian's Chromium for the real-browser test of the report (as root, as on CI machines); when it
# cannot be installed the browser test says so and is skipped, the rest still runs.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) \
	      >/dev/null 2>&1 || echo "chromium could not be installed: browser tests will be skipped"; \
	  else echo "chromium not found: browser tests will be skipped"; fi; }

test: lint browser
	$(BIN)/python -m pytest

demo: $(VENV)/.ok-run
	$(BIN)/bot-analysis analyze sample_data/dumps --out reports/demo
	@echo "demo report: $(CURDIR)/reports/demo/index.html"

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

sample: install
	$(BIN)/python scripts/generate_sample_data.py --out sample_data --seed 0 --comments 30000

benchmark: install
	$(BIN)/python scripts/benchmark.py

evaluate: install
	$(BIN)/python scripts/evaluate.py sample_data --out reports/evaluate

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache .hypothesis reports/demo
