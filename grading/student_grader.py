"""Grade one student's submission through nbgrader's own autograder, in this process.

:meth:`StudentGrader.grade` is the one function that starts the grading of one
student. It runs ``nbgrader autograde`` for that student (the ``Autograde``
converter with the course's configuration, loaded exactly as the ``nbgrader``
command loads it from the course folder), so whatever ``nbgrader_config.py``
puts into the autograder (the grading guard, cell timeouts) applies, and the
scores are the ones ``nbgrader autograde`` gives. A sandbox for student code
slots in here: it only has to change how this function starts the kernel.

What nbgrader does not say plainly is turned into an outcome
(:mod:`grading.grading_outcome`):

* a notebook that is not there (missing, renamed, an empty folder) or cannot be
  read is reported by name, as ``python -m grading.submissions`` reports it, and
  never reaches nbgrader;
* a cell that ran over nbgrader's cell timeout is interrupted by nbgrader, which
  scores that cell 0 and goes on: the grades are stored, the outcome is
  ``timed out``, not ``graded``;
* a kernel that died (``DeadKernelError``) is ``kernel died``; nbgrader removes
  the half-written autograded notebook.

SQLite: each worker writes its own students' rows through nbgrader, while
SQLite admits one writer at a time. Grades are written in short transactions,
so a writer that finds the file locked waits (SQLite's busy timeout, raised
here from pysqlite's 5 s to :data:`SQLITE_BUSY_TIMEOUT_S`) instead of failing.
PostgreSQL takes concurrent writers as they come. Two workers never grade the
same student, so they never write the same rows.

rfc3987-syntax: with jsonschema 4.25 and later, ``import nbformat`` imports
``jsonschema``, whose format checkers import ``rfc3987_syntax`` (1.2 s of CPU,
building a grammar) to check the ``iri`` and ``iri-reference`` formats. Nothing
on the grading path checks formats: nbformat validates notebooks with a
``Draft4Validator`` and no format checker, nbgrader's own cell validation calls
``jsonschema.validate`` without one, and nbgrader, nbconvert, nbclient and
jupyter_client create none (only jupyter_events, a part of the Jupyter server,
does). So grading never needs it, and the course pins jsonschema 4.24.1
(requirements.txt), which does not import it; ``make bench`` shows whether
``import nbformat`` loads it.
"""

from __future__ import annotations

import glob
import io
import logging
import time
import traceback
from pathlib import Path

from grading.grading_outcome import ERROR, KERNEL_DIED, MISSING, TIMED_OUT, UNREADABLE, GradingOutcome

#: How long a write waits for another worker's transaction on an SQLite gradebook.
SQLITE_BUSY_TIMEOUT_S = 120
#: The error name nbgrader gives a cell it interrupted after its timeout (``Execute.error_on_timeout``).
DEFAULT_TIMEOUT_ERROR = "CellTimeoutError"
def with_busy_timeout(db_url: str) -> str:
    """``db_url`` with SQLite's busy timeout set, unless it sets one; other databases unchanged.

    >>> with_busy_timeout("sqlite:////course/gradebook.db")
    'sqlite:////course/gradebook.db?timeout=120'
    >>> with_busy_timeout("sqlite:////course/gradebook.db?timeout=5")
    'sqlite:////course/gradebook.db?timeout=5'
    >>> with_busy_timeout("postgresql://grader@localhost/course")
    'postgresql://grader@localhost/course'
    """
    from sqlalchemy.engine import make_url

    url = make_url(db_url)
    if url.get_backend_name() != "sqlite" or "timeout" in url.query:
        return db_url
    return url.update_query_dict({"timeout": str(SQLITE_BUSY_TIMEOUT_S)}).render_as_string(hide_password=False)


def submission_problem(student: str, folder: Path, notebooks: list[str]) -> GradingOutcome | None:
    """The outcome for a submission nbgrader cannot grade (grading.submissions' check), or None."""
    from grading.submissions import CORRUPTED, check_folder

    check = check_folder(student, folder, notebooks)
    if not check.unreadable:
        return None
    if check.outcome == CORRUPTED:
        return GradingOutcome(student, UNREADABLE, check.detail)
    return GradingOutcome(student, MISSING, f"{check.outcome}: {check.detail}")


def failure_from_log(log_text: str) -> tuple[str, str]:
    """The outcome and a one-line detail for an nbgrader run that failed, read from its log.

    >>> failure_from_log("... nbclient.exceptions.DeadKernelError: Kernel died")
    ('kernel died', 'the kernel died while running the notebook (Kernel died)')
    >>> failure_from_log("[ERROR] nbformat.reader.NotJSONError: Notebook does not appear to be JSON")[0]
    'unreadable notebook'
    """
    lines = [line.strip() for line in log_text.splitlines() if line.strip()]
    if "DeadKernelError" in log_text:
        said = next((line.split(":", 1)[1].strip() for line in reversed(lines) if "DeadKernelError" in line), "")
        return KERNEL_DIED, f"the kernel died while running the notebook ({said or 'no reason given'})"
    if "CellTimeoutError" in log_text or "TimeoutError" in log_text:
        return TIMED_OUT, "a cell ran over nbgrader's cell timeout and could not be interrupted"
    if "NotJSONError" in log_text or "JSONDecodeError" in log_text:
        return UNREADABLE, "nbgrader could not read the notebook as JSON"
    errors = [line for line in lines if line.startswith("[ERROR]") or "Error" in line.split(":", 1)[0]]
    return ERROR, (errors[-1] if errors else "nbgrader stopped without saying why")[:200]


def configured_autograder():
    """nbgrader's ``autograde`` application with the course's configuration, quiet on the console.

    The configuration is loaded as the ``nbgrader`` command loads it: the Jupyter
    config folders, then ``nbgrader_config.py`` in the current folder.
    """
    from nbgrader.apps.autogradeapp import AutogradeApp

    app = AutogradeApp()
    app.initialize([])
    for handler in list(app.log.handlers):
        app.log.removeHandler(handler)
    app.log.setLevel(logging.INFO)
    app.log.propagate = False
    return app


class StudentGrader:
    """nbgrader's autograder for one course, set up once and used for one student after another.

    Build it in the course's folder (where ``nbgrader_config.py`` is), as the
    ``nbgrader`` command is run. ``log_folder`` keeps nbgrader's log of each student.
    """

    def __init__(self, log_folder: Path | None = None):
        from grading import nbgrader_reuse

        nbgrader_reuse.install()  # one student after another: keep engines and checked schemas between them
        self.app = configured_autograder()
        self.coursedir = self.app.coursedir
        self.coursedir.db_url = with_busy_timeout(self.coursedir.db_url)
        self.log_folder = log_folder
        self._tests: dict[str, dict[str, set[str]]] = {}

    def submission_folder(self, assignment: str, student: str) -> Path:
        return Path(self.coursedir.format_path(self.coursedir.submitted_directory, student, assignment))

    def autograded_folder(self, assignment: str, student: str) -> Path:
        return Path(self.coursedir.format_path(self.coursedir.autograded_directory, student, assignment))

    def grade(self, assignment: str, student: str, notebooks: list[str]) -> GradingOutcome:
        """Autograde ``student``'s submission of ``assignment``, whose notebooks are named ``notebooks``."""
        started = time.perf_counter()
        outcome = self._grade(assignment, student, notebooks)
        outcome.seconds = round(time.perf_counter() - started, 3)
        return outcome

    def _grade(self, assignment: str, student: str, notebooks: list[str]) -> GradingOutcome:
        problem = submission_problem(student, self.submission_folder(assignment, student), notebooks)
        if problem is not None:
            return problem
        succeeded, log_text, timeout_error = self._run_autograde(assignment, student)
        self._keep_log(assignment, student, log_text)
        if not succeeded:
            status, detail = failure_from_log(log_text)
            return GradingOutcome(student, status, detail)
        # Cells that hit a limit (the cell timeout, the sandbox's) or were deleted scored 0: the outcome names them.
        from grading.sandbox_faults import fault_outcome

        folder = self.autograded_folder(assignment, student)
        return fault_outcome(student, [folder / f"{name}.ipynb" for name in notebooks], timeout_error,
                             self._test_cells(assignment))

    def _test_cells(self, assignment: str) -> dict[str, set[str]]:
        """The test cells of each of the assignment's notebooks, as the gradebook has them (read once)."""
        if assignment not in self._tests:
            from nbgrader.api import Gradebook

            with Gradebook(self.coursedir.db_url, self.coursedir.course_id) as gradebook:
                self._tests[assignment] = {
                    notebook.name: {cell.name for cell in notebook.grade_cells if cell.cell_type == "code"}
                    - {cell.name for cell in notebook.solution_cells}
                    for notebook in gradebook.find_assignment(assignment).notebooks
                }
        return self._tests[assignment]

    def _run_autograde(self, assignment: str, student: str) -> tuple[bool, str, str]:
        """Run nbgrader's Autograde converter for one student.

        Whether it succeeded, its log, and the error name its execute step gives a cell it stopped.
        """
        from nbgrader.converters import Autograde

        buffer = io.StringIO()
        handler = logging.StreamHandler(buffer)
        handler.setFormatter(logging.Formatter("[%(levelname)s] %(message)s"))
        self.app.log.addHandler(handler)
        self.coursedir.assignment_id = assignment
        # The student id is a glob pattern to nbgrader; a student's own id must match only itself.
        self.coursedir.student_id = glob.escape(student)
        converter = Autograde(coursedir=self.coursedir, parent=self.app)
        converter.force = True  # whether to grade at all was decided before
        try:
            converter.start()
            succeeded = True
        except Exception:  # nbgrader logs its reasons; the outcome is read from that log
            self.app.log.error(traceback.format_exc())
            succeeded = False
        finally:
            self.app.log.removeHandler(handler)
            self.coursedir.student_id = "*"
        return succeeded, buffer.getvalue(), self._configured_timeout_error(converter)

    @staticmethod
    def _configured_timeout_error(converter) -> str:
        """The error name the configured execute preprocessor gives a cell it stopped at its timeout."""
        exporter = getattr(converter, "exporter", None)
        for preprocessor in getattr(exporter, "_preprocessors", []):
            setting = getattr(preprocessor, "error_on_timeout", None)
            if isinstance(setting, dict) and setting.get("ename"):
                return setting["ename"]
        return DEFAULT_TIMEOUT_ERROR

    def _keep_log(self, assignment: str, student: str, log_text: str) -> None:
        if self.log_folder is None:
            return
        self.log_folder.mkdir(parents=True, exist_ok=True)
        (self.log_folder / f"{student}.log").write_text(log_text)

