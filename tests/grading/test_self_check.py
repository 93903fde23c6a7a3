"""The self-check a learner runs in the notebook: ``check_my_work()`` in the last cell of every assignment.

The main tests run the real student version of every assignment in exercises/ in
a real kernel (nbclient), from a folder of their own, as a learner would:

* untouched, with every cell run: every question is "not attempted";
* solved (the model solution typed into the student version, the written answer
  filled in): every autograded question "passed", the written one "answered"; then,
  in the same kernel, one function redefined wrongly: that question "failed" with
  the message its visible test cell shows, the others still "passed";
* the learner's variables are the same before and after the check;
* no report holds a line of a hidden test or of a solution.

Then the edges on one assignment: an endless loop is stopped and reported, the
check does nothing under ``NBGRADER_EXECUTION`` (and in a real ``nbgrader
autograde``), the notebook is found through JupyterLab's ``JPY_SESSION_NAME``.
The logic that needs no kernel (finding the notebook, its questions, the time
limit) is tested in this process.
"""

from __future__ import annotations

import ast
import copy
import html
import json
import os
import re
import signal
import threading
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from grading import self_check
from grading.self_check import SelfCheckProblem, check_notebook, find_notebook
from grading.self_check_notebook import question_heading
from grading.self_check_report import FAILED, NOT_ATTEMPTED, NOT_RUN_YET, PASSED
from grading.time_limit import TimeLimit, TimeLimitExceeded
from tests.assignments.assignment_notebooks import (
    EXERCISES,
    REPO,
    SOLUTIONS,
    cells_where,
    function_name,
    grade_id,
    hidden_test_secrets,
    is_answer_cell,
    is_manual_answer,
    is_test_cell,
    leaks,
    points,
    read,
    replace_solution,
    solution_secrets,
    submission,
)

#: The cell every assignment ends with.
SELF_CHECK_SOURCE = "from grading.self_check import check_my_work\n\ncheck_my_work()"
ASSIGNMENTS = sorted(folder.name for folder in EXERCISES.iterdir() if any(folder.glob("*.ipynb")))
WRONG_BODY = ["return 0.0"]
WRITTEN_ANSWER = "The freed day goes to sales calls worth far more than the 40 dollars the assistant costs extra."
#: The learner's own variable, which a test cell (``result = ...``) would overwrite if it ran in their namespace.
LEARNERS_RESULT = "the learner's own result"
CELL_TIMEOUT = 180
ONE_ASSIGNMENT = "03-value-of-an-hour"

# Printed by a cell before and after the check: the learner's variables and the objects they hold.
NAMESPACE_SNAPSHOT = """\
import json as _json
_IPYTHON_NAMES = {"In", "Out", "exit", "quit", "get_ipython", "open"}
print("NAMESPACE", _json.dumps(sorted(f"{_name}={id(_value)}" for _name, _value in globals().items()
                                      if not _name.startswith("_") and _name not in _IPYTHON_NAMES)))
"""


# --- Notebooks as a learner has them -----------------------------------------------------------


def notebook_file(assignment: str) -> str:
    return f"{assignment}.ipynb"


def student_version(assignment: str):
    return read(EXERCISES / assignment / notebook_file(assignment))


def source_version(assignment: str):
    return read(SOLUTIONS / assignment / notebook_file(assignment))


def self_check_index(notebook) -> int:
    """The index of the notebook's own self-check cell: its last code cell, which must be exactly that."""
    code = [index for index, cell in enumerate(notebook.cells) if cell.cell_type == "code"]
    assert code and notebook.cells[code[-1]].source.strip() == SELF_CHECK_SOURCE, (
        "the last code cell should be the self-check cell:\n" + SELF_CHECK_SOURCE)
    return code[-1]


def functions_of(notebook) -> list[str]:
    return [function_name(cell) for cell in cells_where(notebook, is_answer_cell)]


def questions(notebook) -> list[dict]:
    """Each question of a notebook, from its "## Question N (P points): title" heading, with its graded cells."""
    found, current = [], None
    for cell in notebook.cells:
        if cell.cell_type == "markdown" and not cell.metadata.get("nbgrader", {}).get("solution"):
            for line in cell.source.splitlines():
                match = re.match(r"## Question (\d+) \((\d+) points?\): (.+)", line)
                if match:
                    current = {"number": int(match[1]), "title": match[3].strip(), "tests": [], "written": []}
                    found.append(current)
                elif re.match(r"#{1,2} ", line):
                    current = None
        if current is not None and is_test_cell(cell):
            current["tests"].append(cell)
        if current is not None and is_manual_answer(cell):
            current["written"].append(cell)
    return found


def question_of(notebook, function: str) -> dict:
    """The question whose test cells grade ``function``."""
    owners = [question for question in questions(notebook)
              if any(grade_id(test).startswith(f"test_{function}_") for test in question["tests"])]
    assert len(owners) == 1, f"{function} should be graded in exactly one question"
    return owners[0]


def grading_cells(notebook, function: str) -> list:
    """The test cells that grade ``function`` (their grade ids are ``test_<function>_<what>``)."""
    return [cell for cell in cells_where(notebook, is_test_cell) if grade_id(cell).startswith(f"test_{function}_")]


def code_cell(source: str):
    return nbformat.v4.new_code_cell(source)


def run(notebook, folder: Path, env: dict[str, str] | None = None):
    """Save ``notebook`` in ``folder`` as the learner's file and run all its cells there in a fresh kernel."""
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, folder / notebook_file(folder.name))
    executed = copy.deepcopy(notebook)
    with pytest.MonkeyPatch.context() as patch:
        for name, value in (env or {}).items():
            patch.setenv(name, value)
        client = NotebookClient(executed, timeout=CELL_TIMEOUT, allow_errors=True, kernel_name="python3",
                                resources={"metadata": {"path": str(folder)}})
        client.execute()
    return executed


# --- Reading the report the learner sees -------------------------------------------------------


def shown(cell) -> tuple[str, str]:
    """The plain text and the HTML a cell displays as its result."""
    results = [output for output in cell.outputs if output.output_type == "execute_result"]
    errors = [output for output in cell.outputs if output.output_type == "error"]
    assert not errors, f"the self-check cell raised: {errors[0].ename}: {errors[0].evalue}"
    assert len(results) == 1 == len(cell.outputs), f"the self-check cell should show its report alone: {cell.outputs}"
    return results[0].data["text/plain"], results[0].data.get("text/html", "")


def rows(page: str) -> dict[str, dict[str, str]]:
    """The report's table rows by question label: status, points and what to do, as the browser shows them."""
    found = {}
    for row in re.findall(r"<tr>(.*?)</tr>", page, flags=re.DOTALL):
        cells = [html.unescape(re.sub(r"<br>", "\n", re.sub(r"<(?!br>)[^>]+>", "", text)))
                 for text in re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.DOTALL)]
        if cells:
            found[cells[0]] = {"status": cells[1], "points": cells[2], "todo": cells[3]}
    return found


def label(question: dict) -> str:
    return f"Question {question['number']}: {question['title']}"


def autograded(question: dict) -> float:
    return sum(points(test) for test in question["tests"])


def as_points(value: float) -> str:
    return f"{value:g}"


def assert_same_report_in_text(text: str, table: dict[str, dict[str, str]]) -> None:
    """The plain-text report shows each row's status and points on the row's own line."""
    for name, row in table.items():
        line = next((line for line in text.splitlines() if line.startswith(name[:40])), None)
        assert line is not None, f"{name!r} is missing from the text report:\n{text}"
        assert row["status"] in line and row["points"] in line, line


def error_shown(cell) -> str:
    """What a learner reads when a visible test cell fails: ``Name: message`` (the message alone for an assert)."""
    errors = [output for output in cell.outputs if output.output_type == "error"]
    assert len(errors) == 1, f"the visible test should fail when run, it showed {cell.outputs}"
    return errors[0].evalue if errors[0].ename == "AssertionError" else f"{errors[0].ename}: {errors[0].evalue}"


# --- Every assignment, untouched and solved ----------------------------------------------------


@pytest.fixture(scope="module", params=ASSIGNMENTS)
def untouched(request, tmp_path_factory):
    """The student version as released, every cell run (its test cells fail), then its own self-check cell."""
    assignment = request.param
    notebook = student_version(assignment)
    check_at = self_check_index(notebook)
    executed = run(notebook, tmp_path_factory.mktemp("untouched") / assignment)
    return assignment, executed.cells[check_at]


@pytest.fixture(scope="module", params=ASSIGNMENTS)
def solved(request, tmp_path_factory):
    """The model solution in the student version, checked; then one function made wrong and checked again.

    Returns the assignment, the function made wrong, and the executed cells: the
    first check, the visible test run by hand after the change, the second check,
    and the namespace printed before and after the second check.
    """
    assignment = request.param
    student, source = student_version(assignment), source_version(assignment)
    functions = functions_of(source)
    wrong = functions[len(functions) // 2]
    notebook = submission(student, source, set(functions), WRONG_BODY, WRITTEN_ANSWER)
    check_at = self_check_index(notebook)
    answer = next(cell for cell in cells_where(source, is_answer_cell) if function_name(cell) == wrong)
    visible_test = grading_cells(notebook, wrong)[0]
    added = [
        code_cell(replace_solution(answer.source, WRONG_BODY)),
        code_cell(visible_test.source),
        code_cell(f"result = {LEARNERS_RESULT!r}\n" + NAMESPACE_SNAPSHOT),
        code_cell(notebook.cells[check_at].source),
        code_cell(NAMESPACE_SNAPSHOT),
    ]
    first = len(notebook.cells)
    notebook.cells += added
    executed = run(notebook, tmp_path_factory.mktemp("solved") / assignment)
    cells = {
        "first_check": executed.cells[check_at],
        "visible_test": executed.cells[first + 1],
        "before": executed.cells[first + 2],
        "second_check": executed.cells[first + 3],
        "after": executed.cells[first + 4],
    }
    return assignment, wrong, cells


def test_every_assignment_is_checked():
    assert ASSIGNMENTS and ASSIGNMENTS == sorted(folder.name for folder in SOLUTIONS.iterdir()
                                                 if any(folder.glob("*.ipynb")))


def test_the_untouched_student_version_is_not_attempted(untouched):
    assignment, cell = untouched
    text, page = shown(cell)
    table = rows(page)
    expected = questions(student_version(assignment))
    assert list(table) == [label(question) for question in expected]
    for question in expected:
        row = table[label(question)]
        assert row["status"] == NOT_ATTEMPTED, (label(question), row)
        if question["tests"]:
            assert row["points"].startswith(f"0 / {as_points(autograded(question))}"), row
    assert_same_report_in_text(text, table)
    total = sum(autograded(question) for question in expected)
    assert f"Total: 0 of {as_points(total)} autograded points" in text


def test_the_solved_student_version_passes_every_autograded_question(solved):
    assignment, _, cells = solved
    text, page = shown(cells["first_check"])
    table = rows(page)
    expected = questions(student_version(assignment))
    assert list(table) == [label(question) for question in expected]
    for question in expected:
        row = table[label(question)]
        if question["tests"]:
            assert row["status"] == PASSED, (label(question), row)
            assert row["points"].startswith(f"{as_points(autograded(question))} / {as_points(autograded(question))}")
            assert row["todo"] == ("written answer: answered — your instructor grades it" if question["written"] else "")
        else:
            assert row["status"] == "answered — your instructor grades it", (label(question), row)
    assert_same_report_in_text(text, table)
    total = as_points(sum(autograded(question) for question in expected))
    assert f"Total: {total} of {total} autograded points pass the visible tests" in text


def test_a_wrong_function_fails_its_question_with_the_visible_message(solved):
    assignment, wrong, cells = solved
    table = rows(shown(cells["second_check"])[1])
    broken_notebook = student_version(assignment)
    broken = question_of(broken_notebook, wrong)
    for question in questions(broken_notebook):
        row = table[label(question)]
        if question["number"] == broken["number"]:
            assert row["status"] == FAILED, row
            assert error_shown(cells["visible_test"]) in row["todo"], row
            described = ast.get_docstring(ast.parse(grading_cells(broken_notebook, wrong)[0].source)).splitlines()[0]
            assert f"run the test cell “{described}”" in row["todo"], row
        elif question["tests"]:
            assert row["status"] == PASSED, (label(question), row)


def test_the_check_leaves_the_learners_variables_alone(solved):
    _, _, cells = solved
    before, after = ("".join(output.get("text", "") for output in cells[name].outputs) for name in ("before", "after"))
    assert before.startswith("NAMESPACE") and "result=" in before
    assert json.loads(after.split(" ", 1)[1]) == json.loads(before.split(" ", 1)[1])


def assert_no_secret_shown(assignment: str, checks: list) -> None:
    """No self-check report among ``checks`` shows a line of a hidden test or of a solution."""
    source = source_version(assignment)
    secrets = hidden_test_secrets(source) | solution_secrets(source)
    assert hidden_test_secrets(source) and solution_secrets(source), "the source should have secrets to look for"
    for cell in checks:
        text, page = shown(cell)
        assert leaks(secrets, text + "\n" + html.unescape(page)) == []


def test_the_untouched_report_shows_no_hidden_test_or_solution(untouched):
    assignment, cell = untouched
    assert_no_secret_shown(assignment, [cell])


def test_the_reports_of_a_solved_and_a_wrong_answer_show_no_hidden_test_or_solution(solved):
    assignment, _, cells = solved
    assert_no_secret_shown(assignment, [cells["first_check"], cells["second_check"]])


# --- The edges, on one assignment in a real kernel ---------------------------------------------


def solved_notebook(assignment: str = ONE_ASSIGNMENT):
    """The model solution typed into the student version, with its written answer, and its self-check index."""
    source = source_version(assignment)
    notebook = submission(student_version(assignment), source, set(functions_of(source)), WRONG_BODY, WRITTEN_ANSWER)
    return notebook, self_check_index(notebook)


def test_an_endless_loop_is_stopped_and_reported(tmp_path):
    notebook, check_at = solved_notebook()
    source = source_version(ONE_ASSIGNMENT)
    looping = functions_of(source)[0]
    answer = next(cell for cell in cells_where(source, is_answer_cell) if function_name(cell) == looping)
    notebook.cells += [
        code_cell(replace_solution(answer.source, ["print('thinking it over...')", "while True:", "    pass"])),
        code_cell(notebook.cells[check_at].source.replace("check_my_work()", "check_my_work(time_limit=1)")),
    ]
    table = rows(shown(run(notebook, tmp_path / ONE_ASSIGNMENT).cells[-1])[1])
    stuck = question_of(source, looping)
    for question in questions(source):
        row = table[label(question)]
        if question["number"] == stuck["number"]:
            assert row["status"] == FAILED and "took longer than 1 s and was stopped" in row["todo"], row
        elif question["tests"]:
            assert row["status"] == PASSED, (label(question), row)


def test_under_nbgrader_the_check_does_nothing(tmp_path):
    """nbgrader sets NBGRADER_EXECUTION in the kernel's environment while it autogrades or validates."""
    notebook, check_at = solved_notebook()
    function = functions_of(notebook)[0]
    notebook.cells.insert(check_at, code_cell(
        f"calls = []\n_{function} = {function}\n"
        f"def {function}(*args, **kwargs):\n    calls.append(args)\n    return _{function}(*args, **kwargs)"
    ))
    notebook.cells.append(code_cell("print('calls during the check:', len(calls))"))
    executed = run(notebook, tmp_path / ONE_ASSIGNMENT, env={"NBGRADER_EXECUTION": "autograde"})
    text, page = shown(executed.cells[check_at + 1])
    assert text == "Self-check: skipped while nbgrader runs this notebook (autograde)."
    assert "skipped while nbgrader runs this notebook" in page
    assert executed.cells[-1].outputs[0]["text"].strip() == "calls during the check: 0"


@pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")  # raised inside nbgrader's own autograde
def test_a_real_nbgrader_autograde_skips_the_check(tmp_path):
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader

    course = tmp_path / "course"
    source = source_version(ONE_ASSIGNMENT)
    (course / "solutions" / ONE_ASSIGNMENT).mkdir(parents=True)
    nbformat.write(source, course / "solutions" / ONE_ASSIGNMENT / notebook_file(ONE_ASSIGNMENT))
    (course / "nbgrader_config.py").write_text("\n".join([
        "c = get_config()  # noqa: F821",
        f"load_subconfig({str(REPO / 'nbgrader_config.py')!r})",
        f"c.CourseDirectory.root = {str(course)!r}",
        f"c.CourseDirectory.db_url = {'sqlite:///' + str(course / 'gradebook.db')!r}",
        f"c.Exchange.root = {str(course / 'exchange')!r}",
    ]))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NBGRADER_EXCHANGE", str(course / "exchange"))
        patch.setenv("PATH", os.environ.get("PATH", ""))
        patch.chdir(course)
        config = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
        api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
        assert api.generate_assignment(ONE_ASSIGNMENT)["success"]
        released = read(course / "exercises" / ONE_ASSIGNMENT / notebook_file(ONE_ASSIGNMENT))
        notebook = submission(released, source, set(functions_of(source)), WRONG_BODY, WRITTEN_ANSWER)
        folder = course / "submitted" / "learner" / ONE_ASSIGNMENT
        folder.mkdir(parents=True)
        nbformat.write(notebook, folder / notebook_file(ONE_ASSIGNMENT))
        graded = api.autograde(ONE_ASSIGNMENT, "learner")
        assert graded["success"], graded.get("log")
    autograded = read(course / "autograded" / "learner" / ONE_ASSIGNMENT / notebook_file(ONE_ASSIGNMENT))
    text, _ = shown(autograded.cells[self_check_index(autograded)])
    assert text == "Self-check: skipped while nbgrader runs this notebook (autograde)."


def test_in_jupyterlab_the_check_finds_its_notebook_through_the_session(tmp_path):
    """jupyter_server starts the kernel with the notebook's path in JPY_SESSION_NAME; the folder may hold others."""
    notebook, check_at = solved_notebook()
    elsewhere = tmp_path / "elsewhere" / ONE_ASSIGNMENT
    elsewhere.mkdir(parents=True)
    nbformat.write(notebook, elsewhere / notebook_file(ONE_ASSIGNMENT))
    here = tmp_path / "kernel-folder" / ONE_ASSIGNMENT
    here.mkdir(parents=True)
    other = student_version(ASSIGNMENTS[-1])
    nbformat.write(other, here / "another-assignment.ipynb")
    notebook.cells.insert(check_at, code_cell("print(__session__)"))
    executed = run(notebook, here, env={"JPY_SESSION_NAME": str(elsewhere / notebook_file(ONE_ASSIGNMENT))})
    assert executed.cells[check_at].outputs[0]["text"].strip() == str(elsewhere / notebook_file(ONE_ASSIGNMENT))
    text, _ = shown(executed.cells[check_at + 1])
    assert text.startswith(f"Self-check of {notebook_file(ONE_ASSIGNMENT)}")
    assert "written answer" in text or "answered" in text


# --- Without a kernel --------------------------------------------------------------------------


def write_notebook(notebook, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, path)
    return path


def namespace_of(notebook) -> dict:
    """The learner's namespace after running every cell of ``notebook`` but the graded ones."""
    namespace: dict = {}
    for cell in notebook.cells:
        if cell.cell_type == "code" and not cell.metadata.get("nbgrader", {}).get("grade") \
                and "check_my_work" not in cell.source and not cell.source.lstrip().startswith("%"):
            exec(compile(cell.source, "<cell>", "exec"), namespace)
    return namespace


def statuses(report) -> dict[int, str]:
    return {result.question.number: result.status for result in report.results}


def test_a_function_the_kernel_does_not_know_is_not_run_yet_unless_its_cell_is_untouched(tmp_path):
    notebook, _ = solved_notebook()
    path = write_notebook(notebook, tmp_path / notebook_file(ONE_ASSIGNMENT))
    namespace = namespace_of(notebook)
    missing = functions_of(notebook)[0]
    del namespace[missing]
    report = check_notebook(path, namespace)
    row = next(result for result in report.results if result.status != PASSED and result.question.tests)
    assert row.status == NOT_RUN_YET and f"run the cell that defines {missing} first" in row.details
    untouched_path = write_notebook(student_version(ONE_ASSIGNMENT), tmp_path / "untouched" / notebook_file(ONE_ASSIGNMENT))
    assert set(statuses(check_notebook(untouched_path, {})).values()) == {NOT_ATTEMPTED}


def test_an_old_unfinished_version_in_the_kernel_asks_to_run_the_cell_again(tmp_path):
    notebook, _ = solved_notebook()
    path = write_notebook(notebook, tmp_path / notebook_file(ONE_ASSIGNMENT))
    namespace = namespace_of(notebook)
    stale = functions_of(notebook)[0]
    exec(f"def {stale}(*args, **kwargs):\n    raise NotImplementedError()", namespace)
    failing = [result for result in check_notebook(path, namespace).results if result.status != PASSED
               and result.question.tests]
    assert [result.status for result in failing] == [NOT_RUN_YET]
    assert any(f"run the cell that defines {stale} again" in line for line in failing[0].details)


def test_a_failure_without_a_message_names_the_check_and_html_is_escaped(tmp_path):
    notebook = student_version(ONE_ASSIGNMENT)
    test = cells_where(notebook, is_test_cell)[0]
    test.source = '"""Check <b>bold</b> claims."""\nassert 1 + 1 == 3'
    path = write_notebook(notebook, tmp_path / notebook_file(ONE_ASSIGNMENT))
    report = check_notebook(path, {})
    failed = [result for result in report.results if result.status == FAILED]
    assert len(failed) == 1 and "this check failed: assert 1 + 1 == 3" in failed[0].details[0]
    assert "<b>" not in report._repr_html_() and "&lt;b&gt;bold&lt;/b&gt;" in report._repr_html_()


@pytest.mark.parametrize("use_alarm", [True, False], ids=["alarm", "watchdog"])
def test_the_time_limit_stops_a_loop_that_catches_the_first_stop(use_alarm):
    def stubborn():
        try:
            while True:
                pass
        except BaseException:  # noqa: BLE001 - a learner's loop that swallows the first stop
            pass
        while True:
            pass

    with pytest.raises(TimeLimitExceeded):
        with TimeLimit(0.3, use_alarm=use_alarm):
            stubborn()
    handlers = signal.getsignal(signal.SIGALRM), signal.getsignal(signal.SIGINT)
    with TimeLimit(5, use_alarm=use_alarm):  # a quick block ends untouched and leaves no timer behind
        total = sum(range(1000))
    time.sleep(0.7)
    assert total == 499500
    assert (signal.getsignal(signal.SIGALRM), signal.getsignal(signal.SIGINT)) == handlers


def test_the_watchdog_still_lets_the_learner_stop_the_kernel():
    """Without SIGALRM the time limit handles SIGINT; a real interrupt (the Stop button) stays a KeyboardInterrupt."""
    before = signal.getsignal(signal.SIGINT)
    with pytest.raises(KeyboardInterrupt):
        with TimeLimit(30, use_alarm=False):
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(5)
    assert signal.getsignal(signal.SIGINT) is before


def test_outside_the_main_thread_the_tests_run_without_a_limit():
    enforced = []
    worker = threading.Thread(target=lambda: enforced.append(TimeLimit(1).enforced))
    worker.start()
    worker.join()
    assert enforced == [False]


def test_finding_the_notebook(tmp_path, monkeypatch):
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    folder = tmp_path / "course" / "exercises" / ONE_ASSIGNMENT
    path = write_notebook(student_version(ONE_ASSIGNMENT), folder / notebook_file(ONE_ASSIGNMENT))
    monkeypatch.chdir(folder)
    assert find_notebook({}) == path  # the only assignment in the folder
    relative = f"exercises/{ONE_ASSIGNMENT}/{notebook_file(ONE_ASSIGNMENT)}"  # a session path from the server root
    write_notebook(student_version(ASSIGNMENTS[-1]), folder / "second.ipynb")
    assert find_notebook({"__session__": relative}) == path
    assert find_notebook({"__vsc_ipynb_file__": str(path)}) == path
    assert find_notebook({}, notebook_file(ONE_ASSIGNMENT)) == path
    with pytest.raises(SelfCheckProblem, match="several assignments"):
        find_notebook({"__session__": str(folder / "renamed-since.ipynb")})
    with pytest.raises(SelfCheckProblem, match="there is no notebook at 'missing.ipynb'"):
        find_notebook({}, "missing.ipynb")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SelfCheckProblem, match="could not find this notebook's file"):
        find_notebook({})


@pytest.mark.parametrize(("content", "arguments", "message"), [
    ("{not json", {"notebook": "broken.ipynb"}, "broken.ipynb is not a readable notebook file"),
    ('{"cells": [], "metadata": {}}', {"notebook": "broken.ipynb"}, "broken.ipynb has no graded cells"),
    ("[]", {"notebook": "broken.ipynb"}, "broken.ipynb is not a Jupyter notebook"),
    ("{}", {"notebook": "elsewhere.ipynb"}, "there is no notebook at 'elsewhere.ipynb'"),
    ("{}", {"notebook": "broken.ipynb", "time_limit": 0}, "time_limit must be a positive number of seconds, not 0"),
    ("{}", {"notebook": "broken.ipynb", "time_limit": "10"}, "time_limit must be a positive number of seconds, not '10'"),
    ("{}", {"notebook": "broken.ipynb", "time_limit": float("inf")}, "time_limit must be a positive number of seconds, not inf"),
])
def test_bad_input_gets_a_clear_message_and_no_traceback(tmp_path, monkeypatch, content, arguments, message):
    (tmp_path / "broken.ipynb").write_text(content)
    monkeypatch.chdir(tmp_path)
    report = self_check.check_my_work(**arguments)
    assert repr(report) == f"Self-check: {message}" or repr(report).startswith(f"Self-check: {message}")
    assert message in html.unescape(report._repr_html_())


def test_a_fault_of_the_self_check_itself_is_a_message_not_a_traceback(tmp_path, monkeypatch):
    path = write_notebook(student_version(ONE_ASSIGNMENT), tmp_path / notebook_file(ONE_ASSIGNMENT))

    def broken(notebook):
        raise RuntimeError("a fault in the self-check")

    monkeypatch.setattr(self_check, "read_assignment", broken)
    report = self_check.check_my_work(path)
    assert repr(report).startswith("Self-check: could not finish (RuntimeError: a fault in the self-check)")


def test_under_nbgrader_nothing_is_read(tmp_path, monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "validate")
    assert repr(self_check.check_my_work(tmp_path / "not-even-there.ipynb")) == (
        "Self-check: skipped while nbgrader runs this notebook (validate).")


def test_importing_the_self_check_loads_neither_nbgrader_nor_nbformat():
    import subprocess
    import sys

    probe = "import sys, grading.self_check; print(sorted({'nbgrader', 'nbformat', 'pandas', 'IPython'} & set(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                          cwd=REPO)
    assert done.stdout.strip() == "[]"


def test_question_headings():
    assert question_heading("## Question 1 (1 point): The price of a daily chore") == (1, 1.0, "The price of a daily chore")
    assert question_heading("## Question 10 (4 points): Executive summary") == (10, 4.0, "Executive summary")
    assert question_heading("# Part 2: the proposal") is None
