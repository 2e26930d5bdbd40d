# Omstilling — the two commands: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
TEST_ENV := DJANGO_SETTINGS_MODULE=omstilling.settings.test

.PHONY: run test venv venv-run venv-dev seed lint worker beat clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Two stamps: what the portal needs to run (requirements.txt, as in the image), and that plus the test
# tools, linters and browser driver (requirements-dev.txt). Each is redone when its files change.
$(VENV)/.installed-run: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

venv-run: $(VENV)/.installed-run
venv-dev: $(VENV)/.installed-dev
venv: venv-dev

## make run: SQLite + Celery in-process, both programmes and demo users, http://127.0.0.1:8000
run: venv-run
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_programmes
	$(BIN)/python manage.py import_grants data/vestre_toten_2011_2012.csv --programme vestre-toten
	$(BIN)/python manage.py import_results data/vestre_toten_results_2011_2012.csv --programme vestre-toten
	$(BIN)/python manage.py seed_demo_users
	$(BIN)/python manage.py runserver 127.0.0.1:8000

## make test: the whole suite on PostgreSQL and Redis (DATABASE_URL / REDIS_URL, default local servers),
## after import-linter checks the layers (pyproject.toml); one pytest-xdist worker per core
## (TEST_WORKERS=1 for one process), each file kept on one worker
TEST_WORKERS ?= auto
test: venv-dev
	$(TEST_ENV) $(BIN)/python manage.py check_services
	$(BIN)/lint-imports
	$(TEST_ENV) $(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile

lint: venv-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## make worker: a Celery worker for the production shape (needs REDIS_URL)
worker: venv-run
	$(BIN)/celery -A omstilling worker --loglevel=info --concurrency=2

## make beat: the one process that sends the periodic tasks to the worker (needs REDIS_URL)
beat: venv-run
	$(BIN)/celery -A omstilling beat --loglevel=info

clean:
	rm -rf $(VENV) db.sqlite3 media staticfiles .pytest_cache
