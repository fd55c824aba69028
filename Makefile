# govhall — the README's commands. Needs only python3 (3.11+) and make.
PYTHON3 ?= python3
VENV    := .venv
UV      := $(VENV)/bin/uv
PY      := $(VENV)/bin/python
SYNCED  := $(VENV)/.synced
FONTS   := $(VENV)/.fonts
HOST    ?= 127.0.0.1
PORT    ?= 8000

.PHONY: run test setup migrate demo lint format openapi bench bench-pg clean

$(UV):
	$(PYTHON3) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check uv==0.13.8

# Installs exactly the locked versions (uv.lock); re-runs when the lock changes.
$(SYNCED): $(UV) pyproject.toml uv.lock
	$(UV) sync --locked --inexact --quiet
	@touch $(SYNCED)

# The bundled CJK font's Regular and Bold, made once from its variable font (docs/pdf.md); ~20 s.
$(FONTS): $(SYNCED)
	$(PY) -m govhall.core.pdf
	@touch $(FONTS)

setup: $(SYNCED) $(FONTS)

migrate: setup
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable

# The demo's third-party locker network point (全城通港-style) is served by the network's local
# stand-in; a deployment names its own channels (docs/lockers.md). An exported setting wins.
DEMO_ENV := GOVHALL_DELIVERY_PROVIDERS=$${GOVHALL_DELIVERY_PROVIDERS:-window,ems,electronic,locker,locker_network_local}

demo: migrate
	$(DEMO_ENV) $(PY) manage.py load_demo

run: demo
	@echo
	@echo "govhall is serving on http://$(HOST):$(PORT)/  (admin: http://$(HOST):$(PORT)/admin/, API docs: http://$(HOST):$(PORT)/api/v1/docs)"
	@echo
	$(DEMO_ENV) $(PY) manage.py runserver $(HOST):$(PORT) --noreload

test: setup
	$(PY) -m pytest

# ruff, then the apps' layers and cycles (lint-imports: [tool.importlinter] in pyproject.toml)
lint: setup
	$(VENV)/bin/ruff check src bench tests scripts conftest.py
	$(VENV)/bin/ruff format --check src bench tests scripts conftest.py
	$(VENV)/bin/lint-imports --no-cache --no-logo

format: setup
	$(VENV)/bin/ruff format src bench tests scripts
	$(VENV)/bin/ruff check --fix src bench tests scripts

openapi: setup
	$(PY) manage.py write_openapi

bench: setup
	$(PY) bench/catalog_search.py
	$(PY) bench/submit.py
	$(PY) bench/lockers.py
	$(PY) bench/bundles.py
	$(PY) bench/queue_calls.py
	$(PY) bench/sweep.py --cases 200000
	$(PY) bench/stats.py --cases 200000

# The same on PostgreSQL: DATABASE_URL=postgres://user:password@host:5432/name make bench-pg
# (the million-case loader, COPY, runs first; the sweep and the statistics reuse its cases)
bench-pg: setup
	@test -n "$(DATABASE_URL)" || { echo "bench-pg needs DATABASE_URL=postgres://…"; exit 2; }
	$(PY) bench/catalog_search.py
	$(PY) bench/submit.py
	$(PY) bench/lockers.py
	$(PY) bench/bundles.py
	$(PY) bench/queue_calls.py
	$(PY) bench/million.py --cases 1000000
	$(PY) bench/sweep.py --cases 1000000
	$(PY) bench/stats.py --cases 1000000
	$(PY) bench/filing.py

clean:
	rm -rf $(VENV) var/test-*.sqlite3*

# Issue 13's CI checks, also by hand (docs/security.md, "Fuzzing, durability and dependencies"):
# schemathesis against a throw-away server as anonymous, an applicant and a clerk
# (FUZZ_SECONDS per caller; FUZZ_SEED=random for a new seed), pip-audit over uv.lock (fails
# where no vulnerability service answers), and the long durability run (kill -9 while
# applicants file cases, for MINUTES; the short one is tests/durability, in make test).
.PHONY: fuzz audit durability
FUZZ_SECONDS ?= 60
FUZZ_SEED ?= 13
MINUTES ?= 10

fuzz: setup
	$(PY) scripts/fuzz_api.py --seconds $(FUZZ_SECONDS) --seed $(FUZZ_SEED)

audit: setup
	$(PY) scripts/audit.py --require

durability: setup
	$(PY) scripts/durability.py --minutes $(MINUTES)

# Issue 18 (docs/deployment.md): two nodes on PostgreSQL, Redis and S3 (moto) with an RQ
# worker, and the backup/restore drill. Need redis-server (apt) and DATABASE_URL=postgres://…
.PHONY: multinode restore-drill
multinode: setup
	@test -n "$(DATABASE_URL)" || { echo "multinode needs DATABASE_URL=postgres://…"; exit 2; }
	$(PY) scripts/multinode.py

restore-drill: setup
	@test -n "$(DATABASE_URL)" || { echo "restore-drill needs DATABASE_URL=postgres://…"; exit 2; }
	$(PY) scripts/restore_drill.py
