"""Cheating does not pay: every assignment is autograded against adversarial submissions.

For each assignment in solutions/ (one class per assignment, so ``--dist loadscope`` spreads
them), one temporary course holds one student per attack of
:mod:`tests.assignments.adversarial_submissions`, graded by the course's own configuration
(the grading guard; the sandbox, tested on its own, is off), and a yardstick student who
gives the same wrong answers without attacking. No attack may score more than the yardstick
on any test cell, and where the yardstick's honest answers earn every point the attack's
must too: the first shows the attack fails, the second that grading under the guard gives
honest work every point nbgrader would.

That the attacks are real is shown on a small demo assignment whose tests plain nbgrader
cannot defend (:func:`tests.assignments.adversarial_submissions.demo_assignment`): graded with
nbgrader's own Execute, every attack the guard is there for scores more than the yardstick;
graded with the guard, none does.
"""

from __future__ import annotations

import re

import pytest

from tests.assignments.adversarial_submissions import ATTACKS, BASELINE, Plan, applies, attacks_for, demo_assignment
from tests.assignments.assignment_notebooks import (
    REPO,
    SOLUTIONS,
    cells_where,
    grade_id,
    hidden_test_secrets,
    html_text,
    is_answer_cell,
    is_test_cell,
    leaks,
    points,
    read,
)
from tests.assignments.temporary_course import TemporaryCourse
from tools.generate_exercises import assignment_names

# nbgrader's autograde, run in this process, trips SQLAlchemy's autoflush warnings
# inside nbgrader itself; they say nothing about this course.
pytestmark = pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")

DEMO = "00-demo-attacks"


def grade_all(course: TemporaryCourse, assignment: str, source, attacks=None) -> tuple[Plan, dict, dict]:
    """Release ``assignment``, submit the yardstick and one student per attack, autograde them all."""
    released = course.generate(assignment)
    plan = Plan.of(source, released)
    submissions = attacks_for(plan, attacks)
    scores = {}
    for student, submission in submissions.items():
        course.submit_and_grade(assignment, student, submission.notebook)
        scores[student] = course.scores(assignment, student)
    return plan, submissions, scores


def full_points(source) -> dict[str, float]:
    """Each test cell's points."""
    return {grade_id(cell): points(cell) for cell in cells_where(source, is_test_cell)}


def gains(scores: dict, student: str, source) -> dict[str, float]:
    """The test cells where ``student`` scored more than the yardstick, and by how much."""
    return {cell: scores[student][cell] - scores[BASELINE][cell] for cell in full_points(source)
            if scores[student][cell] > scores[BASELINE][cell]}


def errors(cell) -> list[str]:
    return [f"{out.ename}: {out.evalue}" for out in cell.get("outputs", []) if out.output_type == "error"]


@pytest.fixture(scope="class")
def source(request):
    return read(SOLUTIONS / request.cls.assignment / f"{request.cls.assignment}.ipynb")


@pytest.fixture(scope="class")
def graded(request, tmp_path_factory, source):
    """The assignment's temporary course after the yardstick and every attack were autograded."""
    course = TemporaryCourse(tmp_path_factory.mktemp("attacks"))
    course.copy_source(request.cls.assignment, SOLUTIONS / request.cls.assignment)
    plan, submissions, scores = grade_all(course, request.cls.assignment, source)
    return course, plan, submissions, scores


def pytest_generate_tests(metafunc):
    """An assignment's tests run once per attack that applies to it (lying_str needs a text answer)."""
    if "attack" in metafunc.fixturenames and issubclass(metafunc.cls or object, AdversarialGrading):
        metafunc.parametrize("attack", metafunc.cls.attacks)


class AdversarialGrading:
    """Every attack on one assignment; subclasses set ``assignment`` and ``attacks`` (those that apply to it)."""

    assignment: str = ""
    attacks: tuple[str, ...] = ()

    def test_every_attack_that_applies_was_graded(self, graded):
        _, _, submissions, _ = graded
        assert sorted(submissions) == sorted([BASELINE, *self.attacks])

    def test_the_wrong_answers_leave_points_to_win(self, graded, source):
        _, plan, _, scores = graded
        lost = {cell for cell, full in full_points(source).items() if scores[BASELINE][cell] < full}
        assert lost & plan.cells_of(plan.attacked)

    def test_the_attack_gains_nothing(self, graded, source, attack):
        _, _, _, scores = graded
        assert gains(scores, attack, source) == {}

    def test_the_honest_answers_beside_the_attack_keep_every_point(self, graded, source, attack):
        _, plan, _, scores = graded
        honest = {cell: full for cell, full in full_points(source).items()
                  if cell in plan.cells_of(plan.honest) and scores[BASELINE][cell] == full}
        assert honest, "no honest answer earns its points: nothing shows that honest work is still graded"
        assert {cell: scores[attack][cell] for cell in honest} == honest

    def test_the_attack_code_itself_runs_without_an_error(self, graded):
        course, _, submissions, _ = graded
        for student in submissions:
            graded_notebook = course.graded_notebook(self.assignment, student)
            failed = {grade_id(cell): errors(cell) for cell in cells_where(graded_notebook, is_answer_cell)}
            assert {name: found for name, found in failed.items() if found} == {}, student

    def test_edited_test_cells_are_graded_as_the_source_has_them(self, graded, source):
        course, plan, _, _ = graded
        original = {grade_id(cell): cell.source for cell in cells_where(source, is_test_cell)}
        graded_notebook = course.graded_notebook(self.assignment, "edited_tests")
        edited = {grade_id(cell): cell.source for cell in cells_where(graded_notebook, is_test_cell)
                  if grade_id(cell) in plan.cells_of(plan.attacked)}
        assert edited == {name: text for name, text in original.items() if name in edited} and edited

    @pytest.mark.parametrize("student", ["patched_during_test", "read_test_source"])
    def test_feedback_names_the_failures_and_shows_no_hidden_test(self, graded, source, student):
        course, _, _, scores = graded
        page = " ".join(html_text(course.feedback(self.assignment, student)).split())
        assert leaks(hidden_test_secrets(source), page) == []
        assert f"Score: {float(sum(scores[student][cell] for cell in full_points(source)))}" in page
        graded_notebook = course.graded_notebook(self.assignment, student)
        for cell in cells_where(graded_notebook, is_test_cell):
            for failure in errors(cell):
                assert " ".join(failure.split())[:60] in page, (grade_id(cell), failure)

    def test_deleted_test_cells_score_nothing(self, graded):
        _, plan, _, scores = graded
        deleted = plan.cells_of(plan.attacked)
        assert {cell: scores["deleted_tests"][cell] for cell in deleted} == dict.fromkeys(deleted, 0.0)


# One class per assignment, so that --dist loadscope spreads them over the workers.
for _name in assignment_names(REPO):
    _source = read(SOLUTIONS / _name / f"{_name}.ipynb")
    _class_name = "TestAttacks_" + re.sub(r"\W", "_", _name)
    globals()[_class_name] = type(_class_name, (AdversarialGrading,), {
        "assignment": _name, "attacks": tuple(attack.name for attack in ATTACKS if applies(attack, _source))})


def test_every_assignment_is_attacked():
    attacked = {cls.assignment for name, cls in globals().items() if name.startswith("TestAttacks_")}
    assert attacked == set(assignment_names(REPO)) and attacked


def test_some_assignment_has_text_answers_for_the_lying_str_attack():
    classes = [cls for name, cls in globals().items() if name.startswith("TestAttacks_")]
    assert any("lying_str" in cls.attacks for cls in classes)


@pytest.fixture(scope="module")
def demo():
    return demo_assignment()


@pytest.fixture(scope="module")
def plain(tmp_path_factory, demo):
    """The demo assignment, the yardstick and every attack graded by nbgrader's own Execute."""
    course = TemporaryCourse(tmp_path_factory.mktemp("plain"), guarded=False)
    course.add_source(DEMO, demo)
    return grade_all(course, DEMO, demo)


@pytest.fixture(scope="module")
def guarded(tmp_path_factory, demo):
    """The demo assignment, the yardstick and the attacks the guard is there for, graded with it."""
    course = TemporaryCourse(tmp_path_factory.mktemp("guarded"))
    course.add_source(DEMO, demo)
    return grade_all(course, DEMO, demo, [attack.name for attack in ATTACKS if attack.needs_the_guard])


class TestTheAttacksAreReal:
    """On the demo assignment plain nbgrader loses to every attack but deleting or editing a test cell; the guard does not."""

    @pytest.mark.parametrize("name", [attack.name for attack in ATTACKS if attack.beats_plain_nbgrader])
    def test_plain_nbgrader_gives_the_attack_points(self, plain, demo, name):
        _, _, scores = plain
        assert gains(scores, name, demo)

    @pytest.mark.parametrize("name", [attack.name for attack in ATTACKS if attack.needs_the_guard])
    def test_the_guard_gives_the_same_attack_nothing(self, guarded, demo, name):
        _, _, scores = guarded
        assert gains(scores, name, demo) == {}

    @pytest.mark.parametrize("name", ["deleted_tests", "edited_tests"])
    def test_nbgrader_itself_grades_deleted_and_edited_test_cells(self, plain, demo, name):
        plan, submissions, scores = plain
        submitted = {grade_id(cell): cell.source for cell in cells_where(submissions[name].notebook, is_test_cell)}
        attacked = plan.cells_of(plan.attacked)
        assert all(cell not in submitted or "assert" not in submitted[cell] for cell in attacked)
        assert gains(scores, name, demo) == {}
