# One command to run the bot, one to run the tests; each creates .venv on first use and installs
# the locked versions (requirements-dev.lock, with hashes), then fitbet itself without dependencies.
# `make lock` regenerates the lock files from pyproject.toml's ranges (see README, "Dependencies").
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
LOCK_VENV ?= .venv-lock
PIP_TOOLS := pip-tools==7.6.2
LOCKS := requirements.lock requirements-build.lock requirements-dev.lock
PIP_COMPILE := CUSTOM_COMPILE_COMMAND="make lock" $(LOCK_VENV)/bin/pip-compile --quiet --generate-hashes \
	--strip-extras --allow-unsafe --no-emit-index-url --no-emit-find-links $(ARGS)

.PHONY: run test lint demo bench lock clean

$(BIN)/.installed: pyproject.toml $(LOCKS)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-dev.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	$(BIN)/python -m pip check || { echo "the lock files miss what pyproject.toml asks for: run make lock" >&2; exit 1; }
	touch $@

run: $(BIN)/.installed
	$(BIN)/python -m bot

test: $(BIN)/.installed
	$(BIN)/python -m pytest -q

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

demo: $(BIN)/.installed
	$(BIN)/python -m tests.demo

bench: $(BIN)/.installed
	$(BIN)/python -m benchmarks $(ARGS)

# Keeps every pin that still fits pyproject.toml and adds what is new; `make lock ARGS=--upgrade`
# moves everything to the newest versions, `make lock ARGS="--upgrade-package aiohttp"` one package.
lock:
	test -x $(LOCK_VENV)/bin/pip-compile || { $(PYTHON) -m venv $(LOCK_VENV) && \
		$(LOCK_VENV)/bin/python -m pip install --quiet "$(PIP_TOOLS)"; }
	$(PIP_COMPILE) -o requirements.lock pyproject.toml
	$(PIP_COMPILE) --only-build-deps --all-build-deps -c requirements.lock -o requirements-build.lock pyproject.toml
	$(PIP_COMPILE) --extra dev --all-build-deps -c requirements.lock -c requirements-build.lock \
		-o requirements-dev.lock pyproject.toml

clean:
	rm -rf $(VENV) $(LOCK_VENV) .pytest_cache .ruff_cache .mypy_cache .hypothesis build dist *.egg-info
