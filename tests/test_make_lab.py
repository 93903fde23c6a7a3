"""`make lab` really serves the course: JupyterLab starts on the start page with nbgrader loaded."""

import json

import pytest

from tests.lab_server import ROOT, running_lab

LESSONS = sorted(path.name for path in (ROOT / "course").glob("[0-9][0-9]-*.ipynb"))


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """`make lab` on the repository, on a free loopback port with a token and a fresh Jupyter configuration."""
    with running_lab(tmp_path_factory.mktemp("lab")) as server:
        yield server


def test_make_lab_opens_the_start_page(lab):
    status, body = lab.get("/lab/tree/course/01-start-here.ipynb")
    assert status == 200 and b"JupyterLab" in body
    assert "course/01-start-here.ipynb" in lab.log(), "make lab did not open the start page"


def test_the_course_has_a_start_page_and_lessons():
    assert "01-start-here.ipynb" in LESSONS and len(LESSONS) >= 2, LESSONS


@pytest.mark.parametrize("lesson", LESSONS)
def test_make_lab_serves_each_lesson(lab, lesson):
    status, body = lab.get(f"/api/contents/course/{lesson}")
    assert status == 200
    assert json.loads(body)["type"] == "notebook"


def test_make_lab_loads_nbgrader(lab):
    status, body = lab.get("/formgrader")
    assert status == 200, body[:500]
    assert b"Manage Assignments" in body, body[:500]
