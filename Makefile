# Two commands work on a fresh machine: `make demo` and `make test`. Both create .venv and install what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CHROMIUM ?= /usr/bin/chromium
BROWSER_PACKAGES := chromium chromium-driver

.PHONY: install lint format test browser-deps demo bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

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

test: lint browser-deps
	$(BIN)/python -m pytest

# `make demo DEMO_ARGS=--story` also plays the story; `DEMO_ARGS="--port 8321"` keeps the page on one address.
demo: $(STAMP)
	$(BIN)/python -m sandbox.demo $(DEMO_ARGS)

bench: $(STAMP)
	$(BIN)/python bench/eval_understanding.py
	$(BIN)/python bench/ack_latency.py
	$(BIN)/python bench/flow_latency.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info test-output
