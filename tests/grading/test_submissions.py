"""grading.submissions and grading.export: every unreadable submission is named, none is exported as a silent 0.

The course is written directly (tests/grading/small_course.py); the commands run
as an instructor runs them, in the course folder. The real nbgrader behaviour
behind these cases is exercised by test_instructor_guide.py, which autogrades
corrupted and renamed submissions.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from nbgrader.api import Gradebook

from grading import export, submissions
from grading.course import course_directory
from grading.export import nbgrader_export
from grading.problems import grade_problems
from tests.grading.small_course import (
    ASSIGNMENT,
    GRADE_CELLS,
    autograde,
    hand_in,
    make_course,
    new_gradebook,
    student_notebook,
)

NOTEBOOK = f"{ASSIGNMENT}.ipynb"
FULL_MARKS = {name: points for name, (points, _, _) in GRADE_CELLS.items()}
HALF_DONE = {name: points / 2 for name, points in FULL_MARKS.items()}
#: The class: each student's hand-in, and what autograde made of it.
CLASS = ["ana", "ben", "cy", "dan", "eve", "fay", "gus", "hal", "ivy", "jo"]

pytestmark = pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")


@dataclasses.dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


def run(course: Path, command, *arguments: str) -> Ran:
    """Run a command's ``main`` in the course folder, as the instructor's ``python -m`` would."""
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(io.StringIO()) as out, \
            contextlib.redirect_stderr(io.StringIO()) as err:
        patch.chdir(course)
        returncode = command.main(list(arguments))
    return Ran(returncode, out.getvalue(), err.getvalue())


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    """A course whose class shows every case."""
    root = make_course(tmp_path_factory.mktemp("class") / "course", [student for student in CLASS if student != "fay"])
    good = student_notebook()
    hand_in(root, "ana", {NOTEBOOK: good, "notes.txt": "my notes"})
    autograde(root, "ana", FULL_MARKS)
    hand_in(root, "ben", {NOTEBOOK: good, "extra.ipynb": good})
    autograde(root, "ben", {**HALF_DONE, "essay": None})
    hand_in(root, "cy", {NOTEBOOK: good[: len(good) // 2]})
    autograde(root, "cy", {}, write_notebook=False)  # nbgrader keeps the submission it created
    hand_in(root, "dan", {"my work.ipynb": good})
    autograde(root, "dan", {}, write_notebook=False)
    # eve hands in nothing
    hand_in(root, "fay", {NOTEBOOK: good})  # collected, never autograded, unknown to the gradebook
    hand_in(root, "gus", {NOTEBOOK: good})
    autograde(root, "gus", {}, write_notebook=False)  # autograde failed half-way
    hand_in(root, "hal", {NOTEBOOK: good}, timestamp="2025-03-15 09:00:00.000000 UTC")
    autograde(root, "hal", FULL_MARKS)  # graded before the last submission was collected
    hand_in(root, "ivy", {".ipynb_checkpoints/01-sample-checkpoint.ipynb": good})
    hand_in(root, "jo", {"answers.py": "print('hi')", NOTEBOOK.replace(".ipynb", ".html"): "<p>hi</p>"})
    return root


@pytest.mark.parametrize(("content", "reason"), [
    (b"", "is empty (0 bytes)"),
    (b"  \n", "is empty (3 bytes)"),
    (b'{"cells": [', "is not JSON"),
    (b"\xff\xfe\x00notebook", "is not text"),
    (b'{"hello": 1}', "is JSON but not a notebook"),
    (b"[1, 2]", "is JSON but not a notebook"),
])
def test_each_kind_of_unreadable_notebook_gets_its_reason(tmp_path, content, reason):
    path = tmp_path / NOTEBOOK
    path.write_bytes(content)
    assert reason in submissions.notebook_problem(path)
    assert submissions.notebook_problem(path).startswith(NOTEBOOK)


def test_a_real_notebook_has_no_problem(tmp_path):
    path = tmp_path / NOTEBOOK
    path.write_text(student_notebook())
    assert submissions.notebook_problem(path) is None


def test_the_check_gives_every_student_an_outcome(course):
    checks = {check.student: check for check in submissions.check_submissions(course_directory(course), ASSIGNMENT)}
    assert sorted(checks) == sorted(CLASS)
    outcomes = {student: check.outcome for student, check in checks.items()}
    assert outcomes == {
        "ana": submissions.OK, "ben": submissions.OK, "cy": submissions.CORRUPTED, "dan": submissions.RENAMED,
        "eve": submissions.NO_SUBMISSION, "fay": submissions.OK, "gus": submissions.OK, "hal": submissions.OK,
        "ivy": submissions.EMPTY, "jo": submissions.MISSING,
    }
    assert "not JSON" in checks["cy"].detail
    assert checks["dan"].detail == f"found my work.ipynb instead of {NOTEBOOK}"
    assert "extra.ipynb" in checks["ben"].detail and "not graded" in checks["ben"].detail
    assert "answers.py" in checks["jo"].detail and f"no {NOTEBOOK}" in checks["jo"].detail
    assert [student for student, check in checks.items() if check.unreadable] == ["cy", "dan", "ivy", "jo"]


def test_the_check_command_prints_every_student_and_exits_1_on_an_unreadable_submission(course):
    done = run(course, submissions, ASSIGNMENT)
    assert done.returncode == 1, done.stderr
    rows = {line.split()[0]: line for line in done.stdout.splitlines()[1:] if line.strip() and line.split()[0] in CLASS}
    assert sorted(rows) == sorted(CLASS)
    assert "renamed notebook" in rows["dan"] and "my work.ipynb" in rows["dan"]
    assert "corrupted notebook" in rows["cy"] and "empty submission" in rows["ivy"]
    assert "cy, dan, ivy, jo" in done.stdout


def test_the_check_exits_0_when_every_submission_can_be_read(tmp_path, monkeypatch):
    root = make_course(tmp_path / "course", ["ana", "eve"])
    hand_in(root, "ana", {NOTEBOOK: student_notebook()})
    done = run(root, submissions, ASSIGNMENT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no submission" in done.stdout


@pytest.mark.parametrize(("arguments", "message"), [
    (["no-such-assignment"], "unknown assignment 'no-such-assignment'"),
    ([ASSIGNMENT, "--course", "/nonexistent/course"], "no nbgrader_config.py in /nonexistent/course"),
])
def test_the_check_answers_bad_input_with_a_message(course, arguments, message):
    done = run(course, submissions, *arguments)
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr


def test_nbgraders_own_export_shows_the_unreadable_submissions_as_zero(course):
    """What grading.export is for: the gradebook gives cy and dan a plain 0."""
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        rows = nbgrader_export(gradebook, [ASSIGNMENT]).set_index("student_id")
    assert float(rows.loc["cy", "score"]) == 0 and float(rows.loc["dan", "score"]) == 0
    assert "fay" not in rows.index


def test_every_score_that_is_not_a_grade_has_a_problem(course):
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        problems = grade_problems(course_directory(course), gradebook, ASSIGNMENT)
    assert "ana" not in problems
    assert problems["ben"].problem == "waiting for manual grading: essay"
    assert problems["cy"].problem.startswith("corrupted notebook")
    assert problems["dan"].problem.startswith("renamed notebook")
    assert problems["eve"].problem == "no submission" and not problems["eve"].blocking
    assert problems["fay"].problem.startswith("not autograded yet")
    assert problems["gus"].problem.startswith("autograde failed")
    assert problems["hal"].problem.startswith("collected again after autograde")
    assert all(problem.blocking for student, problem in problems.items() if student != "eve")


def test_the_export_refuses_while_a_score_is_not_a_grade(course):
    done = run(course, export, ASSIGNMENT, "--to", "refused.csv")
    assert done.returncode == 1
    assert not (course / "refused.csv").exists()
    for student in ("ben", "cy", "dan", "fay", "gus", "hal", "ivy", "jo"):
        assert f"\n{student} " in done.stderr, student
    assert "--allow-problems" in done.stderr


def test_an_allowed_export_names_each_problem_and_writes_no_score_for_it(course):
    done = run(course, export, "--to", "grades.csv", "--allow-problems")
    assert done.returncode == 0, done.stderr
    grades = pd.read_csv(course / "grades.csv", dtype={"problem": str}).set_index("student_id")
    assert sorted(grades.index) == sorted(CLASS)
    assert grades.loc["ana", "score"] == sum(FULL_MARKS.values()) and pd.isna(grades.loc["ana", "problem"])
    assert grades.loc["ana", "max_score"] == sum(FULL_MARKS.values())
    for student in ("ben", "cy", "dan", "fay", "gus", "hal", "ivy", "jo"):
        assert pd.isna(grades.loc[student, "score"]) and pd.isna(grades.loc[student, "raw_score"]), student
        assert isinstance(grades.loc[student, "problem"], str), student
    assert grades.loc["eve", "score"] == 0 and grades.loc["eve", "problem"] == "no submission"
    assert grades.loc["fay", "assignment"] == ASSIGNMENT


def test_a_class_without_problems_exports_without_the_flag(tmp_path):
    root = make_course(tmp_path / "course", ["ana"])
    hand_in(root, "ana", {NOTEBOOK: student_notebook()})
    autograde(root, "ana", HALF_DONE)
    done = run(root, export, ASSIGNMENT, "--to", "out/grades.csv")
    assert done.returncode == 2 and "cannot write out/grades.csv" in done.stderr
    (root / "out").mkdir()
    done = run(root, export, ASSIGNMENT, "--to", "out/grades.csv")
    assert done.returncode == 0, done.stderr
    grades = pd.read_csv(root / "out" / "grades.csv").set_index("student_id")
    assert grades.loc["ana", "score"] == sum(HALF_DONE.values())


@pytest.mark.parametrize(("setup", "arguments", "message"), [
    ("course", ["nope"], "the gradebook has no assignment 'nope' (it knows: 01-sample)"),
    ("no gradebook", [], "no gradebook at"),
    ("empty gradebook", [], "the gradebook holds no assignment yet"),
])
def test_the_export_answers_bad_input_with_a_message(tmp_path, setup, arguments, message):
    root = make_course(tmp_path / "course", [])
    if setup != "course":
        (root / "gradebook.db").unlink()
    if setup == "empty gradebook":
        with new_gradebook(root):
            pass
    done = run(root, export, *arguments)
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("module", ["grading.submissions", "grading.export", "grading.summary"])
def test_every_command_explains_itself(module):
    done = subprocess.run([sys.executable, "-m", module, "--help"], capture_output=True, text=True, check=False)
    assert done.returncode == 0 and "usage: python -m " + module in done.stdout
