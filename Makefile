# mm_pplcnet: the commands the README shows.
#   make run    set up (first time) and run the main job on built-in defaults
#   make test   set up with the test dependencies and run lint + tests
VENV ?= .venv
PY := $(VENV)/bin/python
export VENV

.PHONY: install install-tests run test lint format

install:
	bash scripts/install.sh

install-tests:
	bash scripts/install.sh --tests

run: install
	bash scripts/run_main.sh

SRC := mm_pplcnet tools tests configs setup.py

lint: install-tests
	$(PY) -m ruff check .
	$(PY) -m isort --check-only --diff $(SRC)
	$(PY) -m yapf --diff -r $(SRC)

format:
	$(PY) -m isort $(SRC)
	$(PY) -m yapf -i -r $(SRC)

test: lint
	$(PY) -m pytest tests
