"""grading.summary: points per student and question, statistics, charts, and who is left out and why.

The course is written directly (tests/grading/small_course.py). Expected numbers
are computed here from the scores put into the gradebook, with plain Python,
not with the pandas code under test.
"""

from __future__ import annotations

import contextlib
import io
import statistics
import struct
from pathlib import Path

import pandas as pd
import pytest

from grading import summary
from grading.course import course_directory
from tests.assignments.assignment_notebooks import REPO
from tests.grading.small_course import (
    ASSIGNMENT,
    GRADE_CELLS,
    QUESTION_OF,
    autograde,
    hand_in,
    make_course,
    source_notebook,
    student_notebook,
)

NOTEBOOK = f"{ASSIGNMENT}.ipynb"
#: Each graded student's score per grade cell.
SCORES = {
    "ana": {"test_setup": 1.0, "test_area_square": 2.0, "test_area_rejects_negative": 1.0, "essay": 2.0},
    "ben": {"test_setup": 1.0, "test_area_square": 0.0, "test_area_rejects_negative": 1.0, "essay": 1.5},
    "cas": {"test_setup": 0.0, "test_area_square": 2.0, "test_area_rejects_negative": 0.0, "essay": 0.5},
}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

pytestmark = pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")


def run(course: Path, *arguments: str) -> tuple[int, str, str]:
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(io.StringIO()) as out, \
            contextlib.redirect_stderr(io.StringIO()) as err:
        patch.chdir(course)
        returncode = summary.main(list(arguments))
    return returncode, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    """Three graded students, one corrupted submission, one still to grade by hand, one who handed in nothing."""
    root = make_course(tmp_path_factory.mktemp("summary") / "course", [*SCORES, "dot", "eli", "fin"])
    for student, scores in SCORES.items():
        hand_in(root, student, {NOTEBOOK: student_notebook()})
        autograde(root, student, scores)
    hand_in(root, "dot", {NOTEBOOK: "{"})
    autograde(root, "dot", {}, write_notebook=False)
    hand_in(root, "eli", {NOTEBOOK: student_notebook()})
    autograde(root, "eli", {**SCORES["ana"], "essay": None})
    return root


@pytest.fixture(scope="module")
def summarized(course):
    """The printed summary and the folder it wrote."""
    returncode, out, err = run(course, ASSIGNMENT, "--out", "summary")
    assert returncode == 0, err
    return out, course / "summary"


def question_points() -> dict[str, float]:
    points: dict[str, float] = {}
    for cell, (cell_points, _, _) in GRADE_CELLS.items():
        points[QUESTION_OF[cell]] = points.get(QUESTION_OF[cell], 0) + cell_points
    return points


def question_scores(student: str) -> dict[str, float]:
    scores: dict[str, float] = {}
    for cell, score in SCORES[student].items():
        scores[QUESTION_OF[cell]] = scores.get(QUESTION_OF[cell], 0) + score
    return scores


def png_chunks(data: bytes) -> list[bytes]:
    """The chunk types of a PNG file, in order."""
    assert data.startswith(PNG_SIGNATURE)
    chunks, at = [], len(PNG_SIGNATURE)
    while at < len(data):
        (length,) = struct.unpack(">I", data[at:at + 4])
        chunks.append(data[at + 4:at + 8])
        at += 12 + length
    return chunks


def test_questions_are_named_after_the_headings_and_their_first_answer():
    assert summary.question_labels(source_notebook()) == QUESTION_OF


def test_the_course_notebooks_name_every_grade_cell_by_a_question():
    coursedir = course_directory(REPO)
    for assignment in ("03-value-of-an-hour", "10-capstone-obm-proposal"):
        labels = summary.grade_cell_questions(coursedir, assignment)
        assert labels and all(label.startswith("Q") for label in labels.values()), assignment


def test_the_student_table_adds_up_each_question(summarized):
    _, folder = summarized
    table = pd.read_csv(folder / f"{ASSIGNMENT}-students.csv").set_index("student")
    assert sorted(table.index) == sorted(SCORES)
    assert list(table.columns) == [*dict.fromkeys(QUESTION_OF.values()), "total", "max"]
    for student in SCORES:
        for question, score in question_scores(student).items():
            assert table.loc[student, question] == pytest.approx(score)
        assert table.loc[student, "total"] == pytest.approx(sum(SCORES[student].values()))
        assert table.loc[student, "max"] == sum(question_points().values())


def test_the_question_statistics(summarized):
    _, folder = summarized
    stats = pd.read_csv(folder / f"{ASSIGNMENT}-questions.csv").set_index("question")
    points = {**question_points(), "total": sum(question_points().values())}
    for question, question_points_ in points.items():
        if question == "total":
            values = [sum(SCORES[student].values()) for student in SCORES]
        else:
            values = [question_scores(student)[question] for student in SCORES]
        row = stats.loc[question]
        assert row["points"] == question_points_
        assert row["mean"] == pytest.approx(statistics.mean(values))
        assert row["median"] == pytest.approx(statistics.median(values))
        assert (row["min"], row["max"]) == (min(values), max(values))
        assert row["full_marks_share"] == pytest.approx(sum(v >= question_points_ for v in values) / len(values))


def test_students_without_a_final_grade_are_left_out_and_named(summarized):
    out, _ = summarized
    listed = out.split("not in the numbers", 1)[1]
    assert "dot" in listed and "corrupted notebook" in listed
    assert "eli" in listed and "waiting for manual grading: essay" in listed
    assert "fin" in listed and "no submission" in listed
    for student in SCORES:
        assert student not in listed


def test_the_charts_are_pngs_without_time_or_software_stamps(summarized):
    _, folder = summarized
    for chart in (f"{ASSIGNMENT}-totals.png", f"{ASSIGNMENT}-question-means.png"):
        chunks = png_chunks((folder / chart).read_bytes())
        assert chunks[0] == b"IHDR" and chunks[-1] == b"IEND"
        assert not {b"tIME", b"tEXt", b"iTXt", b"zTXt"} & set(chunks), chart


def test_the_same_grades_give_the_same_files(course, summarized):
    _, folder = summarized
    returncode, _, err = run(course, ASSIGNMENT, "--out", "again")
    assert returncode == 0, err
    for path in folder.iterdir():
        assert (course / "again" / path.name).read_bytes() == path.read_bytes(), path.name


def test_the_printed_tables_hold_the_totals(summarized):
    out, _ = summarized
    for student in SCORES:
        (row,) = [line for line in out.splitlines() if line.startswith(f"{student} ")]
        assert f"{sum(SCORES[student].values()):.4g}" in row.split()


@pytest.mark.parametrize(("situation", "message"), [
    ("unknown assignment", "the gradebook has no assignment 'nope'"),
    ("no submissions", f"no submissions of {ASSIGNMENT} in the gradebook yet"),
    ("nothing final", f"no submission of {ASSIGNMENT} has a final grade yet"),
    ("no gradebook", "no gradebook at"),
    ("no course", "no nbgrader_config.py in"),
])
def test_bad_situations_get_a_clear_message(tmp_path, situation, message):
    root = make_course(tmp_path / "course", ["dot"])
    arguments = ["nope" if situation == "unknown assignment" else ASSIGNMENT]
    if situation == "nothing final":
        hand_in(root, "dot", {NOTEBOOK: "{"})
        autograde(root, "dot", {}, write_notebook=False)
    if situation == "no gradebook":
        (root / "gradebook.db").unlink()
    if situation == "no course":
        arguments += ["--course", str(tmp_path / "elsewhere")]
    returncode, out, err = run(root, *arguments)
    assert returncode == 2 and message in err and "Traceback" not in err
    if situation == "nothing final":
        assert "dot" in err and "corrupted notebook" in err
