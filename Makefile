# make run: set up and serve on http://127.0.0.1:5000 with the alerts worker beside it (make run PORT=5001: another port)
# make test: the whole suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum < pyproject.toml | cut -d' ' -f1)
export FLASK_APP := wsgi

.PHONY: run test lint bench chromium pdf-libs clean messages catalogues test-tools

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

catalogues: $(STAMP)
	@if ls translations/*/LC_MESSAGES/messages.po >/dev/null 2>&1; then \
		$(BIN)/pybabel compile --statistics -d translations 2>&1 | tail -n 3; fi

# The port `make run` serves on: `make run PORT=5001`.
PORT ?= 5000
run: $(STAMP) catalogues pdf-libs
	$(BIN)/flask db upgrade
	$(BIN)/flask demo seed --count 200 --if-empty
	$(BIN)/flask demo staff
	@# The alerts worker runs beside the server (alerts are printed here while SMTP_URL is unset)
	@# and stops with it.
	$(BIN)/flask alerts work & worker=$$!; trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
		$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

# WeasyPrint (the PDF consult summary) is pure Python from PyPI but lays text out with the
# system's Pango, and needs a font.
PDF_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core
pdf-libs: $(STAMP)
	@$(BIN)/python -c 'import weasyprint' 2>/dev/null || apt-get install -y $(PDF_PACKAGES) || \
		(apt-get update && apt-get install -y $(PDF_PACKAGES))

chromium:
	@test -x /usr/bin/chromium || apt-get install -y chromium || \
		(apt-get update && apt-get install -y chromium)

# The suite runs on TEST_WORKERS processes (pytest-xdist; 2 = this project's machines' cores).
# `make test TEST_WORKERS=0` runs it in one process.
TEST_WORKERS ?= 2
test: $(STAMP) chromium catalogues pdf-libs test-tools
	$(BIN)/python -m pytest -n $(TEST_WORKERS)

# Test-only tools in test-tools/ (tests/test_fhir_lforms.py, tests/test_fhir_r4.py): LHC-Forms,
# NLM's FHIR form renderer, from the checked-in npm lock (Node 20+, npm ci, no install scripts);
# and the FHIR R4 (4.0.1) models of fhir.resources 6.4, which need pydantic 1, in their own venv.
TOOLS := test-tools
test-tools: $(TOOLS)/node_modules/.package-lock.json $(TOOLS)/.venv-r4/.installed

$(TOOLS)/node_modules/.package-lock.json: $(TOOLS)/package.json $(TOOLS)/package-lock.json
	cd $(TOOLS) && npm ci --ignore-scripts --no-audit --no-fund

$(TOOLS)/.venv-r4/.installed: $(TOOLS)/requirements-r4.txt
	test -x $(TOOLS)/.venv-r4/bin/python || $(PYTHON) -m venv $(TOOLS)/.venv-r4
	$(TOOLS)/.venv-r4/bin/python -m pip install --quiet -r $(TOOLS)/requirements-r4.txt
	touch $@

lint: $(STAMP)
	$(BIN)/ruff check screener tests benchmarks config.py wsgi.py

# The budgets of docs/performance.md on SQLite and PostgreSQL (about 20 min; writes the results
# into docs/performance.md). `make bench BENCH_ARGS=--quick`: shorter, for trying; writes nothing.
bench: $(STAMP) chromium catalogues
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis

# Translations: extract every marked string, then update (or init) a language's catalogue.
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k lazy_gettext -o translations/messages.pot .
	for lang in $$(ls translations 2>/dev/null | grep -v '\.pot$$'); do \
		$(BIN)/pybabel update --no-fuzzy-matching -i translations/messages.pot -d translations \
			-l $$lang; done
	$(BIN)/pybabel compile -d translations
