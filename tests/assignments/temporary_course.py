"""A temporary nbgrader course for tests: the repository's configuration, its own gradebook and exchange.

The course loads the course's own ``nbgrader_config.py`` and then points the gradebook and
the exchange into its folder, so tests grade exactly as an instructor would, without touching
the repository. nbgrader runs in this process through ``nbgrader.apps.NbGraderAPI``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
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


def runs_cells(step) -> bool:
    """Whether an autograde step (a class or its dotted name) is the one that executes the notebook."""
    kind = import_item(step) if isinstance(step, str) else step
    return isinstance(kind, type) and issubclass(kind, Execute)


def course_config(course: Path) -> str:
    """A config for the temporary course: the repository's settings, this folder's gradebook and exchange."""
    return "\n".join([
        "c = get_config()  # noqa: F821",
        f"load_subconfig({str(REPO / 'nbgrader_config.py')!r})",
        f"c.CourseDirectory.root = {str(course)!r}",
        f"c.CourseDirectory.db_url = {'sqlite:///' + str(course / 'gradebook.db')!r}",
        f"c.Exchange.root = {str(course / 'exchange')!r}",
        "",
    ])


def course_environment(course: Path) -> dict[str, str]:
    """Environment for nbgrader: the exchange in the course folder, not in the repository."""
    return {"NBGRADER_EXCHANGE": str(course / "exchange")}


def succeeded(result: dict) -> None:
    """Fail with nbgrader's own log when an API call did not succeed."""
    assert result["success"], f"{result.get('error', '')}\n{result.get('log', '')}"


class TemporaryCourse:
    """A course folder with the repository's nbgrader configuration.

    ``guarded=False`` grades with nbgrader's own Execute instead of the course's guarded one;
    ``sandbox`` is the course's ``Sandbox.mode`` ("off" unless a test asks for it).
    """

    def __init__(self, root: Path, guarded: bool = True, sandbox: str = "off"):
        self.root = root
        (root / "nbgrader_config.py").write_text(course_config(root))
        with self.environment():
            self.config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
        # The guard alone must hold against the attacks; the sandbox around it has tests of its own.
        self.config.Sandbox.mode = sandbox
        steps = list(self.config.Autograde.autograde_preprocessors)
        executes = [step for step in steps if runs_cells(step)]
        guarded_steps = [step for step in executes
                         if issubclass(import_item(step) if isinstance(step, str) else step, GuardedExecute)]
        assert len(executes) == 1 and guarded_steps, f"the course's autograde does not run the tests guarded: {steps}"
        if not guarded:
            self.config.Autograde.autograde_preprocessors = [PLAIN_EXECUTE if runs_cells(step) else step
                                                             for step in steps]

    @contextlib.contextmanager
    def environment(self):
        with pytest.MonkeyPatch.context() as patch:
            # nbgrader runs `alembic` from the venv's scripts, which the course config puts on PATH.
            patch.setenv("PATH", os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
            for name, value in course_environment(self.root).items():
                patch.setenv(name, value)
            yield

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

    def submit_and_grade(self, assignment: str, student: str, notebook) -> None:
        folder = self.root / "submitted" / student / assignment
        folder.mkdir(parents=True)
        nbformat.write(notebook, folder / f"{assignment}.ipynb")
        with self.environment():
            succeeded(self.api().autograde(assignment, student))

    def feedback(self, assignment: str, student: str) -> str:
        """The student's feedback page, generated now."""
        with self.environment():
            succeeded(self.api().generate_feedback(assignment, student))
        return (self.root / "feedback" / student / assignment / f"{assignment}.html").read_text()

    def scores(self, assignment: str, student: str) -> dict[str, float]:
        """The student's score for each grade cell, as the gradebook holds it."""
        with Gradebook(f"sqlite:///{self.root / 'gradebook.db'}") as gradebook:
            notebook = gradebook.find_submission_notebook(assignment, assignment, student)
            return {grade.name: grade.score for grade in notebook.grades}

    def graded_notebook(self, assignment: str, student: str):
        return read(self.root / "autograded" / student / assignment / f"{assignment}.ipynb")
