# edoc-bridge — two commands: `make run` (the demo profile: config/demo.toml) and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: run test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip 2>&1 | grep -v "is ignored" || true
	$(BIN)/pip install -q -e '.[test]' 2>&1 | grep -v "is ignored" || true
	$(BIN)/python -c "import bridge, core, storage, mail, signing" 
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/edoc-bridge serve -c config/demo.toml

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

test: lint
	$(BIN)/python -m pytest -q -p no:cacheprovider -n 2 --dist loadfile --durations=15

bench: $(STAMP)
	$(BIN)/python bench/smtp_ingest.py

clean:
	rm -rf $(VENV) var run .pytest_cache
