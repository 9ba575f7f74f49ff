# The two commands: `make run` and `make test`. Everything else is a helper of theirs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test test-later lint install translations messages setup bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (set PYTHON=python3.11)")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

# The UI's Japanese and Korean catalogs, compiled from locale/*/LC_MESSAGES/*.po when stale.
translations: install
	$(BIN)/python -m config.translations

# After marking strings for translation: refresh locale/*/LC_MESSAGES/django.po (needs gettext's xgettext).
messages: install
	$(BIN)/python manage.py makemessages --locale=ja --locale=ko --no-location --no-obsolete \
		--ignore='var/*' --ignore='tests/*' --ignore='bench/*' --ignore='devtools/*' --ignore='content/*'

setup: translations
	@mkdir -p var
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py sync_content
	$(BIN)/python manage.py create_signing_key --if-missing
	$(BIN)/python manage.py setup_dev
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0

# `make run DEV=1`: Django's reloading development server with DEBUG on instead of gunicorn.
run: setup
	$(BIN)/python -m config.devserver $(if $(DEV),--dev,)

test: translations lint
	$(BIN)/python -m pytest

# The suite 400 days from now: finds a test that would start failing once a date it pins has passed.
test-later: translations lint
	CERTIFY_TEST_CLOCK_DAYS=400 $(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

bench: install
	$(BIN)/python bench/demo_throughput.py
	$(BIN)/python bench/grading_integrity.py
	$(BIN)/python bench/certificates.py
	$(BIN)/python bench/injection_scan.py

clean:
	rm -rf var .pytest_cache
