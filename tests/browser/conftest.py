"""Headless Chromium for the browser tests: Debian's /usr/bin/chromium driven by Playwright for Python.

The browser comes from the system (``make test`` installs Debian's ``chromium`` when it can); Playwright's own
browser download is never used. Without Chromium or Playwright the tests are skipped with the reason and the fix,
unless ``FOLLOWTHROUGH_BROWSER_TESTS=required`` (then they fail, so a CI machine cannot skip them by accident).

Each test gets a fresh browser context (no cookies, no local storage) at 1440x900. A failing test leaves a
screenshot of its page in ``test-output/<test name>.png``, and any JavaScript error on the page fails the test.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sandbox.processes import REPO

CHROMIUM = Path(os.environ.get("FOLLOWTHROUGH_CHROMIUM", "/usr/bin/chromium"))
OUTPUT = REPO / "test-output"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
INSTALL_HINT = (
    "install Debian's browser with `sudo apt-get install --no-install-recommends chromium chromium-driver` "
    "(`make test` does this when it runs as root), or point FOLLOWTHROUGH_CHROMIUM at a Chromium binary"
)


def _unavailable(reason: str) -> None:
    if os.environ.get("FOLLOWTHROUGH_BROWSER_TESTS") == "required":
        pytest.fail(f"browser tests are required here, but {reason}", pytrace=False)
    pytest.skip(reason)


# Package scope, not session: Playwright's sync API keeps an event loop running in this thread while it is open,
# and tests elsewhere call asyncio.run(), which refuses to start inside a running loop.
@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        _unavailable(f"no Chromium at {CHROMIUM}: {INSTALL_HINT}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright for Python is not installed: `pip install -e '.[dev]'` (or `make install`)")
    with sync_playwright() as playwright:
        # launch() gives the browser a fresh, empty user data dir of its own and removes it on close.
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> pytest.TestReport:
    report: pytest.TestReport = yield
    if report.when == "call":
        item.ft_call_failed = report.failed  # read by the page fixture to keep a screenshot
    return report


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-US")
    context.set_default_timeout(10_000)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    try:
        yield tab
    finally:
        if getattr(request.node, "ft_call_failed", False):
            OUTPUT.mkdir(exist_ok=True)
            shot = OUTPUT / (re.sub(r"[^\w.-]+", "_", request.node.name) + ".png")
            try:
                tab.screenshot(path=str(shot), full_page=True)
                print(f"screenshot of the page: {shot}")
            except Exception as exc:  # the page may be what broke; the test's own failure is what matters
                print(f"no screenshot: {exc}")
        context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"
