# LFS158 Tutor. The two commands a newcomer needs: `make run` and `make test`.
# Each does all of its own set-up on a fresh machine.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export TUTOR_CACHE_DIR ?= $(HOME)/.cache/lfs158-tutor

.DEFAULT_GOAL := help
.PHONY: help run setup test test-deps bench-deps lint check pytest cluster-up cluster-down \
        cluster-status bench clean lock hostile editor-bundle messages translations

help:
	@echo "make run          serve the tutor on http://127.0.0.1:$(PORT) with a Celery worker"
	@echo "make test         install everything the tests need, then lint, checks and the whole suite"
	@echo "make cluster-up   start the local Kubernetes control plane (prints the kubeconfig path last)"
	@echo "make cluster-down stop it and remove its state"
	@echo "make bench        run the benchmarks"
	@echo "make hostile      the hostile-input suite alone (also part of make test)"
	@echo "make translations refresh locale/*/django.po and djangojs.po from the code (then translate)"
	@echo "make editor-bundle rebuild static/vendor/codemirror-*.bundle.min.js from its npm lockfile"

# The virtual environment, from the lock files (exact versions, checked hashes),
# reinstalled whenever they change. `make lock` rewrites them from pyproject.toml.
$(VENV)/.installed-run: requirements/base.txt pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-hashes -r requirements/base.txt
	$(PY) -m pip install --quiet --no-deps -e .
	@touch $@

$(VENV)/.installed-dev: requirements/dev.txt $(VENV)/.installed-run
	$(PY) -m pip install --quiet --require-hashes -r requirements/dev.txt
	@touch $@

# The lock files, resolved for every platform and Python >= 3.11 (uv, from PyPI).
lock: $(VENV)/.installed-run
	$(PY) -m pip install --quiet "uv>=0.13"
	$(VENV)/bin/uv pip compile pyproject.toml --extra postgres --generate-hashes --universal \
	  --python-version 3.11 --quiet -o requirements/base.txt
	$(VENV)/bin/uv pip compile pyproject.toml --extra postgres --extra dev --generate-hashes \
	  --universal --python-version 3.11 --quiet -o requirements/dev.txt

setup: $(VENV)/.installed-run messages
	$(PY) manage.py migrate --no-input -v 0
	$(PY) manage.py load_content
	$(PY) manage.py collectstatic --no-input -v 0
	$(PY) manage.py ensure_learner --url http://127.0.0.1:$(PORT)

run: setup
	PORT=$(PORT) VENV=$(VENV) scripts/run.sh

# System packages the test suite drives for real: Redis, PostgreSQL, Debian's
# Chromium (never a downloaded browser), openssl, node and npm (for axe-core, below);
# `make bench` adds wrk.
SYSTEM_PACKAGES = redis-server:redis-server chromium:chromium openssl:openssl initdb:postgresql \
                  node:nodejs npm:npm
BENCH_PACKAGES = wrk:wrk
# msgfmt compiles the translations (locale/*/LC_MESSAGES/django.po) for `make run` and tests.
I18N_PACKAGES = msgfmt:gettext

define install_missing
	@missing=""; \
	for pair in $(1); do \
	  command=$${pair%%:*}; package=$${pair##*:}; \
	  if [ "$$command" = initdb ]; then \
	    ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null || missing="$$missing $$package"; \
	  else \
	    command -v $$command >/dev/null || missing="$$missing $$package"; \
	  fi; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing system packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -q && $$SUDO apt-get install -y -q --no-install-recommends $$missing; \
	fi
endef

# The compiled translations (.mo, build outputs, not committed), rebuilt when a .po is newer.
messages: $(VENV)/.installed-run
	$(call install_missing,$(I18N_PACKAGES))
	$(PY) manage.py compilemessages -v 0 --ignore '.venv' --ignore 'var' --ignore 'node_modules'

# axe-core, pinned by tests/browser/axe/package-lock.json, into $(TUTOR_CACHE_DIR): the browser
# tests inject it into the pages they check (never served to users, never from a CDN).
# After marking new words ({% translate %}, gettext(), _() in engine/, gettext() in
# static/js/): refresh both catalogues, then fill in the empty msgstr lines (content/README.md).
MAKEMESSAGES_IGNORE = --ignore '.venv/*' --ignore 'var/*' --ignore 'tests/*' --ignore 'content/*' \
	--ignore 'node_modules/*' --ignore 'cluster/*' --ignore 'bench/*'
translations: $(VENV)/.installed-run
	$(call install_missing,$(I18N_PACKAGES))
	$(PY) manage.py makemessages -l es --no-location --no-obsolete $(MAKEMESSAGES_IGNORE) --ignore 'static/*'
	$(PY) manage.py makemessages -d djangojs -l es --no-location --no-obsolete $(MAKEMESSAGES_IGNORE) \
	  --ignore 'static/vendor/*' --ignore 'staticfiles/*' --ignore 'tests/*'

test-deps: messages
	$(call install_missing,$(SYSTEM_PACKAGES))
	@bash tests/browser/axe/install.sh >/dev/null

bench-deps: test-deps
	$(call install_missing,$(BENCH_PACKAGES))

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy tutor lti classes exams labs quizzes exercises lessons workspaces accounts core engine kube cluster
	$(VENV)/bin/lint-imports

check: $(VENV)/.installed-dev
	$(PY) manage.py check --fail-level WARNING
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py check_content
	$(PY) manage.py check_content --root tests/fixtures/course

pytest: $(VENV)/.installed-dev messages
	$(PY) -m pytest

# The cluster comes up before the suite and goes down after it, pass or fail.
# After the suite, the classroom suite runs again on PostgreSQL and Redis
# (scripts/classroom-tests.sh starts both and stops them, pass or fail).
test: $(VENV)/.installed-dev test-deps lint check
	@$(MAKE) --no-print-directory cluster-up
	@status=0; $(PY) -m pytest || status=$$?; \
	PY=$(PY) bash scripts/classroom-tests.sh || status=$$?; \
	$(MAKE) --no-print-directory cluster-down; exit $$status

cluster-up:
	bash cluster/build.sh
	$(PYTHON) cluster/cluster.py up

cluster-down:
	$(PYTHON) cluster/cluster.py down

cluster-status:
	$(PYTHON) cluster/cluster.py status

# Fuzz, amplification, slow clients, poison clusters: every test marked `hostile`
# (each module bounds its tests' time). No cluster needed; part of `make test` too.
hostile: $(VENV)/.installed-dev
	$(PY) -m pytest -m hostile -q

# Each benchmark starts what it measures (the tutor, Redis, PostgreSQL, the control plane).
bench: $(VENV)/.installed-dev bench-deps
	bash cluster/build.sh
	$(PY) -m bench

# The editor's CodeMirror bundle, from static/vendor/codemirror/package-lock.json (npm ci in a
# temp dir, esbuild, no install scripts). The built file is committed: `make run` needs no node.
editor-bundle:
	bash static/vendor/codemirror/build.sh

clean:
	rm -rf var .pytest_cache .ruff_cache .mypy_cache
