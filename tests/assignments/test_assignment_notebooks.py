"""Every assignment's source notebook and its committed student version follow the course's rules.

Fast checks, no nbgrader run, for each assignment in solutions/: the notebooks
are stored clean, the points add up, every test cell is documented and tied to
one answer, every test cell looks at an answer through ``grading.checks``, the
last code cell is the self-check, and the student version gives nothing away.
What an assignment's answers must compute is checked in its own
``test_<assignment>_answers.py``.
"""

from __future__ import annotations

import ast
import copy
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
#: The first statement of every test cell after its docstring.
CHECKS_IMPORT = "from grading import checks"
#: What a test cell may not use to judge an answer: these trust the answer's own type and ``__eq__``.
UNCHECKED_CALLS = frozenset({
    "isinstance", "issubclass", "type", "isclose", "allclose", "array_equal", "equals",
    "assert_frame_equal", "assert_series_equal", "assert_almost_equal", "assert_equal",
})
#: Calls that keep a checked value checked (and a literal literal): they only reorder or count plain values.
PLAIN_WRAPPERS = frozenset({"sorted", "list", "tuple", "set", "len"})
SELF_CHECK_HEADING_ID = "check-your-work-heading"
SELF_CHECK_HEADING = "## Check your work"
SELF_CHECK_ID = "check-your-work"
SELF_CHECK_SOURCE = "from grading.self_check import check_my_work\n\ncheck_my_work()"
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


def is_checks_call(node: ast.AST) -> bool:
    """``checks.<helper>(...)``: a value that grading.checks has looked at."""
    return (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name) and node.func.value.id == "checks"
    )


def unwrapped(node: ast.AST) -> ast.AST:
    """The value inside ``sorted(...)``, ``list(...)`` and the other plain wrappers, however deep.

    A list comprehension counts as its element: ``[checks.integer(i) for i in index]``
    holds only checked values.
    """
    while True:
        if (
            isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in PLAIN_WRAPPERS
            and len(node.args) == 1 and not node.keywords
        ):
            node = node.args[0]
        elif isinstance(node, ast.ListComp):
            node = node.elt
        else:
            return node


def is_literal(node: ast.AST) -> bool:
    """A value written in the test itself: constants, containers of them and arithmetic on them."""
    node = unwrapped(node)
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return all(is_literal(item) for item in node.elts)
    if isinstance(node, ast.UnaryOp):
        return is_literal(node.operand)
    if isinstance(node, ast.BinOp):
        return is_literal(node.left) and is_literal(node.right)
    return False


def called_name(node: ast.Call) -> str | None:
    """The name a call uses: ``f`` for ``f(...)`` and ``obj.f(...)``."""
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


def unchecked_comparisons(source: str) -> list[str]:
    """Where a test cell judges a value without grading.checks, as "line N: code"; empty when it never does.

    Every ``==`` or ``!=`` needs a ``checks.`` call on one side and only checks calls or
    literals on the others (a student's object on either side could answer with its own
    ``__eq__``), and no call may trust an answer's type or equality by itself
    (``isinstance``, ``math.isclose``, ``DataFrame.equals``, ...).
    """
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare) and any(isinstance(op, (ast.Eq, ast.NotEq)) for op in node.ops):
            operands = [node.left, *node.comparators]
            checked = [is_checks_call(unwrapped(operand)) for operand in operands]
            if not any(checked) or not all(ok or is_literal(operand) for ok, operand in zip(checked, operands)):
                found.append(f"line {node.lineno}: {ast.unparse(node)}")
        elif isinstance(node, ast.Call) and not is_checks_call(node) and called_name(node) in UNCHECKED_CALLS:
            found.append(f"line {node.lineno}: {ast.unparse(node)}")
    return found


def imports_checks_first(source: str) -> bool:
    """True when the cell's first statement after its docstring is exactly ``from grading import checks``."""
    body = ast.parse(source).body
    return len(body) >= 2 and ast.unparse(body[1]) == CHECKS_IMPORT


def self_check_problems(notebook) -> list[str]:
    """What is wrong with the notebook's closing self-check; empty when the last code cell is the self-check."""
    code_cells = [index for index, cell in enumerate(notebook.cells) if cell.cell_type == "code"]
    if not code_cells:
        return ["the notebook has no code cell"]
    last = notebook.cells[code_cells[-1]]
    problems = []
    if last.source != SELF_CHECK_SOURCE:
        problems.append(f"the last code cell should be exactly {SELF_CHECK_SOURCE!r}, not {last.source!r}")
    if last.get("id") != SELF_CHECK_ID or nbgrader(last):
        problems.append(f"the self-check should be an ordinary cell (no nbgrader metadata) with id {SELF_CHECK_ID!r}")
    heading = notebook.cells[code_cells[-1] - 1] if code_cells[-1] > 0 else None
    if (
        heading is None or heading.cell_type != "markdown" or heading.get("id") != SELF_CHECK_HEADING_ID
        or SELF_CHECK_HEADING not in heading.source.splitlines()
    ):
        problems.append(f"the self-check should follow a markdown cell {SELF_CHECK_HEADING_ID!r} with {SELF_CHECK_HEADING!r}")
    return problems


def test_every_test_cell_imports_checks_and_judges_answers_only_through_them(source):
    for cell in cells_where(source, is_test_cell):
        assert imports_checks_first(cell.source), f"{grade_id(cell)} should start with {CHECKS_IMPORT!r} after its docstring"
        assert unchecked_comparisons(cell.source) == [], f"{grade_id(cell)} judges answers without grading.checks"


@pytest.mark.parametrize("line", [
    "assert result == 25",
    "assert 25 == result",
    "assert result != 0",
    "assert checks.text(result, 'f') == expected",
    "assert checks.close(a, 1) and names == ['a']",
    "assert sorted(table.index) == sorted(['a', 'b'])",
    "assert [int(i) for i in table.index] == [0, 1]",
    "assert math.isclose(result, 25)",
    "assert isclose(result, 25)",
    "assert isinstance(result, float) and result > 1",
    "assert type(result) is float",
    "assert table.equals(expected)",
    "pd.testing.assert_frame_equal(table, expected)",
])
def test_the_checks_rule_finds_an_answer_judged_without_checks(line):
    assert unchecked_comparisons(line) != []


@pytest.mark.parametrize("line", [
    "assert checks.close(checks.number(result, 'f'), 1250 / 650)",
    "assert checks.text(result, 'f') == 'delegate'",
    "assert checks.truth(result, 'f') is True",
    "assert checks.integer(len(result), 'f') != -1",
    "assert sorted(checks.texts(rows, 'f')) == sorted(['b', 'a'])",
    "assert [checks.integer(i, 'f') for i in table.index] == [0, 1]",
    "assert result is None",
    "assert all(high >= low for high, low in zip(gains, gains[1:]))",
])
def test_the_checks_rule_lets_checked_answers_through(line):
    assert unchecked_comparisons(line) == []


def test_the_checks_import_must_come_first():
    assert imports_checks_first('"""Doc."""\nfrom grading import checks\nimport pandas as pd')
    assert not imports_checks_first('"""Doc."""\nimport math\nfrom grading import checks')
    assert not imports_checks_first('"""Doc."""\nfrom grading.checks import close')


@pytest.mark.parametrize("version", ["source", "student"])
def test_the_last_code_cell_is_the_self_check_under_its_heading(assignment, version):
    folder = SOLUTIONS if version == "source" else EXERCISES
    notebook = read(folder / assignment / f"{assignment}.ipynb")
    assert self_check_problems(notebook) == []


def test_the_self_check_rule_finds_a_missing_or_changed_self_check(source):
    broken = copy.deepcopy(source)
    broken.cells.pop()
    assert self_check_problems(broken) != []
    graded = copy.deepcopy(source)
    graded.cells[-1].metadata["nbgrader"] = {"grade": False, "solution": True, "grade_id": "x"}
    assert self_check_problems(graded) != []
    unheaded = copy.deepcopy(source)
    unheaded.cells[-2].source = "## Before you submit"
    assert self_check_problems(unheaded) != []
    edited = copy.deepcopy(source)
    edited.cells[-1].source += "\nprint('done')"
    assert self_check_problems(edited) != []
