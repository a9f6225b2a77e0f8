# Two commands set up everything on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
VENV ?= .venv
# Python 3.13 where present (pyenv or PATH), else the newest python3 >= 3.11.
PYTHON ?= $(shell for p in $$(pyenv root 2>/dev/null)/versions/3.13*/bin/python3 python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && { command -v $$p; break; }; done)
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: venv test test-fast lint lint-imports typecheck pytest run demo emulator bench mutate clean

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "No Python >= 3.11 found"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	@touch $(STAMP)

venv: $(STAMP)

lint: $(STAMP)
	$(VENV)/bin/ruff check goesvfi tests scripts
	$(VENV)/bin/ruff format --check goesvfi tests scripts

typecheck: $(STAMP)
	$(VENV)/bin/mypy

# The layer rules ([tool.importlinter] in pyproject.toml).
lint-imports: $(STAMP)
	$(VENV)/bin/lint-imports

pytest: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q

# Everything: style, types, layer rules, every test.
test: lint typecheck lint-imports pytest

# The edit loop: the tests not marked slow (no lint, types or layers; `make test` before a commit).
test-fast: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -m "not slow"

run: $(STAMP)
	$(PY) -m goesvfi

demo: $(STAMP)
	$(PY) scripts/demo.py

emulator: $(STAMP)
	$(PY) scripts/noaa_emulator.py

bench: $(STAMP)
	$(PY) scripts/bench_scan.py
	$(PY) scripts/bench_render.py
	$(PY) scripts/bench_fetch.py

# Mutation testing of the pure core (not in CI: slow; docs/mutation.md). One module at a time, with the focused
# tests of [tool.mutmut] in pyproject.toml; `make mutate MUTATE_MODULES=fetch.plan` for one. Results are kept in
# mutants/ (mutmut re-runs only what changed); the table and every survivor are printed at the end.
MUTATE_MODULES ?= fetch.plan scan.coverage look.value look.header look.sample time_index.names time_index.slots remote.availability \
	time_index.satellites scan.fast_names
mutate: $(STAMP)
	test -x $(VENV)/bin/mutmut || $(PY) -m pip install -q -e '.[mutate]'
	$(PY) scripts/mutation_scores.py --retest $(MUTATE_MODULES)
	for m in $(MUTATE_MODULES); do \
		QT_QPA_PLATFORM=offscreen $(VENV)/bin/mutmut run --max-children 2 "goesvfi.integrity_check.$$m.*" >/dev/null || exit 1; \
	done
	$(PY) scripts/mutation_scores.py --survivors

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache mutants
