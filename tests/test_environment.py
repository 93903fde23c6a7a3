"""One source of truth for versions: requirements.txt drives the pip install and Binder's environment.yml."""

import importlib.metadata
import os
import re
import stat
import sys
import tomllib

import pytest
from traitlets.config.loader import PyFileConfigLoader

from tools.sync_environment import ENVIRONMENT, PYTHON_VERSION, ROOT, read_pins, render_environment

ALL_PINS = read_pins(ROOT / "requirements-test.txt")


def test_environment_yml_is_generated_from_requirements():
    assert ENVIRONMENT.read_text() == render_environment(read_pins()), (
        "environment.yml has drifted from requirements.txt: run `make environment`"
    )


def test_environment_yml_pins_python_from_conda_forge():
    text = ENVIRONMENT.read_text()
    assert "  - conda-forge" in text
    assert f"  - python={PYTHON_VERSION}\n" in text


def test_runtime_pins_are_part_of_the_test_install():
    runtime = read_pins()
    assert runtime, "requirements.txt pins nothing"
    assert {name: ALL_PINS[name] for name in runtime} == runtime


@pytest.mark.parametrize("name", sorted(ALL_PINS))
def test_installed_version_matches_the_pin(name):
    assert importlib.metadata.version(name) == ALL_PINS[name], (
        f"{name} {importlib.metadata.version(name)} is installed but {ALL_PINS[name]} is pinned: run `make test`"
    )


def test_python_pin_agrees_with_the_package_and_the_interpreter():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["requires-python"] == f">={PYTHON_VERSION}"
    assert sys.version_info[:2] >= tuple(int(part) for part in PYTHON_VERSION.split("."))


def test_the_stack_the_course_requires_is_pinned():
    for name in ("jupyterlab", "ipywidgets", "pandas", "nbgrader", "nbval", "babel", "matplotlib"):
        assert name in ALL_PINS, f"{name} is not pinned"
    assert ALL_PINS["jupyterlab"].startswith("4.")
    assert ALL_PINS["ipywidgets"].startswith("8.")
    assert ALL_PINS["nbgrader"].startswith("0.9.")


def test_binder_post_build_installs_the_package_and_stops_on_error():
    post_build = ROOT / "postBuild"
    assert post_build.stat().st_mode & stat.S_IXUSR, "postBuild must be executable"
    text = post_build.read_text()
    assert "set -euo pipefail" in text
    assert "pip install --no-deps -e ." in text


def test_nbgrader_config_maps_the_course_folders_and_a_writable_exchange(tmp_path, monkeypatch):
    exchange = tmp_path / "exchange"
    monkeypatch.setenv("NBGRADER_EXCHANGE", str(exchange))
    config = PyFileConfigLoader("nbgrader_config.py", path=str(ROOT)).load_config()
    assert config.CourseDirectory.source_directory == "solutions"
    assert config.CourseDirectory.release_directory == "exercises"
    assert config.Exchange.root == str(exchange)
    assert exchange.is_dir() and os.access(exchange, os.W_OK)


def test_readme_gives_every_user_a_start():
    readme = (ROOT / "README.md").read_text()
    for needed in ("make lab", "make test", "mybinder.org/v2/gh/", "urlpath=lab/tree/course/01-start-here.ipynb"):
        assert needed in readme
    for reader in ("Student", "Instructor", "Self-learner"):
        assert f"## {reader}" in readme or f"### {reader}" in readme


def test_readme_pictures_exist_and_are_screenshots():
    readme = (ROOT / "README.md").read_text()
    pictures = re.findall(r"!\[[^\]]+\]\((docs/[^)]+)\)", readme)
    assert len(pictures) >= 2, "the README shows what a student will see"
    for picture in pictures:
        path = ROOT / picture
        assert path.is_file(), f"README shows {picture}, which does not exist: run `make pictures`"
        assert path.read_bytes().startswith(b"\x89PNG"), f"{picture} is not a PNG"
