"""Why a student's score for an assignment is not a final grade, for the export and the summary.

nbgrader's gradebook holds a number for every submission it has seen, and
``nbgrader export`` a number for every student it knows, even when there is
nothing behind it. A score is final only when the submission could be read
(:mod:`grading.submissions`), autograde finished on what was last collected,
and no answer still waits for the instructor. Each exception is a
:class:`GradeProblem`; ``blocking`` ones mean the number must not be used as a
grade. A student who handed in nothing has a real score of 0, so that problem
is named but not blocking.
"""

from __future__ import annotations

import dataclasses

from nbgrader.api import Gradebook, MissingEntry

from grading.course import autograded_folder, submission_folder
from grading.submissions import NO_SUBMISSION, OK, check_submissions

TIMESTAMP_FILE = "timestamp.txt"


@dataclasses.dataclass(frozen=True)
class GradeProblem:
    """What stands between a student's score and a final grade."""

    student: str
    problem: str
    blocking: bool = True


def read_timestamp(folder) -> str:
    path = folder / TIMESTAMP_FILE
    return path.read_text().strip() if path.is_file() else ""


def autograde_problem(coursedir, gradebook: Gradebook, assignment: str, student: str,
                      notebooks: list[str]) -> str | None:
    """Why autograde's result for a readable submission is missing, stale or unfinished; ``None`` if it is not."""
    graded = autograded_folder(coursedir, student, assignment)
    try:
        submission = gradebook.find_submission(assignment, student)
    except MissingEntry:
        return "not autograded yet: run nbgrader autograde"
    if not all((graded / f"{name}.ipynb").is_file() for name in notebooks):
        return "autograde failed (see its log: a cell that killed or blocked the kernel?)"
    if read_timestamp(graded) != read_timestamp(submission_folder(coursedir, student, assignment)):
        return "collected again after autograde: run nbgrader autograde again"
    waiting = sorted(grade.name for notebook in submission.notebooks for grade in notebook.grades
                     if grade.needs_manual_grade)
    if waiting:
        return f"waiting for manual grading: {', '.join(waiting)}"
    return None


def grade_problems(coursedir, gradebook: Gradebook, assignment: str) -> dict[str, GradeProblem]:
    """Every student of ``assignment`` whose score is not a final grade, with the reason."""
    notebooks = sorted(notebook.name for notebook in gradebook.find_assignment(assignment).notebooks)
    problems = {}
    for check in check_submissions(coursedir, assignment):
        if check.outcome == NO_SUBMISSION:
            problems[check.student] = GradeProblem(check.student, NO_SUBMISSION, blocking=False)
        elif check.outcome != OK:
            problems[check.student] = GradeProblem(check.student, f"{check.outcome}: {check.detail}")
        elif reason := autograde_problem(coursedir, gradebook, assignment, check.student, notebooks):
            problems[check.student] = GradeProblem(check.student, reason)
    return problems
