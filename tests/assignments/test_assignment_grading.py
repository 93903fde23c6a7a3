"""Every assignment round-trips through nbgrader: release, submit, autograde, feedback, export.

One test class per assignment in solutions/, generated at the bottom of this
module, so pytest-xdist's ``--dist loadscope`` grades the assignments on
different workers. Each class builds one temporary course (nbgrader runs are
the slow part, tests/assignments/temporary_course.py): the assignment's source
copied from solutions/, a config that loads the course's own ``nbgrader_config.py``
and then points the gradebook and exchange into the temporary folder. Three students submit:

* ``solution_copy`` fills in every answer with the model solution;
* ``untouched`` hands back the student version as released;
* ``half_right`` solves every other function and returns a wrong constant from the rest.

Expected scores come from the source notebook's own point values. The pipeline runs
in this process through ``nbgrader.apps.NbGraderAPI``, except for ``nbgrader export``,
which runs as the command an instructor types.
"""

from __future__ import annotations

import copy
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbgrader.api import Gradebook
from nbgrader.apps import NbGraderAPI
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import GetGrades

from tests.assignments.assignment_notebooks import (
    REPO,
    SOLUTIONS,
    autograded_points,
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
    source_notebook,
    submission,
    total_points,
)
from tests.assignments.temporary_course import TemporaryCourse, course_environment, succeeded
from tools.generate_exercises import assignment_names

WRONG_BODY = ["return 0.0"]
WRITTEN_ANSWER = "The assistant costs more than my hour, but the freed day can go to sales worth more."
STUDENTS = ("solution_copy", "untouched", "half_right")

# nbgrader's autograde, run in this process, trips SQLAlchemy's autoflush warnings
# inside nbgrader itself; they say nothing about this course.
pytestmark = pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")


def autograded_total(scores: dict[str, float], source) -> float:
    test_cells = {grade_id(cell) for cell in cells_where(source, is_test_cell)}
    return sum(score for name, score in scores.items() if name in test_cells)


@pytest.fixture(scope="class")
def assignment(request) -> str:
    """The assignment of the test class that asks."""
    return request.cls.assignment


@pytest.fixture(scope="class")
def source(assignment):
    return source_notebook(assignment)


@pytest.fixture(scope="class")
def functions(source) -> list[str]:
    """The functions the students write, in the notebook's order."""
    return [function_name(cell) for cell in cells_where(source, is_answer_cell)]


@pytest.fixture(scope="class")
def right_functions(functions) -> dict[str, set[str]]:
    """Which functions each student got right."""
    return {"solution_copy": set(functions), "untouched": set(), "half_right": set(functions[::2])}


@pytest.fixture(scope="class")
def course(assignment, tmp_path_factory, source, right_functions):
    """The temporary course after generate_assignment, three submissions, autograde and feedback."""
    course = TemporaryCourse(tmp_path_factory.mktemp("course"), sandbox=None)
    course.copy_source(assignment, SOLUTIONS / assignment)
    released = course.generate(assignment)
    for student in STUDENTS:
        if student == "untouched":
            notebook = released
        else:
            notebook = submission(released, source, right_functions[student], WRONG_BODY, WRITTEN_ANSWER)
        course.submit_and_grade(assignment, student, notebook)
    with course.environment():
        succeeded(course.api().generate_feedback(assignment))
        unscrubbed_feedback(assignment, course.config, course.root)
    return course.root


def unscrubbed_feedback(assignment, config, course: Path) -> None:
    """Feedback for ``untouched`` with nbgrader's default preprocessors, into feedback_default/.

    Only there to show that the leak test below can see a leak in nbgrader's real HTML.
    """
    default = copy.deepcopy(config)
    default.GenerateFeedback.preprocessors = [GetGrades, CSSHTMLHeaderPreprocessor]
    default.CourseDirectory.feedback_directory = "feedback_default"
    api = NbGraderAPI(coursedir=CourseDirectory(config=default), config=default)
    succeeded(api.generate_feedback(assignment, "untouched"))


@pytest.fixture(scope="class")
def cell_scores(assignment, course) -> dict[str, dict[str, float]]:
    """Each student's score for each grade cell, as the gradebook holds it."""
    scores = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for student in STUDENTS:
            notebook = gradebook.find_submission_notebook(assignment, assignment, student)
            scores[student] = {grade.name: grade.score for grade in notebook.grades}
    return scores


@pytest.fixture(scope="class")
def expected_cell_scores(source, functions, right_functions) -> dict[str, dict[str, float]]:
    """Full points for the test cells of the functions a student got right, nothing for the others."""
    return {
        student: {
            grade_id(cell): points(cell) if graded_function(cell, functions) in right else 0.0
            for cell in cells_where(source, is_test_cell)
        }
        for student, right in right_functions.items()
    }


def feedback_page(assignment, course: Path, student: str, folder: str = "feedback") -> str:
    return (course / folder / student / assignment / f"{assignment}.html").read_text()


@pytest.fixture(scope="class")
def exported(course) -> pd.DataFrame:
    """The grades as `nbgrader export` writes them, read back with pandas, one row per student."""
    env = dict(os.environ, **course_environment(course))
    done = subprocess.run(
        [sys.executable, "-m", "nbgrader", "export", "--to", "grades.csv"],
        cwd=course, env=env, capture_output=True, text=True, check=False,
    )
    assert done.returncode == 0, done.stderr
    return pd.read_csv(course / "grades.csv").set_index("student_id")


class AssignmentPipeline:
    """The whole nbgrader round trip for one assignment; subclasses set ``assignment``."""

    assignment: str = ""

    def test_the_solution_earns_every_autograded_point(self, cell_scores, expected_cell_scores, source):
        scores = cell_scores["solution_copy"]
        for name, expected in expected_cell_scores["solution_copy"].items():
            assert scores[name] == expected, f"the model solution fails {name}"
        assert autograded_total(scores, source) == autograded_points(source)

    def test_the_untouched_student_version_earns_nothing(self, cell_scores):
        assert cell_scores["untouched"] == dict.fromkeys(cell_scores["untouched"], 0)

    def test_a_half_right_submission_earns_exactly_the_points_of_its_right_functions(self, 
        cell_scores, expected_cell_scores, source
    ):
        scores = cell_scores["half_right"]
        for name, expected in expected_cell_scores["half_right"].items():
            assert scores[name] == expected, name
        partial = autograded_total(scores, source)
        assert 0 < partial < autograded_points(source)
        assert partial == sum(expected_cell_scores["half_right"].values())

    def test_written_answers_wait_for_the_instructor(self, course, source):
        written = cells_where(source, is_manual_answer)[0]
        with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
            grades = {
                student: gradebook.find_grade(grade_id(written), self.assignment, self.assignment, student) for student in STUDENTS
            }
            assert grades["solution_copy"].needs_manual_grade and grades["half_right"].needs_manual_grade
            # nbgrader scores an answer cell handed back unchanged with 0 on its own.
            assert not grades["untouched"].needs_manual_grade and grades["untouched"].score == 0

    @pytest.mark.parametrize("student", STUDENTS)
    def test_feedback_is_an_html_page_with_the_students_score(self, course, cell_scores, source, student):
        page = html_text(feedback_page(self.assignment, course, student))
        score = autograded_total(cell_scores[student], source)
        assert f"(Score: {float(score)} / {float(total_points(source))})" in " ".join(page.split())

    @pytest.mark.parametrize("student", STUDENTS)
    def test_feedback_shows_no_hidden_test(self, course, source, student):
        assert leaks(hidden_test_secrets(source), html_text(feedback_page(self.assignment, course, student))) == []

    def test_feedback_still_explains_a_visible_failure(self, course, source, functions, right_functions):
        page = html_text(feedback_page(self.assignment, course, "half_right"))
        for name in set(functions) - right_functions["half_right"]:
            assert f"but {name} returned 0.0" in page, f"the visible assert message for {name} is missing"

    def test_the_leak_check_finds_hidden_tests_in_nbgraders_default_feedback(self, course, source):
        page = html_text(feedback_page(self.assignment, course, "untouched", folder="feedback_default"))
        assert len(leaks(hidden_test_secrets(source), page)) >= len(cells_where(source, is_test_cell))

    def test_exported_csv_holds_each_students_autograded_score(self, exported, cell_scores, source):
        assert sorted(exported.index) == sorted(STUDENTS)
        for student in STUDENTS:
            row = exported.loc[student]
            assert row["assignment"] == self.assignment
            assert row["score"] == pytest.approx(autograded_total(cell_scores[student], source))
            assert row["max_score"] == pytest.approx(total_points(source))
        assert exported.loc["solution_copy", "score"] == autograded_points(source)
        assert exported.loc["untouched", "score"] == 0
        assert 0 < exported.loc["half_right", "score"] < autograded_points(source)


# One class per assignment, so that --dist loadscope spreads them over the workers.
for _name in assignment_names(REPO):
    _class_name = "TestGrading_" + re.sub(r"\W", "_", _name)
    globals()[_class_name] = type(_class_name, (AssignmentPipeline,), {"assignment": _name})


def test_every_assignment_is_graded():
    graded = {cls.assignment for name, cls in globals().items() if name.startswith("TestGrading_")}
    assert graded == set(assignment_names(REPO)) and graded
