"""A small nbgrader course in a temporary folder, written directly (no kernel runs), for the grading commands' tests.

The assignment ``01-sample`` has two questions, as the course's notebooks write them:

* a test cell before any question heading (``test_setup``, 1 point);
* ``## Question 1 (3 points)``: the answer ``area`` and two test cells (2 + 1 points);
* ``## Question 2 (2 points)``: a written answer ``essay``, graded by hand.

:func:`make_course` writes the configuration and the source notebook and records
the assignment in the gradebook as ``nbgrader generate_assignment`` would;
:func:`hand_in` puts files in ``submitted/`` as ``nbgrader collect`` does; and
:func:`autograde` stores scores in the gradebook and writes the autograded
folder as ``nbgrader autograde`` does.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from nbgrader.api import Gradebook

ASSIGNMENT = "01-sample"
#: Grade cells: name -> (points, cell type, graded by hand).
GRADE_CELLS = {
    "test_setup": (1.0, "code", False),
    "test_area_square": (2.0, "code", False),
    "test_area_rejects_negative": (1.0, "code", False),
    "essay": (2.0, "markdown", True),
}
QUESTION_OF = {"test_setup": "test_setup", "test_area_square": "Q1 area",
               "test_area_rejects_negative": "Q1 area", "essay": "Q2 essay"}
TIMESTAMP = "2025-03-14 16:00:00.000000 UTC"


#: An empty gradebook's bytes, made once: creating one runs the ``alembic`` command, which is slow.
_empty_gradebook: list[bytes] = []


@contextlib.contextmanager
def new_gradebook(root: Path) -> Iterator[Gradebook]:
    """An empty gradebook for the course in ``root`` (a copy of the first one made)."""
    path = root / "gradebook.db"
    if not _empty_gradebook:
        # nbgrader runs `alembic` to create a gradebook, which must be on PATH.
        scripts, search_path = str(Path(sys.executable).parent), os.environ.get("PATH", "")
        os.environ["PATH"] = os.pathsep.join([scripts, search_path])
        try:
            Gradebook(f"sqlite:///{path}").close()
        finally:
            os.environ["PATH"] = search_path
        _empty_gradebook.append(path.read_bytes())
    path.write_bytes(_empty_gradebook[0])
    with Gradebook(f"sqlite:///{path}") as gradebook:
        yield gradebook


def nbgrader_cell(cell, grade_id: str, grade: bool, solution: bool, points: float | None = None):
    cell.metadata["nbgrader"] = {"grade": grade, "solution": solution, "grade_id": grade_id,
                                 "locked": not solution, "schema_version": 3}
    if points is not None:
        cell.metadata["nbgrader"]["points"] = points
    return cell


def source_notebook():
    """The assignment's source, with its headings and grade cells."""
    return new_notebook(cells=[
        new_markdown_cell("# Assignment 1: a sample"),
        nbgrader_cell(new_code_cell("assert True"), "test_setup", grade=True, solution=False, points=1),
        new_markdown_cell("---\n## Question 1 (3 points): The area of a square"),
        nbgrader_cell(new_code_cell("def area(side):\n    ### BEGIN SOLUTION\n    return side * side\n    ### END SOLUTION"),
                      "area", grade=False, solution=True),
        nbgrader_cell(new_code_cell("assert area(2) == 4"), "test_area_square", grade=True, solution=False, points=2),
        nbgrader_cell(new_code_cell("assert area(3) == 9"), "test_area_rejects_negative", grade=True, solution=False,
                      points=1),
        new_markdown_cell("---\n## Question 2 (2 points): Why squares?"),
        nbgrader_cell(new_markdown_cell("Because."), "essay", grade=True, solution=True, points=2),
    ])


def make_course(root: Path, students: list[str]) -> Path:
    """A course folder with its configuration, the source notebook, and a gradebook that knows the assignment."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "nbgrader_config.py").write_text("\n".join([
        "c = get_config()  # noqa: F821",
        f"c.CourseDirectory.root = {str(root)!r}",
        f"c.CourseDirectory.db_url = {'sqlite:///' + str(root / 'gradebook.db')!r}",
        "c.CourseDirectory.course_id = 'sample-course'",
        "c.CourseDirectory.source_directory = 'solutions'",
        "c.CourseDirectory.release_directory = 'exercises'",
        f"c.Exchange.root = {str(root / 'exchange')!r}",
        "",
    ]))
    folder = root / "solutions" / ASSIGNMENT
    folder.mkdir(parents=True)
    nbformat.write(source_notebook(), folder / f"{ASSIGNMENT}.ipynb")
    with new_gradebook(root) as gradebook:
        gradebook.add_assignment(ASSIGNMENT)
        gradebook.add_notebook(ASSIGNMENT, ASSIGNMENT)
        gradebook.add_solution_cell("area", ASSIGNMENT, ASSIGNMENT)
        gradebook.add_solution_cell("essay", ASSIGNMENT, ASSIGNMENT)
        for name, (points, cell_type, _) in GRADE_CELLS.items():
            gradebook.add_grade_cell(name, ASSIGNMENT, ASSIGNMENT, max_score=points, cell_type=cell_type)
        for student in students:
            gradebook.add_student(student)
    return root


def student_notebook() -> str:
    """A readable submitted notebook, as text."""
    return nbformat.writes(source_notebook())


def hand_in(root: Path, student: str, files: dict[str, str | bytes], timestamp: str = TIMESTAMP) -> Path:
    """Put a student's files where ``nbgrader collect`` does, with its ``timestamp.txt``."""
    folder = root / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True)
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content) if isinstance(content, bytes) else path.write_text(content)
    (folder / "timestamp.txt").write_text(timestamp)
    return folder


def autograde(root: Path, student: str, scores: dict[str, float | None], write_notebook: bool = True,
              timestamp: str = TIMESTAMP) -> None:
    """Record scores as autograde (and the formgrader, for written answers) would; ``None`` waits for a hand grade.

    ``write_notebook=False`` leaves the gradebook's submission without its
    autograded notebook, as a failed autograde does.
    """
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        gradebook.update_or_create_student(student)
        gradebook.add_submission(ASSIGNMENT, student)
        for name, score in scores.items():
            grade = gradebook.find_grade(name, ASSIGNMENT, ASSIGNMENT, student)
            by_hand = GRADE_CELLS[name][2]
            if score is None:
                grade.needs_manual_grade = True
            elif by_hand:
                grade.manual_score, grade.needs_manual_grade = score, False
            else:
                grade.auto_score, grade.needs_manual_grade = score, False
        gradebook.db.commit()
    if write_notebook:
        folder = root / "autograded" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        nbformat.write(source_notebook(), folder / f"{ASSIGNMENT}.ipynb")
        (folder / "timestamp.txt").write_text(timestamp)
