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

lint: install-tests
	$(PY) -m ruff check .
	$(PY) -m yapf --diff -r mm_pplcnet tools tests configs setup.py

format:
	$(PY) -m ruff check --fix --select I .
	$(PY) -m yapf -i -r mm_pplcnet tools tests configs setup.py

test: lint
	$(PY) -m pytest tests
