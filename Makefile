# smartgov — two commands: `make run` and `make test`. Each creates .venv by itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HASH := $(shell cksum pyproject.toml | cut -d' ' -f1)
RUN_STAMP := $(VENV)/.run-$(HASH)
TEST_STAMP := $(VENV)/.test-$(HASH)
PIP := $(BIN)/python -m pip install --quiet --disable-pip-version-check

.PHONY: run test test-sqlite lint bench install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# `make run` needs only the platform; `make test` adds the test tools (pytest, Playwright …).
$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(PIP) -e .
	@touch $(RUN_STAMP)

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(PIP) -e '.[dev]'
	@touch $(RUN_STAMP) $(TEST_STAMP)

install: $(TEST_STAMP)

run: $(RUN_STAMP)
	$(BIN)/smartgov setup
	$(BIN)/smartgov serve

test: $(TEST_STAMP)
	@echo "== tests on SQLite"
	env -u SMARTGOV_TEST_DATABASE_URL $(BIN)/python -m pytest -q -p no:cacheprovider
	@if [ -n "$$SMARTGOV_TEST_DATABASE_URL" ]; then \
		echo "== again on PostgreSQL ($$SMARTGOV_TEST_DATABASE_URL)"; \
		$(BIN)/python -m pytest -q -p no:cacheprovider; \
	fi

test-sqlite: $(TEST_STAMP)
	env -u SMARTGOV_TEST_DATABASE_URL $(BIN)/python -m pytest -q

lint: $(TEST_STAMP)
	$(BIN)/ruff check src tests benchmarks
	cd src && ../$(BIN)/lint-imports --config ../pyproject.toml

bench: $(TEST_STAMP)
	$(BIN)/python benchmarks/grid_lookup.py
	$(BIN)/python benchmarks/case_intake.py
	$(BIN)/python benchmarks/dispatch_eval.py
	$(BIN)/python benchmarks/case_queries.py

clean:
	rm -rf $(VENV) var .pytest_cache
