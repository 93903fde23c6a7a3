"""The instructor guide, followed end to end: every ``bash`` block of docs/instructor-guide.md, in order.

The test reads the guide and runs its blocks as written in a copy of the
course (with the repository's ``.venv`` linked in), changing only the
placeholder the guide names: the exchange folder becomes a temporary one. An
``export NAME=value`` line holds for the later steps, as in one terminal.

* The students' blocks (``nbgrader fetch_assignment``, ``submit``,
  ``fetch_feedback``) run once per student, in the student's own folder, with
  the student configuration the guide's ``python`` block gives. nbgrader 0.9.6
  takes a student's name from the system's user table, not from ``USER``, and
  this test runs as one system user, so each student's configuration also names
  them (``CourseDirectory.student_id``, what ``--student`` would set). Between fetching and submitting the test does the students'
  work: alice hands in the model solution, bob a half-right notebook, carol a
  notebook cut off half-way (corrupted JSON), dave his work as
  ``03-value-of-an-hour-Copy1.ipynb``; erin, in the class list, hands in nothing.
* The ``make lab`` block starts JupyterLab on the copy as `make lab` does
  (tests/lab_server.py) and the test hand-grades the written answers through
  the formgrader's REST API, the calls its page makes: alice full marks, bob half.
* Every other block runs in the course folder. It must succeed, except the
  three steps the guide says stop on a broken submission: the check, autograde
  and the export without ``--allow-problems``, which must exit with 1.

A step that ends otherwise fails the test with the step's text and output.
Expected scores come from the source notebook's points, never typed in here.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shlex
import subprocess
import urllib.request
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbgrader.api import Gradebook

from tests.assignments.assignment_notebooks import (
    REPO,
    cells_where,
    function_name,
    grade_id,
    graded_function,
    hidden_test_secrets,
    html_text,
    is_answer_cell,
    is_manual_answer,
    is_test_cell,
    leaks,
    points,
    read,
    source_notebook,
    submission,
    total_points,
)
from tests.assignments.temporary_course import repository_config
from tests.lab_server import TOKEN, copy_repository, lab_environment, running_lab

GUIDE = REPO / "docs" / "instructor-guide.md"
ASSIGNMENT = "03-value-of-an-hour"
#: The guide's placeholder for the exchange folder, replaced by a temporary one.
EXCHANGE_PLACEHOLDER = "/srv/nbgrader/exchange"
STUDENTS = ("alice", "bob", "carol", "dave")
#: In the class list, never hands anything in.
ABSENT = "erin"
RENAMED_AS = f"{ASSIGNMENT}-Copy1.ipynb"
WRITTEN_ANSWER = "Pay more than your hour is worth when the freed day goes to work worth more than 30 an hour."
#: The manual score each student's written answer gets, as a share of its points.
HAND_GRADE_SHARE = {"alice": 1.0, "bob": 0.5}
STUDENT_COMMANDS = ("nbgrader fetch_assignment", "nbgrader submit", "nbgrader fetch_feedback")
#: Steps the guide says end with exit code 1 while a submission is broken.
FAILING_ON_PURPOSE = ("grading.submissions", "nbgrader autograde")
STEP_TIMEOUT = 600

pytestmark = pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")


@dataclasses.dataclass
class Step:
    """One run of a guide block: who ran it, and how it ended."""

    code: str
    who: str
    returncode: int
    output: str


def fenced_blocks(markdown: str, language: str) -> list[str]:
    """The code of each top-level ```language fenced block, in order."""
    return re.findall(rf"^```{language}\n(.*?)^```$", markdown, flags=re.MULTILINE | re.DOTALL)


def expected_exit(code: str) -> int:
    """The exit code the guide leads one to expect for a block, in a term with broken submissions."""
    if any(command in code for command in FAILING_ON_PURPOSE):
        return 1
    if "grading.export" in code and "--allow-problems" not in code:
        return 1
    return 0


def substitute(code: str, exchange: Path) -> str:
    return code.replace(EXCHANGE_PLACEHOLDER, str(exchange))


def exported_variables(code: str) -> dict[str, str]:
    """The ``export NAME=value`` lines of a block."""
    found = {}
    for line in code.splitlines():
        match = re.match(r"\s*export (\w+)=(.*)$", line)
        if match:
            found[match.group(1)] = shlex.split(match.group(2))[0]
    return found


def run_block(code: str, cwd: Path, env: dict[str, str], who: str) -> Step:
    done = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", code], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=STEP_TIMEOUT, check=False)
    return Step(code, who, done.returncode, done.stdout + done.stderr)


def require(step: Step, expected: int = 0) -> None:
    if step.returncode != expected:
        pytest.fail(f"guide step run by {step.who} exited with {step.returncode}, not {expected}:\n"
                    f"{step.code}\n--- output ---\n{step.output}")


class Term:
    """The course copy, the students' folders, and what each guide step did."""

    def __init__(self, base: Path):
        self.base = base
        self.course = copy_repository(base / "course")
        (self.course / ".venv").symlink_to(REPO / ".venv")
        self.lab_home = base / "lab-home"
        self.exchange = self.lab_home / "exchange"
        self.env = lab_environment(self.lab_home)
        self.env.pop("NBGRADER_EXCHANGE")  # the guide's own export sets it
        self.steps: list[Step] = []
        self.source = source_notebook(ASSIGNMENT)
        self.functions = [function_name(cell) for cell in cells_where(self.source, is_answer_cell)]

    def student_home(self, student: str) -> Path:
        return self.base / "students" / student

    def student_env(self, student: str) -> dict[str, str]:
        home = self.student_home(student)
        return {**self.env, "HOME": str(home),
                "JUPYTER_DATA_DIR": str(home / "jupyter-data"),
                "PATH": os.pathsep.join([str(REPO / ".venv" / "bin"), os.environ.get("PATH", "")])}

    def give_students_their_config(self, guide: str) -> None:
        (config,) = [block for block in fenced_blocks(guide, "python") if "c.Exchange.root" in block]
        for student in STUDENTS:
            self.student_home(student).mkdir(parents=True)
            (self.student_home(student) / "nbgrader_config.py").write_text(
                substitute(config, self.exchange) + f"c.CourseDirectory.student_id = {student!r}\n")

    def run(self, code: str) -> None:
        code = substitute(code, self.exchange)
        if any(command in code for command in STUDENT_COMMANDS):
            for student in STUDENTS:
                step = run_block(code, self.student_home(student), self.student_env(student), student)
                self.steps.append(step)
                require(step)
                if "fetch_assignment" in code:
                    self.do_the_work(student)
        elif code.strip() == "make lab":
            self.hand_grade_in_the_formgrader()
        else:
            step = run_block(code, self.course, self.env, "the instructor")
            self.steps.append(step)
            require(step, expected_exit(code))
            self.env.update(exported_variables(code))

    def do_the_work(self, student: str) -> None:
        """Replace the fetched notebook with the student's work (see the module docstring)."""
        folder = self.student_home(student) / ASSIGNMENT
        fetched = folder / f"{ASSIGNMENT}.ipynb"
        right = {"alice": set(self.functions), "bob": set(self.functions[::2])}.get(student, set(self.functions))
        work = nbformat.writes(submission(read(fetched), self.source, right, ["return 0.0"], WRITTEN_ANSWER))
        if student == "carol":
            fetched.write_text(work[: len(work) // 2])
        elif student == "dave":
            fetched.unlink()
            (folder / RENAMED_AS).write_text(work)
        else:
            fetched.write_text(work)

    def hand_grade_in_the_formgrader(self) -> None:
        """What the instructor does in the formgrader's page, through the REST API it calls."""
        written = grade_id(cells_where(self.source, is_manual_answer)[0])
        written_points = points(cells_where(self.source, is_manual_answer)[0])
        with running_lab(self.lab_home, root=self.course) as lab:
            def call(method: str, path: str, body: dict | None = None):
                request = urllib.request.Request(
                    lab.url(path), method=method, data=json.dumps(body).encode() if body is not None else None,
                    headers={"Authorization": f"token {TOKEN}", "Content-Type": "application/json"})
                with urllib.request.urlopen(request, timeout=60) as response:
                    return json.loads(response.read())

            notebooks = call("GET", f"/formgrader/api/submitted_notebooks/{ASSIGNMENT}/{ASSIGNMENT}")
            for notebook in notebooks:
                if notebook["student"] not in HAND_GRADE_SHARE:
                    continue
                grades = call("GET", f"/formgrader/api/grades?submission_id={notebook['id']}")
                (grade,) = [grade for grade in grades if grade["name"] == written]
                score = HAND_GRADE_SHARE[notebook["student"]] * written_points
                saved = call("PUT", f"/formgrader/api/grade/{grade['id']}", {"manual_score": score})
                assert saved["manual_score"] == score and not saved["needs_manual_grade"]
            graded = {notebook["student"] for notebook in notebooks} & set(HAND_GRADE_SHARE)
            assert graded == set(HAND_GRADE_SHARE), f"the formgrader lists {notebooks}"

    def outputs(self, fragment: str, who: str = "the instructor") -> list[str]:
        """The outputs of the steps ``who`` ran whose code holds ``fragment``."""
        return [step.output for step in self.steps if fragment in step.code and step.who == who]

    def expected_score(self, student: str) -> float:
        """Autograded points of the functions the student got right, plus the hand grade."""
        right = {"alice": set(self.functions), "bob": set(self.functions[::2])}[student]
        autograded = sum(points(cell) for cell in cells_where(self.source, is_test_cell)
                         if graded_function(cell, self.functions) in right)
        written = sum(points(cell) for cell in cells_where(self.source, is_manual_answer))
        return autograded + HAND_GRADE_SHARE[student] * written


@pytest.fixture(scope="module")
def guide() -> str:
    return GUIDE.read_text()


@pytest.fixture(scope="module")
def term(guide, tmp_path_factory) -> Term:
    """The whole term, step by step as the guide gives it."""
    term = Term(tmp_path_factory.mktemp("term"))
    term.give_students_their_config(guide)
    for code in fenced_blocks(guide, "bash"):
        term.run(code)
    return term


def test_the_guide_names_its_placeholders_and_has_a_step_for_each_stage(guide):
    assert EXCHANGE_PLACEHOLDER in guide and ASSIGNMENT in guide
    steps = "\n".join(fenced_blocks(guide, "bash"))
    for command in ("nbgrader db student", "nbgrader generate_assignment", "nbgrader release_assignment",
                    "nbgrader fetch_assignment", "nbgrader submit", "nbgrader collect", "grading.submissions",
                    "nbgrader autograde", "make lab", "nbgrader generate_feedback", "nbgrader release_feedback",
                    "nbgrader fetch_feedback", "grading.export", "grading.summary"):
        assert command in steps, f"the guide has no step running {command}"


def test_the_limits_the_guide_states_are_the_courses(guide):
    config = repository_config()
    text = " ".join(guide.split())
    grading = config.GuardedSandboxedExecute.timeout
    assert f"longer than {grading} seconds" in text
    assert f"In grading each cell has {grading} seconds (`c.GuardedSandboxedExecute.timeout`)" in text
    assert f"`nbgrader validate` allows {config.Execute.timeout} seconds (`c.Execute.timeout`" in text
    assert f"the {grading}-second limit of each cell" in text and f"the {grading}-second cell limit" in text
    assert f"{config.LimitOutput.max_lines:,} lines" in text
    assert f"{config.LimitOutputSize.max_characters:,} characters" in text


def test_the_check_names_each_unreadable_submission_with_its_reason(term):
    (output,) = term.outputs("grading.submissions")
    rows = {line.split()[0]: line for line in output.splitlines() if line.split() and line.split()[0] in
            (*STUDENTS, ABSENT)}
    assert re.search(r"corrupted notebook .*not JSON", rows["carol"])
    assert re.search(rf"renamed notebook .*found {re.escape(RENAMED_AS)} instead of {ASSIGNMENT}\.ipynb", rows["dave"])
    assert re.search(r"\bok\b", rows["alice"]) and re.search(r"\bok\b", rows["bob"])
    assert "no submission" in rows[ABSENT]


def test_nbgraders_own_export_would_give_carol_and_dave_a_silent_zero(term):
    """Why grading.export exists: the same gradebook through plain `nbgrader export`."""
    step = run_block(".venv/bin/nbgrader export --to nbgrader-grades.csv", term.course, term.env, "the instructor")
    require(step)
    plain = pd.read_csv(term.course / "nbgrader-grades.csv").set_index("student_id")
    assert plain.loc["carol", "score"] == 0 and plain.loc["dave", "score"] == 0


def test_the_hand_grades_were_saved_through_the_formgrader(term):
    written = grade_id(cells_where(term.source, is_manual_answer)[0])
    written_points = points(cells_where(term.source, is_manual_answer)[0])
    with Gradebook(f"sqlite:///{term.course / 'gradebook.db'}") as gradebook:
        for student, share in HAND_GRADE_SHARE.items():
            grade = gradebook.find_grade(written, ASSIGNMENT, ASSIGNMENT, student)
            assert grade.manual_score == share * written_points and not grade.needs_manual_grade


@pytest.mark.parametrize("student", sorted(HAND_GRADE_SHARE))
def test_feedback_reaches_the_student_without_hidden_tests(term, student):
    fetched = sorted((term.student_home(student) / ASSIGNMENT / "feedback").glob(f"*/{ASSIGNMENT}.html"))
    assert len(fetched) == 1, f"{student} fetched {fetched}"
    page = html_text(fetched[0].read_text())
    assert leaks(hidden_test_secrets(term.source), page) == []
    assert f"Score: {term.expected_score(student)}" in " ".join(page.split())
    assert fetched[0].read_text() == (term.course / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()


def test_no_feedback_is_made_for_an_unreadable_submission(term):
    for student in ("carol", "dave"):
        assert not (term.course / "feedback" / student).exists()


def test_the_export_refuses_first_and_names_carol_and_dave(term):
    (refused,) = [step.output for step in term.steps
                  if "grading.export" in step.code and "--allow-problems" not in step.code]
    assert re.search(r"^carol\s+corrupted notebook", refused, flags=re.MULTILINE)
    assert re.search(r"^dave\s+renamed notebook", refused, flags=re.MULTILINE)
    assert "--allow-problems" in refused


def test_the_exported_csv_holds_the_scores_and_flags_carol_and_dave(term):
    grades = pd.read_csv(term.course / "grades.csv", dtype={"problem": str}).set_index("student_id")
    assert sorted(grades.index) == sorted((*STUDENTS, ABSENT))
    for student in HAND_GRADE_SHARE:
        assert grades.loc[student, "score"] == pytest.approx(term.expected_score(student))
        assert pd.isna(grades.loc[student, "problem"])
        assert grades.loc[student, "max_score"] == total_points(term.source)
    assert grades.loc["alice", "score"] == total_points(term.source)
    assert 0 < grades.loc["bob", "score"] < total_points(term.source)
    assert grades.loc["carol", "problem"].startswith("corrupted notebook")
    assert grades.loc["dave", "problem"].startswith("renamed notebook")
    assert pd.isna(grades.loc["carol", "score"]) and pd.isna(grades.loc["dave", "score"])
    assert grades.loc[ABSENT, "problem"] == "no submission" and grades.loc[ABSENT, "score"] == 0


def test_the_summary_has_the_right_numbers_and_its_charts(term):
    folder = term.course / "grade-summary"
    students = pd.read_csv(folder / f"{ASSIGNMENT}-students.csv").set_index("student")
    assert sorted(students.index) == sorted(HAND_GRADE_SHARE)
    for student in HAND_GRADE_SHARE:
        assert students.loc[student, "total"] == pytest.approx(term.expected_score(student))
    questions = pd.read_csv(folder / f"{ASSIGNMENT}-questions.csv").set_index("question")
    written = [label for label in questions.index if label.endswith(grade_id(cells_where(term.source, is_manual_answer)[0]))]
    assert len(written) == 1
    assert questions.loc[written[0], "mean"] == pytest.approx(
        sum(HAND_GRADE_SHARE.values()) / len(HAND_GRADE_SHARE) * questions.loc[written[0], "points"])
    assert questions.loc["total", "mean"] == pytest.approx(students["total"].mean())
    for chart in (f"{ASSIGNMENT}-totals.png", f"{ASSIGNMENT}-question-means.png"):
        assert (folder / chart).read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    (printed,) = term.outputs("grading.summary")
    assert re.search(r"^carol\s+corrupted notebook", printed, flags=re.MULTILINE)
