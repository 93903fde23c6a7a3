"""The stored lessons are complete, clean, and exactly what `make lessons` produces today.

Each lesson is executed again with the ``tools/execute_lessons.py`` pipeline
into a temporary folder and must match the stored file byte for byte: this
catches both a non-deterministic pipeline and a lesson whose stored outputs
are stale (the model or a view changed, and nobody re-ran `make lessons`).
"""

import json
import re
import sys

import nbformat
import pytest

from tools.build_navigation import NAVIGATION_TAG
from tools.execute_lessons import COURSE, WIDGET_VIEW, lesson_paths, main, problems

LESSONS = lesson_paths()
IDS = [path.name for path in LESSONS]
TIME_ESTIMATE = re.compile(r"\b\d+\s+minutes\b", re.IGNORECASE)
SHOW_ANSWER = "<details><summary>Show the answer</summary>"
MEMORY_ADDRESS = re.compile(r"\bat 0x[0-9a-fA-F]+")


def _read(path):
    return nbformat.read(path, as_version=4)


def _content(notebook):
    """The lesson's own cells, without the generated navigation lines at its top and bottom."""
    return [cell for cell in notebook.cells if NAVIGATION_TAG not in cell.metadata.get("tags", [])]


def _markdown(notebook):
    return [cell.source for cell in _content(notebook) if cell.cell_type == "markdown"]


def _same_python(fresh: str, stored: str) -> str:
    """The fresh text with the stored Python version, when only the interpreter's patch level differs.

    The stored metadata records the Python that ran the lesson; a machine with
    another 3.x.y must still be able to check that everything else is identical.
    """
    fresh_version = json.loads(fresh)["metadata"]["language_info"].get("version")
    stored_version = json.loads(stored)["metadata"]["language_info"].get("version")
    if fresh_version == stored_version or fresh_version != "%d.%d.%d" % sys.version_info[:3]:
        return fresh
    return fresh.replace(f'"version": "{fresh_version}"', f'"version": "{stored_version}"', 1)


def test_there_are_lessons_and_no_stray_untitled_files():
    assert len(LESSONS) > 0
    assert not list(COURSE.rglob("Untitled*")), "remove or rename the Untitled files in course/"


@pytest.mark.parametrize("lesson", LESSONS, ids=IDS)
def test_re_executing_the_lesson_gives_the_stored_bytes(lesson, tmp_path):
    assert main([str(lesson), "--output-dir", str(tmp_path)]) == 0
    fresh = (tmp_path / lesson.name).read_text(encoding="utf-8")
    stored = lesson.read_text(encoding="utf-8")
    assert _same_python(fresh, stored) == stored, f"{lesson.name} is stale: run `make lessons` and commit it"


@pytest.mark.parametrize("lesson", LESSONS, ids=IDS)
def test_the_lesson_opens_with_objectives_and_a_time_estimate(lesson):
    opening = "\n".join(_markdown(_read(lesson))[:2])
    assert opening.startswith("# "), "the first cell is the lesson's title"
    assert "objectives" in opening.lower()
    assert TIME_ESTIMATE.search(opening), "say how long the lesson takes, e.g. 'about 45 minutes'"


@pytest.mark.parametrize("lesson", LESSONS, ids=IDS)
def test_the_lesson_ends_with_key_points(lesson):
    last = _content(_read(lesson))[-1]
    assert last.cell_type == "markdown" and last.source.startswith("## Key points")


@pytest.mark.parametrize("lesson", LESSONS, ids=IDS)
def test_every_self_check_has_a_static_answer_below_it(lesson):
    cells = _read(lesson).cells
    checks = [index for index, cell in enumerate(cells) if cell.cell_type == "code" and "SelfCheck(" in cell.source]
    assert checks, "each lesson has at least one self-check"
    for index in checks:
        following = cells[index + 1] if index + 1 < len(cells) else None
        assert following is not None and following.cell_type == "markdown" and SHOW_ANSWER in following.source
        snapshots = [output.data.get("text/html", "") for output in cells[index].outputs if "data" in output]
        assert any('class="self-check"' in html for html in snapshots), "the self-check's static snapshot is stored"


@pytest.mark.parametrize("lesson", LESSONS, ids=IDS)
def test_the_stored_lesson_is_fully_executed_and_clean(lesson):
    notebook = _read(lesson)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert problems(notebook) == []
    assert [cell.execution_count for cell in code] == list(range(1, len(code) + 1))
    assert set(notebook.metadata) == {"kernelspec", "language_info"}
    assert "widgets" not in notebook.metadata
    text = lesson.read_text(encoding="utf-8")
    assert WIDGET_VIEW not in text
    assert not MEMORY_ADDRESS.search(text)
    for cell in notebook.cells:
        assert set(cell.metadata) <= {"tags"}, f"cell {cell.get('id')} keeps run metadata"
