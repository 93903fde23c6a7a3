"""Grading cannot hang or break: calculators, ``interact``, ``input()``, endless cells and floods of output.

A temporary course (assignment 03 copied from solutions/, the repository's
``nbgrader_config.py`` loaded, gradebook and exchange in the temporary folder)
receives submissions built on the model solution, each with trouble added in
front of some answers, and ``nbgrader autograde`` runs on them as the
instructor's command:

* ``disruptive``: builds the delegation calculator and an ``interact`` widget,
  calls ``input()``, and prints megabytes; graded with the course's own cell
  time limit;
* ``hanging``: one answer loops forever, another sleeps forever; graded with a
  5-second cell limit given on the command line, so the test stays quick;
* ``stubborn`` ignores the interrupt while it loops, ``kernel_killer`` ends the
  kernel: plain nbgrader would give up on the whole notebook; the course's sandboxed
  execute step (``Sandbox.mode = "on"`` here, as root on CI) stops that kernel, starts
  a new one and grades the rest.

Only the answers with trouble in front lose their tests' points; every other
test cell earns its points as the model solution does. Each command runs under
a generous subprocess time-out, so a hang fails the test instead of stalling it;
no test asserts how long anything took.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output
from nbgrader.converters import Autograde
from nbgrader.preprocessors import Execute, LimitOutput
from traitlets.utils.importstring import import_item

from grading.output_limits import LimitOutputSize
from tests.assignments.assignment_notebooks import (
    SOLUTIONS,
    cells_where,
    function_name,
    grade_id,
    graded_function,
    is_answer_cell,
    is_test_cell,
    points,
    submission,
    source_notebook,
)
from tests.assignments.temporary_course import TemporaryCourse, repository_config

ASSIGNMENT = "03-value-of-an-hour"
NBGRADER = Path(sys.executable).parent / "nbgrader"
#: The cell time limit the quick students are graded with (the course's own is checked below).
SHORT_TIMEOUT = 5
WRITTEN_ANSWER = "Paying more than my hour is worth pays when the freed day earns more."

WIDGETS = """from widgets import DelegationCalculator
display(DelegationCalculator())
from ipywidgets import interact
interact(lambda hours: hours * 2, hours=5)
"""
INPUT = 'name = input("Your name? ")\n'
FLOOD = 'print("x" * 2_000_000)\nfor line in range(5_000):\n    print(line)\n'
ENDLESS_LOOP = "while True:\n    pass\n"
ENDLESS_SLEEP = "import time\ntime.sleep(10**6)\n"
IGNORES_INTERRUPTS = "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass\n"
KILLS_THE_KERNEL = "import os\nos._exit(1)\n"

#: Code put in front of answers (by function name), and the functions whose tests it breaks.
TROUBLE = {
    "disruptive": ({"hourly_value": WIDGETS, "daily_cost": INPUT, "buyback_rate": FLOOD}, {"daily_cost"}),
    "hanging": ({"weekly_gain": ENDLESS_LOOP, "payback_weeks": ENDLESS_SLEEP}, {"weekly_gain", "payback_weeks"}),
}
GIVES_UP = {"stubborn": {"daily_cost": IGNORES_INTERRUPTS}, "kernel_killer": {"daily_cost": KILLS_THE_KERNEL}}

pytestmark = pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")


def with_trouble(released, source, functions: list[str], trouble: dict[str, str]):
    """The model solution with ``trouble[name]`` in front of the answer that defines ``name``."""
    notebook = submission(released, source, set(functions), [], WRITTEN_ANSWER)
    for cell in cells_where(notebook, is_answer_cell):
        cell.source = trouble.get(function_name(cell), "") + cell.source
    return notebook


@pytest.fixture(scope="module")
def source():
    return source_notebook(ASSIGNMENT)


@pytest.fixture(scope="module")
def functions(source) -> list[str]:
    return [function_name(cell) for cell in cells_where(source, is_answer_cell)]


@pytest.fixture(scope="module")
def course(tmp_path_factory, source, functions):
    """The course after every submission went through ``nbgrader autograde``; each run's result by student."""
    course = TemporaryCourse(tmp_path_factory.mktemp("course"), sandbox="on")
    course.copy_source(ASSIGNMENT, SOLUTIONS / ASSIGNMENT)
    released = course.generate(ASSIGNMENT)
    students = {**{name: trouble for name, (trouble, _) in TROUBLE.items()}, **GIVES_UP}
    results = {}
    for student, trouble in students.items():
        course.submit(ASSIGNMENT, student, with_trouble(released, source, functions, trouble))
        limit = [] if student == "disruptive" else [f"--Execute.timeout={SHORT_TIMEOUT}",
                                                     f"--GuardedSandboxedExecute.timeout={SHORT_TIMEOUT}"]
        results[student] = course.run(str(NBGRADER), "autograde", ASSIGNMENT, "--student", student, *limit)
    return course, results


def answer_cell(notebook, function: str):
    (cell,) = [cell for cell in cells_where(notebook, is_answer_cell) if function_name(cell) == function]
    return cell


def test_the_course_bounds_every_cell_and_every_output():
    config = repository_config()
    assert 0 < config.Execute.timeout <= 60 and config.Execute.interrupt_on_timeout
    assert 0 < config.GuardedSandboxedExecute.timeout <= config.Execute.timeout
    assert config.Execute.error_on_timeout["ename"] == "CellTimeoutError"
    assert 0 < config.LimitOutput.max_lines and 0 < config.LimitOutputSize.max_characters
    steps = [import_item(name) for name in config.Autograde.autograde_preprocessors]
    defaults = Autograde.class_traits()["autograde_preprocessors"].default()
    # nbgrader's own steps in its order (Execute, or a subclass of it), then the size cap.
    assert issubclass(steps[0], Execute) and steps[1:-1] == defaults[1:] and steps[-1] is LimitOutputSize
    assert LimitOutput in steps


@pytest.mark.parametrize("student", sorted(TROUBLE))
def test_only_the_answers_in_trouble_lose_points(course, source, functions, student):
    course, results = course
    assert results[student].returncode == 0, results[student].stderr
    broken = TROUBLE[student][1]
    expected = {grade_id(cell): 0.0 if graded_function(cell, functions) in broken else points(cell)
                for cell in cells_where(source, is_test_cell)}
    scores = course.scores(ASSIGNMENT, student)
    assert {name: scores[name] for name in expected} == expected
    assert any(score == 0 for score in expected.values()) and any(score > 0 for score in expected.values())


def test_widgets_are_displayed_and_input_fails_at_once(course):
    course, _ = course
    notebook = course.graded_notebook(ASSIGNMENT, "disruptive")
    shown = [output for output in answer_cell(notebook, "hourly_value").outputs if output.output_type == "display_data"]
    assert len(shown) == 2 and all("application/vnd.jupyter.widget-view+json" in output.data for output in shown)
    errors = [output.ename for output in answer_cell(notebook, "daily_cost").outputs if output.output_type == "error"]
    assert errors == ["StdinNotImplementedError"]


def test_a_flood_of_output_is_cut_in_lines_and_in_characters(course):
    course, _ = course
    config = repository_config()
    printed = "".join(output.text for output in answer_cell(course.graded_notebook(ASSIGNMENT, "disruptive"),
                                                            "buyback_rate").outputs
                      if output.output_type == "stream")
    assert "Output truncated" in printed
    assert len(printed) < config.LimitOutputSize.max_characters + 1_000 < 2_000_000
    assert printed.count("\n") <= config.LimitOutput.max_lines + 2


def test_an_endless_cell_is_stopped_with_a_message_a_student_can_act_on(course):
    course, _ = course
    notebook = course.graded_notebook(ASSIGNMENT, "hanging")
    for function in TROUBLE["hanging"][1]:
        errors = {output.ename: output for output in answer_cell(notebook, function).outputs
                  if output.output_type == "error"}
        assert "CellTimeoutError" in errors, function
        assert "ran too long and was stopped" in errors["CellTimeoutError"].evalue


def test_feedback_is_generated_for_the_troubled_notebooks(course):
    course, _ = course
    done = course.run(str(NBGRADER), "generate_feedback", ASSIGNMENT)
    assert done.returncode == 0, done.stderr
    for student in TROUBLE:
        page = course.root / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html"
        assert page.stat().st_size < 2_000_000, f"{student}'s feedback carries the flood"


@pytest.mark.parametrize("student", sorted(GIVES_UP))
def test_a_kernel_that_ignores_interrupts_or_dies_costs_only_that_answer(course, source, functions, student):
    course, results = course
    assert results[student].returncode == 0, results[student].stderr
    assert (course.root / "autograded" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").exists()
    broken = set(GIVES_UP[student])
    expected = {grade_id(cell): 0.0 if graded_function(cell, functions) in broken else points(cell)
                for cell in cells_where(source, is_test_cell)}
    scores = course.scores(ASSIGNMENT, student)
    assert {name: scores[name] for name in expected} == expected
    done = course.run(sys.executable, "-m", "grading.export", ASSIGNMENT, "--to", "grades.csv", "--allow-problems")
    assert done.returncode == 0, done.stderr
    grades = pd.read_csv(course.root / "grades.csv", dtype={"problem": str}).set_index("student_id")
    # The written answer still waits for its hand grade; the autograding itself is not a problem.
    assert "autograde" not in str(grades.loc[student, "problem"])


def test_the_size_cap_cuts_text_outputs_and_leaves_errors_alone():
    long_text = "y" * 50
    cell = new_code_cell("print()")
    cell.outputs = [
        new_output("stream", name="stdout", text=long_text),
        new_output("execute_result", data={"text/plain": long_text, "image/png": "iVBOR"}, execution_count=1),
        new_output("error", ename="ValueError", evalue=long_text, traceback=[long_text]),
    ]
    notebook, _ = LimitOutputSize(max_characters=10).preprocess(new_notebook(cells=[cell]), {})
    stream, result, error = notebook.cells[0].outputs
    assert stream.text.startswith("y" * 10 + "\n") and "40 more characters" in stream.text
    assert result.data["text/plain"].startswith("y" * 10 + "\n") and result.data["image/png"] == "iVBOR"
    assert error.evalue == long_text and error.traceback == [long_text]
