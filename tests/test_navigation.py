"""The course map and the previous/next links are generated from the lessons and are never stale."""

import shutil

import nbformat
import pytest

from tools import build_navigation
from tools.build_navigation import MAP_TAG, NAVIGATION_TAG, START_PAGE
from tools.execute_lessons import lesson_paths


def test_navigation_is_up_to_date():
    assert build_navigation.stale_files() == [], "run `make navigation` and commit the result"


def test_every_lesson_opens_and_closes_with_links_that_resolve():
    lessons = lesson_paths()
    assert len(lessons) >= 2
    for index, path in enumerate(lessons):
        cells = nbformat.read(path, as_version=4).cells
        top, bottom = cells[0], cells[-1]
        for cell in (top, bottom):
            assert NAVIGATION_TAG in cell.metadata.get("tags", []), f"{path.name} lacks its navigation cells"
        assert top.source == bottom.source
        assert f"]({START_PAGE}#Map-of-the-course)" in top.source
        if index > 0:
            assert f"Previous: [{lessons[index - 1].name[:2]}" in top.source
            assert f"({lessons[index - 1].name})" in top.source
        if index + 1 < len(lessons):
            assert f"({lessons[index + 1].name})" in top.source
        else:
            assert "Next:" not in top.source


def test_the_map_lists_every_lesson_with_its_time():
    start = nbformat.read(lesson_paths()[0].parent / START_PAGE, as_version=4)
    (map_cell,) = [cell for cell in start.cells if MAP_TAG in cell.metadata.get("tags", [])]
    for path in lesson_paths():
        assert f"]({path.name})" in map_cell.source
    assert "about " in map_cell.source and " min |" in map_cell.source


@pytest.fixture
def course_copy(tmp_path, monkeypatch):
    """A copy of the course, README and exercises, with the script pointed at it."""
    root = tmp_path / "repo"
    shutil.copytree(build_navigation.COURSE, root / "course")
    shutil.copytree(build_navigation.EXERCISES, root / "exercises")
    shutil.copy(build_navigation.README, root / "README.md")
    monkeypatch.setattr(build_navigation, "ROOT", root)
    monkeypatch.setattr(build_navigation, "EXERCISES", root / "exercises")
    monkeypatch.setattr(build_navigation, "README", root / "README.md")
    monkeypatch.setattr(build_navigation, "lesson_paths", lambda: sorted((root / "course").glob("[0-9][0-9]-*.ipynb")))
    return root


def test_a_renamed_lesson_makes_the_navigation_stale_and_a_run_fixes_it(course_copy):
    lesson = sorted((course_copy / "course").glob("03-*.ipynb"))[0]
    notebook = nbformat.read(lesson, as_version=4)
    title_cell = next(cell for cell in notebook.cells if cell.source.startswith("# "))
    title_cell.source = title_cell.source.replace("# ", "# Renamed: ", 1)
    nbformat.write(notebook, lesson)
    assert build_navigation.main(["--check"]) == 1
    assert build_navigation.main([]) == 0
    assert build_navigation.stale_files() == []
    assert "Renamed: " in (course_copy / "README.md").read_text()
    first_run = {path: path.read_text() for path in (course_copy / "course").glob("*.ipynb")}
    assert build_navigation.main([]) == 0
    assert first_run == {path: path.read_text() for path in (course_copy / "course").glob("*.ipynb")}


def test_a_lesson_without_a_time_estimate_is_refused(course_copy):
    lesson = sorted((course_copy / "course").glob("03-*.ipynb"))[0]
    notebook = nbformat.read(lesson, as_version=4)
    for cell in notebook.cells:
        cell.source = cell.source.replace("minutes", "mins")
    nbformat.write(notebook, lesson)
    with pytest.raises(ValueError, match="time estimate"):
        build_navigation.main(["--check"])
