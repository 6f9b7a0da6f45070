# MatchUp. Two commands do everything on a fresh Debian machine:
#   make run   — install what is missing, migrate, load demo data, serve on :8000 with Celery
#   make test  — install what is missing, run every test
SHELL := /bin/bash
PY := .venv/bin/python
MANAGE := $(PY) manage.py

.PHONY: run test setup system venv env db engine migrate seed serve worker beat lint fmt schema ci bench

run: setup migrate seed
	@echo
	@echo "  MatchUp is starting on http://127.0.0.1:8000  (Ctrl-C stops web, worker and beat)"
	@echo "  Log in as demo@matchup.example / meet-people-2026   ·  admin: admin@matchup.example / meet-people-2026"
	@echo "  Emails are written to var/mail/"
	@echo
	.venv/bin/honcho -f scripts/Procfile -d . start

test: setup
	$(PY) -m pytest

ci: test

setup: system venv env db engine

system:
	@scripts/install-system.sh

venv:
	@scripts/install-venv.sh

env:
	@test -f .env || cp .env.example .env
	@mkdir -p var/mail

# The matching engine's compiled kernels: built once (~1 min), then loaded from numba's cache.
engine: venv
	@$(PY) -c "from apps.matching.engine import load_compiled_code; load_compiled_code()"

db: venv env
	@$(MANAGE) ensure_database

migrate:
	$(MANAGE) migrate --no-input
	$(MANAGE) collectstatic --no-input -v 0

seed:
	$(MANAGE) seed_demo --if-empty

serve:
	$(MANAGE) runserver 127.0.0.1:8000

worker:
	.venv/bin/celery -A matchup worker -l info -Q celery,notifications,venues,matching

beat:
	.venv/bin/celery -A matchup beat -l info

lint:
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

fmt:
	.venv/bin/ruff check --fix .
	.venv/bin/ruff format .

schema:
	$(MANAGE) spectacular --file docs/openapi.yaml --validate --fail-on-warn

# Each benchmark builds its own database; see README "Measured" for the options of each.
bench:
	@for b in tests/bench/bench_*.py; do echo "== $$b"; $(PY) -m tests.bench.$$(basename $$b .py) || exit 1; done
