"""A temporary nbgrader course for tests: the repository's configuration, its own gradebook and exchange.

The course writes an ``nbgrader_config.py`` that loads the course's own and then points the
gradebook and the exchange into its folder (or at an exchange it is given), followed by the
settings a test adds. nbgrader sees exactly that configuration whether a test runs it in this
process, through ``nbgrader.apps.NbGraderAPI``, or as an instructor types it
(:meth:`TemporaryCourse.run`).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook
from nbgrader.apps import NbGraderAPI
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import Execute
from traitlets.config.loader import PyFileConfigLoader
from traitlets.utils.importstring import import_item

from grading.guard import GuardedExecute

from tests.assignments.assignment_notebooks import REPO, read

#: nbgrader's own Execute preprocessor, which the course's configuration replaces by a guarded one.
PLAIN_EXECUTE = "nbgrader.preprocessors.Execute"
#: A command run with :meth:`TemporaryCourse.run` that has not ended by then is hung.
COMMAND_TIMEOUT = 600


def runs_cells(step) -> bool:
    """Whether an autograde step (a class or its dotted name) is the one that executes the notebook."""
    kind = import_item(step) if isinstance(step, str) else step
    return isinstance(kind, type) and issubclass(kind, Execute)


def guarded_execute(steps) -> str:
    """The one autograde step that runs the notebook, which must be the course's guarded one."""
    executes = [step for step in steps if runs_cells(step)]
    guarded = [step for step in executes
               if issubclass(import_item(step) if isinstance(step, str) else step, GuardedExecute)]
    assert len(executes) == 1 and guarded, f"the course's autograde does not run the tests guarded: {steps}"
    return executes[0]


def ipc_prefix(course: Path) -> str:
    """Where the course's unsandboxed kernels put their sockets: an absolute path (jupyter_client's default
    is relative to each process's folder, and a kernel runs in its notebook's), short enough for a socket,
    in one folder of this user's that every test course shares."""
    folder = Path(tempfile.gettempdir()) / f"va-ipc-{os.getuid()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    return str(folder / hashlib.sha256(str(course).encode()).hexdigest()[:12])


def course_config(course: Path, settings: Sequence[str] = (), exchange: Path | None = None) -> str:
    """A config for the temporary course: the repository's settings, this folder's gradebook and exchange.

    ``exchange`` replaces the course's own ``exchange/`` folder; ``settings`` are config lines after all that.
    """
    return "\n".join([
        "c = get_config()  # noqa: F821",
        f"load_subconfig({str(REPO / 'nbgrader_config.py')!r})",
        f"c.CourseDirectory.root = {str(course)!r}",
        f"c.CourseDirectory.db_url = {'sqlite:///' + str(course / 'gradebook.db')!r}",
        f"c.Exchange.root = {str(exchange or course / 'exchange')!r}",
        # Kernels outside the sandbox talk over unix sockets, as sandboxed ones do: with TCP, a port
        # jupyter_client found free can be taken by another test's connection before the kernel binds it.
        # The sockets' names are numbered from 1 under this prefix, so each grading process (which
        # loads this file itself) gets a prefix of its own.
        "import os",
        "c.KernelManager.transport = 'ipc'",
        f"c.KernelManager.ip = {ipc_prefix(course)!r} + f'-{{os.getpid()}}'",
        *settings,
        "",
    ])


def course_environment(course: Path, exchange: Path | None = None) -> dict[str, str]:
    """Environment for nbgrader: the exchange in the course folder (or ``exchange``), not in the repository."""
    return {"NBGRADER_EXCHANGE": str(exchange or course / "exchange")}


def repository_config(exchange: Path | None = None):
    """The course's own configuration (the repository's ``nbgrader_config.py``) as nbgrader loads it.

    The file creates the exchange it names: ``exchange``, where given, else the one the
    environment or the file itself names.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PATH", os.environ.get("PATH", ""))  # the file may extend it
        if exchange is not None:
            patch.setenv("NBGRADER_EXCHANGE", str(exchange))
        return PyFileConfigLoader("nbgrader_config.py", path=str(REPO)).load_config()


def succeeded(result: dict) -> None:
    """Fail with nbgrader's own log when an API call did not succeed."""
    assert result["success"], f"{result.get('error', '')}\n{result.get('log', '')}"


class TemporaryCourse:
    """A course folder with the repository's nbgrader configuration.

    ``sandbox`` is the course's ``Sandbox.mode``: "off" unless a test asks for it, ``None`` for
    the repository's own setting. ``guarded=False`` grades with nbgrader's own Execute instead of
    the course's guarded one. ``exchange`` is the exchange folder (default: ``exchange/`` in the
    course). ``settings`` are more config lines, after all of these: limits, another gradebook.
    """

    def __init__(self, root: Path, guarded: bool = True, sandbox: str | None = "off",
                 exchange: Path | None = None, settings: Sequence[str] = ()):
        self.root = Path(root)
        self.exchange = Path(exchange) if exchange else self.root / "exchange"
        self.root.mkdir(parents=True, exist_ok=True)
        # The guard alone must hold against the attacks; the sandbox around it has tests of its own.
        own_settings = [f"c.Sandbox.mode = {sandbox!r}"] if sandbox else []
        # Loaded once without the test's settings: the check is on the course's own autograde steps,
        # which a test's settings may replace (another execute step, say).
        self.config = self._configure(own_settings)
        steps = list(self.config.Autograde.autograde_preprocessors)
        execute = guarded_execute(steps)
        if not guarded:
            unguarded = [PLAIN_EXECUTE if step == execute else step for step in steps]
            own_settings.append(f"c.Autograde.autograde_preprocessors = {unguarded!r}")
        if not guarded or settings:
            self.config = self._configure([*own_settings, *settings])

    def _configure(self, settings: Sequence[str]):
        """Write the course's ``nbgrader_config.py`` and load it as nbgrader does."""
        (self.root / "nbgrader_config.py").write_text(course_config(self.root, settings, self.exchange))
        with self.environment():
            return PyFileConfigLoader("nbgrader_config.py", path=str(self.root)).load_config()

    @contextlib.contextmanager
    def environment(self):
        with pytest.MonkeyPatch.context() as patch:
            # nbgrader runs `alembic` from the venv's scripts, which the course config puts on PATH.
            patch.setenv("PATH", os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
            for name, value in course_environment(self.root, self.exchange).items():
                patch.setenv(name, value)
            yield

    def run(self, *command: str, timeout: float = COMMAND_TIMEOUT) -> subprocess.CompletedProcess:
        """A command run in the course folder as an instructor types it; its exit code is the caller's to check."""
        env = dict(os.environ, **course_environment(self.root, self.exchange))
        return subprocess.run(command, cwd=self.root, env=env, capture_output=True, text=True,
                              timeout=timeout, check=False)

    def api(self) -> NbGraderAPI:
        return NbGraderAPI(coursedir=CourseDirectory(config=self.config), config=self.config)

    def add_source(self, assignment: str, notebook) -> None:
        """Put ``notebook`` in the course's source folder as the assignment's only notebook."""
        folder = self.root / "solutions" / assignment
        folder.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, folder / f"{assignment}.ipynb")

    def copy_source(self, assignment: str, folder: Path) -> None:
        shutil.copytree(folder, self.root / "solutions" / assignment)

    def generate(self, assignment: str):
        """Release the assignment; the student version."""
        with self.environment():
            succeeded(self.api().generate_assignment(assignment))
        return read(self.root / "exercises" / assignment / f"{assignment}.ipynb")

    def submit(self, assignment: str, student: str, notebook) -> None:
        """Put ``notebook`` where ``nbgrader collect`` puts the student's submission."""
        folder = self.root / "submitted" / student / assignment
        folder.mkdir(parents=True)
        nbformat.write(notebook, folder / f"{assignment}.ipynb")

    def submit_and_grade(self, assignment: str, student: str, notebook) -> None:
        self.submit(assignment, student, notebook)
        with self.environment():
            succeeded(self.api().autograde(assignment, student))

    def feedback(self, assignment: str, student: str) -> str:
        """The student's feedback page, generated now."""
        with self.environment():
            succeeded(self.api().generate_feedback(assignment, student))
        return (self.root / "feedback" / student / assignment / f"{assignment}.html").read_text()

    def scores(self, assignment: str, student: str) -> dict[str, float]:
        """The student's score for each grade cell, as the gradebook holds it."""
        with Gradebook(self.config.CourseDirectory.db_url) as gradebook:
            notebook = gradebook.find_submission_notebook(assignment, assignment, student)
            return {grade.name: grade.score for grade in notebook.grades}

    def graded_notebook(self, assignment: str, student: str):
        return read(self.root / "autograded" / student / assignment / f"{assignment}.ipynb")
