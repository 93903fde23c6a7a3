"""The course map and the previous/next links are generated from the lessons and are never stale."""

import re
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


def _map_cell_source() -> str:
    start = nbformat.read(lesson_paths()[0].parent / START_PAGE, as_version=4)
    (map_cell,) = [cell for cell in start.cells if MAP_TAG in cell.metadata.get("tags", [])]
    return map_cell.source


def _stated_minutes(path) -> int:
    """The "about N minutes" an author wrote in a notebook's first cell (after the navigation line)."""
    cells = [cell for cell in nbformat.read(path, as_version=4).cells
             if NAVIGATION_TAG not in cell.metadata.get("tags", [])]
    found = re.search(r"about\s+\**(\d+)\s+minutes", cells[0].source)
    assert found, f"{path.name} states no time in its first cell"
    return int(found.group(1))


def _row(source: str, link: str) -> str:
    rows = [line for line in source.splitlines() if link in line]
    assert len(rows) == 1, f"the map has {len(rows)} rows linking {link}"
    return rows[0]


def test_the_map_lists_every_lesson_with_its_time():
    source = _map_cell_source()
    for path in lesson_paths():
        assert f"| about {_stated_minutes(path)} min |" in _row(source, f"]({path.name})")


def test_the_map_lists_every_exercise_with_its_time_and_counts_it_in_the_total():
    source = _map_cell_source()
    exercises = sorted(build_navigation.EXERCISES.glob("[0-9][0-9]-*/[0-9][0-9]-*.ipynb"))
    assert exercises, "no exercises found"
    for path in exercises:
        link = f"(../exercises/{path.parent.name}/{path.name})"
        assert _row(source, link).endswith(f"{link}, about {_stated_minutes(path)} min |")
    lessons = sum(_stated_minutes(path) for path in lesson_paths())
    practice = sum(_stated_minutes(path) for path in exercises)
    both = lessons + practice
    assert (f"In all, about {lessons // 60} h {lessons % 60:02d} min of lessons and {practice // 60} h "
            f"{practice % 60:02d} min of exercises: {both // 60} h {both % 60:02d} min.") in source


def test_every_assignment_source_states_its_time():
    """The time is written in the source; `make exercises` copies it into the exercise the map reads."""
    sources = sorted((build_navigation.ROOT / "solutions").glob("[0-9][0-9]-*/[0-9][0-9]-*.ipynb"))
    assert sources, "no assignment sources found"
    for path in sources:
        assert _stated_minutes(path) > 0


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


def _without_time_estimate(path):
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        cell.source = cell.source.replace("minutes", "mins")
    nbformat.write(notebook, path)


def test_a_lesson_without_a_time_estimate_is_refused(course_copy, capsys):
    lesson = sorted((course_copy / "course").glob("03-*.ipynb"))[0]
    _without_time_estimate(lesson)
    assert build_navigation.main(["--check"]) == 2
    message = capsys.readouterr().err
    assert lesson.name in message and "time estimate" in message and "Traceback" not in message


@pytest.mark.parametrize("with_a_lesson", [True, False], ids=["exercise-of-a-lesson", "exercise-of-its-own"])
def test_an_exercise_without_a_time_estimate_is_refused(course_copy, capsys, with_a_lesson):
    lessons = {path.stem for path in (course_copy / "course").glob("[0-9][0-9]-*.ipynb")}
    exercise = next(path for path in sorted((course_copy / "exercises").glob("*/*.ipynb"))
                    if (path.stem in lessons) == with_a_lesson)
    assignment = exercise.stem
    _without_time_estimate(exercise)
    before = (course_copy / "README.md").read_text()
    assert build_navigation.main([]) == 2
    message = capsys.readouterr().err
    assert f"exercises/{assignment}/{assignment}.ipynb" in message and "time estimate" in message
    assert f"solutions/{assignment}/{assignment}.ipynb" in message, "the message says where to write it"
    assert (course_copy / "README.md").read_text() == before, "nothing is written"
