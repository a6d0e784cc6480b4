# smartgov — two commands: `make run` and `make test`. Each creates .venv by itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: run test test-sqlite test-postgres lint bench install clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/smartgov setup
	$(BIN)/smartgov serve

test: $(STAMP)
	@echo "== tests on SQLite"
	env -u SMARTGOV_TEST_DATABASE_URL $(BIN)/python -m pytest -q -p no:cacheprovider
	@if [ -n "$$SMARTGOV_TEST_DATABASE_URL" ]; then \
		echo "== again on PostgreSQL ($$SMARTGOV_TEST_DATABASE_URL)"; \
		$(BIN)/python -m pytest -q -p no:cacheprovider -m "not browser"; \
	fi

test-sqlite: $(STAMP)
	env -u SMARTGOV_TEST_DATABASE_URL $(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks

bench: $(STAMP)
	$(BIN)/python benchmarks/grid_lookup.py
	$(BIN)/python benchmarks/case_intake.py

clean:
	rm -rf $(VENV) var .pytest_cache
