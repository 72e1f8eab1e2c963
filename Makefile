# Two entry points: `make run` (the bot; the demo console when no token is set) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The demo needs no clock: `seed demo` dates its rehearsal campaign around the day it runs (a
# BAOCAO_NOW set in the environment is that day, and the console follows it too).
DEMO_UNIT ?= CAP-CL-NGHIHAI

.PHONY: run test setup locales clean

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

# Three workers, one test file each: the end-to-end files run real bot processes and share
# them within a file; they spend much of their time waiting on those processes and on real
# time, so a third worker keeps two cores busy (4.4 minutes against 5 with two).
test: $(STAMP)
	$(BIN)/python -m pytest -q -n 3 --dist loadfile

locales: $(STAMP)
	$(BIN)/pybabel extract -F locales/babel.cfg -k _ -k N_ -k ngettext:1,2 --no-location --sort-output --project baocao --copyright-holder baocao -w 100 -o locales/messages.pot app bot handlers storage scheduler.py
	$(BIN)/pybabel update -i locales/messages.pot -d locales --no-fuzzy-matching --ignore-obsolete -w 100

clean:
	rm -rf $(VENV) .pytest_cache

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
