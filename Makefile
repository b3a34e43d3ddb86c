# perfeval developer tasks (GNU make).
#
#   make venv            create .venv and sync it to requirements-dev.lock (exact pins, hashes)
#   make lock            re-resolve pyproject.toml into requirements-dev.lock and requirements.lock;
#                        run it after editing dependencies; LOCK_ARGS=--upgrade (or
#                        LOCK_ARGS='--upgrade-package django') moves pins forward
#   make test            run the test suite (checks system packages incl. Chromium first)
#   make run             migrate, load demo data and start the dev server on 127.0.0.1:$(PORT)
#   make messages        compile locale/ translations (if any)
#   make lint            ruff check + ruff format --check
#   make bench           run scripts/bench.py (exports, SQLite) and scripts/bench_concurrency.py
#                        (20 concurrent saves and a restart, on PostgreSQL: BENCH_POSTGRES_URL)
#                        and scripts/bench_scale.py (the pages at 100 and 10,000 sheets, PostgreSQL;
#                        BENCH_SCALE_SHEETS=1000 for a smaller one, BENCH_SCALE=0 skips it)
#   make clean           remove .venv, db.sqlite3 and staticfiles

PYTHON ?= python3
VENV = .venv
PORT ?= 8000
PYTEST_ARGS ?=

# uv resolves and installs from the lock files; it lives in .venv at this exact version.
UV_VERSION ?= 0.13.9
LOCK_ARGS ?=

PY = $(VENV)/bin/python
PIP = $(VENV)/bin/pip
UV = $(VENV)/bin/uv
LINT_PATHS = perfeval projects indicators tests
# DEBUG is off unless asked for; the development server and compiling translations ask for it
# (the test suite runs with DEBUG off, as production does: tests/settings.py).
DEV = DJANGO_DEBUG=$${DJANGO_DEBUG:-true}

# requirements-dev.lock: runtime + dev extra, what .venv (make test, CI) gets.
# requirements.lock: runtime + prod extra (gunicorn), what the Docker image gets; constrained
# by the dev lock, so every package the two share is at the same version in both.
DEV_LOCK = requirements-dev.lock
RUNTIME_LOCK = requirements.lock
LOCK_FLAGS = --universal --python-version 3.11 --generate-hashes \
	--custom-compile-command 'make lock' --quiet $(LOCK_ARGS)

.PHONY: venv lock sysdeps sysdeps-browser messages test run bench lint clean

# Recipe lines: .venv with uv $(UV_VERSION) in it (pip installs uv only when it is missing
# or at another version).
define ensure-uv
@test -x $(PY) || $(PYTHON) -m venv $(VENV)
@case "$$($(UV) --version 2>/dev/null)" in \
	"uv $(UV_VERSION)"|"uv $(UV_VERSION) "*) ;; \
	*) $(PIP) install -q 'uv==$(UV_VERSION)' ;; \
esac
endef

venv: $(VENV)/.installed

# `uv pip sync` makes .venv exactly the lock: it removes packages that are not in it (it keeps
# pip, setuptools and uv itself) and checks every wheel against its hash. The project itself
# is not installed: pytest imports it through `pythonpath`, manage.py runs from the checkout.
$(VENV)/.installed: $(DEV_LOCK)
	$(ensure-uv)
	$(UV) pip sync --python $(PY) --require-hashes $(DEV_LOCK)
	@touch $@

lock:
	$(ensure-uv)
	$(UV) pip compile pyproject.toml --extra dev $(LOCK_FLAGS) -o $(DEV_LOCK)
	$(UV) pip compile pyproject.toml --extra prod -c $(DEV_LOCK) $(LOCK_FLAGS) -o $(RUNTIME_LOCK)

sysdeps:
	@bash scripts/sysdeps.sh

sysdeps-browser:
	@bash scripts/sysdeps.sh --browser

# Compile translations only once the project has a locale/ directory (.venv is skipped).
messages: venv sysdeps
	@if [ -d locale ]; then $(DEV) $(PY) manage.py compilemessages --ignore=$(VENV); fi

# Playwright (from the lock) drives Debian's /usr/bin/chromium; never run `playwright install`.
test: venv sysdeps-browser
	@if [ -d locale ]; then $(DEV) $(PY) manage.py compilemessages --ignore=$(VENV); fi
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# The task worker (batch exports) runs beside the server and stops with it.
run: venv sysdeps messages
	$(DEV) $(PY) manage.py migrate --noinput
	$(DEV) $(PY) manage.py load_demo
	@echo "Log in with a demo account (password Perfeval-Demo-2026), then the second factor: the"
	@echo "current code of an account:  $(DEV) $(PY) manage.py totp_code <username>"
	@echo "(demo-only TOTP keys, listed in README.md, e.g. filler PERFEVALDEMOFILLERAAAAAAAAAAAAAA)"
	@$(DEV) $(PY) manage.py db_worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(DEV) $(PY) manage.py runserver 127.0.0.1:$(PORT)

bench: venv
	@if [ -f scripts/bench.py ]; then \
		$(PY) scripts/bench.py && $(PY) scripts/bench_concurrency.py \
			&& $(PY) scripts/bench_scale.py; \
	else \
		echo "make bench: no benchmark exists yet (scripts/bench.py is missing)" >&2; \
		exit 1; \
	fi

lint: venv
	$(VENV)/bin/ruff check $(LINT_PATHS)
	$(VENV)/bin/ruff format --check $(LINT_PATHS)

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
