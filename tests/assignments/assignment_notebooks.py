"""Helpers for the assignment tests: read nbgrader notebooks, their marked regions, and build submissions.

Everything the tests expect is derived from the source notebook itself: which cells are
answers and tests, their points, the text inside ``### BEGIN SOLUTION``/``### END SOLUTION``
and ``### BEGIN HIDDEN TESTS``/``### END HIDDEN TESTS``. Test cells are named
``test_<function>_<what they check>``, which ties each one to the answer it grades.
"""

from __future__ import annotations

import ast
import copy
import html
import re
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[2]
SOLUTIONS = REPO / "solutions"
EXERCISES = REPO / "exercises"

SOLUTION_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")
HIDDEN_TEST_MARKERS = ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")
#: Shorter strings match too often by chance to say anything about a leak.
MIN_DISTINCTIVE_LENGTH = 10


def read(path: Path) -> nbformat.NotebookNode:
    """Read a notebook as nbformat v4."""
    return nbformat.read(path, as_version=4)


def source_notebook(assignment: str) -> nbformat.NotebookNode:
    """The assignment's source in solutions/: solutions, hidden tests, points."""
    return read(SOLUTIONS / assignment / f"{assignment}.ipynb")


def nbgrader(cell) -> dict:
    """The cell's nbgrader metadata, empty for an ordinary cell."""
    return cell.metadata.get("nbgrader", {})


def is_answer_cell(cell) -> bool:
    """A code cell where the student writes code that test cells grade."""
    meta = nbgrader(cell)
    return cell.cell_type == "code" and meta.get("solution", False) and not meta.get("grade", False)


def is_test_cell(cell) -> bool:
    """An nbgrader "autograder tests" cell."""
    meta = nbgrader(cell)
    return cell.cell_type == "code" and meta.get("grade", False) and not meta.get("solution", False)


def is_manual_answer(cell) -> bool:
    """A "manually graded answer" cell: a solution that an instructor scores."""
    meta = nbgrader(cell)
    return meta.get("grade", False) and meta.get("solution", False)


def grade_id(cell) -> str:
    return nbgrader(cell)["grade_id"]


def points(cell) -> float:
    return float(nbgrader(cell).get("points", 0))


def cells_where(notebook, predicate) -> list:
    return [cell for cell in notebook.cells if predicate(cell)]


def run_cells(notebook, plain_cells: tuple[str, ...] = (), answers: bool = True) -> dict:
    """The names the notebook's cells define: its answer cells and the plain cells whose ids are given.

    The cells run in the notebook's order, in one namespace, as a kernel would run the model
    solution; ``answers=False`` runs the plain cells alone (a data cell, say).
    """
    ids = [cell.get("id") for cell in notebook.cells]
    missing = [name for name in plain_cells if ids.count(name) != 1]
    assert not missing, f"the notebook should have exactly one cell with each of the ids {missing}"
    namespace: dict = {}
    for cell in notebook.cells:
        answer = answers and is_answer_cell(cell)
        if answer or cell.get("id") in plain_cells:
            name = grade_id(cell) if answer else cell.id
            exec(compile(cell.source, name, "exec"), namespace)  # noqa: S102 - the course's own notebook
    return namespace


def autograded_points(notebook) -> float:
    """The points that the autograder tests can give."""
    return sum(points(cell) for cell in cells_where(notebook, is_test_cell))


def total_points(notebook) -> float:
    """All points of the notebook, autograded and manually graded."""
    return sum(points(cell) for cell in notebook.cells if nbgrader(cell).get("grade", False))


def function_name(answer_cell) -> str:
    """The name of the function an answer cell defines."""
    match = re.search(r"^def (\w+)\(", answer_cell.source, flags=re.MULTILINE)
    assert match, f"answer cell {grade_id(answer_cell)!r} defines no function"
    return match.group(1)


def graded_function(test_cell, functions: list[str]) -> str:
    """The function a test cell grades, read from its grade id ``test_<function>_<what>``."""
    owners = [name for name in functions if grade_id(test_cell).startswith(f"test_{name}_")]
    assert len(owners) == 1, f"{grade_id(test_cell)!r} should name exactly one of {functions}, names {owners}"
    return owners[0]


def split_regions(source: str, markers: tuple[str, str]) -> tuple[list[str], list[str]]:
    """The lines inside and outside the regions ``markers`` delimit; the marker lines belong to neither."""
    begin, end = markers
    inside, outside, in_region = [], [], False
    for line in source.splitlines():
        if begin in line:
            in_region = True
        elif end in line:
            in_region = False
        else:
            (inside if in_region else outside).append(line)
    return inside, outside


def solution_lines(notebook) -> list[str]:
    """Every line the student must not see: solution regions and the model written answers."""
    lines = []
    for cell in notebook.cells:
        if is_manual_answer(cell) and cell.cell_type == "markdown":
            lines += cell.source.splitlines()
        else:
            lines += split_regions(cell.source, SOLUTION_MARKERS)[0]
    return lines


def hidden_test_lines(notebook) -> list[str]:
    """Every line inside a hidden-test region."""
    return [line for cell in notebook.cells for line in split_regions(cell.source, HIDDEN_TEST_MARKERS)[0]]


def assert_conditions(lines: list[str]) -> list[str]:
    """The condition of each one-line ``assert condition, message``: the check without its message.

    A hidden test's message may reach the student on purpose; its condition, which
    holds the inputs and the expected value, must not.
    """
    conditions = []
    for line in lines:
        try:
            statement = ast.parse(line.strip()).body[0]
        except (SyntaxError, IndexError):
            continue
        if isinstance(statement, ast.Assert):
            conditions.append(ast.get_source_segment(line.strip(), statement.test))
    return conditions


def public_text(notebook) -> str:
    """What the source shows outside any marked region: the text a student may rightly see."""
    parts = []
    for cell in notebook.cells:
        if is_manual_answer(cell) and cell.cell_type == "markdown":
            continue
        visible = split_regions(cell.source, SOLUTION_MARKERS)[1]
        visible = split_regions("\n".join(visible), HIDDEN_TEST_MARKERS)[1]
        parts.append("\n".join(visible))
    return "\n".join(parts)


def distinctive(lines: list[str], notebook) -> set[str]:
    """The stripped lines long enough to be evidence and not also part of the public text."""
    public = public_text(notebook)
    candidates = {line.strip() for line in lines}
    return {text for text in candidates if len(text) >= MIN_DISTINCTIVE_LENGTH and text not in public}


def solution_secrets(notebook) -> set[str]:
    """The strings whose presence in a notebook or page shows that a solution leaked."""
    return distinctive(solution_lines(notebook), notebook)


def hidden_test_secrets(notebook) -> set[str]:
    """The strings whose presence shows that a hidden test leaked: its lines and its assert conditions."""
    lines = hidden_test_lines(notebook)
    return distinctive(lines + assert_conditions(lines), notebook)


def notebook_text(notebook) -> str:
    """All cell sources and text outputs of a notebook, as one string."""
    parts = []
    for cell in notebook.cells:
        parts.append(cell.source)
        for output in cell.get("outputs", []):
            parts.append(str(output.get("text", "")))
            parts.extend(str(value) for value in output.get("data", {}).values())
            parts.extend(output.get("traceback", []))
    return "\n".join(parts)


def html_text(page: str) -> str:
    """The text a browser shows for an HTML page: no style or script, no tags, entities decoded.

    Syntax highlighting splits source lines into many ``<span>`` elements, so a
    hidden line can only be found in the page once the tags are gone.
    """
    page = re.sub(r"<(style|script)\b.*?</\1>", "", page, flags=re.DOTALL | re.IGNORECASE)
    page = re.sub(r"<[^>]+>", "", page)
    return html.unescape(page)


def leaks(strings: set[str], text: str) -> list[str]:
    """The strings of ``strings`` that occur in ``text``, sorted."""
    return sorted(string for string in strings if string in text)


def replace_solution(source: str, body: list[str] | None) -> str:
    """The answer as a student would write it: the solution region's body, or ``body`` instead.

    The marker lines go; ``body`` lines are indented like the region they replace.
    """
    begin, end = SOLUTION_MARKERS
    lines, result, in_region = source.splitlines(), [], False
    for line in lines:
        if begin in line:
            in_region = True
            indent = line[: len(line) - len(line.lstrip())]
            if body is not None:
                result += [indent + text for text in body]
        elif end in line:
            in_region = False
        elif not in_region or body is None:
            result.append(line)
    return "\n".join(result)


def submission(student_version, source, right: set[str], wrong_body: list[str], written_answer: str | None):
    """A student's notebook: the functions in ``right`` solved, the others with ``wrong_body``.

    Built on the student version, as a real student's would be; ``written_answer``
    replaces the manually graded answers (``None`` leaves them untouched).
    """
    answers = {grade_id(cell): cell for cell in source.cells if nbgrader(cell).get("solution", False)}
    notebook = copy.deepcopy(student_version)
    for cell in notebook.cells:
        if is_answer_cell(cell):
            solved = function_name(cell) in right
            cell.source = replace_solution(answers[grade_id(cell)].source, None if solved else wrong_body)
        elif is_manual_answer(cell) and written_answer is not None:
            cell.source = written_answer
    return notebook


def imported_modules(source: str) -> set[str]:
    """The top-level names of the modules a piece of Python imports."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names
