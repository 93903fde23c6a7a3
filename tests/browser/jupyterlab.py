"""What a learner does in JupyterLab, as Playwright steps: open a notebook, run it, find cells, read outputs.

Cells are found by their position: with the test settings (``windowingMode``
``none``, see ``course_copy.LAB_SETTINGS``) the page holds every cell of the
notebook, in order, so cell ``i`` of the ``.ipynb`` file is the ``i``-th
``.jp-Cell`` on the page.
"""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from tests.lab_server import ROOT, TOKEN, Lab

#: Where each test's last page, and any intermediate state worth keeping, is saved.
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"

#: How long a whole notebook may take to run (its cells, not the page).
RUN_TIMEOUT_MS = 180_000
#: Where JupyterLab shows an error or anything written to stderr.
STDERR_OUTPUT = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'
EXECUTION_INDICATOR = ".jp-NotebookPanel-toolbar .jp-Notebook-ExecutionIndicator"

# True once no cell is running and either every code cell ran or one of them failed (Run All stops there).
_RUN_FINISHED = """([notebook, stderr]) => {
    const prompts = [...notebook.querySelectorAll('.jp-CodeCell .jp-InputPrompt')].map(p => p.textContent.trim());
    if (prompts.some(p => p.includes('*'))) return false;
    return prompts.every(p => /^\\[\\d+\\]:$/.test(p)) || notebook.querySelector(stderr) !== null;
}"""


def open_lab(page: Page, lab: Lab, path: str = "") -> None:
    """Log in with the token and open JupyterLab on a fresh workspace, showing ``path`` if one is given."""
    page.goto(lab.url(f"/lab/tree/{path}?reset&token={TOKEN}" if path else f"/lab?reset&token={TOKEN}"))
    expect(page.locator(".lm-MenuBar-itemLabel").first).to_be_visible()


def open_notebook(page: Page, lab: Lab, path: str) -> Locator:
    """Open ``path`` (from the server's root) in a fresh workspace; return the notebook once its kernel is idle."""
    open_lab(page, lab, path)
    notebook = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook")
    expect(notebook.locator(".jp-Cell").first).to_be_visible()
    wait_until_idle(page)
    return notebook


def wait_until_idle(page: Page) -> None:
    """Wait until the notebook's kernel is connected and idle."""
    expect(page.locator(".jp-StatusBar-Widget").filter(has_text=re.compile(r"\|\s*Idle"))).to_have_count(1)
    expect(page.locator(EXECUTION_INDICATOR)).to_have_attribute("data-status", "idle")


def menu(page: Page, *path: str) -> None:
    """Choose a menu item, e.g. ``menu(page, "Run", "Run All Cells")``."""
    page.locator(".lm-MenuBar-itemLabel").get_by_text(path[0], exact=True).click()
    for label in path[1:]:
        page.locator(".lm-Menu:visible .lm-Menu-itemLabel").get_by_text(label, exact=True).click()


def run_all(page: Page, notebook: Locator) -> None:
    """Clear every output, run every cell from the menu and wait until the run ends (or a cell fails)."""
    menu(page, "Edit", "Clear Outputs of All Cells")
    expect(notebook.locator(".jp-OutputArea-output")).to_have_count(0)
    menu(page, "Run", "Run All Cells")
    page.wait_for_function(_RUN_FINISHED, arg=[notebook.element_handle(), STDERR_OUTPUT], timeout=RUN_TIMEOUT_MS)
    wait_until_idle(page)


def error_texts(scope: Locator) -> list[str]:
    """The text of every error or stderr output in ``scope``, and of any output that shows a traceback."""
    errors = scope.locator(STDERR_OUTPUT).all_inner_texts()
    errors += [text for text in scope.locator(".jp-RenderedText").all_inner_texts() if "Traceback" in text]
    return [text[:2000] for text in dict.fromkeys(errors)]  # an error output is both: report it once


def cell(notebook: Locator, index: int) -> Locator:
    """The ``index``-th cell (from 0) of the notebook, as in its file."""
    return notebook.locator(".jp-Cell").nth(index)


def show(target: Locator) -> None:
    """Scroll the page so that a cell's output starts at the top (for the screenshot a test leaves)."""
    target.locator(".jp-OutputArea").first.evaluate("element => element.scrollIntoView({block: 'start'})")


def run_cell(page: Page, target: Locator) -> None:
    """Select a cell, run it with Shift+Enter, and wait until the kernel is idle again."""
    target.locator(".jp-InputArea-editor").click()
    page.keyboard.press("Shift+Enter")
    expect(target.locator(".jp-InputPrompt")).to_have_text(re.compile(r"^\[\d+\]:$"))
    wait_until_idle(page)


def replace_source(page: Page, target: Locator, source: str) -> None:
    """Replace a code cell's text as a learner would: click in it, select all, type the new text.

    The text is inserted the way a paste is, so the editor does not indent the
    typed lines a second time.
    """
    target.locator(".jp-InputArea-editor .cm-content").click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(source)
    expect(target.locator(".jp-InputArea-editor .cm-content")).to_contain_text(source.splitlines()[0])


def screenshot_name(test_name: str) -> str:
    """A file name for a test: ``test_x[03-lesson.ipynb]`` becomes ``test_x-03-lesson``.

    >>> screenshot_name("test_lesson_runs[03-value-of-an-hour.ipynb]")
    'test_lesson_runs-03-value-of-an-hour'
    """
    name = test_name.replace(".ipynb", "")
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-")


def save_screenshot(page: Page, name: str) -> None:
    """Save the page as ``SCREENSHOTS/<name>.png`` (the page fixture saves each test's last state)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))
