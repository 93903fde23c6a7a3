"""Fixtures of the browser tests: a JupyterLab per module on a copy of the course, a browser, a page per test.

The browser is the system's Chromium (Debian's ``chromium`` package, which
``.ci/run`` installs), driven by Playwright; Playwright never downloads a
browser of its own. Without Chromium the tests fail and say how to install it.
Each test's page is saved as a screenshot under ``test-artifacts/screenshots/``
when the test ends, pass or fail.
"""

from __future__ import annotations

import contextlib
import pathlib

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.browser.course_copy import lab_on_a_copy
from tests.browser.jupyterlab import SCREENSHOTS, screenshot_name

CHROMIUM = pathlib.Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
VIEWPORT = {"width": 1400, "height": 1000}
#: The longest a page step or an expectation may wait: generous for a loaded 2-core machine, but bounded.
TIMEOUT_MS = 60_000
expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """One JupyterLab per test module, on its own copy of the course."""
    with lab_on_a_copy(tmp_path_factory) as server:
        yield server


@pytest.fixture(scope="module")
def browser_context(tmp_path_factory):
    """Headless Chromium with a fresh profile, one per test module."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (`apt-get install -y chromium`, "
                    "as .ci/run does); the browser tests cannot run without it")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS, viewport=VIEWPORT,
        )
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def page(browser_context, request):
    """A new tab; when the test ends its last state is saved as ``test-artifacts/screenshots/<test>.png``.

    The server's kernels are shut down after the test, so a module's notebooks do not pile up in memory.
    """
    tab = browser_context.new_page()
    tab.set_default_timeout(TIMEOUT_MS)
    try:
        yield tab
    finally:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(Exception):  # a crashed page must not hide the test's own failure
            tab.screenshot(path=str(SCREENSHOTS / f"{screenshot_name(request.node.name)}.png"))
        tab.close()
        if "lab" in request.fixturenames:
            request.getfixturevalue("lab").stop_kernels()
