"""Export grades to CSV without a silent zero: ``python -m grading.export [assignment ...] --to grades.csv``.

It runs nbgrader's own CSV export (the plugin behind ``nbgrader export``) on
the course's gradebook, then adds a ``problem`` column from
:mod:`grading.problems`: a submission that could not be read, one autograde
did not finish or has not seen since it was collected again, answers still
waiting for manual grading, and ``no submission``. A student who handed in
files that autograde never recorded, and whom nbgrader's export would leave
out, gets a row too.

By default it refuses to write the file while any score is not a final grade,
prints the students and the reasons, and exits 1. With ``--allow-problems`` it
writes the file and leaves ``raw_score`` and ``score`` empty in those rows, so
that no spreadsheet can count a broken submission as 0. ``no submission`` keeps
nbgrader's 0 and never blocks the export.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import pandas as pd
from nbgrader.plugins.export import CsvExportPlugin

from grading.course import CourseError, course_directory, gradebook_assignments, open_gradebook, require_assignment
from grading.problems import GradeProblem, grade_problems
from grading.text import text_table

#: The columns nbgrader's CSV export writes, in its order.
NBGRADER_COLUMNS = [
    "assignment", "duedate", "timestamp", "student_id", "last_name", "first_name", "email",
    "raw_score", "late_submission_penalty", "score", "max_score",
]
SCORE_COLUMNS = ["raw_score", "score"]


def nbgrader_export(gradebook, assignments: list[str]) -> pd.DataFrame:
    """The rows ``nbgrader export`` writes for ``assignments``, every value as text."""
    with tempfile.TemporaryDirectory(prefix="grades-") as scratch:
        path = Path(scratch) / "grades.csv"
        CsvExportPlugin(to=str(path), assignment=assignments).export(gradebook)
        return pd.read_csv(path, dtype=str, keep_default_na=False)


def missing_rows(rows: pd.DataFrame, assignment: str, max_score: float, problems: dict[str, GradeProblem]) -> pd.DataFrame:
    """Rows for the students with a problem whom nbgrader's export leaves out (not in the gradebook)."""
    listed = set(rows.loc[rows["assignment"] == assignment, "student_id"])
    extra = [student for student in problems if student not in listed]
    frame = pd.DataFrame({column: [""] * len(extra) for column in NBGRADER_COLUMNS})
    frame["assignment"], frame["student_id"], frame["max_score"] = assignment, extra, str(max_score)
    return frame


def grades_with_problems(coursedir, assignments: list[str] | None) -> tuple[pd.DataFrame, list[GradeProblem]]:
    """The export's rows with a ``problem`` column, and the problems that stop a score from being a grade."""
    with open_gradebook(coursedir) as gradebook:
        names = assignments or gradebook_assignments(gradebook)
        if not names:
            raise CourseError("the gradebook holds no assignment yet: nothing to export")
        for name in names:
            require_assignment(gradebook, name)
        rows = nbgrader_export(gradebook, names)
        rows["problem"] = ""
        blocking = []
        for name in names:
            problems = grade_problems(coursedir, gradebook, name)
            max_score = gradebook.find_assignment(name).max_score
            rows = pd.concat([rows, missing_rows(rows, name, max_score, problems).assign(problem="")], ignore_index=True)
            for student, problem in problems.items():
                at = (rows["assignment"] == name) & (rows["student_id"] == student)
                rows.loc[at, "problem"] = problem.problem
                if problem.blocking:
                    rows.loc[at, SCORE_COLUMNS] = ""
                    blocking.append(problem)
    return rows.sort_values(["assignment", "student_id"], kind="stable"), blocking


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m grading.export",
        description="Export grades to CSV with a 'problem' column; refuse while a score is not a final grade.",
    )
    parser.add_argument("assignments", nargs="*", help="assignments to export (default: every one in the gradebook)")
    parser.add_argument("--to", type=Path, default=Path("grades.csv"), help="the CSV file to write (default: grades.csv)")
    parser.add_argument("--allow-problems", action="store_true",
                        help="write the file anyway; rows with a problem get an empty score")
    parser.add_argument("--course", type=Path, default=None, help="the course folder (default: the current folder)")
    args = parser.parse_args(argv)
    try:
        rows, blocking = grades_with_problems(course_directory(args.course), args.assignments)
    except CourseError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if blocking and not args.allow_problems:
        table = pd.DataFrame([{"student": p.student, "problem": p.problem} for p in blocking])
        print(f"{len(blocking)} score(s) are not final grades, so {args.to} was not written:\n\n"
              f"{text_table(table)}\n\nFix them (see 'When something goes wrong' in docs/instructor-guide.md), "
              "or run again with --allow-problems to export them with an empty score.", file=sys.stderr)
        return 1
    try:
        rows.to_csv(args.to, index=False)
    except OSError as error:
        print(f"error: cannot write {args.to}: {error.strerror}", file=sys.stderr)
        return 2
    flagged = (rows["problem"] != "").sum()
    print(f"wrote {args.to}: {len(rows)} row(s), {flagged} with a problem named in the 'problem' column")
    return 0


if __name__ == "__main__":
    sys.exit(main())
