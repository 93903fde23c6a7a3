"""`make lab` really serves the course: JupyterLab starts on the start page with nbgrader loaded."""

import json
import os
import pathlib
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
TOKEN = "course-test-token"
LESSONS = sorted(path.name for path in (ROOT / "course").glob("[0-9][0-9]-*.ipynb"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> tuple[int, bytes]:
    """GET a page of the server, authenticated by the token header (a token in the URL gets a redirect page)."""
    request = urllib.request.Request(url, headers={"Authorization": f"token {TOKEN}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """`make lab` on a free loopback port with a token and a fresh Jupyter configuration."""
    home = tmp_path_factory.mktemp("lab")
    port = _free_port()
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
        "NBGRADER_EXCHANGE": str(home / "exchange"),
    }
    lab_args = f"--no-browser --ServerApp.ip=127.0.0.1 --ServerApp.port_retries=0 --IdentityProvider.token={TOKEN}"
    log_path = home / "lab.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            ["make", "--no-print-directory", "lab", f"PORT={port}", f"LAB_ARGS={lab_args}"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                pytest.fail(f"make lab exited with {process.returncode}:\n{log_path.read_text()}")
            try:
                if _get(f"{base}/api/status")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"JupyterLab did not answer within 90 s:\n{log_path.read_text()}")
            time.sleep(0.5)
        yield base, log_path
    finally:
        _stop(process)


def _stop(process: subprocess.Popen) -> None:
    """End make and the JupyterLab it started (they share a process group)."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def test_make_lab_opens_the_start_page(lab):
    base, log_path = lab
    status, body = _get(f"{base}/lab/tree/course/01-start-here.ipynb")
    assert status == 200 and b"JupyterLab" in body
    assert "course/01-start-here.ipynb" in log_path.read_text(), "make lab did not open the start page"


def test_the_course_has_a_start_page_and_lessons():
    assert "01-start-here.ipynb" in LESSONS and len(LESSONS) >= 2, LESSONS


@pytest.mark.parametrize("lesson", LESSONS)
def test_make_lab_serves_each_lesson(lab, lesson):
    base, _ = lab
    status, body = _get(f"{base}/api/contents/course/{lesson}")
    assert status == 200
    assert json.loads(body)["type"] == "notebook"


def test_make_lab_loads_nbgrader(lab):
    base, _ = lab
    status, body = _get(f"{base}/formgrader")
    assert status == 200, body[:500]
    assert b"Manage Assignments" in body, body[:500]
