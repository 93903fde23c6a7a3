"""The grading sandbox: student code cannot harm the grading, the other students or the instructor's files.

Each fault or attack is one student of a small class, graded by the class grader as the
instructor runs it, in a temporary course outside ``/tmp`` (as a real course folder is), with
assignment 03 and short limits (a 5-second cell timeout, 1280 MiB of memory, 48 processes,
2 MiB of output per cell):

* **faults**, graded with the course's own setting (the grading guard inside the kernel, the
  sandbox around it): an endless loop, a memory hog, ``os._exit(0)`` and a flood of output in
  the last function's body, and a deleted test cell. Each costs exactly the tests of that
  function (or the deleted test), with the reason in the table; the honest student in the same
  run gets full points;
* **attacks**, graded with the sandbox alone (no guard, so nothing but the operating system
  stops them): a fork bomb (bounded by the process limit, set before the student's code runs),
  reading the gradebook, the source notebook with its hidden tests, another student's
  submission or the grader's environment, writing outside the grading folder, connecting to a
  socket the test listens on at 127.0.0.1 in the host's network, starting many processes and
  mapping more memory than allowed. Every attack prints ``ATTACK-SUCCEEDED`` only when it worked.

That the tests can fail is shown by grading the same attackers with ``--no-sandbox``: every
attack then succeeds. The honest student's full points in the faults' run also show that the
guard works inside the sandbox: a test cell without the guard's signed proof scores 0. The
sandbox needs root; without it these tests fail, they never skip.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import nbformat
import psutil
import pytest

from grading.grading_outcome import OUTCOMES
from grading.sandbox import RUN_FOLDER, USER_PREFIX, sandbox_problem
from tests.assignments.assignment_notebooks import (
    REPO,
    SOLUTIONS,
    cells_where,
    function_name,
    grade_id,
    graded_function,
    is_answer_cell,
    is_test_cell,
    points,
    read,
    submission,
)
from tests.grading.synthetic_class import course_environment, gradebook_grades, make_course, sqlite_url

ASSIGNMENT = "03-value-of-an-hour"
SOURCE = read(SOLUTIONS / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
FUNCTIONS = [function_name(cell) for cell in cells_where(SOURCE, is_answer_cell)]
LAST = FUNCTIONS[-1]
DELETED_TEST = [grade_id(cell) for cell in cells_where(SOURCE, is_test_cell) if graded_function(cell, FUNCTIONS) == LAST][-1]
WRITTEN_ANSWER = "The assistant costs more than my hour, but the freed day can go to sales worth more."
SUCCEEDED = "ATTACK-SUCCEEDED"
SECRET = "grader-secret-8d1f"
LIMITS = [
    "c.Execute.timeout = 5",
    "c.GuardedSandboxedExecute.timeout = 5",
    "c.Sandbox.memory_mb = 1280",
    "c.Sandbox.processes = 48",
    "c.Sandbox.output_mb = 2",
    "c.Sandbox.cpu_seconds = 120",
]


def executor(name: str) -> str:
    """The config line that puts ``name`` first in autograde, in place of the course's execute step."""
    return (f"c.Autograde.autograde_preprocessors = [{name!r}]"
            " + list(c.Autograde.autograde_preprocessors)[1:]")


#: The last function's body for each fault, and the outcome the table gives it.
FAULTS = {
    "loops": (["while True:", "    pass"], "timed out"),
    "memory_hog": (["hog = []", "while True:", "    hog.append(b'x' * (64 * 1024 * 1024))"], "memory limit"),
    "exits": (["import os", "os._exit(0)"], "kernel died"),
    "floods": (["print('x' * 20_000_000)", "return 0.0"], "output too large"),
}
FORK_BOMB = (["import os", "while True:", "    os.fork()"], "too many processes")


def attacks(course: Path, port: int) -> dict[str, list[str]]:
    """Each attack's code; it sets ``evidence`` when it worked and raises when it was stopped."""
    *targets, host_tmp = map(str, written_targets(course))
    return {
        "reads_gradebook": [f"evidence = open({str(course / 'gradebook.db')!r}, 'rb').read(16)",
                            "assert evidence.startswith(b'SQLite format 3')"],
        "reads_source": [f"evidence = open({str(course / 'solutions' / ASSIGNMENT / f'{ASSIGNMENT}.ipynb')!r}).read()",
                         "assert 'BEGIN HIDDEN TESTS' in evidence"],
        "reads_other": [f"evidence = open({str(course / 'submitted' / 'right' / ASSIGNMENT / f'{ASSIGNMENT}.ipynb')!r}).read()",
                        "assert 'cells' in evidence"],
        "reads_environment": ["import os", f"evidence = os.environ.get('VA_TEST_SECRET', '')", f"assert evidence == {SECRET!r}"],
        "writes_outside": ["try:",
                           f"    open({host_tmp!r}, 'w').write('written by a student')",
                           "except OSError:",
                           "    pass  # the kernel's /tmp is its own: only the host's side can tell",
                           "open('written-in-its-own-folder.txt', 'w').write('allowed')",
                           "print('OWN-FOLDER-WRITABLE')",
                           "evidence = []",
                           f"for target in {targets!r}:",
                           "    try:",
                           "        open(target, 'w').write('written by a student')",
                           "        evidence.append(target)",
                           "    except OSError:",
                           "        pass",
                           "assert evidence"],
        "reaches_network": ["import socket",
                            f"connection = socket.create_connection(('127.0.0.1', {port}), timeout=5)",
                            f"connection.sendall({course.parent.name!r}.encode())",
                            "connection.close()",
                            "evidence = 'connected'"],
        "many_processes": ["import subprocess",
                           "started = []",
                           "try:",
                           "    for _ in range(100):",
                           "        started.append(subprocess.Popen(['sleep', '60']))",
                           "finally:",
                           "    for process in started:",
                           "        process.kill()",
                           "        process.wait()",
                           "evidence = len(started)"],
        "maps_memory": ["import mmap", "evidence = len(mmap.mmap(-1, 3 * 1024 ** 3))"],
    }


def written_targets(course: Path) -> list[Path]:
    return [course / "written-by-a-student.txt", course / "exercises" / ASSIGNMENT / "written-by-a-student.txt",
            Path(tempfile.gettempdir()) / f"written-by-a-student-{course.parent.name}.txt"]


def attack_source(name: str, lines: list[str]) -> str:
    """Code put before the first answer: it reports whether the attack worked, and never fails the cell."""
    body = "\n".join(f"    {line}" for line in lines)
    return (f"try:\n{body}\n    print({SUCCEEDED!r}, {name!r}, str(evidence)[:80])\n"
            f"except BaseException as error:\n    print('attack', {name!r}, 'stopped:', type(error).__name__, error)\n\n")


# --- The course, its class, the grader ---------------------------------------------------------
def new_course(name: str, extra_config: list[str]) -> Path:
    """A released course in a fresh folder under the repository's test-artifacts/ (outside /tmp, like a real one)."""
    base = REPO / "test-artifacts"
    base.mkdir(exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=f"sandbox-{name}-", dir=base))
    os.chmod(folder, 0o755)
    return make_course(folder / "course", ASSIGNMENT, extra_config)


def released(course: Path):
    return read(course / "exercises" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")


def hand_in(course: Path, student: str, notebook) -> None:
    folder = course / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "timestamp.txt").write_text("2026-03-02 10:00:00.000000 UTC")
    nbformat.write(notebook, folder / f"{ASSIGNMENT}.ipynb")


def right_answers(course: Path):
    return submission(released(course), SOURCE, set(FUNCTIONS), [], WRITTEN_ANSWER)


def with_last_body(course: Path, body: list[str]):
    return submission(released(course), SOURCE, set(FUNCTIONS[:-1]), body, WRITTEN_ANSWER)


def without_test(course: Path, test: str):
    notebook = right_answers(course)
    notebook.cells = [cell for cell in notebook.cells if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") != test]
    return notebook


def with_attack(course: Path, name: str, lines: list[str]):
    notebook = right_answers(course)
    first = cells_where(notebook, is_answer_cell)[0]
    first.source = attack_source(name, lines) + first.source
    return notebook


def class_grader(course: Path, *arguments: str) -> subprocess.CompletedProcess:
    environment = dict(course_environment(course), VA_TEST_SECRET=SECRET)
    return subprocess.run([sys.executable, "-m", "grading.class_grader", ASSIGNMENT, "--workers", "2", *arguments],
                          cwd=course, env=environment, capture_output=True, text=True, timeout=1200, check=False)


def table(stdout: str) -> dict[str, tuple[str, str]]:
    """The closing table's rows: student -> (outcome, rest of the row)."""
    rows = {}
    for line in stdout.splitlines()[1:]:
        student, _, rest = line.partition(" ")
        rest = rest.strip()
        outcome = next((name for name in sorted(OUTCOMES, key=len, reverse=True) if rest.startswith(name)), None)
        if outcome is None:
            break
        rows[student] = (outcome, rest[len(outcome):].strip())
    return rows


def outputs_text(course: Path, student: str) -> str:
    notebook = read(course / "autograded" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    return "\n".join(output.get("text", "") for cell in notebook.cells for output in cell.get("outputs", []))


def expected_scores(lost: set[str]) -> dict[str, float]:
    """Every test cell's score when the cells in ``lost`` score 0 and the others full points."""
    return {grade_id(cell): 0.0 if grade_id(cell) in lost else points(cell) for cell in cells_where(SOURCE, is_test_cell)}


def scores(course: Path, student: str) -> dict[str, float]:
    grades = gradebook_grades(sqlite_url(course), ASSIGNMENT)[student]
    return {name: (auto or 0.0) for name, (auto, _, _) in grades.items() if name in expected_scores(set())}


LAST_TESTS = {grade_id(cell) for cell in cells_where(SOURCE, is_test_cell) if graded_function(cell, FUNCTIONS) == LAST}


def leftover_processes() -> list[psutil.Process]:
    """Live processes of sandbox users whose slot no grader holds (other runs may be grading meanwhile)."""
    idle = set()
    for lock_path in RUN_FOLDER.glob("slot-*.lock"):
        descriptor = os.open(lock_path, os.O_RDWR)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            continue
        finally:
            os.close(descriptor)
        try:
            idle.add(pwd.getpwnam(f"{USER_PREFIX}{lock_path.stem.split('-')[1]}").pw_uid)
        except KeyError:
            pass
    found = [process for process in psutil.process_iter(["uids", "status"])
             if process.info["uids"] and process.info["uids"].real in idle
             and process.info["status"] != psutil.STATUS_ZOMBIE]
    # Killed a moment ago by a grader that freed its slot: on a busy machine they take a while to go.
    _, alive = psutil.wait_procs(found, timeout=30)
    return alive


class Listener:
    """A TCP server on the host's 127.0.0.1 that records what connecting clients send."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.received: list[str] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:
                return
            with connection:
                connection.settimeout(5)
                try:
                    self.received.append(connection.recv(1024).decode())
                except OSError:
                    self.received.append("")

    def close(self):
        self.server.close()


# --- Fixtures: one graded class per group ------------------------------------------------------
@pytest.fixture(scope="module", autouse=True)
def sandbox_can_run():
    """These tests need the sandbox: they fail, with the reason, where it cannot run; and leave no process behind."""
    problem = sandbox_problem()
    assert problem is None, f"the grading sandbox cannot run here: {problem}"
    yield
    leftovers = leftover_processes()
    for process in leftovers:
        with contextlib.suppress(psutil.Error):
            process.kill()
    assert leftovers == [], leftovers


@pytest.fixture(scope="module")
def faults():
    """The faults, graded with the course's own setting (guard and sandbox)."""
    course = new_course("faults", LIMITS)
    hand_in(course, "right", right_answers(course))
    for student, (body, _) in FAULTS.items():
        hand_in(course, student, with_last_body(course, body))
    hand_in(course, "deleted_test", without_test(course, DELETED_TEST))
    done = class_grader(course, "--sandbox")
    yield course, done
    shutil.rmtree(course.parent, ignore_errors=True)


@pytest.fixture(scope="module")
def listener():
    server = Listener()
    yield server
    server.close()


def attacked_course(name: str, listener: Listener, sandbox_flag: str) -> tuple[Path, subprocess.CompletedProcess]:
    course = new_course(name, [*LIMITS, executor("grading.sandbox_execute.SandboxedExecute")])
    hand_in(course, "right", right_answers(course))
    for student, lines in attacks(course, listener.port).items():
        hand_in(course, student, with_attack(course, student, lines))
    if sandbox_flag == "--sandbox":
        hand_in(course, "fork_bomb", with_last_body(course, FORK_BOMB[0]))
    return course, class_grader(course, sandbox_flag)


@pytest.fixture(scope="module")
def attacked(listener):
    """The attacks, graded with the sandbox alone."""
    course, done = attacked_course("attacks", listener, "--sandbox")
    yield course, done
    shutil.rmtree(course.parent, ignore_errors=True)


@pytest.fixture(scope="module")
def unsandboxed(listener):
    """The same attacks graded without the sandbox: every one of them works."""
    course, done = attacked_course("unsandboxed", listener, "--no-sandbox")
    yield course, done
    shutil.rmtree(course.parent, ignore_errors=True)
    for target in written_targets(course):
        target.unlink(missing_ok=True)


# --- Faults: each costs exactly its points, with the reason ---------------------------------------
def test_each_fault_costs_exactly_the_tests_it_broke_with_the_reason_in_the_table(faults):
    course, done = faults
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Sandbox: on" in done.stderr and "Traceback" not in done.stdout + done.stderr
    rows = table(done.stdout)
    assert set(rows) == {"right", "deleted_test", *FAULTS}, done.stdout
    for student, (_, outcome) in FAULTS.items():
        assert rows[student][0] == outcome, (student, rows[student])
        assert all(test in rows[student][1] for test in LAST_TESTS), (student, rows[student])
        assert "the other cells are graded" in rows[student][1]
        assert scores(course, student) == expected_scores(LAST_TESTS), student
    assert "os._exit" in rows["exits"][1]


def test_the_honest_student_in_the_same_run_gets_full_points(faults):
    course, done = faults
    assert table(done.stdout)["right"][0] == "graded"
    assert scores(course, "right") == expected_scores(set())


def test_a_deleted_test_cell_scores_0_and_is_named(faults):
    course, done = faults
    outcome, detail = table(done.stdout)["deleted_test"]
    assert outcome == "graded" and f"deleted test cells scored 0: {DELETED_TEST}" in detail
    assert scores(course, "deleted_test") == expected_scores({DELETED_TEST})


def test_a_flood_of_output_is_stopped_and_kept_small(faults):
    course, _ = faults
    notebook = course / "autograded" / "floods" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    assert notebook.stat().st_size < 2_000_000
    assert "OutputTooLargeError" in notebook.read_text()


# --- Attacks: the operating system stops each one ---------------------------------------------
def test_a_fork_bomb_is_stopped_at_the_process_limit_and_costs_its_tests(attacked):
    course, done = attacked
    outcome, detail = table(done.stdout)["fork_bomb"]
    assert outcome == "too many processes", detail
    assert scores(course, "fork_bomb") == expected_scores(LAST_TESTS)
    assert leftover_processes() == []  # every process it started ended with its kernel


def test_the_attackers_and_the_honest_student_keep_their_points(attacked):
    course, done = attacked
    rows = table(done.stdout)
    assert set(rows) == {"right", "fork_bomb", *attacks(course, 0)}, done.stdout + done.stderr
    for student in ["right", *attacks(course, 0)]:
        assert rows[student][0] == "graded", (student, rows[student])
        assert scores(course, student) == expected_scores(set()), student


@pytest.mark.parametrize("attack", sorted(attacks(Path("/course"), 0)))
def test_an_attack_fails_in_the_sandbox_and_works_without_it(attacked, unsandboxed, listener, attack):
    sandboxed_course, _ = attacked
    open_course, done = unsandboxed
    assert "WARNING" not in done.stderr and "Sandbox: off" in done.stderr
    assert SUCCEEDED not in outputs_text(sandboxed_course, attack)
    assert f"{SUCCEEDED} {attack}" in outputs_text(open_course, attack), outputs_text(open_course, attack)[-2000:]
    if attack == "writes_outside":
        assert not any(target.exists() for target in written_targets(sandboxed_course))
        assert all(target.exists() for target in written_targets(open_course))
        # Its own grading folder it may write, but what it writes there vanishes with its kernel.
        assert "OWN-FOLDER-WRITABLE" in outputs_text(sandboxed_course, attack)
        own_file = Path("autograded") / attack / ASSIGNMENT / "written-in-its-own-folder.txt"
        assert not (sandboxed_course / own_file).exists() and (open_course / own_file).exists()
    if attack == "reaches_network":
        assert sandboxed_course.parent.name not in listener.received
        assert open_course.parent.name in listener.received


def test_the_limits_the_guide_states_are_the_courses():
    from traitlets.config.loader import PyFileConfigLoader

    from grading.sandbox import Sandbox

    sandbox = Sandbox(config=PyFileConfigLoader("nbgrader_config.py", path=str(REPO)).load_config())
    guide = " ".join((REPO / "docs" / "instructor-guide.md").read_text().split())
    section = guide.split("## The sandbox for student code", 1)[1].split(" ## ", 1)[0]
    for stated in (f"{sandbox.memory_mb / 1024:g} GiB of memory", f"{sandbox.cpu_seconds} CPU seconds",
                   f"{sandbox.processes} processes", f"{sandbox.file_size_mb} MiB per file",
                   f"{sandbox.output_mb} MiB of output per cell", f'`{sandbox.mode}` (the default)'):
        assert stated in section, stated


# --- Where the sandbox cannot run --------------------------------------------------------------
def test_without_root_the_sandbox_says_what_to_do_and_a_required_sandbox_refuses_to_grade(monkeypatch, capsys):
    # An instructor without root, played in this process: the sandbox's only question about the
    # user is os.geteuid(). (A real unprivileged process would need the clone and its .venv to be
    # readable by another user, which a CI checkout in a private folder is not.)
    import grading.class_grader as class_grader
    import grading.sandbox as sandbox

    monkeypatch.setattr(os, "geteuid", lambda: 65534)
    monkeypatch.setattr(sandbox, "_problem_cache", {})
    # setenv first, so that the variable choose_for_command sets is removed again after the test.
    monkeypatch.setenv(sandbox.MODE_VARIABLE, "auto")
    monkeypatch.delenv(sandbox.MODE_VARIABLE)

    assert sandbox.main([]) == 1
    check = capsys.readouterr().err
    assert "needs root" in check and "sudo" in check and "Traceback" not in check
    with pytest.raises(sandbox.SandboxUnavailable, match="needs root"):
        sandbox.Sandbox(mode="on").should_run()
    warning = sandbox.choose_for_command("auto", None)
    assert warning.startswith("WARNING") and "WITHOUT the sandbox" in warning and "needs root" in warning
    assert os.environ[sandbox.MODE_VARIABLE] == "off"

    course = new_course("nobody", [])
    try:
        hand_in(course, "right", right_answers(course))
        monkeypatch.chdir(course)
        assert class_grader.main([ASSIGNMENT, "--sandbox"]) == 2
        refused = capsys.readouterr().err
        assert "the sandbox cannot run" in refused and "sudo" in refused and "--no-sandbox" in refused
        assert "Traceback" not in refused and not (course / "autograded").exists()
    finally:
        shutil.rmtree(course.parent, ignore_errors=True)


def test_the_check_command_creates_the_users_as_root():
    done = subprocess.run([sys.executable, "-m", "grading.sandbox", "--setup", "--slots", "2"],
                          capture_output=True, text=True, cwd=REPO, check=False)
    assert done.returncode == 0 and f"{USER_PREFIX}0 to {USER_PREFIX}1" in done.stdout, done.stderr
    bad = subprocess.run([sys.executable, "-m", "grading.sandbox", "--slots", "0"],
                         capture_output=True, text=True, cwd=REPO, check=False)
    assert bad.returncode == 2 and "--slots must be between 1" in bad.stderr


class _ExecuteStandIn:
    """What the sandboxed step builds on, minus the kernel: every cell replies at once."""

    def preprocess_cell(self, cell, resources, index):
        return cell, resources

    def process_message(self, msg, cell, cell_index):
        return msg


def test_a_kernel_killed_for_its_flood_is_replaced_even_when_the_cell_replied_before_the_kill_landed():
    """A flood past four times the cap kills the kernel; if the cell's reply beats the kill, the next cell still gets a new kernel."""
    from types import SimpleNamespace

    from grading.sandbox_execute import SandboxedExecution

    class Step(SandboxedExecution, _ExecuteStandIn):
        pass

    step = Step()
    step._sandbox = SimpleNamespace(output_mb=1, max_restarts=3, processes=48)
    step._restarts, step._lost, step._needs_new_kernel = 0, {}, False
    step._flooded, step._killed_for_flood, step._output_key = set(), set(), None
    sent = []
    step._signal_kernel = sent.append
    step._kernel_alive = lambda: True  # the kill is sent, but the process has not died yet
    cell = nbformat.v4.new_code_cell("print('x' * 20_000_000)")

    flood = {"msg_type": "stream", "content": {"name": "stdout", "text": "x" * (5 * 1024 * 1024)}}
    assert step.process_message(flood, cell, 35) is None
    step.preprocess_cell(cell, {}, 35)

    assert sent, "the flood did not get its kernel killed"
    assert step._needs_new_kernel, "the next cell would run in the kernel that was killed"
    assert [output.ename for output in cell.outputs] == ["OutputTooLargeError"]


def test_a_runtime_folder_other_users_cannot_enter_is_put_back_by_what_it_holds(monkeypatch):
    """A checkout made by `mktemp -d` (mode 0700): the kernel's user could not pass through it, so its contents go back."""
    from grading.sandbox_kernel import runtime_paths

    base = REPO / "test-artifacts"
    base.mkdir(exist_ok=True)
    closed = Path(tempfile.mkdtemp(prefix="closed-", dir=base))
    try:
        os.chmod(closed, 0o700)
        inside = closed / "site-packages"
        inside.mkdir()
        monkeypatch.setattr(sys, "path", [str(closed), str(inside), *sys.path])
        found = runtime_paths([str(REPO / "solutions")])  # the checkout itself holds answers: not put back whole
        assert str(closed) not in found and str(inside) in found
    finally:
        shutil.rmtree(closed, ignore_errors=True)
