# Troupe: `make run` starts the platform, `make test` runs the whole suite. Both set everything up.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
export DJANGO_SETTINGS_MODULE := platform_core.settings

.PHONY: run test setup venv i18n kernels browser migrate lint clean

run: setup migrate
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py serve

test: setup browser
	$(BIN)/ruff check .
	$(BIN)/python tools/check_size.py
	$(BIN)/python -m pytest $(PYTEST_ARGS)

setup: $(INSTALLED) i18n kernels

# The export's compiled passes (numba), compiled once here instead of in the first build.
kernels: $(INSTALLED)
	$(BIN)/python -c "import exports.build.kernels.batch_curation as curation, exports.build.kernels.binary_copy as binary_copy, exports.build.kernels.examples as examples; curation.warm_up(); binary_copy.warm_up(); examples.warm_up()"

$(INSTALLED): requirements/base.txt requirements/dev.txt
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements/dev.txt
	touch $(INSTALLED)

i18n: $(INSTALLED)
	@command -v msgfmt >/dev/null || { [ "$$(id -u)" = 0 ] && (apt-get update -qq && apt-get install -y -qq gettext >/dev/null); } || { echo "msgfmt (GNU gettext) is needed to compile translations"; exit 1; }
	$(BIN)/python manage.py compilemessages --ignore=.venv --verbosity 0

# Debian's Chromium for the real-browser tests (Playwright drives it; it never downloads a browser).
browser:
	@test -x /usr/bin/chromium || { [ "$$(id -u)" = 0 ] && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || echo "Chromium is not installed: browser tests will be skipped."

migrate: $(INSTALLED)
	$(BIN)/python manage.py migrate --noinput

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/python tools/check_size.py

clean:
	rm -rf $(VENV) var
