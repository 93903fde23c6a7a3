"""Cheating does not pay: every assignment is autograded against adversarial submissions.

For each assignment in solutions/ (one class per assignment, so ``--dist loadscope`` spreads
them), one temporary course holds one student per attack of
:mod:`tests.assignments.adversarial_submissions`, graded by the course's own configuration,
with the grading guard. Each attack must score 0 on every test cell of the functions it
attacks and full points on the functions it answers honestly: the first shows the attack
fails, the second that the guard grades honest work as nbgrader would.

That the attacks are real is shown on a small demo assignment whose tests plain nbgrader
cannot defend (:func:`tests.assignments.adversarial_submissions.demo_assignment`): graded with
nbgrader's own Execute, every attack the guard is there for scores points; graded with the
guard, it scores none.
"""

from __future__ import annotations

import re

import pytest

from tests.assignments.adversarial_submissions import ATTACKS, Plan, applies, attacks_for, demo_assignment
from tests.assignments.assignment_notebooks import (
    REPO,
    SOLUTIONS,
    cells_where,
    grade_id,
    is_answer_cell,
    is_test_cell,
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
    """Release ``assignment``, submit one student per attack, autograde them all; plan, submissions, scores."""
    released = course.generate(assignment)
    plan = Plan.of(source, released)
    submissions = attacks_for(plan, attacks)
    scores = {}
    for student, submission in submissions.items():
        course.submit_and_grade(assignment, student, submission.notebook)
        scores[student] = course.scores(assignment, student)
    return plan, submissions, scores


@pytest.fixture(scope="class")
def source(request):
    return read(SOLUTIONS / request.cls.assignment / f"{request.cls.assignment}.ipynb")


@pytest.fixture(scope="class")
def graded(request, tmp_path_factory, source):
    """The assignment's temporary course after every attack was submitted and autograded under the guard."""
    course = TemporaryCourse(tmp_path_factory.mktemp("attacks"))
    course.copy_source(request.cls.assignment, SOLUTIONS / request.cls.assignment)
    plan, submissions, scores = grade_all(course, request.cls.assignment, source)
    return course, plan, submissions, scores


def max_points(source) -> dict[str, float]:
    return {grade_id(cell): points(cell) for cell in cells_where(source, is_test_cell)}


def errors(cell) -> list[str]:
    return [f"{out.ename}: {out.evalue}" for out in cell.get("outputs", []) if out.output_type == "error"]


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
        assert sorted(submissions) == sorted(self.attacks)

    def test_the_attack_scores_nothing_on_what_it_attacks(self, graded, attack):
        _, _, submissions, scores = graded
        earned = {cell: scores[attack][cell] for cell in submissions[attack].attacked}
        assert submissions[attack].attacked, f"{attack} attacks no test cell of {self.assignment}"
        assert earned == dict.fromkeys(earned, 0.0), f"{attack} earned points on the cells it attacks"

    def test_the_honest_answers_beside_the_attack_keep_every_point(self, graded, source, attack):
        _, _, submissions, scores = graded
        expected = {cell: max_points(source)[cell] for cell in submissions[attack].honest}
        assert {cell: scores[attack][cell] for cell in expected} == expected

    def test_the_attack_code_itself_runs_without_an_error(self, graded):
        course, _, submissions, _ = graded
        for student in submissions:
            graded_notebook = course.graded_notebook(self.assignment, student)
            failed = {grade_id(cell): errors(cell) for cell in cells_where(graded_notebook, is_answer_cell)}
            assert {name: found for name, found in failed.items() if found} == {}, student

    def test_a_test_cell_restored_by_nbgrader_runs_its_own_asserts(self, graded):
        course, _, submissions, _ = graded
        for student in ("deleted_tests", "edited_tests"):
            graded_notebook = course.graded_notebook(self.assignment, student)
            for cell in cells_where(graded_notebook, is_test_cell):
                if grade_id(cell) in submissions[student].attacked:
                    assert "assert" in cell.source and errors(cell), (student, grade_id(cell))


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
    """The demo assignment, every attack graded by plain nbgrader."""
    course = TemporaryCourse(tmp_path_factory.mktemp("plain"), guarded=False)
    course.add_source(DEMO, demo)
    return grade_all(course, DEMO, demo)


@pytest.fixture(scope="module")
def guarded(tmp_path_factory, demo):
    """The demo assignment, the attacks the guard is there for graded with it."""
    course = TemporaryCourse(tmp_path_factory.mktemp("guarded"))
    course.add_source(DEMO, demo)
    return grade_all(course, DEMO, demo, [attack.name for attack in ATTACKS if attack.needs_the_guard])


class TestTheAttacksAreReal:
    """On the demo assignment, plain nbgrader loses to every attack the guard is there for; the guard does not."""

    @pytest.mark.parametrize("name", [attack.name for attack in ATTACKS if attack.beats_plain_nbgrader])
    def test_plain_nbgrader_gives_the_attack_points(self, plain, name):
        _, submissions, scores = plain
        assert sum(scores[name][cell] for cell in submissions[name].attacked) > 0

    @pytest.mark.parametrize("name", [attack.name for attack in ATTACKS if attack.needs_the_guard])
    def test_the_guard_gives_the_same_attack_nothing(self, guarded, name):
        _, submissions, scores = guarded
        earned = {cell: scores[name][cell] for cell in submissions[name].attacked}
        assert earned == dict.fromkeys(earned, 0.0)

    @pytest.mark.parametrize("name", ["deleted_tests", "edited_tests"])
    def test_nbgrader_itself_restores_deleted_and_edited_test_cells(self, plain, name):
        _, submissions, scores = plain
        submitted = {grade_id(cell): cell.source for cell in cells_where(submissions[name].notebook, is_test_cell)}
        for cell in submissions[name].attacked:
            assert cell not in submitted or "assert" not in submitted[cell]
            assert scores[name][cell] == 0
