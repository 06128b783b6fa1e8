# mm_pplcnet: the commands the README shows.
#   make run    set up (first time) and run the main job on built-in
#               defaults: the CPU benchmark (tools/benchmark.py)
#   make test   set up with the test dependencies and run lint + tests
#   make demo   set up and train + test PP-LCNet on a generated toy set
VENV ?= .venv
PY := $(VENV)/bin/python
export VENV

.PHONY: install install-benchmark install-tests run demo test lint format

install:
	bash scripts/install.sh

install-benchmark:
	bash scripts/install.sh --benchmark

install-tests:
	bash scripts/install.sh --tests

run: install-benchmark
	bash scripts/run_main.sh

demo: install
	bash scripts/demo_train.sh

SRC := mm_pplcnet tools tests configs setup.py

lint: install-tests
	$(PY) -m ruff check .
	$(PY) -m isort --check-only --diff $(SRC)
	$(PY) -m yapf --diff -r $(SRC)

format:
	$(PY) -m isort $(SRC)
	$(PY) -m yapf -i -r $(SRC)

# unit tests first (fast, under 15 minutes on 2 cores), then the tests
# marked slow (training runs, tool subprocesses, Paddle exports)
test: lint
	$(PY) -m pytest -m 'not slow' tests
	$(PY) -m pytest -m slow tests
