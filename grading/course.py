"""The course an instructor's command works on: its nbgrader settings, gradebook and assignments.

The grading commands (``python -m grading.submissions``, ``grading.export``,
``grading.summary``) read the course exactly as ``nbgrader`` does: the
``nbgrader_config.py`` files of Jupyter's configuration folders and of the
course folder (the current folder unless ``--course`` names another). Anything
an instructor must fix first is a :class:`CourseError` whose message says what
to do; the commands print it instead of a traceback.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.coursedir import CourseDirectory

SQLITE_PREFIX = "sqlite:///"
CONFIG_FILE = "nbgrader_config.py"


class CourseError(Exception):
    """Something about the course stops a command; the message tells the instructor what to do."""


def course_directory(root: Path | None = None) -> CourseDirectory:
    """nbgrader's view of the course in ``root`` (default: the current folder), with its configuration loaded."""
    # Imported here: nbgrader's applications pull in the whole server stack.
    from nbgrader.apps.baseapp import NbGrader

    folder = (root or Path.cwd()).resolve()
    if not (folder / CONFIG_FILE).is_file():
        raise CourseError(f"no {CONFIG_FILE} in {folder}: run the command in the course folder, or name it with --course")
    app = NbGrader(log_level=logging.ERROR)
    app.initialize([], root=str(folder))
    return app.coursedir


def sqlite_path(db_url: str) -> Path | None:
    """The file of an SQLite gradebook URL, ``None`` for any other database."""
    return Path(db_url[len(SQLITE_PREFIX):]) if db_url.startswith(SQLITE_PREFIX) else None


def gradebook_exists(coursedir: CourseDirectory) -> bool:
    """Whether the course has a gradebook (a database server is taken to exist)."""
    path = sqlite_path(coursedir.db_url)
    return path is None or path.is_file()


@contextlib.contextmanager
def open_gradebook(coursedir: CourseDirectory) -> Iterator[Gradebook]:
    """The course's gradebook; a CourseError if there is none (SQLite would silently create an empty one)."""
    if not gradebook_exists(coursedir):
        raise CourseError(
            f"no gradebook at {sqlite_path(coursedir.db_url)}: run the commands in the course folder, "
            "after `nbgrader generate_assignment <assignment>` has recorded the assignment"
        )
    with Gradebook(coursedir.db_url, coursedir.course_id) as gradebook:
        yield gradebook


def gradebook_assignments(gradebook: Gradebook) -> list[str]:
    """The names of the assignments the gradebook knows, sorted."""
    return sorted(assignment.name for assignment in gradebook.assignments)


def require_assignment(gradebook: Gradebook, name: str) -> None:
    """A CourseError naming the known assignments when the gradebook does not know ``name``."""
    try:
        gradebook.find_assignment(name)
    except MissingEntry:
        known = ", ".join(gradebook_assignments(gradebook)) or "none yet"
        raise CourseError(
            f"the gradebook has no assignment {name!r} (it knows: {known}); "
            f"`nbgrader generate_assignment {name}` records it"
        ) from None


def source_notebooks(coursedir: CourseDirectory, assignment: str) -> list[Path]:
    """The assignment's notebooks in the source folder (``solutions/``), sorted; empty if there is none."""
    folder = Path(coursedir.format_path(coursedir.source_directory, ".", assignment))
    return sorted(folder.glob("*.ipynb"))


def expected_notebooks(coursedir: CourseDirectory, assignment: str) -> list[str]:
    """The names (without ``.ipynb``) of the notebooks a submission of ``assignment`` must hold.

    The gradebook's list when it knows the assignment (autograde grades only
    those), else the source folder's; a CourseError when neither knows it.
    """
    if gradebook_exists(coursedir):
        with Gradebook(coursedir.db_url, coursedir.course_id) as gradebook:
            with contextlib.suppress(MissingEntry):
                return sorted(notebook.name for notebook in gradebook.find_assignment(assignment).notebooks)
    names = [path.stem for path in source_notebooks(coursedir, assignment)]
    if not names:
        raise CourseError(
            f"unknown assignment {assignment!r}: neither the gradebook nor "
            f"{coursedir.source_directory}/{assignment}/ holds its notebooks"
        )
    return names


def submission_folder(coursedir: CourseDirectory, student: str, assignment: str) -> Path:
    """Where ``nbgrader collect`` puts a student's submission of ``assignment``."""
    return Path(coursedir.format_path(coursedir.submitted_directory, student, assignment))


def autograded_folder(coursedir: CourseDirectory, student: str, assignment: str) -> Path:
    """Where ``nbgrader autograde`` writes a student's graded notebooks."""
    return Path(coursedir.format_path(coursedir.autograded_directory, student, assignment))


def submitting_students(coursedir: CourseDirectory, assignment: str) -> list[str]:
    """The students with a folder for ``assignment`` under ``submitted/``, sorted."""
    submitted = Path(coursedir.format_path(coursedir.submitted_directory, ".", ".")).resolve()
    if not submitted.is_dir():
        return []
    return sorted(
        folder.name for folder in submitted.iterdir()
        if not folder.name.startswith(".") and submission_folder(coursedir, folder.name, assignment).is_dir()
    )
