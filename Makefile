# Two commands work on a fresh machine: `make demo` and `make test`. Both create .venv and install what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CHROMIUM ?= /usr/bin/chromium
BROWSER_PACKAGES := chromium chromium-driver

.PHONY: install lint format test test-fast browser-deps postgres-deps demo bench wheel image clean

# The first install takes about two minutes: it says so, then shows each package pip collects (one line each; pip's
# whole output is kept in $(VENV)/install.log, and shown in part if it fails).
$(STAMP): pyproject.toml
	@if [ -x $(BIN)/python ]; then \
		echo "Updating $(VENV): installing Followthrough and its sandbox..."; \
	else \
		echo "Setting up $(VENV) (first run only, about 2 minutes): installing Followthrough and its sandbox..."; \
		echo "  creating the virtual environment with $(PYTHON)"; \
		$(PYTHON) -m venv $(VENV) || exit 1; \
	fi
	@echo "  installing with pip (its whole output goes to $(VENV)/install.log)"
	@rm -f $(VENV)/install.failed
	@{ PYTHONUNBUFFERED=1 $(BIN)/python -m pip install --disable-pip-version-check --progress-bar off -e '.[dev]' 2>&1 \
		|| touch $(VENV)/install.failed; } | tee $(VENV)/install.log \
		| awk '/^Collecting / { print "  collecting " $$2; fflush() } /^Installing collected/ { print "  installing..."; fflush() }'
	@if [ -e $(VENV)/install.failed ]; then \
		tail -n 25 $(VENV)/install.log; echo "pip install failed; its whole output is in $(VENV)/install.log"; exit 1; \
	fi
	@touch $(STAMP)
	@echo "$(VENV) is ready."

install: $(STAMP)

# Ruff, then the layering (import-linter contracts in pyproject.toml; ARCHITECTURE.md says why).
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The browser tests drive Debian's Chromium, never a test tool's own browser download. It is installed here when it
# is missing and this may be done (root, apt-get); otherwise the browser tests are skipped and say how to install it.
browser-deps: $(STAMP)
	@if [ -x $(CHROMIUM) ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing Debian's Chromium for the browser tests (log: $(VENV)/chromium-install.log)"; \
		export DEBIAN_FRONTEND=noninteractive; \
		{ apt-get install -y -q --no-install-recommends $(BROWSER_PACKAGES) \
		  || { apt-get update -q && apt-get install -y -q --no-install-recommends $(BROWSER_PACKAGES); }; \
		} >$(VENV)/chromium-install.log 2>&1 \
		|| echo "Could not install Chromium (see $(VENV)/chromium-install.log): the browser tests will be skipped."; \
	else \
		echo "No Chromium at $(CHROMIUM), and apt-get cannot be used here: the browser tests will be skipped."; \
	fi

# The audit archive's tests start a PostgreSQL server of their own from Debian's binaries (a free port, a temporary
# directory; never the machine's own server). The package is installed here when it is missing and this may be done
# (root, apt-get), without its default cluster, so nothing is started on PostgreSQL's standard port.
postgres-deps: $(STAMP)
	@if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing Debian's PostgreSQL for the audit archive tests (log: $(VENV)/postgresql-install.log)"; \
		export DEBIAN_FRONTEND=noninteractive UCF_FORCE_CONFFOLD=1; \
		mkdir -p /etc/postgresql-common; \
		[ -e /etc/postgresql-common/createcluster.conf ] \
			|| echo 'create_main_cluster = false' >/etc/postgresql-common/createcluster.conf; \
		{ apt-get install -y -q --no-install-recommends postgresql \
		  || { apt-get update -q && apt-get install -y -q --no-install-recommends postgresql; }; \
		} >$(VENV)/postgresql-install.log 2>&1 \
		|| { echo "Could not install PostgreSQL (see $(VENV)/postgresql-install.log)."; exit 1; }; \
	else \
		echo "No PostgreSQL server binaries in /usr/lib/postgresql and apt-get cannot be used here:"; \
		echo "install Debian's postgresql package; the audit archive tests need it."; exit 1; \
	fi

# Two workers (pytest-xdist; each has its own Redis and sandbox). Work stealing: xdist's default hands each worker
# long runs of consecutive tests, so every end-to-end module landed on one worker while the other finished a minute
# and a half early; a worker out of tests now takes half of what another still has queued. The slowest 15 tests are
# listed at the end.
PYTEST_WORKERS ?= 2
PYTEST_DIST := --dist worksteal
test: lint browser-deps postgres-deps
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_DIST) --durations=15

# Lint, the pure tests and the in-process flows (tests/scenarios): no process started, no browser. Four workers: the
# flows mostly wait on sockets, not the CPU. The few flows that wait seconds of real time (retries, deadlines, the
# search lag; marked realtime) are left to `make test`.
FAST_TESTS := tests/approvals tests/understanding tests/bot tests/connectors tests/scenarios tests/test_policy_cases.py
PYTEST_FAST_WORKERS ?= 4
test-fast: lint
	$(BIN)/python -m pytest -n $(PYTEST_FAST_WORKERS) $(PYTEST_DIST) -m "not realtime" --durations=5 $(FAST_TESTS)

# `make demo DEMO_ARGS=--story` also plays the story; `DEMO_ARGS="--port 8321"` keeps the page on one address.
demo: $(STAMP)
	$(BIN)/python -m sandbox.demo $(DEMO_ARGS)

bench: $(STAMP) postgres-deps
	$(BIN)/python bench/eval_understanding.py
	$(BIN)/python bench/ack_latency.py
	$(BIN)/python bench/flow_latency.py
	$(BIN)/python bench/followthrough.py
	$(BIN)/python bench/retention.py

# The wheel in dist/ (no network: the dev environment's setuptools), and the container image (needs Docker, which
# this repository's own machines do not have: tests/test_packaging.py checks the Dockerfile and compose.yaml instead).
wheel: $(STAMP)
	$(BIN)/python -m pip wheel --no-deps --no-build-isolation --wheel-dir dist .

image:
	docker build -t followthrough:$$(sed -n 's/^__version__ = "\(.*\)"/\1/p' followthrough/__init__.py) .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info test-output
