# Everything a fresh machine needs: `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Stamps live inside the venv, so deleting .venv also forgets what was installed in it.
INSTALLED := $(VENV)/.installed.stamp
INSTALLED_DEV := $(VENV)/.installed-dev.stamp
PYTEST_ARGS ?=

.PHONY: demo test stress install clean translations

demo: $(INSTALLED)
	bash scripts/demo.sh

# One pytest worker per CPU, up to 4 (pytest-xdist): each is a test session of its own,
# with its own PostgreSQL databases and servers on free ports. XDIST_ARGS= runs serially.
XDIST_ARGS ?= -n auto --maxprocesses=4
test: $(INSTALLED_DEV)
	$(BIN)/python -m pytest -q $(XDIST_ARGS) $(PYTEST_ARGS)

# Issue 9's reliability and security checks at full counts (16 writers x 1,000 appends,
# 100,000-line imports killed mid-way, ...): slow; figures are printed as "[stress]" lines.
# `make test` runs the same tests with short counts.
stress: $(INSTALLED_DEV)
	JOURNEY_STRESS=1 $(BIN)/python -m pytest -q -s -p no:randomly tests/reliability $(PYTEST_ARGS)

install: $(INSTALLED)

# After changing a text of the pages: extract it, merge it into every catalogue (translators
# then fill the new msgstr lines), and compile. tests/unit/test_catalogues.py fails while a
# catalogue misses a message or its compiled .mo is stale.
translations: $(INSTALLED_DEV)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output \
		--project Journey -o web/translations/messages.pot .
	$(BIN)/pybabel update --no-fuzzy-matching -i web/translations/messages.pot -d web/translations
	$(BIN)/pybabel compile -d web/translations

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(INSTALLED): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -e .
	touch $@

$(INSTALLED_DEV): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -e '.[dev]'
	touch $@ $(INSTALLED)

# Caches and the venv only: never journey.db or instance/ (the log and its keys).
clean:
	rm -rf $(VENV) *.egg-info build dist .hypothesis .pytest_cache .benchmarks tests/artifacts
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
