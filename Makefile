# Ketenportal: the two commands are `make run` and `make test` (see README.md).

PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
HOST   ?= 127.0.0.1
PORT   ?= 8000
# System packages the test suite needs: the browser for end-to-end tests, the libraries and fonts
# WeasyPrint renders PDFs with, and poppler to read PDFs back.
DEB_PACKAGES := chromium chromium-driver libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
                fonts-dejavu-core poppler-utils
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test install install-dev install-bench system-packages translations messages lint format bench \
        worker beat clean screenshots

## run: set everything up and serve the portal on http://$(HOST):$(PORT) (SQLite, tasks in-process)
run: install translations
	@env -u DATABASE_URL -u REDIS_URL DJANGO_SETTINGS_MODULE=ketenportal.settings.dev \
		SITE_URL="$${SITE_URL:-http://$(HOST):$(PORT)}" \
		sh -c '$(PY) manage.py migrate --noinput -v0 && \
		       $(PY) manage.py seed_demo && \
		       echo "" && echo "Ketenportal: http://$(HOST):$(PORT)/  (stop with Ctrl+C)" && \
		       { $(PY) manage.py run_jobs --loop --interval 60 -v0 & } && \
		       exec $(PY) manage.py runserver $(HOST):$(PORT) --noreload'

## screenshots: every main page as each demo account sees it, in Dutch and English, in docs/screens/
##              (SCREENSHOT_PHONE=1 adds 375 px; SCREENSHOT_ACCOUNTS=beheerder limits the accounts)
screenshots: install-dev system-packages translations
	$(PY) scripts/screenshots.py docs/screens

## test: install what the tests need and run all of them
test: install-dev system-packages translations
	$(BIN)/pytest $(PYTEST_ARGS)

$(PY):
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed-base: requirements/base.lock | $(PY)
	$(BIN)/pip install -q -r requirements/base.lock
	@touch $@

$(VENV)/.installed-dev: requirements/dev.lock | $(PY)
	$(BIN)/pip install -q -r requirements/dev.lock
	@touch $@ $(VENV)/.installed-base

$(VENV)/.installed-bench: requirements/bench.lock | $(PY)
	$(BIN)/pip install -q -r requirements/bench.lock
	@touch $@ $(VENV)/.installed-dev $(VENV)/.installed-base

install: $(VENV)/.installed-base
install-dev: $(VENV)/.installed-dev
install-bench: $(VENV)/.installed-bench

system-packages:
	@missing=""; for p in $(DEB_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = "0" ]; then \
			echo "Installing:$$missing"; \
			DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq$$missing >/dev/null; \
		else \
			echo "The tests need these Debian packages:$$missing"; \
			echo "Install them with:  sudo apt-get install -y$$missing"; \
			exit 1; \
		fi; \
	fi

## translations: compile the Dutch catalogue (pure Python, no gettext needed)
translations: install
	@DJANGO_SETTINGS_MODULE=ketenportal.settings.dev $(PY) manage.py compiletranslations -v0

## messages: update the catalogue after changing texts (needs GNU gettext)
messages: install-dev
	DJANGO_SETTINGS_MODULE=ketenportal.settings.dev $(PY) manage.py makemessages -l nl \
		--ignore=.venv --ignore=tests --ignore=benchmarks --no-obsolete --add-location=file

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## bench: every benchmark and the load test on PostgreSQL -> benchmarks/results.json
##        (BENCHMARKS.md; BENCH="overview_tabs load_test" runs only those)
bench: install-bench system-packages translations
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/ketenportal} \
		$(PY) benchmarks/run_all.py $(BENCH)

## worker / beat: a real Celery worker and scheduler (needs REDIS_URL)
worker: install
	$(BIN)/celery -A ketenportal worker --loglevel=INFO

beat: install
	$(BIN)/celery -A ketenportal beat --loglevel=INFO

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles tmp
