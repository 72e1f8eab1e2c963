# Two entry points: `make run` (the bot; the demo console when no token is set) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The demo needs no clock: `seed demo` dates its rehearsal campaign around the day it runs (a
# BAOCAO_NOW set in the environment is that day, and the console follows it too).
DEMO_UNIT ?= CAP-CL-NGHIHAI

.PHONY: run test lint setup locales clean docs-preview

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	$(BIN)/baocao db upgrade
	@if [ -n "$$TELEGRAM_BOT_TOKEN$$ZALO_BOT_TOKEN" ] || grep -qsE '^(TELEGRAM|ZALO)_BOT_TOKEN=.' .env; then \
		$(BIN)/baocao run; \
	else \
		$(BIN)/baocao seed demo && \
		$(BIN)/baocao console --as $(DEMO_UNIT); \
	fi

# First the static checks (`make lint`, below: about 15 s from cold, a second when cached), then
# three workers, one test file each: the end-to-end files run real bot processes and share them
# within a file; they spend much of their time waiting on those processes and on real time, so a
# third worker keeps two cores busy (4.4 minutes against 5 with two).
test: lint
	$(BIN)/python -m pytest -q -n 3 --dist loadfile

# The static checks, each configured in pyproject.toml: the layers' imports (lint-imports), the
# types (mypy: bot/ strict, the rest checked) and the lint rules (ruff check). Runs every one and
# fails if any did.
lint: $(STAMP)
	@status=0; \
	$(BIN)/lint-imports || status=1; \
	$(BIN)/mypy || status=1; \
	$(BIN)/ruff check || status=1; \
	exit $$status

locales: $(STAMP)
	$(BIN)/pybabel extract -F locales/babel.cfg -k _ -k N_ -k ngettext:1,2 --no-location --sort-output --project baocao --copyright-holder baocao -w 100 -o locales/messages.pot app bot handlers storage scheduler.py
	$(BIN)/pybabel update -i locales/messages.pot -d locales --no-fuzzy-matching --ignore-obsolete -w 100

clean:
	rm -rf $(VENV) .pytest_cache $(PREVIEW)

# The demo's documents as the officials who sign them see them: a unit's report and the
# district's summary of the 2023 review, the workbook and the invite sheet, rendered page by
# page to PNG under preview/ by LibreOffice (installed from Debian when missing). For people's
# eyes: the tests check the files' structure and do not need it.
PREVIEW ?= preview
PREVIEW_ENV := BAOCAO_DATABASE_URL=sqlite+aiosqlite:///$(CURDIR)/$(PREVIEW)/demo.db BAOCAO_FILES_DIR=$(CURDIR)/$(PREVIEW)/files
docs-preview: $(STAMP)
	@command -v soffice >/dev/null && command -v pdftoppm >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libreoffice-writer-nogui libreoffice-calc-nogui poppler-utils fonts-liberation; }
	rm -rf $(PREVIEW) && mkdir -p $(PREVIEW)
	$(PREVIEW_ENV) $(BIN)/baocao db upgrade >/dev/null
	$(PREVIEW_ENV) $(BIN)/baocao seed demo >/dev/null
	$(PREVIEW_ENV) $(BIN)/baocao export docx --scope NA-CL --unit CAP-CL-NGHIHAI --campaign so-ket-2023 --out $(PREVIEW)/unit-report.docx
	$(PREVIEW_ENV) $(BIN)/baocao export docx --scope NA-CL --campaign so-ket-2023 --out $(PREVIEW)/summary.docx
	$(PREVIEW_ENV) $(BIN)/baocao export xlsx --scope NA-CL --campaign so-ket-2023 --out $(PREVIEW)/workbook.xlsx
	$(PREVIEW_ENV) $(BIN)/baocao invites issue --scope NA-CL --out $(PREVIEW)/invites.xlsx --out $(PREVIEW)/invite-sheet.pdf
	cd $(PREVIEW) && soffice --headless --convert-to pdf unit-report.docx summary.docx workbook.xlsx invites.xlsx >/dev/null
	cd $(PREVIEW) && for document in unit-report summary workbook invites invite-sheet; do pdftoppm -png -r 70 $$document.pdf $$document; done
	@echo "The pages are in $(PREVIEW)/ (one PNG a page)."

# The reminder outbox benchmark (bench/README.md): about 6 minutes; pass options with
# BENCH_ARGS, e.g. `make bench BENCH_ARGS="--count 600 --chats 200"` for a quick run.
# Phony because a bench/ directory exists.
.PHONY: bench
bench: $(STAMP)
	$(BIN)/python bench/reminders.py $(BENCH_ARGS)

# The units import benchmark (bench/README.md): 100,000 units against a 10,000 baseline, about
# 40 seconds; e.g. `make bench-units BENCH_ARGS="--rows 20000 --baseline-rows 2000"`.
.PHONY: bench-units
bench-units: $(STAMP)
	$(BIN)/python bench/unit_import.py $(BENCH_ARGS)

# The exports benchmark (bench/README.md): a province of 10,000 units with every report handed
# in, against a 1,000-unit baseline; e.g. `make bench-exports BENCH_ARGS="--units 2000 --baseline-units 200"`.
.PHONY: bench-exports
bench-exports: $(STAMP)
	$(BIN)/python bench/exports.py $(BENCH_ARGS)

# The province benchmark (bench/README.md): 10,000 units against 1,000 through the baocao commands
# and the real worker (13 to 29 minutes on a shared machine, see there); add PostgreSQL with
# `make bench-province BENCH_ARGS="--postgres postgresql+asyncpg://postgres@127.0.0.1:5432/test"`.
.PHONY: bench-province
bench-province: $(STAMP)
	$(BIN)/python bench/province.py $(BENCH_ARGS)
