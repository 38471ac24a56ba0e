# Overseas Station Tracker: `make run` to use it, `make test` to check it.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
ADDRESS ?= 127.0.0.1:8000
# Exact versions from the lock files (pyproject.toml keeps the ranges; `make lock`
# re-resolves them). Reinstall only when a lock file changes, so a second
# `make run` is fast.
LOCK := requirements.lock
TEST_LOCK := requirements-test.lock
DEPS := $(VENV)/.deps-$(shell cat pyproject.toml $(LOCK) | cksum | cut -d' ' -f1)
TEST_DEPS := $(VENV)/.test-deps-$(shell cat pyproject.toml $(TEST_LOCK) | cksum | cut -d' ' -f1)
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test install lint format serve bench clean lock

$(PY):
	$(PYTHON) -m venv $(VENV)

$(DEPS): $(PY) pyproject.toml $(LOCK)
	$(PY) -m pip install --quiet -r $(LOCK)
	$(PY) -m pip install --quiet --no-deps -e .
	rm -f $(VENV)/.deps-*
	touch $@

$(TEST_DEPS): $(PY) pyproject.toml $(TEST_LOCK)
	$(PY) -m pip install --quiet -r $(TEST_LOCK)
	$(PY) -m pip install --quiet --no-deps -e .
	rm -f $(VENV)/.test-deps-* $(VENV)/.deps-*
	touch $@ $(DEPS)

## lock: re-resolve the exact versions in the lock files from pyproject.toml's ranges
lock: $(PY)
	$(PY) -m pip install --quiet pip-tools
	$(VENV)/bin/pip-compile --quiet --strip-extras --allow-unsafe --no-emit-index-url \
		--no-emit-find-links -o $(LOCK) pyproject.toml
	$(VENV)/bin/pip-compile --quiet --strip-extras --allow-unsafe --no-emit-index-url \
		--no-emit-find-links --extra test -o $(TEST_LOCK) pyproject.toml

install: $(DEPS)

## run: set up, migrate, seed an empty database and serve http://127.0.0.1:8000/
run: $(DEPS)
	DJANGO_DEBUG=1 $(PY) manage.py migrate --noinput
	DJANGO_DEBUG=1 $(PY) manage.py seed --if-empty
	DJANGO_DEBUG=1 $(PY) manage.py runserver $(ADDRESS)

## test: linters and the whole test suite (PostgreSQL when DATABASE_URL says so)
test: $(TEST_DEPS)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DJANGO_SECRET_KEY=test-only-secret-key-$(shell date +%s)-not-for-production \
	DJANGO_DEBUG=0 $(VENV)/bin/pytest $(PYTEST_ARGS)

lint: $(TEST_DEPS)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(TEST_DEPS)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## serve: production under gunicorn (DJANGO_DEBUG=0) at http://$(ADDRESS)/; plain http unless told
# A secret key made once and kept out of git, unless DJANGO_SECRET_KEY is given.
.secret-key:
	umask 077 && $(PY) -c "import secrets; print(secrets.token_urlsafe(64))" > $@

# Plain http on the loopback address by default; behind a TLS proxy, run it
# with DJANGO_SECURE_SSL_REDIRECT=1 DJANGO_SECURE_COOKIES=1 DJANGO_BEHIND_PROXY=1.
serve: export DJANGO_DEBUG := 0
serve: export DJANGO_SECRET_KEY ?= $(shell cat .secret-key 2>/dev/null)
serve: export DJANGO_SECURE_SSL_REDIRECT ?= 0
serve: export DJANGO_SECURE_COOKIES ?= 0
serve: export GUNICORN_BIND ?= $(ADDRESS)
serve: $(DEPS) .secret-key
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) manage.py migrate --noinput
	$(VENV)/bin/gunicorn --config config/gunicorn.py

## bench: 20,000 synthetic stations under gunicorn against Datasette, a load test, then imports at scale (bench/bench_import.py; BENCH_POSTGRES_URL adds PostgreSQL) and hostile files (bench/hostile_sheets.py); writes bench/results.md
# BENCH_ARGS=--quick for a small run. Datasette goes into bench/work/venv-datasette, not .venv.
bench: $(DEPS)
	$(PY) bench/run.py --load $(BENCH_ARGS)
	$(PY) bench/bench_import.py --output bench/results.md $(BENCH_IMPORT_ARGS)
	$(PY) bench/hostile_sheets.py --output bench/results.md

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
