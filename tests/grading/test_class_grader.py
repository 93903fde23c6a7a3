"""The class command grades a whole class in parallel, as `nbgrader autograde` would one by one.

One real assignment is released once into a temporary course. A class of nine
students hands in one kind of submission each (tests/grading/synthetic_class.py):
right, half right, untouched, raising, a lying ``__eq__``, an answer that loops
(nbgrader's cell timeout is 8 s here), one that kills its kernel, a renamed
notebook and a truncated one. The reference is plain ``nbgrader autograde``
run on a copy of that course; the class command grades another copy with more
workers than the machine has cores. Every command runs as the instructor types
it, in the course folder.
"""

from __future__ import annotations

import contextlib
import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from grading.grading_outcome import OUTCOMES
from tests.assignments.assignment_notebooks import REPO, SOLUTIONS, cells_where, function_name, is_answer_cell, read
from tests.grading.synthetic_class import (
    EXPECTED_OUTCOMES,
    add_class,
    add_hanging_submission,
    add_submission,
    copy_course,
    course_environment,
    gradebook_grades,
    make_course,
    nbgrader,
    sqlite_url,
)

ASSIGNMENT = "03-value-of-an-hour"
# Long enough for a cell that imports pandas on a busy machine, short enough for the looping answer.
CELL_TIMEOUT_S = 8
#: One student of each kind, named after it.
CLASS = {kind: kind for kind in EXPECTED_OUTCOMES}
#: Kinds nbgrader grades in full; the others fail one way or another.
GRADED_KINDS = [kind for kind, outcome in EXPECTED_OUTCOMES.items() if outcome == "graded"]

pytestmark = pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")


def _last_function() -> str:
    source = read(SOLUTIONS / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    return [function_name(cell) for cell in cells_where(source, is_answer_cell)][-1]


LAST_FUNCTION = _last_function()


def class_grader(course: Path, *arguments: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "grading.class_grader", *arguments],
        cwd=course, env=course_environment(course), capture_output=True, text=True, timeout=timeout, check=False,
    )


def table(stdout: str) -> dict[str, tuple[str, str]]:
    """The closing table's rows: student -> (outcome, rest of the row)."""
    rows = {}
    for line in stdout.splitlines()[1:]:
        student, _, rest = line.partition(" ")
        rest = rest.strip()
        outcome = next((name for name in OUTCOMES if rest.startswith(name)), None)
        if outcome is None:
            break
        rows[student] = (outcome, rest[len(outcome):].strip())
    return rows


def ledger_records(course: Path) -> list[Path]:
    folder = course / ".class-grader" / ASSIGNMENT / "students"
    return sorted(folder.glob("*.json")) if folder.is_dir() else []


@pytest.fixture(scope="module")
def released(tmp_path_factory) -> Path:
    """A course with the assignment released and nobody's submission yet."""
    return make_course(tmp_path_factory.mktemp("released") / "course", ASSIGNMENT,
                       [f"c.Execute.timeout = {CELL_TIMEOUT_S}", f"c.GuardedSandboxedExecute.timeout = {CELL_TIMEOUT_S}"])


@pytest.fixture(scope="module")
def reference(released, tmp_path_factory) -> dict[str, dict[str, tuple]]:
    """The class graded by plain `nbgrader autograde`, one student after another: the gradebook's grades."""
    course = copy_course(released, tmp_path_factory.mktemp("one-by-one") / "course")
    add_class(course, ASSIGNMENT, CLASS)
    nbgrader(course, "autograde", ASSIGNMENT, check=False)  # exits 1: some submissions fail
    return gradebook_grades(sqlite_url(course), ASSIGNMENT)


@pytest.fixture(scope="module")
def parallel(released, tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """The same class graded by the class command with three workers."""
    course = copy_course(released, tmp_path_factory.mktemp("parallel") / "course")
    add_class(course, ASSIGNMENT, CLASS)
    return course, class_grader(course, ASSIGNMENT, "--workers", "3")


def test_parallel_grades_are_the_grades_of_nbgrader_one_by_one(parallel, reference):
    course, _ = parallel
    grades = gradebook_grades(sqlite_url(course), ASSIGNMENT)
    # The broken submissions never reach nbgrader, so they leave no row behind.
    assert set(grades) == set(CLASS) - {"missing", "corrupted"}
    for student, cells in grades.items():
        assert cells == reference[student], student
    assert grades["right"] != grades["untouched"]


def test_the_table_names_every_students_outcome_and_the_exit_code_says_some_failed(parallel):
    _, done = parallel
    assert done.returncode == 1, done.stderr
    rows = table(done.stdout)
    assert {student: outcome for student, (outcome, _) in rows.items()} == EXPECTED_OUTCOMES
    assert "Untitled.ipynb" in rows["missing"][1]
    assert f"{ASSIGNMENT}.ipynb" in rows["corrupted"][1]
    # "loops" loops in the assignment's last function: the cells that call it are named.
    assert f"test_{LAST_FUNCTION}_" in rows["loops"][1]
    assert f"{len(CLASS)} students: {len(GRADED_KINDS)} graded" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr


def test_every_autograded_point_is_stored_for_a_graded_student(parallel):
    course, done = parallel
    grades = gradebook_grades(sqlite_url(course), ASSIGNMENT)
    for kind in GRADED_KINDS + ["loops"]:
        autograded = [auto for auto, _, needs_manual in grades[kind].values() if not needs_manual]
        assert autograded and all(score is not None for score in autograded), kind
    rows = table(done.stdout)
    for kind in GRADED_KINDS:
        total = sum((manual if manual is not None else auto) or 0 for auto, manual, _ in grades[kind].values())
        assert rows[kind][1].startswith(f"{total:g} / "), (kind, rows[kind])


def test_a_second_run_skips_the_graded_and_grades_the_failures_again(parallel, tmp_path):
    course = copy_course(parallel[0], tmp_path / "course")
    before = gradebook_grades(sqlite_url(course), ASSIGNMENT)
    done = class_grader(course, ASSIGNMENT, "--workers", "2")
    assert done.returncode == 1
    rows = table(done.stdout)
    for kind in GRADED_KINDS:
        assert rows[kind][0] == "graded" and "already graded, skipped" in rows[kind][1], rows[kind]
    for kind in set(CLASS) - set(GRADED_KINDS):
        assert "already graded" not in rows[kind][1] and rows[kind][0] == EXPECTED_OUTCOMES[kind]
    assert gradebook_grades(sqlite_url(course), ASSIGNMENT) == before


def test_a_resubmission_is_graded_again_and_force_regrades_one_student_alone(parallel, tmp_path):
    course = copy_course(parallel[0], tmp_path / "course")
    # "untouched" hands in the right answers after all.
    add_submission(course, ASSIGNMENT, "untouched", "right")
    done = class_grader(course, ASSIGNMENT, "--student", "untouched")
    assert done.returncode == 0, done.stdout + done.stderr
    assert list(table(done.stdout)) == ["untouched"]
    grades = gradebook_grades(sqlite_url(course), ASSIGNMENT)
    assert grades["untouched"] == grades["right"]

    graded_at = {kind: (course / "autograded" / kind / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").stat().st_mtime_ns
                 for kind in GRADED_KINDS}
    unforced = class_grader(course, ASSIGNMENT, "--student", "half_right")
    assert "already graded, skipped" in table(unforced.stdout)["half_right"][1]
    forced = class_grader(course, ASSIGNMENT, "--student", "half_right", "--force")
    assert forced.returncode == 0 and list(table(forced.stdout)) == ["half_right"]
    assert "already graded" not in forced.stdout
    for kind in GRADED_KINDS:
        now = (course / "autograded" / kind / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").stat().st_mtime_ns
        assert (now != graded_at[kind]) == (kind == "half_right"), kind
    assert gradebook_grades(sqlite_url(course), ASSIGNMENT) == grades


def test_a_rerun_hands_out_the_students_an_earlier_run_took_longest_on_first(parallel, tmp_path):
    """With one worker, students finish in the order they are handed out: longest earlier grading first."""
    course = copy_course(parallel[0], tmp_path / "course")
    earlier = {"right": 30.0, "raises": 1.0, "kernel_dies": 5.0}
    for student, seconds in earlier.items():
        path = course / ".class-grader" / ASSIGNMENT / "students" / f"{student}.json"
        path.write_text(json.dumps({**json.loads(path.read_text()), "seconds": seconds}))
    students = [argument for student in sorted(earlier) for argument in ("--student", student)]
    done = class_grader(course, ASSIGNMENT, *students, "--force", "--workers", "1")
    assert done.returncode == 1, done.stdout + done.stderr  # kernel_dies is not graded
    assert re.findall(r"\[\d+/\d+\] (\w+):", done.stderr) == ["right", "kernel_dies", "raises"], done.stderr


def start_class_grader(course: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "grading.class_grader", ASSIGNMENT, "--workers", "2"],
        cwd=course, env=course_environment(course), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )


def wait_for_records(course: Path, running: subprocess.Popen, count: int) -> None:
    deadline = time.monotonic() + 300
    while len(ledger_records(course)) < count and running.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert running.poll() is None, "the run ended before it could be stopped half-way"


def test_a_run_stopped_half_way_is_started_again_without_lost_or_double_grades(released, reference, tmp_path):
    course = copy_course(released, tmp_path / "course")
    kinds = ["right", "half_right", "untouched", "raises"]
    students = {f"student{number:02d}": kinds[number % len(kinds)] for number in range(8)}
    add_class(course, ASSIGNMENT, students)

    # Stopped politely (SIGTERM, as Ctrl-C): the table so far, and exit code 130.
    running = start_class_grader(course)
    wait_for_records(course, running, 1)
    helpers = psutil.Process(running.pid).children(recursive=True)
    running.send_signal(signal.SIGTERM)
    output, _ = running.communicate(timeout=120)
    assert running.returncode == 130, output
    assert "Interrupted:" in output
    assert table(output) and set(table(output)) <= {path.stem for path in ledger_records(course)}
    _, alive = psutil.wait_procs(helpers, timeout=30)
    assert alive == [], [process.cmdline() for process in alive]

    # Killed outright (SIGKILL, as a crash): nothing it started goes on grading behind the next run.
    running = start_class_grader(course)
    wait_for_records(course, running, len(ledger_records(course)) + 2)
    helpers = psutil.Process(running.pid).children(recursive=True)
    running.kill()
    running.communicate()
    graded_before = len(ledger_records(course))
    assert 3 <= graded_before < len(students)
    _, alive = psutil.wait_procs(helpers, timeout=30)
    assert alive == [], [process.cmdline() for process in alive]

    done = class_grader(course, ASSIGNMENT)
    assert done.returncode == 0, done.stdout + done.stderr
    rows = table(done.stdout)
    assert set(rows) == set(students) and all(outcome == "graded" for outcome, _ in rows.values())
    # A student in flight lost their record before their grading began, so exactly the finished are skipped.
    assert sum("already graded, skipped" in rest for _, rest in rows.values()) == graded_before
    grades = gradebook_grades(sqlite_url(course), ASSIGNMENT)
    assert set(grades) == set(students)
    for student, kind in students.items():
        assert grades[student] == reference[kind], student


def test_a_grading_that_runs_over_the_student_limit_is_stopped_with_its_kernel(released, tmp_path):
    course = copy_course(released, tmp_path / "course")
    # Only the limit on the whole grading may stop it, not nbgrader's cell timeout.
    with open(course / "nbgrader_config.py", "a") as config:
        config.write("c.Execute.timeout = 600\nc.GuardedSandboxedExecute.timeout = 600\n")
    add_hanging_submission(course, ASSIGNMENT, "stuck")
    running = subprocess.Popen(
        [sys.executable, "-m", "grading.class_grader", ASSIGNMENT, "--timeout", "20"],
        cwd=course, env=course_environment(course), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    # Everything the command starts (workers, kernels, whatever wraps a kernel), as it starts it.
    seen: dict[int, psutil.Process] = {}
    while running.poll() is None:
        with contextlib.suppress(psutil.NoSuchProcess):
            seen.update((process.pid, process) for process in psutil.Process(running.pid).children(recursive=True))
        time.sleep(0.2)
    output = running.stdout.read()
    assert running.returncode == 1, output
    outcome, detail = table(output)["stuck"]
    assert outcome == "timed out" and "ran over 20 s and was stopped" in detail
    assert len(seen) >= 2, "the worker and the kernel it started should have been seen"
    _, alive = psutil.wait_procs(list(seen.values()), timeout=10)
    assert alive == [], [process.cmdline() for process in alive]


@pytest.mark.parametrize("arguments, message", [
    (["no-such-assignment"], f"has no assignment 'no-such-assignment' (it knows: {ASSIGNMENT})"),
    ([ASSIGNMENT, "--student", "nobody"], "no submission of '03-value-of-an-hour' by nobody"),
    ([ASSIGNMENT, "--workers", "0"], "expected 1 or more, got 0"),
    ([ASSIGNMENT, "--timeout", "soon"], "expected a number of seconds, got 'soon'"),
])
def test_bad_input_gets_a_clear_message_and_exit_code_2(parallel, arguments, message):
    course, _ = parallel
    done = class_grader(course, *arguments)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_outside_a_course_folder_it_says_where_to_run(tmp_path):
    done = class_grader(tmp_path, ASSIGNMENT)
    assert done.returncode == 2
    assert "course folder" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "gradebook.db").exists()


def test_help_describes_the_command():
    done = subprocess.run([sys.executable, "-m", "grading.class_grader", "--help"],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0
    for flag in ("--workers", "--force", "--student", "--timeout", "Exit codes"):
        assert flag in done.stdout


def test_many_concurrent_writers_keep_an_sqlite_gradebook_whole(released, tmp_path):
    """Eight processes write forty students' grades at once, as nbgrader's autograde writes them."""
    course = copy_course(released, tmp_path / "course")
    script = Path(__file__).with_name("gradebook_writer.py")
    writers = [
        subprocess.Popen([sys.executable, str(script), sqlite_url(course), ASSIGNMENT, *[f"w{w}s{s}" for s in range(5)]],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for w in range(8)
    ]
    for writer in writers:
        out, err = writer.communicate(timeout=300)
        assert writer.returncode == 0, err
    grades = gradebook_grades(sqlite_url(course), ASSIGNMENT)
    assert set(grades) == {f"w{w}s{s}" for w in range(8) for s in range(5)}
    for student, cells in grades.items():
        assert cells and all(auto == float(student.split("s")[1]) for auto, _, _ in cells.values()), student


def test_the_instructor_guide_documents_every_flag_and_exit_code():
    from grading import class_grader

    guide = (REPO / "docs" / "instructor-guide.md").read_text()
    section = guide.split("## Grading a whole class", 1)[1].split("\n## ", 1)[0]
    assert "python -m grading.class_grader 03-value-of-an-hour" in section
    flags = [flag for action in class_grader.build_parser()._actions for flag in action.option_strings
             if flag.startswith("--") and flag != "--help"]
    assert flags and all(f"`{flag}" in section for flag in flags), flags
    for code in (class_grader.EXIT_ALL_GRADED, class_grader.EXIT_SOME_FAILED, class_grader.EXIT_USAGE,
                 class_grader.EXIT_INTERRUPTED):
        assert f"{code} when" in section, code
    for outcome in OUTCOMES:
        assert f"**{outcome}**" in section, outcome
    assert "db_url" in section and "postgresql" in section
