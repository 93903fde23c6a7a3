"""A copy of the course served by `make lab` for a browser test module, and instructor commands run in it.

Every browser test works on its own copy of the repository (lessons, exercises,
solutions, nbgrader's configuration), so running cells, saving notebooks or
grading never changes the repository's files.
"""

from __future__ import annotations

import contextlib
import json
import pathlib
import subprocess
import sys

import pytest

from tests.lab_server import copy_repository, lab_environment, running_lab

#: JupyterLab settings for a test browser, written into the fresh configuration.
LAB_SETTINGS = {
    # Every cell stays in the page, so a test can find any cell and its outputs without scrolling.
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
    # No "get Jupyter news?" toast over the page (and no request to the internet).
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
}


def write_lab_settings(home: pathlib.Path) -> None:
    """Write :data:`LAB_SETTINGS` where JupyterLab reads a user's settings in the fresh configuration."""
    for plugin, values in LAB_SETTINGS.items():
        path = home / "config" / "lab" / "user-settings" / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))


@contextlib.contextmanager
def lab_on_a_copy(tmp_path_factory, prepare=None):
    """`make lab` serving a fresh copy of the repository; ``prepare(copy, env)`` runs before it starts."""
    base = tmp_path_factory.mktemp("browser-lab")
    copy = copy_repository(base / "course")
    home = base / "home"
    write_lab_settings(home)
    if prepare is not None:
        prepare(copy, lab_environment(home))
    with running_lab(home, root=copy) as lab:
        yield lab


def nbgrader(copy: pathlib.Path, env: dict[str, str], *arguments: str) -> None:
    """Run an nbgrader command in the course copy, as an instructor would; fail the test if it fails."""
    command = [str(pathlib.Path(sys.executable).parent / "nbgrader"), *arguments]
    result = subprocess.run(command, cwd=copy, env=env, capture_output=True, text=True, timeout=180)
    if result.returncode != 0:
        pytest.fail(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")
