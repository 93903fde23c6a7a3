"""Every lesson runs in JupyterLab without an error, and each of its calculators and self-checks appears live.

The lessons are found by glob, so a lesson added tomorrow is tested too. The
cells that must show a live widget are those whose stored output holds a
widget's static snapshot (``make lessons`` keeps it for readers without a
kernel); in the browser the same cell must show the widget itself instead.
"""

import nbformat
import pytest
from playwright.sync_api import expect

from tests.browser.jupyterlab import cell, error_texts, open_notebook, run_all, show
from tests.lab_server import ROOT

LESSONS = sorted((ROOT / "course").glob("[0-9][0-9]-*.ipynb"))
#: The CSS classes of the static snapshots of the course's widgets: calculators and self-checks.
SNAPSHOT_CLASSES = ("obm-calculator-snapshot", "self-check")


def widget_cells(notebook) -> dict[int, str]:
    """Index and snapshot class of every code cell whose stored output is a widget's snapshot."""
    found = {}
    for index, code in enumerate(notebook.cells):
        html = "".join(
            "".join(output.get("data", {}).get("text/html", "")) for output in code.get("outputs", [])
        )
        for css_class in SNAPSHOT_CLASSES:
            if f'class="{css_class}"' in html:
                found[index] = css_class
    return found


def test_the_glob_finds_the_lessons():
    assert LESSONS, f"no lesson matches {ROOT / 'course' / '[0-9][0-9]-*.ipynb'}"


@pytest.mark.parametrize("lesson", LESSONS, ids=[path.name for path in LESSONS])
def test_the_lesson_runs_without_errors_and_shows_its_widgets(page, lab, lesson):
    # The served copy's file: the repository's may have changed since the copy was made.
    stored = nbformat.read(lab.root / "course" / lesson.name, as_version=4)
    notebook = open_notebook(page, lab, f"course/{lesson.name}")
    expect(notebook.locator(".jp-Cell")).to_have_count(len(stored.cells))

    run_all(page, notebook)

    assert error_texts(notebook) == [], f"{lesson.name} shows errors in JupyterLab"
    shown = widget_cells(stored)
    for index, css_class in shown.items():
        output = cell(notebook, index).locator(".jp-OutputArea-output")
        expect(output.locator(".jupyter-widgets.widget-vbox").first).to_be_visible()
        # The snapshot is what a reader without a live kernel sees; here the live widget must win.
        expect(output.locator(f".{css_class}")).to_have_count(0)
    if shown:  # the screenshot shows the lesson's first calculator, or its first self-check
        first = min(shown, key=lambda index: (shown[index] != SNAPSHOT_CLASSES[0], index))
        show(cell(notebook, first))
