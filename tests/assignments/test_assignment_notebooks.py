"""Every assignment's source notebook and its committed student version follow the course's rules.

Fast checks, no nbgrader run, for each assignment in solutions/: the notebooks
are stored clean, the points add up, every test cell is documented and tied to
one answer, and the student version gives nothing away. What an assignment's
answers must compute is checked in its own ``test_<assignment>_answers.py``.
"""

from __future__ import annotations

import ast
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
from tools.generate_exercises import assignment_names

ASSIGNMENTS = assignment_names(SOLUTIONS.parent)
CLEAN_METADATA = {
    "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
}


@pytest.fixture(scope="module", params=ASSIGNMENTS)
def assignment(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def source(assignment):
    return read(SOLUTIONS / assignment / f"{assignment}.ipynb")


@pytest.fixture(scope="module")
def student(assignment):
    return read(EXERCISES / assignment / f"{assignment}.ipynb")


def test_there_are_assignments_each_with_one_notebook_named_after_it():
    assert "03-value-of-an-hour" in ASSIGNMENTS
    for name in ASSIGNMENTS:
        assert [path.name for path in (SOLUTIONS / name).glob("*.ipynb")] == [f"{name}.ipynb"]


@pytest.mark.parametrize("version", ["source", "student"])
def test_notebook_is_stored_without_outputs_and_with_clean_metadata(assignment, version):
    folder = SOLUTIONS if version == "source" else EXERCISES
    notebook = read(folder / assignment / f"{assignment}.ipynb")
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
    assert len(questions) >= 3
    for name, stated, counted in questions:
        assert stated == counted, f"{name} states {stated} points, its grade cells give {counted}"


def test_has_enough_autograded_test_cells_and_a_written_answer(source):
    assert len(cells_where(source, is_test_cell)) >= 4, "partial credit needs several test cells"
    written = cells_where(source, is_manual_answer)
    assert written, "each assignment has at least one manually graded written answer"
    for cell in written:
        assert cell.cell_type == "markdown" and points(cell) > 0


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


def test_student_version_keeps_the_written_questions_open(student):
    for written in cells_where(student, is_manual_answer):
        assert written.source.strip() == "YOUR ANSWER HERE"
