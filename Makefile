# perfeval developer tasks (GNU make).
#
#   make venv            create .venv and install the project with the dev extra
#   make test            run the test suite (checks system packages incl. Chromium first)
#   make run             migrate, load demo data and start the dev server on 127.0.0.1:$(PORT)
#   make messages        compile locale/ translations (if any)
#   make lint            ruff check + ruff format --check
#   make bench           run scripts/bench.py
#   make clean           remove .venv, db.sqlite3 and staticfiles

PYTHON ?= python3
VENV = .venv
PORT ?= 8000
PYTEST_ARGS ?=

PY = $(VENV)/bin/python
PIP = $(VENV)/bin/pip
LINT_PATHS = perfeval projects indicators tests

.PHONY: venv sysdeps sysdeps-browser messages test run bench lint clean

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q -e '.[dev]'
	@touch $@

sysdeps:
	@bash scripts/sysdeps.sh

sysdeps-browser:
	@bash scripts/sysdeps.sh --browser

# Compile translations only once the project has a locale/ directory (.venv is skipped).
messages: venv sysdeps
	@if [ -d locale ]; then $(PY) manage.py compilemessages --ignore=$(VENV); fi

# Playwright drives Debian's /usr/bin/chromium; never run `playwright install`.
test: venv sysdeps-browser
	@$(PY) -c 'import playwright' 2>/dev/null || $(PIP) install -q 'playwright>=1.45'
	@if [ -d locale ]; then $(PY) manage.py compilemessages --ignore=$(VENV); fi
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# The task worker (batch exports) runs beside the server and stops with it.
run: venv sysdeps messages
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	@$(PY) manage.py db_worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

bench: venv
	@if [ -f scripts/bench.py ]; then \
		$(PY) scripts/bench.py; \
	else \
		echo "make bench: no benchmark exists yet (scripts/bench.py is missing)" >&2; \
		exit 1; \
	fi

lint: venv
	$(VENV)/bin/ruff check $(LINT_PATHS)
	$(VENV)/bin/ruff format --check $(LINT_PATHS)

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
