"""Assignment 3, "What is an hour of your time worth?": the source notebook and its committed student version.

Fast checks, no nbgrader run: the notebooks are stored clean, the points add up,
every test cell is documented and tied to one answer, the solutions agree with the
course's model of the math, and the student version gives nothing away.
"""

from __future__ import annotations

import ast
import itertools
import math
import re

import pytest

from tests.assignments.assignment_notebooks import (
    EXERCISES,
    SOLUTIONS,
    cells_where,
    function_name,
    grade_id,
    graded_function,
    hidden_test_secrets,
    imported_modules,
    is_answer_cell,
    is_manual_answer,
    is_test_cell,
    leaks,
    nbgrader,
    notebook_text,
    points,
    read,
    solution_secrets,
    split_regions,
    total_points,
    HIDDEN_TEST_MARKERS,
    SOLUTION_MARKERS,
)
from widgets import delegation

ASSIGNMENT = "03-value-of-an-hour"
SOURCE_PATH = SOLUTIONS / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
STUDENT_PATH = EXERCISES / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
CLEAN_METADATA = {
    "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
}


@pytest.fixture(scope="module")
def source():
    return read(SOURCE_PATH)


@pytest.fixture(scope="module")
def student():
    return read(STUDENT_PATH)


@pytest.fixture(scope="module")
def solved(source):
    """The namespace the source's answer cells define: the model solution's functions."""
    namespace: dict = {}
    for cell in cells_where(source, is_answer_cell):
        exec(compile(cell.source, grade_id(cell), "exec"), namespace)  # noqa: S102 - our own notebook
    return namespace


@pytest.mark.parametrize("path", [SOURCE_PATH, STUDENT_PATH], ids=["source", "student"])
def test_notebook_is_stored_without_outputs_and_with_clean_metadata(path):
    notebook = read(path)
    assert notebook.metadata == CLEAN_METADATA
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"cell {cell.get('id')} has outputs"


def test_header_states_the_total_of_all_grade_cells(source):
    header = source.cells[0].source
    stated = re.search(r"Total: (\d+(?:\.\d+)?) points", header)
    assert stated, "the first cell should state the total points"
    assert float(stated.group(1)) == total_points(source)
    assert re.search(r"\*\*Time:\*\* about \d+ minutes", header), "the header should give a time estimate"
    assert "Learning goal" in header


def test_each_question_heading_states_the_points_of_its_grade_cells(source):
    questions: list[tuple[str, float, float]] = []
    for cell in source.cells:
        heading = re.search(r"^## (Question \d+) \((\d+(?:\.\d+)?) points?\)", cell.source, re.MULTILINE)
        if cell.cell_type == "markdown" and heading:
            questions.append((heading.group(1), float(heading.group(2)), 0.0))
        elif nbgrader(cell).get("grade", False):
            assert questions, f"grade cell {grade_id(cell)!r} comes before the first question"
            name, stated, counted = questions[-1]
            questions[-1] = (name, stated, counted + points(cell))
    assert len(questions) >= 5
    for name, stated, counted in questions:
        assert stated == counted, f"{name} states {stated} points, its grade cells give {counted}"


def test_has_enough_autograded_test_cells_and_one_written_answer(source):
    assert len(cells_where(source, is_test_cell)) >= 4
    written = cells_where(source, is_manual_answer)
    assert [cell.cell_type for cell in written] == ["markdown"]
    assert points(written[0]) > 0


def test_every_test_cell_has_a_one_line_docstring_and_names_the_function_it_grades(source):
    functions = [function_name(cell) for cell in cells_where(source, is_answer_cell)]
    graded = set()
    for cell in cells_where(source, is_test_cell):
        assert re.fullmatch(r"test_[a-z0-9]+(_[a-z0-9]+)+", grade_id(cell)), grade_id(cell)
        docstring = ast.get_docstring(ast.parse(cell.source))
        assert docstring and "\n" not in docstring, f"{grade_id(cell)} needs a one-line docstring"
        assert points(cell) > 0
        graded.add(graded_function(cell, functions))
    assert graded == set(functions), "every answer should be graded by at least one test cell"


def test_every_test_cell_has_visible_asserts_with_messages_and_hidden_tests(source):
    for cell in cells_where(source, is_test_cell):
        hidden, visible = split_regions(cell.source, HIDDEN_TEST_MARKERS)
        assert hidden, f"{grade_id(cell)} has no hidden tests"
        checks = [
            node for node in ast.walk(ast.parse("\n".join(visible)))
            if isinstance(node, (ast.Assert, ast.Raise))
        ]
        assert checks, f"{grade_id(cell)} has no visible test"
        for node in checks:
            message = node.msg if isinstance(node, ast.Assert) else node.exc
            assert message is not None, f"{grade_id(cell)} line {node.lineno}: an assert needs a message"


def test_answer_cells_keep_signature_and_docstring_outside_the_solution(source, student):
    sources = {grade_id(cell): cell for cell in cells_where(source, is_answer_cell)}
    for cell in cells_where(student, is_answer_cell):
        function = ast.parse(cell.source).body[0]
        solution = ast.parse(sources[grade_id(cell)].source).body[0]
        assert isinstance(function, ast.FunctionDef) and ast.get_docstring(function)
        assert ast.dump(function.args) == ast.dump(solution.args), f"{function.name}'s signature changed"
        assert ast.get_docstring(function) == ast.get_docstring(solution)
        assert "raise NotImplementedError()" in cell.source


def test_no_cell_imports_the_course_package(source, student):
    for notebook in (source, student):
        for cell in cells_where(notebook, lambda cell: cell.cell_type == "code"):
            assert "widgets" not in imported_modules(cell.source), f"cell {cell.get('id')} imports widgets"


def test_student_version_has_no_markers_solutions_or_hidden_tests(source, student):
    text = notebook_text(student)
    for marker in SOLUTION_MARKERS + HIDDEN_TEST_MARKERS:
        assert marker.removeprefix("### ") not in text
    secrets = solution_secrets(source) | hidden_test_secrets(source)
    # The scan must have something to look for, and must find it where it is.
    assert len(secrets) >= 20
    assert leaks(secrets, notebook_text(source)) == sorted(secrets)
    assert leaks(secrets, text) == []


def test_student_version_keeps_the_written_question_open(student):
    (written,) = cells_where(student, is_manual_answer)
    assert written.source.strip() == "YOUR ANSWER HERE"


def test_solutions_reproduce_the_domain_notes_worked_examples(solved):
    assert solved["hourly_value"](50_000, 2_000) == 25  # Ferriss
    assert solved["buyback_rate"](solved["hourly_value"](200_000, 2_000)) == 25  # Martell
    assert solved["daily_cost"](100, 2) == 200  # the source article's email
    assert solved["weekly_gain"](100, 25, 10, 1, 1, 1) == 650
    assert solved["weekly_gain"](100, 25, 10, 1, 0.5, 1) == 150
    assert round(solved["payback_weeks"](1250, 650), 2) == 1.92
    assert round(solved["payback_weeks"](1250, 150), 2) == 8.33
    assert solved["payback_weeks"](1250, 0) is None


VALUES = (12.5, 40, 100)
RATES = (0, 25, 130)
HOURS = (0, 2.5, 10)
SHARES = (0, 0.5, 1)
SPEEDS = (0.5, 1, 1.5)


def test_solutions_agree_with_the_course_model(solved):
    for value in VALUES:
        assert math.isclose(solved["hourly_value"](value * 2_000, 2_000), delegation.hourly_value(value * 2_000))
        assert math.isclose(solved["buyback_rate"](value), delegation.buyback_rate(value))
        for hours in HOURS:
            assert math.isclose(solved["daily_cost"](value, hours), delegation.task_cost(value, hours).per_day)
    for args in itertools.product(VALUES, RATES, HOURS, HOURS, SHARES, SPEEDS):
        assert math.isclose(solved["weekly_gain"](*args), delegation.weekly_gain(*args), abs_tol=1e-9), args
    for cost, gain in itertools.product((0, 1250), (-40, 0, 150, 650)):
        assert solved["payback_weeks"](cost, gain) == delegation.payback_weeks(cost, gain)


@pytest.mark.parametrize("hours", [0, -2_000])
def test_solution_and_model_both_reject_a_year_without_hours(solved, hours):
    with pytest.raises(ValueError):
        solved["hourly_value"](50_000, hours)
    with pytest.raises(ValueError):
        delegation.hourly_value(50_000, hours)
