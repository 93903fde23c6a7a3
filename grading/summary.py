"""A grade summary per question and per student: ``python -m grading.summary <assignment> [--out folder]``.

From the course's gradebook it builds, with pandas:

* ``<assignment>-students.csv``: one row per student, one column per question
  (the points of its grade cells added up), then ``total`` and ``max``;
* ``<assignment>-questions.csv``: per question its points, mean, median, min,
  max and the share of students with full marks, and the same for the total;
* ``<assignment>-totals.png``: the distribution of the totals, and
  ``<assignment>-question-means.png``: each question's mean as a share of its points.

Questions are named after the source notebook's headings, ``## Question 1 (3
points): ...``, and the first answer cell below each: ``Q1 hourly_value``.
A grade cell before any such heading stands for itself.
Students whose score is not a final grade (:mod:`grading.problems`: an
unreadable submission, a failed autograde, an answer still to grade by hand)
are left out of the numbers and listed with the reason, so a broken
submission never pulls the statistics down as a 0. Students who handed in
nothing are left out too.

The charts are drawn with matplotlib's Agg backend at a fixed size and
resolution, with no software or date metadata, so the same grades give the
same bytes.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from grading.course import CourseError, course_directory, open_gradebook, require_assignment, source_notebooks
from grading.problems import grade_problems
from grading.text import text_table

QUESTION_HEADING = re.compile(r"^#+\s*Question\s+(\w+)", re.MULTILINE)
TOTAL = "total"
MAX = "max"
#: Figure size in inches and resolution: fixed, so the PNG bytes depend only on the grades.
FIGURE_SIZE = (6.4, 4.0)
DPI = 100
PNG_METADATA = {"Software": None}


def question_labels(notebook) -> dict[str, str]:
    """Each grade cell's question label, read from the notebook's ``Question N`` headings."""
    labels, number, label = {}, None, None
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "markdown" and (match := QUESTION_HEADING.search(cell.source)):
            number, label = match.group(1), None
        if meta.get("solution") and number is not None and label is None:
            label = f"Q{number} {meta['grade_id']}"
        if meta.get("grade"):
            labels[meta["grade_id"]] = label or (f"Q{number}" if number is not None else meta["grade_id"])
    return labels


def grade_cell_questions(coursedir, assignment: str) -> dict[tuple[str, str], str]:
    """(notebook, grade cell) -> question label, in the source notebooks' order."""
    paths = source_notebooks(coursedir, assignment)
    questions = {}
    for path in paths:
        prefix = f"{path.stem}: " if len(paths) > 1 else ""
        for cell, label in question_labels(nbformat.read(path, as_version=4)).items():
            questions[(path.stem, cell)] = prefix + label
    return questions


def question_points(coursedir, gradebook, assignment: str) -> pd.Series:
    """The points each question is worth, in the notebook's order, from the gradebook's grade cells."""
    known = grade_cell_questions(coursedir, assignment)
    cells = {(notebook.name, cell.name): cell.max_score
             for notebook in gradebook.find_assignment(assignment).notebooks for cell in notebook.grade_cells}
    ordered = [key for key in known if key in cells] + sorted(key for key in cells if key not in known)
    points: dict[str, float] = {}
    for key in ordered:
        question = known.get(key, key[1])
        points[question] = points.get(question, 0.0) + cells[key]
    return pd.Series(points, dtype=float)


def question_table(coursedir, gradebook, assignment: str, students: list[str], points: pd.Series) -> pd.DataFrame:
    """Points per student (rows) and question (columns, as in ``points``), with ``total`` and ``max``."""
    known = grade_cell_questions(coursedir, assignment)
    records = [
        {"student": student, "question": known.get((notebook.name, grade.name), grade.name), "score": grade.score}
        for student in students
        for notebook in gradebook.find_submission(assignment, student).notebooks
        for grade in notebook.grades
    ]
    frame = pd.DataFrame(records, columns=["student", "question", "score"])
    table = frame.pivot_table(index="student", columns="question", values="score", aggfunc="sum")
    table = table.reindex(columns=list(points.index), fill_value=0.0)
    table.columns.name = None
    table[TOTAL] = table.sum(axis=1)
    table[MAX] = float(points.sum())
    return table


def question_statistics(table: pd.DataFrame, points: pd.Series) -> pd.DataFrame:
    """Per question and for the total: points, mean, median, min, max and the share of full marks."""
    scores = table.drop(columns=[MAX])
    points = pd.concat([points, pd.Series({TOTAL: float(points.sum())})])
    return pd.DataFrame({
        "points": points,
        "mean": scores.mean(),
        "median": scores.median(),
        "min": scores.min(),
        "max": scores.max(),
        "full_marks_share": (scores >= points).mean(),
    }).rename_axis("question")


def new_figure() -> tuple[Figure, object]:
    figure = Figure(figsize=FIGURE_SIZE, dpi=DPI)
    FigureCanvasAgg(figure)
    return figure, figure.add_subplot()


def save_png(figure: Figure, path: Path) -> None:
    figure.tight_layout()
    figure.savefig(path, format="png", dpi=DPI, metadata=PNG_METADATA)


def totals_chart(totals: pd.Series, maximum: float, assignment: str, path: Path) -> None:
    """A histogram of the total scores from 0 to ``maximum``, one bar per point (at most 20 bars)."""
    figure, axes = new_figure()
    bins = min(20, max(1, int(round(maximum))))
    axes.hist(totals, bins=bins, range=(0, maximum), color="#3b6ea5", edgecolor="white")
    axes.set_xlim(0, maximum)
    axes.set_xlabel(f"total score (out of {maximum:g})")
    axes.set_ylabel("students")
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.set_title(f"{assignment}: {len(totals)} students, mean {totals.mean():.4g}")
    save_png(figure, path)


def means_chart(statistics: pd.DataFrame, assignment: str, path: Path) -> None:
    """One horizontal bar per question: its mean as a share of its points."""
    figure, axes = new_figure()
    questions = statistics.drop(index=TOTAL)
    shares = (questions["mean"] / questions["points"]).iloc[::-1]
    axes.barh(list(shares.index), shares.to_numpy() * 100, color="#3b6ea5")
    axes.set_xlim(0, 100)
    axes.set_xlabel("mean score, % of the question's points")
    axes.set_title(f"{assignment}: mean per question")
    save_png(figure, path)


def summarize(coursedir, assignment: str, out: Path) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, str], list[Path]]:
    """Build the tables and charts of ``assignment`` in ``out``; return them, the students left out and the files."""
    with open_gradebook(coursedir) as gradebook:
        require_assignment(gradebook, assignment)
        submitted = sorted(submission.student.id for submission in gradebook.find_assignment(assignment).submissions)
        problems = grade_problems(coursedir, gradebook, assignment)
        left_out = {student: problem.problem for student, problem in problems.items()}
        graded = [student for student in submitted if student not in left_out]
        if not submitted:
            raise CourseError(f"no submissions of {assignment} in the gradebook yet: collect and autograde them first")
        if not graded:
            raise CourseError(f"no submission of {assignment} has a final grade yet:\n{problems_text(left_out)}")
        points = question_points(coursedir, gradebook, assignment)
        table = question_table(coursedir, gradebook, assignment, graded, points)
        statistics = question_statistics(table, points)
    out.mkdir(parents=True, exist_ok=True)
    files = [out / f"{assignment}-students.csv", out / f"{assignment}-questions.csv",
             out / f"{assignment}-totals.png", out / f"{assignment}-question-means.png"]
    table.to_csv(files[0])
    statistics.to_csv(files[1])
    totals_chart(table[TOTAL], float(table[MAX].iloc[0]), assignment, files[2])
    means_chart(statistics, assignment, files[3])
    return table, statistics, left_out, files


def problems_text(left_out: dict[str, str]) -> str:
    return text_table(pd.DataFrame({"student": list(left_out), "left out because": list(left_out.values())}))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m grading.summary",
        description="Grade summary of an assignment per question and per student, as CSV, text and charts.",
    )
    parser.add_argument("assignment", help="the assignment's name, e.g. 03-value-of-an-hour")
    parser.add_argument("--out", type=Path, default=Path("grade-summary"),
                        help="folder for the CSV files and charts (default: grade-summary)")
    parser.add_argument("--course", type=Path, default=None, help="the course folder (default: the current folder)")
    args = parser.parse_args(argv)
    try:
        table, statistics, left_out, files = summarize(course_directory(args.course), args.assignment, args.out)
    except CourseError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"error: cannot write the summary to {args.out}: {error.strerror}", file=sys.stderr)
        return 2
    print(f"{args.assignment}: points per student\n\n{text_table(table.reset_index(), '{:.4g}')}\n")
    print(f"per question\n\n{text_table(statistics.reset_index(), '{:.4g}')}\n")
    if left_out:
        print(f"not in the numbers\n\n{problems_text(left_out)}\n")
    print("wrote " + ", ".join(str(path) for path in files))
    return 0


if __name__ == "__main__":
    sys.exit(main())
