"""A temporary nbgrader course with a synthetic class: the class grader's tests and `make bench` use it.

The course is a :class:`~tests.assignments.temporary_course.TemporaryCourse` with the
repository's own sandbox setting, holding one real assignment copied from solutions/ and
released with nbgrader's generate_assignment. Each student hands in one kind of submission
(:data:`KINDS`), built from the released student version as a real student's would be.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

from tests.assignments.assignment_notebooks import (
    SOLUTIONS,
    cells_where,
    function_name,
    is_answer_cell,
    read,
    submission,
)
from tests.assignments import temporary_course
from tests.assignments.temporary_course import TemporaryCourse

WRITTEN_ANSWER = "The assistant costs more than my hour, but the freed day can go to sales worth more."


def _lying_body() -> list[str]:
    """An answer whose value claims to equal anything it is compared with."""
    return [
        "class Anything(float):",
        "    def __eq__(self, other):",
        "        return True",
        "    __hash__ = float.__hash__",
        "return Anything(0)",
    ]


#: Each kind of submission: which of the functions are solved ("all", "half", "none", "last_but_one")
#: and what the others hold. ``None`` leaves the student version's ``raise NotImplementedError()``.
KINDS: dict[str, tuple[str, list[str] | None]] = {
    "right": ("all", None),
    "half_right": ("half", ["return 0.0"]),
    "untouched": ("none", None),
    "raises": ("none", ["raise RuntimeError('my own bug')"]),
    "lying_eq": ("none", _lying_body()),
    # One function loops for ever; nbgrader interrupts its cells at the cell timeout.
    "loops": ("all_but_last", ["while True:", "    pass"]),
    # One function ends the kernel's process, as a crash or the out-of-memory killer would.
    "kernel_dies": ("all_but_last", ["import os", "os._exit(1)"]),
}
#: Submissions that never reach nbgrader's kernel.
BROKEN_KINDS = ("missing", "corrupted")
#: The class command's outcome for each kind of submission.
EXPECTED_OUTCOMES = {
    "right": "graded",
    "half_right": "graded",
    "untouched": "graded",
    "raises": "graded",
    "lying_eq": "graded",
    "loops": "timed out",
    "kernel_dies": "kernel died",
    "missing": "missing notebook",
    "corrupted": "unreadable notebook",
}


def course_environment(course: Path) -> dict[str, str]:
    """The environment for nbgrader commands run in ``course``."""
    return dict(os.environ, **temporary_course.course_environment(course))


def nbgrader(course: Path, *arguments: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run an ``nbgrader`` command in ``course``, as an instructor types it."""
    done = subprocess.run(
        [sys.executable, "-m", "nbgrader", *arguments],
        cwd=course, env=course_environment(course), capture_output=True, text=True, check=False,
    )
    if check and done.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(arguments)} failed:\n{done.stdout}\n{done.stderr}")
    return done


def make_course(course: Path, assignment: str, extra_config: list[str] = ()) -> Path:
    """A course folder with ``assignment`` released (generate_assignment), no submissions yet.

    ``extra_config`` are config lines after the course's own: limits, another gradebook.
    """
    released = TemporaryCourse(course, sandbox=None, settings=extra_config)
    released.copy_source(assignment, SOLUTIONS / assignment)
    released.generate(assignment)
    return course


def _solved(functions: list[str], which: str) -> set[str]:
    return {
        "all": set(functions),
        "half": set(functions[::2]),
        "none": set(),
        "all_but_last": set(functions[:-1]),
    }[which]


def notebook_for(kind: str, released, source):
    """The notebook a student of ``kind`` hands in (a kind of :data:`KINDS`)."""
    which, wrong_body = KINDS[kind]
    functions = [function_name(cell) for cell in cells_where(source, is_answer_cell)]
    if which == "none" and wrong_body is None:
        return released
    return submission(released, source, _solved(functions, which), wrong_body or ["return 0.0"], WRITTEN_ANSWER)


def add_submission(course: Path, assignment: str, student: str, kind: str) -> Path:
    """Hand in ``student``'s submission of ``kind`` (a kind of :data:`KINDS` or :data:`BROKEN_KINDS`)."""
    folder = course / "submitted" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "timestamp.txt").write_text("2026-03-02 10:00:00.000000 UTC")
    released_path = course / "exercises" / assignment / f"{assignment}.ipynb"
    if kind == "missing":
        # Handed in under another name, as a student who renamed the file would.
        shutil.copy(released_path, folder / "Untitled.ipynb")
        return folder
    if kind == "corrupted":
        text = released_path.read_text()
        (folder / f"{assignment}.ipynb").write_text(text[: len(text) // 2])
        return folder
    notebook = notebook_for(kind, read(released_path), read(course / "solutions" / assignment / f"{assignment}.ipynb"))
    nbformat.write(notebook, folder / f"{assignment}.ipynb")
    return folder


def add_hanging_submission(course: Path, assignment: str, student: str) -> Path:
    """A submission whose first answer cell ignores interrupts and waits for ever, using no CPU.

    nbgrader's cell timeout cannot stop it (the interrupt is ignored) and no CPU limit
    is reached: only a limit on the whole grading ends it.
    """
    folder = course / "submitted" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "timestamp.txt").write_text("2026-03-02 10:00:00.000000 UTC")
    notebook = read(course / "exercises" / assignment / f"{assignment}.ipynb")
    first_answer = cells_where(notebook, is_answer_cell)[0]
    first_answer.source = "\n".join([
        "import signal, time",
        "signal.signal(signal.SIGINT, signal.SIG_IGN)",
        "while True:",
        "    time.sleep(1)",
    ])
    nbformat.write(notebook, folder / f"{assignment}.ipynb")
    return folder


def add_class(course: Path, assignment: str, kinds_by_student: dict[str, str]) -> None:
    for student, kind in kinds_by_student.items():
        add_submission(course, assignment, student, kind)


def copy_course(course: Path, destination: Path) -> Path:
    """A copy of ``course`` that uses its own gradebook and exchange (the config names absolute paths)."""
    shutil.copytree(course, destination)
    config = (destination / "nbgrader_config.py").read_text().replace(str(course), str(destination))
    (destination / "nbgrader_config.py").write_text(config)
    return destination


def gradebook_grades(db_url: str, assignment: str) -> dict[str, dict[str, tuple]]:
    """Every stored grade of ``assignment``, by student and grade cell: (auto score, manual score, needs manual grade)."""
    from nbgrader.api import Gradebook

    grades = {}
    with Gradebook(db_url) as gradebook:
        for submitted in gradebook.find_assignment(assignment).submissions:
            grades[submitted.student.id] = {
                grade.name: (grade.auto_score, grade.manual_score, grade.needs_manual_grade)
                for notebook in submitted.notebooks for grade in notebook.grades
            }
    return grades


def sqlite_url(course: Path) -> str:
    return "sqlite:///" + str(course / "gradebook.db")
