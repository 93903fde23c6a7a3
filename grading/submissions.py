"""Check every submission of an assignment before grading: ``python -m grading.submissions <assignment>``.

For each student with a folder in ``submitted/`` (and each student of the
gradebook without one) it prints one row: ``ok``, ``no submission``, ``empty
submission``, ``missing notebook``, ``renamed notebook`` (naming the file found
instead) or ``corrupted notebook`` (with the reason: an empty file, not JSON,
JSON that is not a notebook). The exit code is 1 when any submission cannot be
read, 0 when all can; a student who handed in nothing is not an error.

Why this check exists: what nbgrader 0.9.6 does with each case, found by
running ``nbgrader autograde`` and ``nbgrader export`` in a temporary course
(one notebook per assignment, as in this course):

* **corrupted notebook** (truncated JSON, a 0-byte file, or JSON that is not a
  notebook): autograde logs nbformat's traceback (``NotJSONError`` or "could
  not be converted"), deletes the student's ``autograded/`` folder, carries on
  with the other students and exits 1. The gradebook keeps the submission it
  had already created, with no grades, and ``nbgrader export`` writes it as
  ``0.0``: a silent zero.
* **renamed notebook** (``my work.ipynb`` instead of the assignment's
  notebook): autograde skips the unknown notebook and then fails with "No
  notebooks found, did you forget to run 'nbgrader generate_assignment'?",
  which points the wrong way. The submission is in the gradebook, exported as
  ``0.0``.
* **missing notebook** (a folder without it): autograde fails with "No
  notebooks were matched"; no submission is recorded, so ``nbgrader export``
  writes ``0.0`` for a student the gradebook knows and leaves out one it does
  not. (In an assignment of several notebooks, one missing notebook is scored
  0 with only a warning.)

So nbgrader never confuses a broken submission with a good one, but its export
cannot tell it from a zero. ``python -m grading.export`` uses this module's
findings to name the problem instead (see :mod:`grading.export`).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

import nbformat

from grading.course import (
    CourseError,
    course_directory,
    expected_notebooks,
    gradebook_exists,
    open_gradebook,
    submission_folder,
    submitting_students,
)

OK = "ok"
NO_SUBMISSION = "no submission"
EMPTY = "empty submission"
MISSING = "missing notebook"
RENAMED = "renamed notebook"
CORRUPTED = "corrupted notebook"
#: The outcomes autograde cannot grade.
UNREADABLE = (EMPTY, MISSING, RENAMED, CORRUPTED)
#: Files nbgrader itself adds to a submission.
NBGRADER_FILES = {"timestamp.txt"}


@dataclasses.dataclass(frozen=True)
class SubmissionCheck:
    """The outcome of checking one student's submission, and what it is about."""

    student: str
    outcome: str
    detail: str = ""

    @property
    def unreadable(self) -> bool:
        return self.outcome in UNREADABLE


def notebook_problem(path: Path) -> str | None:
    """Why the notebook at ``path`` cannot be read, or ``None`` when nbformat reads it."""
    data = path.read_bytes()
    if not data.strip():
        return f"{path.name} is empty ({len(data)} bytes)"
    try:
        text = data.decode("utf-8")
        json.loads(text)
    except UnicodeDecodeError as error:
        return f"{path.name} is not text: {error.reason} at byte {error.start}"
    except json.JSONDecodeError as error:
        return f"{path.name} is not JSON: {error.msg} (line {error.lineno}, column {error.colno})"
    try:
        nbformat.reads(text, as_version=4)
    except Exception as error:  # nbformat raises many kinds, and any of them stops autograde
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return f"{path.name} is JSON but not a notebook: {first_line}"
    return None


def visible_files(folder: Path) -> list[Path]:
    """The files a student handed in: no hidden files, none of nbgrader's own."""
    return sorted(
        path for path in folder.rglob("*")
        if path.is_file()
        and not any(part.startswith(".") for part in path.relative_to(folder).parts)
        and path.name not in NBGRADER_FILES
    )


def check_folder(student: str, folder: Path, notebooks: list[str]) -> SubmissionCheck:
    """Check one submission folder against the notebooks the assignment needs."""
    files = visible_files(folder)
    if not files:
        return SubmissionCheck(student, EMPTY, "the folder holds no files")
    # autograde reads only the notebooks at the top of the folder
    others = sorted(path.name for path in folder.glob("*.ipynb") if path.stem not in notebooks)
    missing = [name for name in notebooks if not (folder / f"{name}.ipynb").is_file()]
    if missing:
        wanted = ", ".join(f"{name}.ipynb" for name in missing)
        if others:
            found = ", ".join(others)
            return SubmissionCheck(student, RENAMED, f"found {found} instead of {wanted}")
        found = ", ".join(str(path.relative_to(folder)) for path in files)
        return SubmissionCheck(student, MISSING, f"no {wanted}; the folder holds {found}")
    reasons = [reason for name in notebooks if (reason := notebook_problem(folder / f"{name}.ipynb"))]
    if reasons:
        return SubmissionCheck(student, CORRUPTED, "; ".join(reasons))
    return SubmissionCheck(student, OK, f"also holds {', '.join(others)} (not graded)" if others else "")


def gradebook_students(coursedir) -> list[str]:
    """The students the gradebook knows; none when there is no gradebook yet."""
    if not gradebook_exists(coursedir):
        return []
    with open_gradebook(coursedir) as gradebook:
        return sorted(student.id for student in gradebook.students)


def check_submissions(coursedir, assignment: str) -> list[SubmissionCheck]:
    """Check the submission of every student who handed in ``assignment`` or is in the gradebook."""
    notebooks = expected_notebooks(coursedir, assignment)
    submitted = submitting_students(coursedir, assignment)
    checks = [check_folder(student, submission_folder(coursedir, student, assignment), notebooks)
              for student in submitted]
    checks += [SubmissionCheck(student, NO_SUBMISSION) for student in gradebook_students(coursedir)
               if student not in submitted]
    return sorted(checks, key=lambda check: check.student)


def checks_table(checks: list[SubmissionCheck]) -> str:
    """The checks as a plain-text table, one student a row."""
    if not checks:
        return "no submissions and no students in the gradebook"
    import pandas as pd  # only for the command's table: graders check submissions without loading pandas

    from grading.text import text_table

    return text_table(pd.DataFrame([dataclasses.asdict(check) for check in checks]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m grading.submissions",
        description="Check every submission of an assignment before grading; exit 1 if any cannot be read.",
    )
    parser.add_argument("assignment", help="the assignment's name, e.g. 03-value-of-an-hour")
    parser.add_argument("--course", type=Path, default=None, help="the course folder (default: the current folder)")
    args = parser.parse_args(argv)
    try:
        checks = check_submissions(course_directory(args.course), args.assignment)
    except CourseError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(checks_table(checks))
    unreadable = [check.student for check in checks if check.unreadable]
    if unreadable:
        print(f"\n{len(unreadable)} submission(s) cannot be graded as they are: {', '.join(unreadable)}. "
              "See 'When something goes wrong' in docs/instructor-guide.md.")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
