"""A gradebook on a real PostgreSQL server: the class command grades into it as into SQLite.

The server is started for this module on loopback (tests/grading/postgres_server.py).
One course keeps nbgrader's default SQLite gradebook and is graded by plain
``nbgrader autograde``, one student after another; the other points
``CourseDirectory.db_url`` at the server and is graded by the class command
with three workers writing at once. The grades must be the same, row for row.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.grading.postgres_server import running_postgres
from tests.grading.synthetic_class import (
    EXPECTED_OUTCOMES,
    add_class,
    course_environment,
    gradebook_grades,
    make_course,
    nbgrader,
    sqlite_url,
)
from tests.grading.test_class_grader import table

ASSIGNMENT = "03-value-of-an-hour"
CLASS = {kind: kind for kind in ("right", "half_right", "untouched", "raises", "lying_eq", "kernel_dies", "corrupted")}

pytestmark = pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")


@pytest.fixture(scope="module")
def postgres_url():
    with running_postgres("gradebook") as url:
        yield url


@pytest.fixture(scope="module")
def sqlite_reference(tmp_path_factory) -> dict:
    course = make_course(tmp_path_factory.mktemp("sqlite") / "course", ASSIGNMENT)
    add_class(course, ASSIGNMENT, CLASS)
    nbgrader(course, "autograde", ASSIGNMENT, check=False)  # exits 1: some submissions fail
    return gradebook_grades(sqlite_url(course), ASSIGNMENT)


@pytest.fixture(scope="module")
def postgres_course(tmp_path_factory, postgres_url):
    course = make_course(tmp_path_factory.mktemp("postgres") / "course", ASSIGNMENT,
                         [f"c.CourseDirectory.db_url = {postgres_url!r}"])
    add_class(course, ASSIGNMENT, CLASS)
    return course


def class_grader(course, *arguments):
    return subprocess.run([sys.executable, "-m", "grading.class_grader", ASSIGNMENT, *arguments],
                          cwd=course, env=course_environment(course), capture_output=True, text=True,
                          timeout=600, check=False)


def test_the_gradebook_lives_on_the_server_not_in_a_file(postgres_course, postgres_url):
    assert not (postgres_course / "gradebook.db").exists()
    assert gradebook_grades(postgres_url, ASSIGNMENT) == {}


def test_parallel_grading_into_postgresql_gives_the_grades_of_sqlite_one_by_one(
    postgres_course, postgres_url, sqlite_reference
):
    done = class_grader(postgres_course, "--workers", "3")
    assert done.returncode == 1, done.stdout + done.stderr  # kernel_dies and corrupted fail
    rows = table(done.stdout)
    assert {student: outcome for student, (outcome, _) in rows.items()} == {
        student: EXPECTED_OUTCOMES[kind] for student, kind in CLASS.items()
    }
    grades = gradebook_grades(postgres_url, ASSIGNMENT)
    assert set(grades) == set(CLASS) - {"corrupted"}
    for student, cells in grades.items():
        assert cells == sqlite_reference[student], student

    again = class_grader(postgres_course)
    rows = table(again.stdout)
    assert all("already graded, skipped" in rows[student][1]
               for student, kind in CLASS.items() if EXPECTED_OUTCOMES[kind] == "graded")
    assert gradebook_grades(postgres_url, ASSIGNMENT) == grades
