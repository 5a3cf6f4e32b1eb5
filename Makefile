# The two set-up commands of the README: `make demo` and `make test`.
# A fresh machine needs only Python 3.11 and make.
.PHONY: install lint test demo format benchmark evaluate sample clean

PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin

$(VENV)/.ok: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@

install: $(VENV)/.ok

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint
	$(BIN)/python -m pytest

demo: install
	$(BIN)/bot-analysis analyze sample_data/dumps --out reports/demo
	@echo "demo results: $(CURDIR)/reports/demo/"

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
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis reports/demo
