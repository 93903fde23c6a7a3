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

The parts: :mod:`grading.self_check_notebook` reads the saved notebook,
:mod:`grading.time_limit` stops a test that runs too long, and
:mod:`grading.self_check_report` is what the learner sees.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import sys
import traceback
from pathlib import Path

from grading.self_check_notebook import Assignment, GradedCell, is_assignment, read_assignment
from grading.self_check_report import (
    FAILED,
    NOT_ATTEMPTED,
    NOT_RUN_YET,
    PASSED,
    CellOutcome,
    QuestionResult,
    SelfCheckReport,
)
from grading.time_limit import TimeLimit, TimeLimitExceeded

#: How long one test cell may run before it is stopped and reported as failed, in seconds.
TIME_LIMIT = 10.0

#: Where the self-check tells a learner how it read the notebook.
SAVE_FIRST = ("Tests and written answers are read from the saved notebook, so save it first (Ctrl+S); "
              "your functions come from this kernel, so run a function's cell again after you change it.")
HIDDEN_TESTS_NOTE = "When your work is graded, hidden tests also try your functions on other cases."
_REASON_LENGTH = 300


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
        if not isinstance(time_limit, (int, float)) or isinstance(time_limit, bool) or not 0 < time_limit < math.inf:
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
