"""`make lab` starts no work that a course session does not use (see jupyter-config/README.md).

The start-up figure itself is `make bench`'s; these tests check the causes it
rests on: the course's Jupyter settings reach the server and the page, a user's
own settings still win over them, a page loaded in a browser asks nothing of the
language server that is off, and neither the server nor a lesson's first import
loads a library it does not use.
"""

import json
import re
import subprocess
import sys
import urllib.parse

import pytest
from playwright.sync_api import sync_playwright

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS
from tests.browser.jupyterlab import open_notebook
from tests.lab_server import running_lab
from tools.doctor import START_PATH


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """`make lab` on the repository with a fresh (empty) Jupyter configuration, as a new learner has."""
    with running_lab(tmp_path_factory.mktemp("lab")) as server:
        yield server


def page_config(lab) -> dict:
    """The configuration JupyterLab's page starts from (embedded in the page as JSON)."""
    status, body = lab.get("/lab/tree/course/01-start-here.ipynb")
    assert status == 200
    found = re.search(rb'<script id="jupyter-config-data" type="application/json">(.*?)</script>', body, re.S)
    assert found, "no page configuration in JupyterLab's page"
    return json.loads(found.group(1))


def test_the_page_does_not_ask_whether_jupyterlab_needs_a_build(lab):
    config = page_config(lab)
    assert config["buildCheck"] is False
    assert config["buildAvailable"] is False


def test_the_page_neither_checks_for_updates_nor_asks_about_news(lab):
    status, body = lab.get("/lab/api/settings/@jupyterlab/apputils-extension:notification")
    assert status == 200
    defaults = {name: spec["default"] for name, spec in json.loads(body)["schema"]["properties"].items()}
    assert defaults["checkForUpdates"] is False
    assert defaults["fetchNews"] == "false"


def test_the_language_server_extension_is_off_and_nbgrader_is_on(lab):
    assert lab.get("/lsp/status")[0] == 404
    assert "jupyter_lsp" not in lab.log()
    for extension in ("formgrader", "assignment_list", "course_list", "validate_assignment"):
        assert f"nbgrader.server_extensions.{extension} | extension was successfully loaded" in lab.log()


def test_a_page_load_asks_nothing_of_the_language_server(tmp_path):
    """The front end's language-server plugins are off too, so the page never asks the server for /lsp/status."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (`apt-get install -y chromium`)")
    requested, console_errors = [], []
    # A server of its own: the shared one's log holds another test's own request for /lsp/status.
    with running_lab(tmp_path) as lab, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            page.on("request", lambda request: requested.append(urllib.parse.urlsplit(request.url).path))
            page.on("console", lambda message: message.type == "error" and console_errors.append(message.text))
            open_notebook(page, lab, START_PATH)
        finally:
            browser.close()
        log = lab.log()

    assert "/api/kernels" in " ".join(requested), "the page did not load the notebook"
    assert [path for path in requested if path.startswith("/lsp/")] == []
    assert "/lsp/" not in log
    # A plugin that needs the language-server plugins would fail to activate without them.
    assert [text for text in console_errors if "activat" in text] == []


def test_an_option_on_the_command_line_wins_over_the_courses(tmp_path):
    with running_lab(tmp_path, lab_args="--ServerApp.jpserver_extensions=jupyter_lsp=True") as server:
        status, body = server.get("/lsp/status")
    assert status == 200, body[:300]


def _modules_after(code: str, modules: tuple[str, ...]) -> list[str]:
    """Which of ``modules`` a fresh Python process holds after running ``code``."""
    probe = f"import sys\n{code}\nprint([name for name in {modules!r} if name in sys.modules])"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True)
    return json.loads(result.stdout.strip().replace("'", '"'))


def test_the_server_builds_no_iri_grammar():
    # jsonschema 4.25+ imports rfc3987_syntax, which compiles a grammar on import: see requirements.txt.
    assert _modules_after("import jupyter_server.serverapp, jsonschema", ("jsonschema", "rfc3987_syntax")) == [
        "jsonschema"
    ]


def test_a_lessons_first_import_loads_neither_pandas_nor_numpy():
    assert _modules_after("import widgets", ("widgets", "pandas", "numpy")) == ["widgets"]


def test_the_delegation_calculator_draws_without_pandas():
    code = (
        "import widgets\n"
        "calculator = widgets.DelegationCalculator()\n"
        "first_chart = calculator.chart.value\n"
        "calculator.inputs['hours_delegated'].value = 12\n"
        "assert calculator.last_error is None and calculator.chart.value != first_chart, 'the chart was not redrawn'"
    )
    assert _modules_after(code, ("matplotlib", "pandas")) == ["matplotlib"]
