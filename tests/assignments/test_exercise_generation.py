"""``python -m tools.generate_exercises``: the committed exercises/ is exactly what solutions/ generates.

The tool runs once, on a temporary copy of the course, with a stale file and a
retired assignment planted in its exercises/: afterwards the copy's exercises/
must equal the committed one byte for byte, and nothing else may have appeared.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.assignments.assignment_notebooks import EXERCISES, REPO, SOLUTIONS
from tools.generate_exercises import assignment_names, generate_exercises

COPIED = ("solutions", "exercises", "nbgrader_config.py")


def files_under(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder``, by its path relative to ``folder``, with its bytes."""
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory) -> Path:
    """A copy of the course after one run of the tool, started from a slightly stale exercises/."""
    root = tmp_path_factory.mktemp("course")
    for name in COPIED:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, root / name)
        else:
            shutil.copy2(source, root / name)
    for name in assignment_names(root):
        (root / "exercises" / name / "left-over.txt").write_text("from an older version of the assignment\n")
    retired = root / "exercises" / "00-retired-assignment"
    retired.mkdir()
    (retired / "00-retired-assignment.ipynb").write_text("{}\n")
    generate_exercises(root)
    return root


def test_every_assignment_in_solutions_has_a_committed_student_version():
    names = assignment_names(REPO)
    assert "03-value-of-an-hour" in names
    assert sorted(path.name for path in EXERCISES.iterdir() if path.is_dir()) == names
    for name in names:
        sources = sorted(path.name for path in (SOLUTIONS / name).glob("*.ipynb"))
        assert sorted(path.name for path in (EXERCISES / name).glob("*.ipynb")) == sources


def test_regenerating_changes_nothing_in_the_committed_exercises(regenerated):
    regenerated_files = files_under(regenerated / "exercises")
    committed_files = files_under(EXERCISES)
    assert sorted(regenerated_files) == sorted(committed_files)
    for name, content in committed_files.items():
        assert regenerated_files[name] == content, f"exercises/{name} differs from what solutions/ generates"


def test_regenerating_leaves_no_gradebook_exchange_or_log_behind(regenerated):
    assert sorted(path.name for path in regenerated.iterdir()) == sorted(COPIED)
    assert files_under(regenerated / "solutions") == files_under(SOLUTIONS)
