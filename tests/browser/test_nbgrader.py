"""The graded exercise in the browser: a student answers and validates, an instructor sees the assignment.

The server serves a copy of the course in which the instructor has run
``nbgrader generate_assignment`` (so the gradebook knows the assignment), with
nbgrader's exchange in a temporary folder: nothing here touches the repository.
"""

from __future__ import annotations

import re

import nbformat
import pytest
from playwright.sync_api import expect

from tests.browser.course_copy import lab_on_a_copy, nbgrader
from tests.browser.jupyterlab import (
    cell, error_texts, menu, open_lab, open_notebook, replace_source, run_cell, show,
)
from tests.lab_server import ROOT

ASSIGNMENT = "03-value-of-an-hour"
NOTEBOOK = f"{ASSIGNMENT}/{ASSIGNMENT}.ipynb"
#: The answer the student writes, and the visible test cell that checks it (nbgrader grade ids).
ANSWER_ID = "buyback_rate"
TEST_ID = "test_buyback_rate_martell"
#: A visible test the student has not answered yet, which validation must still report as failing.
UNANSWERED_TEST_ID = "test_hourly_value_worked_examples"


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """JupyterLab on a copy of the course whose gradebook knows the assignment."""
    with lab_on_a_copy(tmp_path_factory, prepare=generate_assignment) as server:
        yield server


def generate_assignment(copy, env) -> None:
    nbgrader(copy, env, "generate_assignment", ASSIGNMENT, "--force")


def cell_index(notebook, grade_id: str) -> int:
    """The index of the cell with this nbgrader grade id."""
    for index, code in enumerate(notebook.cells):
        if code.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            return index
    raise LookupError(f"no cell has grade_id {grade_id!r}")


def solution(grade_id: str) -> str:
    """The instructor's answer for a cell, without nbgrader's solution markers."""
    source = nbformat.read(ROOT / "solutions" / NOTEBOOK, as_version=4)
    text = source.cells[cell_index(source, grade_id)].source
    return "\n".join(line for line in text.splitlines() if "### BEGIN SOLUTION" not in line
                     and "### END SOLUTION" not in line)


def question_titles(notebook) -> list[str]:
    """The questions' labels as the self-check shows them: "Question N: title", from "## Question N (P points): title"."""
    headings = [re.match(r"## Question (\d+) \(\d+ points?\): (.+)", line) for code in notebook.cells
                if code.cell_type == "markdown" for line in code.source.splitlines()]
    return [f"Question {heading[1]}: {heading[2].strip()}" for heading in headings if heading]


def question_number(notebook, index: int) -> int:
    """The number of the question that cell ``index`` belongs to: the last question heading above it."""
    above = "\n".join(code.source for code in notebook.cells[:index] if code.cell_type == "markdown")
    return int(re.findall(r"^## Question (\d+)", above, flags=re.MULTILINE)[-1])


def test_a_student_answers_runs_the_test_and_validates(page, lab):
    student = nbformat.read(lab.root / "exercises" / NOTEBOOK, as_version=4)
    notebook = open_notebook(page, lab, f"exercises/{NOTEBOOK}")
    answer, test = cell(notebook, cell_index(student, ANSWER_ID)), cell(notebook, cell_index(student, TEST_ID))

    # Unanswered, the visible test fails: it is a test that can fail.
    run_cell(page, answer)
    run_cell(page, test)
    expect(test.locator(".jp-OutputArea-output")).to_contain_text("NotImplementedError")

    replace_source(page, answer, solution(ANSWER_ID))
    run_cell(page, answer)
    run_cell(page, test)
    assert error_texts(answer) == [] and error_texts(test) == []

    page.locator(".jp-NotebookPanel-toolbar").get_by_text("Validate", exact=True).click()
    dialog = page.locator(".jp-Dialog")
    expect(dialog).to_contain_text("Validation Results", timeout=120_000)
    failed = dialog.locator("#validation-message")
    # The student's answer passes; the questions still unanswered are reported as failing.
    expect(failed).to_contain_text("The following cell failed")
    expect(failed).to_contain_text(student.cells[cell_index(student, UNANSWERED_TEST_ID)].source.splitlines()[0])
    expect(failed).not_to_contain_text(student.cells[cell_index(student, TEST_ID)].source.splitlines()[0])

    # The self-check, the notebook's last code cell: the answered question passes, the others are not attempted.
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    check = cell(notebook, max(index for index, code in enumerate(student.cells) if code.cell_type == "code"))
    run_cell(page, check)
    report = check.locator(".jp-OutputArea-output tbody tr")
    expect(report).to_have_count(len(question_titles(student)))
    answered = question_titles(student)[question_number(student, cell_index(student, ANSWER_ID)) - 1]
    expect(report.filter(has_text=answered).locator("td").nth(1)).to_have_text("passed")
    expect(report.filter(has_text="not attempted")).to_have_count(len(question_titles(student)) - 1)
    show(check)


def test_the_instructor_sees_the_assignment_in_the_formgrader(page, lab):
    open_lab(page, lab)
    menu(page, "Nbgrader", "Formgrader")
    formgrader = page.frame_locator("iframe[src$='/formgrader']")
    expect(formgrader.get_by_text("Manage Assignments").first).to_be_visible()
    row = formgrader.locator("tr", has=formgrader.get_by_role("link", name=ASSIGNMENT))
    expect(row).to_have_count(1)
    expect(row).to_contain_text(re.compile(r"draft|released"))
