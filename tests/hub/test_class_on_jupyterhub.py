"""The course as a class on a real JupyterHub: one instructor and two students, from release to feedback.

The hub is the course's own (hub/jupyterhub_config.py, class list hub/roster.toml),
started on loopback with configurable-http-proxy from npm (tests/hub/class_hub.py).
Everyone logs in through the hub's login form and starts a server of their own.
The instructor's home holds the course the way an instructor sets it up: a config that
loads the repository's nbgrader_config.py (tests/assignments/temporary_course.py, with the
hub's exchange and the course's own sandbox setting) and the source of one assignment.

Everything happens over HTTP, through the hub's proxy, as in a browser:

* the instructor presses the Formgrader's buttons, that is, calls the formgrader's
  REST API in their own server: generate, release, collect, autograde each
  student, generate and release feedback;
* alice and bob press the Assignments tab's buttons, that is, call their own
  servers' assignment_list endpoints: fetch, submit, fetch feedback. They write
  their answers through the contents API, as JupyterLab saves a notebook: alice
  the model solution, bob every other function right and the rest wrong.

The course runs once, in a module fixture; each test checks one thing about it.
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import tomllib

import nbformat
import pytest

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
    is_test_cell,
    leaks,
    notebook_text,
    points,
    solution_secrets,
    source_notebook,
    submission,
    total_points,
)
from tests.assignments.temporary_course import TemporaryCourse
from tests.hub.class_hub import (
    HUB,
    PASSWORD,
    HubUser,
    assignment_action,
    assignment_list,
    formgrader,
    page_config,
    running_hub,
)
from tools.doctor import INSTRUCTOR_PLUGINS, INSTRUCTOR_SERVER_EXTENSION
from tools.generate_exercises import assignment_names

ASSIGNMENT = assignment_names(REPO)[0]
NOTEBOOK = f"{ASSIGNMENT}/{ASSIGNMENT}.ipynb"
INSTRUCTOR, ALICE, BOB = "instructor", "alice", "bob"
STUDENTS = (ALICE, BOB)
WRONG_BODY = ["return 0.0"]
WRITTEN_ANSWER = "I would hand off the inbox first: it takes the most hours and needs the least judgement."


@pytest.fixture(scope="module")
def source():
    return source_notebook(ASSIGNMENT)


@pytest.fixture(scope="module")
def right_functions(source) -> dict[str, set[str]]:
    """Which functions each student gets right: alice all of them, bob every other one."""
    functions = [function_name(cell) for cell in cells_where(source, is_answer_cell)]
    return {ALICE: set(functions), BOB: set(functions[::2])}


@pytest.fixture(scope="module")
def term(tmp_path_factory, source, right_functions):
    """One run of the class on the hub; what each step answered, for the tests to check."""
    roster = tomllib.loads((HUB / "roster.toml").read_text())
    assert INSTRUCTOR in roster["instructors"] and set(STUDENTS) <= set(roster["students"]), (
        f"the test plays {INSTRUCTOR}, {ALICE} and {BOB}, whom hub/roster.toml should list"
    )
    root = tmp_path_factory.mktemp("class")
    with running_hub(root) as hub:
        course = prepare_homes(hub)
        people = {name: hub.user(name) for name in (INSTRUCTOR, *STUDENTS)}
        record = {"course": course, **log_in_and_start(hub, people)}
        teacher = people[INSTRUCTOR]
        formgrader(teacher, f"assignment/{ASSIGNMENT}/assign")
        formgrader(teacher, f"assignment/{ASSIGNMENT}/release")
        record |= fetch_and_submit(people, course, source, right_functions)
        record["gradebook"] = grade(teacher)
        record["feedback"] = {name: fetch_feedback(people[name], course) for name in STUDENTS}
        record["formgrader"] = {name: person.get("formgrader") for name, person in people.items()}
        record["lab"] = {name: person.get("lab") for name, person in people.items()}
        yield record


def prepare_homes(hub) -> str:
    """The instructor's course folder, and a student's own Jupyter configuration that asks for the formgrader.

    Returns the course's id, which the students' Assignments tab lists the course by.
    """
    course = TemporaryCourse(hub.homes / INSTRUCTOR, sandbox=None, exchange=hub.exchange)
    course.copy_source(ASSIGNMENT, SOLUTIONS / ASSIGNMENT)
    own_config = hub.homes / BOB / ".jupyter" / "jupyter_server_config.json"
    own_config.parent.mkdir(parents=True)
    own_config.write_text(json.dumps({"ServerApp": {"jpserver_extensions": {INSTRUCTOR_SERVER_EXTENSION: True}}}))
    return course.config.CourseDirectory.course_id


def log_in_and_start(hub, people: dict[str, HubUser]) -> dict:
    """Everyone logs in and starts a server; then someone tries a wrong password, a stranger, another's server."""
    answers = {"login": {name: person.log_in().headers.get("location", "") for name, person in people.items()}}
    # The class starts its servers at once, as at the start of a lesson.
    with concurrent.futures.ThreadPoolExecutor(len(people)) as pool:
        list(pool.map(HubUser.start_server, people.values()))
    answers["groups"] = {name: person.hub_api("GET", f"users/{name}").json()["groups"]
                         for name, person in people.items()}
    answers["refused"] = {
        "wrong password": hub.user(ALICE).log_in(password=PASSWORD + "-wrong").status_code,
        "not on the roster": hub.user("mallory").log_in().status_code,
    }
    answers["alice at bob's server"] = people[ALICE].session.get(people[BOB].url("api/contents")).status_code
    return answers


def fetch_and_submit(people: dict[str, HubUser], course: str, source, right_functions) -> dict:
    """Each student lists, fetches, answers in the fetched notebook and submits, through their own server."""
    answers = {"listed": {}, "fetched": {}}
    for name in STUDENTS:
        student = people[name]
        answers["listed"][name] = assignment_list(student, course)
        assignment_action(student, "fetch", course, ASSIGNMENT)
        released = nbformat.from_dict(student.read_notebook(NOTEBOOK))
        answers["fetched"][name] = released
        student.save_notebook(NOTEBOOK, submission(released, source, right_functions[name], WRONG_BODY, WRITTEN_ANSWER))
        assignment_action(student, "submit", course, ASSIGNMENT)
    return answers


def grade(teacher: HubUser) -> dict[str, dict]:
    """The instructor collects, autogrades each student, generates and releases feedback; the gradebook's rows."""
    formgrader(teacher, f"assignment/{ASSIGNMENT}/collect")
    for name in STUDENTS:
        formgrader(teacher, f"submission/{ASSIGNMENT}/{name}/autograde")
    formgrader(teacher, f"assignment/{ASSIGNMENT}/generate_feedback")
    formgrader(teacher, f"assignment/{ASSIGNMENT}/release_feedback")
    return {row["student"]: row for row in teacher.json("GET", f"formgrader/api/submissions/{ASSIGNMENT}")}


def fetch_feedback(student: HubUser, course: str) -> str:
    """The student fetches feedback from the Assignments tab and opens the page it links."""
    listed = assignment_action(student, "fetch_feedback", course, ASSIGNMENT)
    return student.read_text(feedback_path(listed, student.home))


def feedback_path(listed: list[dict], home) -> str:
    """Where the Assignments tab links a submission's fetched feedback, relative to the student's home."""
    paths = [notebook["local_feedback_path"]
             for entry in listed if entry["status"] == "submitted" and entry["assignment_id"] == ASSIGNMENT
             for attempt in entry["submissions"] for notebook in attempt["notebooks"]
             if notebook["has_local_feedback"]]
    assert len(paths) == 1, f"expected one fetched feedback page, the Assignments tab lists {paths}"
    # nbgrader gives the path relative to the server's root (the home folder), or absolute.
    return os.path.relpath(paths[0], home) if os.path.isabs(paths[0]) else os.path.normpath(paths[0])


def expected_score(source, right: set[str]) -> float:
    """Full points for the test cells of the functions a student got right, nothing for the others."""
    functions = [function_name(cell) for cell in cells_where(source, is_answer_cell)]
    return sum(points(cell) for cell in cells_where(source, is_test_cell) if graded_function(cell, functions) in right)


def test_the_class_logs_in_with_its_password_and_is_grouped_by_role(term):
    assert all(location.endswith("/hub/spawn") for location in term["login"].values()), term["login"]
    course = term["course"]
    assert term["groups"] == {INSTRUCTOR: [f"formgrade-{course}"], ALICE: [f"nbgrader-{course}"],
                              BOB: [f"nbgrader-{course}"]}
    # The login form answers a refused login with its page again (403), not with a way in.
    assert term["refused"] == {"wrong password": 403, "not on the roster": 403}
    assert term["alice at bob's server"] == 403


def test_only_the_instructors_server_serves_the_formgrader(term):
    statuses = {name: response.status_code for name, response in term["formgrader"].items()}
    # bob's own ~/.jupyter asks for the formgrader; a student's server does not give it to him.
    assert statuses == {INSTRUCTOR: 200, ALICE: 404, BOB: 404}


def test_students_lab_hides_and_locks_the_instructor_plugins(term):
    for name, response in term["lab"].items():
        config = page_config(response.text)
        hidden = set(INSTRUCTOR_PLUGINS) if name in STUDENTS else set()
        assert set(INSTRUCTOR_PLUGINS) & set(config["disabledExtensions"]) == hidden, name
        assert set(INSTRUCTOR_PLUGINS) & set(config.get("lockedExtensions", [])) == hidden, name


def test_the_instructors_lab_may_frame_the_formgrader_and_nothing_else_is_framed(term):
    # JupyterLab shows the formgrader in an iframe of the same origin; the hub's default forbids any frame.
    assert term["formgrader"][INSTRUCTOR].headers["Content-Security-Policy"] == "frame-ancestors 'self'"
    for name in STUDENTS:
        assert term["lab"][name].headers["Content-Security-Policy"].startswith("frame-ancestors 'none'"), name


def test_students_see_the_released_assignment_and_fetch_the_student_version(term, source):
    for name in STUDENTS:
        released = [(entry["assignment_id"], entry["status"]) for entry in term["listed"][name]]
        assert released == [(ASSIGNMENT, "released")], name
        fetched = term["fetched"][name]
        assert leaks(solution_secrets(source), notebook_text(fetched)) == [], name
        assert leaks(hidden_test_secrets(source), notebook_text(fetched)) == [], name
        assert [grade_id(cell) for cell in cells_where(fetched, is_test_cell)] == \
            [grade_id(cell) for cell in cells_where(source, is_test_cell)]


def test_the_instructor_grades_one_submission_per_student_under_their_hub_login(term, source, right_functions):
    assert set(term["gradebook"]) == set(STUDENTS)
    for name in STUDENTS:
        row = term["gradebook"][name]
        assert row["autograded"] and row["submitted"], row
        assert row["code_score"] == pytest.approx(expected_score(source, right_functions[name])), name
        assert row["needs_manual_grade"], f"{name}'s written answer waits for the instructor"


def test_alice_gets_every_autograded_point_in_her_feedback(term, source):
    assert expected_score(source, {function_name(cell) for cell in cells_where(source, is_answer_cell)}) \
        == autograded_points(source)
    page = " ".join(html_text(term["feedback"][ALICE]).split())
    assert f"(Score: {float(autograded_points(source))} / {float(total_points(source))})" in page


def test_bob_gets_exactly_the_points_of_his_right_functions_in_his_feedback(term, source, right_functions):
    score = expected_score(source, right_functions[BOB])
    assert 0 < score < autograded_points(source)
    page = " ".join(html_text(term["feedback"][BOB]).split())
    assert f"(Score: {float(score)} / {float(total_points(source))})" in page


def test_feedback_holds_no_hidden_test(term, source):
    assert hidden_test_secrets(source), "the assignment should have hidden tests for this check to mean anything"
    for name in STUDENTS:
        assert leaks(hidden_test_secrets(source), html_text(term["feedback"][name])) == [], name
