"""grading.feedback.HideHiddenTests: the hidden tests and their tracebacks never reach the feedback."""

from __future__ import annotations

from nbformat.v4 import new_code_cell, new_notebook, new_output

from grading.feedback import HideHiddenTests, error_summary

TEST_SOURCE = '''"""Check f."""
assert f(1) == 2, "f(1) should be 2"
### BEGIN HIDDEN TESTS
assert f(40) == 41, "hidden check: a large input"
### END HIDDEN TESTS'''
TRACEBACK = [
    "AssertionError   Traceback (most recent call last)",
    '----> 4 assert f(40) == 41, "hidden check: a large input"',
    "AssertionError: hidden check: a large input",
]


def failed(source: str, grade: bool, message: str = "hidden check: a large input"):
    """A code cell whose run ended in an AssertionError with ``message``."""
    cell = new_code_cell(source)
    cell.metadata["nbgrader"] = {"grade": grade, "solution": False, "grade_id": "test_f", "points": 1}
    cell.outputs = [new_output("error", ename="AssertionError", evalue=message, traceback=list(TRACEBACK))]
    return cell


def scrub(*cells):
    notebook, _ = HideHiddenTests().preprocess(new_notebook(cells=list(cells)), {})
    return notebook.cells


def test_hidden_region_leaves_the_source_and_the_traceback_keeps_only_its_message():
    (cell,) = scrub(failed(TEST_SOURCE, grade=True))
    assert "f(40)" not in cell.source and "HIDDEN TESTS" not in cell.source
    assert 'assert f(1) == 2, "f(1) should be 2"' in cell.source
    assert cell.outputs[0].traceback == ["AssertionError: hidden check: a large input"]


def test_cells_without_hidden_tests_keep_their_full_traceback():
    visible = 'assert f(1) == 2, "f(1) should be 2"'
    (cell,) = scrub(failed(visible, grade=True, message="f(1) should be 2"))
    assert cell.source == visible
    assert cell.outputs[0].traceback == TRACEBACK


def test_an_error_without_a_message_is_summarised_by_its_name():
    output = new_output("error", ename="NotImplementedError", evalue="", traceback=[])
    assert error_summary(output) == "NotImplementedError"
