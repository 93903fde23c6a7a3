"""What the self-check reads from a saved assignment notebook: its questions, test cells and written answers.

The notebook is read as JSON (no nbformat: a learner's kernel stays light). A
question is a "## Question N (P points): title" heading; the graded cells below it,
up to the next question or section heading, are its test cells and written
answers. Which answer functions are still the stub nbgrader leaves
(``raise NotImplementedError()``) is read from the saved source too.

>>> question_heading("## Question 3 (4 points): The net weekly gain of delegating")
(3, 4.0, 'The net weekly gain of delegating')
>>> question_heading("## Before you submit") is None
True
"""

from __future__ import annotations

import ast
import dataclasses
import re

#: The text nbgrader leaves in a written answer the learner has not touched.
UNTOUCHED_ANSWER = "YOUR ANSWER HERE"

_QUESTION = re.compile(r"^##\s+Question\s+(\d+)\s*\(\s*(\d+(?:\.\d+)?)\s+points?\s*\)\s*:?\s*(.*?)\s*$")
_SECTION = re.compile(r"^#{1,2}\s")


def question_heading(line: str) -> tuple[int, float, str] | None:
    """The number, points and title of a "## Question N (P points): title" line, else None."""
    match = _QUESTION.match(line.strip())
    if match is None:
        return None
    return int(match.group(1)), float(match.group(2)), match.group(3)



@dataclasses.dataclass
class GradedCell:
    """An autograded test cell: its grade id, what its docstring says it checks, its points and code."""

    grade_id: str
    description: str
    points: float
    source: str
    functions: tuple[str, ...] = ()


@dataclasses.dataclass
class Question:
    """One question of the notebook with its test cells and written answers (``answered`` per answer)."""

    number: int | None
    title: str
    points: float
    tests: list[GradedCell] = dataclasses.field(default_factory=list)
    written: list[tuple[float, bool]] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Assignment:
    """What the self-check needs from a notebook file: its questions and which answer functions are stubs."""

    questions: list[Question]
    stubs: set[str]
    functions: set[str]


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _grading(cell: dict) -> dict:
    metadata = cell.get("metadata", {}).get("nbgrader", {})
    return metadata if isinstance(metadata, dict) else {}


def is_assignment(notebook: dict) -> bool:
    """True when some cell of the notebook is graded by nbgrader."""
    return any(_grading(cell).get("grade") for cell in notebook.get("cells", []))


def defined_functions(source: str) -> list[str]:
    """The names of the functions a cell defines at its top level.

    >>> defined_functions("import math\\ndef f(x):\\n    def g():\\n        pass\\n    return x\\ndef h(): pass")
    ['f', 'h']
    """
    return re.findall(r"^def\s+(\w+)\s*\(", source, flags=re.MULTILINE)


def stub_functions(source: str) -> set[str]:
    """The functions of a cell whose body still only raises NotImplementedError (after a docstring).

    >>> sorted(stub_functions('def f(x):\\n    "Doc."\\n    # YOUR CODE HERE\\n    raise NotImplementedError()\\n'
    ...                       'def g(x):\\n    return x'))
    ['f']
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    stubs = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            body = node.body[1:] if ast.get_docstring(node) is not None else node.body
            if len(body) == 1 and isinstance(body[0], ast.Raise) and _names_not_implemented(body[0].exc):
                stubs.add(node.name)
    return stubs


def _names_not_implemented(exception: ast.expr | None) -> bool:
    if isinstance(exception, ast.Call):
        exception = exception.func
    return isinstance(exception, ast.Name) and exception.id == "NotImplementedError"


def _names_used(source: str) -> set[str]:
    try:
        return {node.id for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Name)}
    except SyntaxError:
        return set()


def _description(source: str, grade_id: str) -> str:
    try:
        docstring = ast.get_docstring(ast.parse(source))
    except SyntaxError:
        docstring = None
    return docstring.strip().splitlines()[0] if docstring else grade_id


def _is_written(cell: dict) -> bool:
    """True when a manually graded answer holds more than nbgrader's placeholder."""
    text = _source(cell).strip()
    placeholders = {"", UNTOUCHED_ANSWER, "# YOUR CODE HERE\nraise NotImplementedError()"}
    return text not in placeholders


def _outside_code_blocks(markdown: str) -> list[str]:
    """The lines of a markdown cell outside its fenced code blocks, where a "# comment" is no heading.

    >>> _outside_code_blocks("## Question 1 (1 point): A\\n```python\\n# a comment\\n```\\ntext")
    ['## Question 1 (1 point): A', 'text']
    """
    lines, in_block = [], False
    for line in markdown.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            in_block = not in_block
        elif not in_block:
            lines.append(line)
    return lines


def read_assignment(notebook: dict) -> Assignment:
    """The questions of a notebook, in order, with the test cells and written answers under each heading.

    Graded cells before the first question heading, or after a heading that ends
    the questions ("## Before you submit"), are kept in a question without a number.
    """
    questions: list[Question] = []
    current: Question | None = None
    stubs: set[str] = set()
    functions: set[str] = set()
    loose = Question(None, "Other graded cells", 0.0)
    for cell in notebook.get("cells", []):
        grading, source = _grading(cell), _source(cell)
        if cell.get("cell_type") == "markdown" and not grading.get("solution"):
            for line in _outside_code_blocks(source):
                heading = question_heading(line)
                if heading is not None:
                    number, points, title = heading
                    current = Question(number, title, points)
                    questions.append(current)
                elif _SECTION.match(line):
                    current = None
        elif grading.get("solution") and not grading.get("grade") and cell.get("cell_type") == "code":
            functions.update(defined_functions(source))
            stubs.update(stub_functions(source))
        if not grading.get("grade"):
            continue
        target = current or loose
        points = float(grading.get("points", 0) or 0)
        if grading.get("solution"):
            target.written.append((points, _is_written(cell)))
        elif cell.get("cell_type") == "code":
            grade_id = str(grading.get("grade_id", "test"))
            target.tests.append(GradedCell(grade_id, _description(source, grade_id), points, source))
    for question in [*questions, loose]:
        for test in question.tests:
            test.functions = tuple(sorted(_names_used(test.source) & functions))
    if loose.tests or loose.written:
        loose.points = sum(test.points for test in loose.tests) + sum(points for points, _ in loose.written)
        questions.append(loose)
    return Assignment(questions, stubs, functions)
