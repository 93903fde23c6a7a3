"""The self-check a learner runs at the end of an assignment: each question passed, failed or not attempted.

The last cell of every assignment notebook is::

    from grading.self_check import check_my_work

    check_my_work()

It needs no server and no instructor. It finds the notebook it runs in, reads the
test cells and the written answers from the saved file, and runs each test cell
against the functions defined in the kernel, in a copy of the learner's namespace,
with its prints captured and a time limit. The report lists every question
("## Question N (P points): title" in the notebook) with its status and the points
of the tests that pass; a failed test gets the reason its own visible test gives
(its assert message, or the exception) and the test cell to run for the details.

* A function whose saved cell still holds the stub (``raise NotImplementedError()``),
  or that still raises NotImplementedError in the kernel, is *not attempted*.
* A written answer still reading "YOUR ANSWER HERE" is *not attempted*, any other is
  *answered* and graded by the instructor.
* A function the kernel does not know yet, though its saved cell is written, is *not
  run yet*: the learner runs its cell first.

Nothing here ever raises at the learner: a problem of the self-check itself (no
notebook found, an unreadable file) becomes the report's message. While nbgrader
autogrades or validates a notebook (it sets ``NBGRADER_EXECUTION``) the check does
nothing and says so. The notebook is read with :mod:`json`, so importing this
module costs a learner's kernel nothing worth measuring.

>>> question_heading("## Question 3 (4 points): The net weekly gain of delegating")
(3, 4.0, 'The net weekly gain of delegating')
>>> question_heading("## Before you submit") is None
True
"""

from __future__ import annotations

import ast
import contextlib
import dataclasses
import html
import io
import json
import os
import re
import signal
import sys
import threading
import time
import traceback
from pathlib import Path

#: How long one test cell may run before it is stopped and reported as failed, in seconds.
TIME_LIMIT = 10.0

PASSED = "passed"
FAILED = "failed"
NOT_ATTEMPTED = "not attempted"
NOT_RUN_YET = "not run yet"
#: A question with several tests, some passing and the others not attempted yet.
NOT_FINISHED = "not finished"
ANSWERED = "answered — your instructor grades it"
NOTHING_TO_CHECK = "nothing to check"

#: The text nbgrader leaves in a written answer the learner has not touched.
UNTOUCHED_ANSWER = "YOUR ANSWER HERE"
#: Where the self-check tells a learner how it read the notebook.
SAVE_FIRST = ("Tests and written answers are read from the saved notebook, so save it first (Ctrl+S); "
              "your functions come from this kernel, so run a function's cell again after you change it.")
HIDDEN_TESTS_NOTE = "When your work is graded, hidden tests also try your functions on other cases."

_QUESTION = re.compile(r"^##\s+Question\s+(\d+)\s*\(\s*(\d+(?:\.\d+)?)\s+points?\s*\)\s*:?\s*(.*?)\s*$")
_SECTION = re.compile(r"^#{1,2}\s")
_REASON_LENGTH = 300


def question_heading(line: str) -> tuple[int, float, str] | None:
    """The number, points and title of a "## Question N (P points): title" line, else None."""
    match = _QUESTION.match(line.strip())
    if match is None:
        return None
    return int(match.group(1)), float(match.group(2)), match.group(3)


# --- What the saved notebook holds ----------------------------------------------------------


@dataclasses.dataclass
class GradedCell:
    """An autograded test cell: its grade id, what its docstring says it checks, its points and code."""

    grade_id: str
    description: str
    points: float
    source: str
    functions: tuple[str, ...] = ()


@dataclasses.dataclass
class Question:
    """One question of the notebook with its test cells and written answers (``answered`` per answer)."""

    number: int | None
    title: str
    points: float
    tests: list[GradedCell] = dataclasses.field(default_factory=list)
    written: list[tuple[float, bool]] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Assignment:
    """What the self-check needs from a notebook file: its questions and which answer functions are stubs."""

    questions: list[Question]
    stubs: set[str]
    functions: set[str]


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _grading(cell: dict) -> dict:
    metadata = cell.get("metadata", {}).get("nbgrader", {})
    return metadata if isinstance(metadata, dict) else {}


def is_assignment(notebook: dict) -> bool:
    """True when some cell of the notebook is graded by nbgrader."""
    return any(_grading(cell).get("grade") for cell in notebook.get("cells", []))


def defined_functions(source: str) -> list[str]:
    """The names of the functions a cell defines at its top level.

    >>> defined_functions("import math\\ndef f(x):\\n    def g():\\n        pass\\n    return x\\ndef h(): pass")
    ['f', 'h']
    """
    return re.findall(r"^def\s+(\w+)\s*\(", source, flags=re.MULTILINE)


def stub_functions(source: str) -> set[str]:
    """The functions of a cell whose body still only raises NotImplementedError (after a docstring).

    >>> sorted(stub_functions('def f(x):\\n    "Doc."\\n    # YOUR CODE HERE\\n    raise NotImplementedError()\\n'
    ...                       'def g(x):\\n    return x'))
    ['f']
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    stubs = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            body = node.body[1:] if ast.get_docstring(node) is not None else node.body
            if len(body) == 1 and isinstance(body[0], ast.Raise) and _names_not_implemented(body[0].exc):
                stubs.add(node.name)
    return stubs


def _names_not_implemented(exception: ast.expr | None) -> bool:
    if isinstance(exception, ast.Call):
        exception = exception.func
    return isinstance(exception, ast.Name) and exception.id == "NotImplementedError"


def _names_used(source: str) -> set[str]:
    try:
        return {node.id for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Name)}
    except SyntaxError:
        return set()


def _description(source: str, grade_id: str) -> str:
    try:
        docstring = ast.get_docstring(ast.parse(source))
    except SyntaxError:
        docstring = None
    return docstring.strip().splitlines()[0] if docstring else grade_id


def _is_written(cell: dict) -> bool:
    """True when a manually graded answer holds more than nbgrader's placeholder."""
    text = _source(cell).strip()
    placeholders = {"", UNTOUCHED_ANSWER, "# YOUR CODE HERE\nraise NotImplementedError()"}
    return text not in placeholders


def _outside_code_blocks(markdown: str) -> list[str]:
    """The lines of a markdown cell outside its fenced code blocks, where a "# comment" is no heading.

    >>> _outside_code_blocks("## Question 1 (1 point): A\\n```python\\n# a comment\\n```\\ntext")
    ['## Question 1 (1 point): A', 'text']
    """
    lines, in_block = [], False
    for line in markdown.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            in_block = not in_block
        elif not in_block:
            lines.append(line)
    return lines


def read_assignment(notebook: dict) -> Assignment:
    """The questions of a notebook, in order, with the test cells and written answers under each heading.

    Graded cells before the first question heading, or after a heading that ends
    the questions ("## Before you submit"), are kept in a question without a number.
    """
    questions: list[Question] = []
    current: Question | None = None
    stubs: set[str] = set()
    functions: set[str] = set()
    loose = Question(None, "Other graded cells", 0.0)
    for cell in notebook.get("cells", []):
        grading, source = _grading(cell), _source(cell)
        if cell.get("cell_type") == "markdown" and not grading.get("solution"):
            for line in _outside_code_blocks(source):
                heading = question_heading(line)
                if heading is not None:
                    number, points, title = heading
                    current = Question(number, title, points)
                    questions.append(current)
                elif _SECTION.match(line):
                    current = None
        elif grading.get("solution") and not grading.get("grade") and cell.get("cell_type") == "code":
            functions.update(defined_functions(source))
            stubs.update(stub_functions(source))
        if not grading.get("grade"):
            continue
        target = current or loose
        points = float(grading.get("points", 0) or 0)
        if grading.get("solution"):
            target.written.append((points, _is_written(cell)))
        elif cell.get("cell_type") == "code":
            grade_id = str(grading.get("grade_id", "test"))
            target.tests.append(GradedCell(grade_id, _description(source, grade_id), points, source))
    for question in [*questions, loose]:
        for test in question.tests:
            test.functions = tuple(sorted(_names_used(test.source) & functions))
    if loose.tests or loose.written:
        loose.points = sum(test.points for test in loose.tests) + sum(points for points, _ in loose.written)
        questions.append(loose)
    return Assignment(questions, stubs, functions)


# --- Running a test cell ----------------------------------------------------------------------


class TimeLimitExceeded(BaseException):
    """A test ran past its time limit (a BaseException, so that ``except Exception`` does not swallow it)."""


class TimeLimit:
    """Stop the code inside after ``seconds``: ``with TimeLimit(2): ...`` raises TimeLimitExceeded.

    On POSIX a SIGALRM timer repeats every ``REPEAT`` seconds after the deadline, so
    code that catches the first stop is stopped again. Where there is no SIGALRM
    (Windows) a watchdog thread interrupts the main thread the same way, through
    a SIGINT handler that tells its own interrupts from the learner's Stop button.
    Outside the main thread signals cannot be handled: ``enforced`` is then False.
    """

    REPEAT = 0.5

    def __init__(self, seconds: float, use_alarm: bool | None = None):
        self.seconds = seconds
        in_main_thread = threading.current_thread() is threading.main_thread()
        self.use_alarm = hasattr(signal, "setitimer") if use_alarm is None else use_alarm
        self.enforced = in_main_thread
        self._active = False
        self._sent = 0
        self._handled = 0
        self._stop = threading.Event()
        self._watchdog: threading.Thread | None = None
        self._previous = None

    def __enter__(self) -> TimeLimit:
        if not self.enforced:
            return self
        self._active = True
        if self.use_alarm:
            self._previous = signal.signal(signal.SIGALRM, self._on_alarm)
            signal.setitimer(signal.ITIMER_REAL, self.seconds, self.REPEAT)
        else:
            import _thread  # noqa: PLC0415 - only this fallback needs it

            self._previous = signal.signal(signal.SIGINT, self._on_interrupt)
            self._watchdog = threading.Thread(target=self._watch, args=(_thread.interrupt_main,), daemon=True)
            self._watchdog.start()
        return self

    def __exit__(self, *exc_info) -> None:
        if not self.enforced:
            return
        self._active = False
        if self.use_alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self._previous)
            return
        self._stop.set()
        self._watchdog.join()
        deadline = time.monotonic() + 1.0
        while self._handled < self._sent and time.monotonic() < deadline:
            time.sleep(0.001)  # let the main thread take our own interrupts still pending
        signal.signal(signal.SIGINT, self._previous)

    def _on_alarm(self, signum, frame) -> None:
        if self._active:
            raise TimeLimitExceeded(self.seconds)

    def _watch(self, interrupt_main) -> None:
        waited = self.seconds
        while not self._stop.wait(waited):
            self._sent += 1
            interrupt_main(signal.SIGINT)
            waited = self.REPEAT

    def _on_interrupt(self, signum, frame) -> None:
        if self._handled < self._sent:
            self._handled += 1
            if self._active:
                raise TimeLimitExceeded(self.seconds)
            return
        raise KeyboardInterrupt


@dataclasses.dataclass
class CellOutcome:
    """What running one test cell gave: its status and, unless it passed, why."""

    test: GradedCell
    status: str
    reason: str = ""


def _shorten(text: str) -> str:
    lines = [line.rstrip() for line in str(text).strip().splitlines() if line.strip()]
    short = "\n".join(lines[:4])
    return short if len(short) <= _REASON_LENGTH else short[: _REASON_LENGTH - 1] + "…"


def _frames(error: BaseException) -> list[traceback.FrameSummary]:
    return traceback.extract_tb(error.__traceback__)


def _failure_reason(error: BaseException, filename: str, source: str, functions: set[str]) -> str:
    """The learner-facing reason of a failed test: its assert message, or the exception and where it rose."""
    frames = _frames(error)
    if isinstance(error, AssertionError) and str(error).strip():
        return _shorten(str(error))
    if isinstance(error, AssertionError):
        lines = [frame.lineno for frame in frames if frame.filename == filename and frame.lineno]
        lines_of_source = source.splitlines()
        if lines and 0 < lines[-1] <= len(lines_of_source):
            return _shorten(f"this check failed: {lines_of_source[lines[-1] - 1].strip()}")
        return "a check of this test failed"
    message = str(error).strip()
    reason = f"{type(error).__name__}: {message}" if message else type(error).__name__
    inside = [frame.name for frame in frames if frame.name in functions]
    return _shorten(f"{reason} (raised in {inside[-1]})" if inside else reason)


def run_test(test: GradedCell, assignment: Assignment, namespace: dict, time_limit: float = TIME_LIMIT,
             compile_cell=None) -> CellOutcome:
    """Run one test cell in a shallow copy of ``namespace``, its output captured, within ``time_limit`` seconds.

    ``compile_cell`` turns a cell's source into Python (IPython's ``transform_cell``
    in a kernel, so a test cell may use what any cell may).
    """
    missing = [name for name in test.functions if name not in namespace]
    if missing:
        name = missing[0]
        if name in assignment.stubs:
            return CellOutcome(test, NOT_ATTEMPTED, f"{name} is not written yet")
        return CellOutcome(test, NOT_RUN_YET, f"run the cell that defines {name} first")
    filename = f"<self-check: {test.grade_id}>"
    try:
        code = compile(compile_cell(test.source) if compile_cell else test.source, filename, "exec")
    except SyntaxError as error:
        return CellOutcome(test, FAILED, f"the test cell could not be read: {error.msg}")
    scratch = dict(namespace)
    captured = io.StringIO()
    try:
        with contextlib.redirect_stdout(captured), contextlib.redirect_stderr(captured), TimeLimit(time_limit):
            exec(code, scratch)  # noqa: S102 - running the notebook's own test cell is the point
    except TimeLimitExceeded:
        return CellOutcome(test, FAILED, f"took longer than {time_limit:g} s and was stopped: "
                                         "is there a loop that never ends?")
    except NotImplementedError as error:
        frames = _frames(error)
        raiser = frames[-1].name if frames else "a function"
        if raiser in assignment.functions and raiser not in assignment.stubs:
            return CellOutcome(test, NOT_RUN_YET, f"run the cell that defines {raiser} again: "
                                                  "this kernel still has its unfinished version")
        return CellOutcome(test, NOT_ATTEMPTED, f"{raiser} still raises NotImplementedError")
    except NameError as error:
        frames = _frames(error)
        if frames and frames[-1].filename == filename and getattr(error, "name", None):
            return CellOutcome(test, NOT_RUN_YET, f"run the cell that defines {error.name} first")
        return CellOutcome(test, FAILED, _failure_reason(error, filename, test.source, assignment.functions))
    except KeyboardInterrupt:
        raise
    except BaseException as error:  # noqa: BLE001 - a learner's SystemExit is a failed test too
        return CellOutcome(test, FAILED, _failure_reason(error, filename, test.source, assignment.functions))
    return CellOutcome(test, PASSED)


# --- The report ---------------------------------------------------------------------------------


def points_text(points: float) -> str:
    """Points without a needless ".0".

    >>> points_text(3.0), points_text(1.5)
    ('3', '1.5')
    """
    return f"{points:g}"


@dataclasses.dataclass
class QuestionResult:
    """A question's outcome: its test outcomes and how many of its written answers are answered."""

    question: Question
    outcomes: list[CellOutcome]

    @property
    def label(self) -> str:
        number = self.question.number
        return f"Question {number}: {self.question.title}" if number is not None else self.question.title

    @property
    def autograded_points(self) -> float:
        return sum(test.points for test in self.question.tests)

    @property
    def passed_points(self) -> float:
        return sum(outcome.test.points for outcome in self.outcomes if outcome.status == PASSED)

    @property
    def written_points(self) -> float:
        return sum(points for points, _ in self.question.written)

    @property
    def status(self) -> str:
        statuses = {outcome.status for outcome in self.outcomes}
        if not statuses:
            if not self.question.written:
                return NOTHING_TO_CHECK
            return ANSWERED if all(answered for _, answered in self.question.written) else NOT_ATTEMPTED
        for status in (FAILED, NOT_RUN_YET):
            if status in statuses:
                return status
        if statuses == {PASSED}:
            return PASSED
        return NOT_ATTEMPTED if statuses == {NOT_ATTEMPTED} else NOT_FINISHED

    @property
    def points(self) -> str:
        if self.question.tests:
            text = f"{points_text(self.passed_points)} / {points_text(self.autograded_points)}"
            return text + (f" + {points_text(self.written_points)} written" if self.question.written else "")
        if self.question.written:
            return f"{points_text(self.written_points)} (instructor)"
        return ""

    @property
    def details(self) -> list[str]:
        """One line per thing to do: each failed test's reason and cell, then what is not written or run."""
        lines = []
        for outcome in self.outcomes:
            if outcome.status == FAILED:
                lines.append(f"{outcome.reason}\n(run the test cell “{outcome.test.description}” for the details)")
        for outcome in self.outcomes:
            if outcome.status in (NOT_RUN_YET, NOT_ATTEMPTED) and outcome.reason not in lines:
                lines.append(outcome.reason)
        answered = all(answered for _, answered in self.question.written)
        if self.question.tests and self.question.written:
            lines.append("written answer: " + ("answered — your instructor grades it" if answered else "not attempted"))
        if self.question.written and not answered:
            lines.append(f"write your answer in place of “{UNTOUCHED_ANSWER}”, then save the notebook")
        return lines


@dataclasses.dataclass
class SelfCheckReport:
    """What ``check_my_work()`` shows: a table of the questions, a total and notes, or why nothing was checked.

    >>> print(SelfCheckReport(message="No notebook found."))
    Self-check: No notebook found.
    """

    notebook: str = ""
    results: list[QuestionResult] = dataclasses.field(default_factory=list)
    notes: list[str] = dataclasses.field(default_factory=list)
    message: str = ""

    @property
    def passed_points(self) -> float:
        return sum(result.passed_points for result in self.results)

    @property
    def autograded_points(self) -> float:
        return sum(result.autograded_points for result in self.results)

    @property
    def written_points(self) -> float:
        return sum(result.written_points for result in self.results)

    @property
    def total(self) -> str:
        text = (f"Total: {points_text(self.passed_points)} of {points_text(self.autograded_points)} "
                "autograded points pass the visible tests")
        if self.written_points:
            text += f"; {points_text(self.written_points)} points of written answers are graded by your instructor"
        return text + "."

    def __repr__(self) -> str:
        if self.message:
            return f"Self-check: {self.message}"
        rows = [("Question", "Status", "Points")]
        rows += [(result.label, result.status, result.points) for result in self.results]
        question_width = min(max(len(row[0]) for row in rows), 60)
        status_width = max(len(row[1]) for row in rows)
        lines = [f"Self-check of {self.notebook}", ""]
        for index, (label, status, points) in enumerate(rows):
            label = label if len(label) <= question_width else label[: question_width - 1] + "…"
            lines.append(f"{label:<{question_width}}  {status:<{status_width}}  {points}".rstrip())
            if index:
                lines += [f"    {line}" for detail in self.results[index - 1].details
                          for line in detail.splitlines()]
        return "\n".join([*lines, "", self.total, *self.notes])

    def _repr_html_(self) -> str:
        if self.message:
            return f"<p><strong>Self-check:</strong> {html.escape(self.message)}</p>"
        cell = 'style="text-align:left; vertical-align:top; padding:2px 8px"'
        rows = []
        for result in self.results:
            details = "<br>".join(html.escape(line).replace("\n", "<br>") for line in result.details)
            colour = _STATUS_COLOURS.get(result.status, "inherit")
            rows.append(
                f"<tr><td {cell}>{html.escape(result.label)}</td>"
                f'<td {cell}><span style="color:{colour}; font-weight:bold">{html.escape(result.status)}</span></td>'
                f"<td {cell}>{html.escape(result.points)}</td><td {cell}>{details}</td></tr>"
            )
        notes = "".join(f"<p>{html.escape(note)}</p>" for note in self.notes)
        return (
            f'<div class="self-check"><p><strong>Self-check of {html.escape(self.notebook)}</strong></p>'
            f"<table><thead><tr><th {cell}>Question</th><th {cell}>Status</th><th {cell}>Points</th>"
            f"<th {cell}>What to do</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
            f"<p><strong>{html.escape(self.total)}</strong></p>{notes}</div>"
        )


_STATUS_COLOURS = {PASSED: "#1a7f37", FAILED: "#cf222e", NOT_RUN_YET: "#9a6700", NOT_FINISHED: "#9a6700"}


# --- Finding the notebook and checking it --------------------------------------------------------


class SelfCheckProblem(Exception):
    """Why the self-check cannot check anything; its message is shown to the learner as it is."""


def _existing(path: Path) -> Path | None:
    """``path`` if it names a file; a relative one is tried from the current folder and each folder above."""
    if path.is_absolute():
        return path if path.is_file() else None
    for folder in [Path.cwd(), *Path.cwd().parents]:
        if (folder / path).is_file():
            return folder / path
    return None


def _load(path: Path) -> dict:
    try:
        with open(path, encoding="utf-8") as file:
            notebook = json.load(file)
    except OSError as error:
        raise SelfCheckProblem(f"could not read {path.name}: {error.strerror or error}.") from None
    except ValueError:
        raise SelfCheckProblem(f"{path.name} is not a readable notebook file (is it still being saved? "
                               "Save it and run this cell again).") from None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise SelfCheckProblem(f"{path.name} is not a Jupyter notebook.")
    return notebook


def _assignments_in(folder: Path) -> list[Path]:
    found = []
    for path in sorted(folder.glob("*.ipynb")):
        with contextlib.suppress(SelfCheckProblem):
            if is_assignment(_load(path)):
                found.append(path)
    return found


def find_notebook(namespace: dict, path: str | os.PathLike | None = None) -> Path:
    """The notebook to check: ``path`` if given, else the kernel's own notebook, else the only assignment here.

    JupyterLab (jupyter_server 2) starts the kernel with the notebook's path in
    ``JPY_SESSION_NAME``, which ipykernel copies to ``__session__``; VS Code sets
    ``__vsc_ipynb_file__``. A path that no longer exists (the notebook was
    renamed) is passed over.
    """
    if path is not None:
        found = _existing(Path(path).expanduser())
        if found is None:
            raise SelfCheckProblem(f"there is no notebook at {os.fspath(path)!r}.")
        return found
    for candidate in (namespace.get("__session__"), os.environ.get("JPY_SESSION_NAME"),
                      namespace.get("__vsc_ipynb_file__")):
        if isinstance(candidate, str) and candidate.endswith(".ipynb"):
            found = _existing(Path(candidate))
            if found is not None:
                return found
    here = _assignments_in(Path.cwd())
    if len(here) == 1:
        return here[0]
    if here:
        names = ", ".join(repr(found.name) for found in here)
        raise SelfCheckProblem(f"this folder holds several assignments ({names}): name yours, "
                               f"for example check_my_work({here[0].name!r}).")
    raise SelfCheckProblem("could not find this notebook's file: give its name, "
                           "for example check_my_work('03-value-of-an-hour.ipynb').")


def check_notebook(path: Path, namespace: dict, time_limit: float = TIME_LIMIT, compile_cell=None) -> SelfCheckReport:
    """Check the notebook saved at ``path`` against the functions in ``namespace``."""
    notebook = _load(path)
    if not is_assignment(notebook):
        raise SelfCheckProblem(f"{path.name} has no graded cells: the self-check works in an assignment notebook.")
    assignment = read_assignment(notebook)
    results = [
        QuestionResult(question, [run_test(test, assignment, namespace, time_limit, compile_cell)
                                  for test in question.tests])
        for question in assignment.questions
    ]
    notes = [SAVE_FIRST, HIDDEN_TESTS_NOTE]
    if not TimeLimit(time_limit).enforced:
        notes.append("The tests ran without a time limit here: if one never ends, stop the kernel.")
    return SelfCheckReport(notebook=path.name, results=results, notes=notes)


def _kernel_namespace() -> tuple[dict, object]:
    """The learner's namespace and a cell compiler: IPython's when in a kernel, ``__main__``'s otherwise."""
    if "IPython" in sys.modules:
        from IPython import get_ipython  # noqa: PLC0415 - IPython is loaded already in a kernel

        shell = get_ipython()
        if shell is not None:
            return shell.user_ns, shell.transform_cell
    return vars(sys.modules["__main__"]), None


def check_my_work(notebook: str | os.PathLike | None = None, *, time_limit: float = TIME_LIMIT) -> SelfCheckReport:
    """Check this notebook's answers with its visible tests; return a report the notebook shows as a table.

    ``notebook`` names the file when the self-check cannot find it by itself;
    ``time_limit`` is how many seconds each test cell may run.
    """
    grading_step = os.environ.get("NBGRADER_EXECUTION")
    if grading_step:
        return SelfCheckReport(message=f"skipped while nbgrader runs this notebook ({grading_step}).")
    try:
        if not isinstance(time_limit, (int, float)) or isinstance(time_limit, bool) or not time_limit > 0:
            raise SelfCheckProblem(f"time_limit must be a positive number of seconds, not {time_limit!r}.")
        namespace, compile_cell = _kernel_namespace()
        return check_notebook(find_notebook(namespace, notebook), namespace, float(time_limit), compile_cell)
    except SelfCheckProblem as problem:
        return SelfCheckReport(message=str(problem))
    except KeyboardInterrupt:
        return SelfCheckReport(message="stopped before it finished. Run this cell again to check your work.")
    except Exception as error:  # noqa: BLE001 - the learner must never see a traceback from the course's code
        return SelfCheckReport(message=f"could not finish ({type(error).__name__}: {error}). "
                                       "Your work is not affected; tell your instructor about this message.")
