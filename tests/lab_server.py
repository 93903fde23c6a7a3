"""Start JupyterLab the way a learner does, with `make lab`, for the tests that need a live server.

    with running_lab(home) as lab:                 # serves the repository itself
        status, body = lab.get("/api/status")
    copy = copy_repository(tmp / "course")         # a copy the test may change freely
    with running_lab(home, root=copy) as lab:      # make lab LAB_ROOT=<copy>
        ...

The server listens on 127.0.0.1 on a free port, takes a fixed token, and
reads a fresh Jupyter configuration, runtime, workspace and nbgrader exchange
under ``home``, so nothing of the machine's own set-up leaks into a test and
nothing a test does leaks out.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

ROOT = pathlib.Path(__file__).resolve().parent.parent
TOKEN = "course-test-token"
START_TIMEOUT = 90
#: How often the server is asked whether it is up (the start-up figure is as fine as this).
POLL_SECONDS = 0.1
#: What a copy of the repository leaves out: history, the installed environment, caches, results.
COPY_IGNORED = (".git", ".venv", ".hypothesis", ".pytest_cache", "__pycache__", ".ipynb_checkpoints",
                "*.egg-info", "test-artifacts", "bench-results", ".exchange", "gradebook.db")


class LabError(RuntimeError):
    """JupyterLab did not start; the message holds its log."""


@dataclasses.dataclass
class Lab:
    """A running JupyterLab: where it answers, what it serves and where it logs."""

    base: str
    root: pathlib.Path
    log_path: pathlib.Path
    env: dict[str, str]

    def url(self, path: str = "/") -> str:
        return self.base + path

    def get(self, path: str) -> tuple[int, bytes]:
        """GET a page, authenticated by the token header (a token in the URL gets a redirect page)."""
        return self.request("GET", path)

    def request(self, method: str, path: str) -> tuple[int, bytes]:
        """Send a request with the token header; return the status and the body."""
        request = urllib.request.Request(self.url(path), method=method, headers={"Authorization": f"token {TOKEN}"})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def stop_kernels(self) -> None:
        """Shut down every kernel the server runs (a test's notebooks are done with theirs)."""
        status, body = self.get("/api/kernels")
        if status == 200:
            for kernel in json.loads(body):
                self.request("DELETE", f"/api/kernels/{kernel['id']}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def lab_environment(home: pathlib.Path) -> dict[str, str]:
    """The process environment with every Jupyter and nbgrader location moved under ``home``."""
    return {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
        "NBGRADER_EXCHANGE": str(home / "exchange"),
        # ipykernel's debugger warns on stderr about Python 3.11's frozen modules; no lesson debugs.
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    }


def copy_repository(target: pathlib.Path) -> pathlib.Path:
    """Copy the repository's own files to ``target`` (see :data:`COPY_IGNORED`) and return it."""
    shutil.copytree(ROOT, target, ignore=shutil.ignore_patterns(*COPY_IGNORED), symlinks=True)
    return target


@contextlib.contextmanager
def running_lab(home: pathlib.Path, root: pathlib.Path = ROOT, attempts: int = 3, lab_args: str = "") -> Iterator[Lab]:
    """`make lab` serving ``root``, until the block ends; a LabError if it does not answer in time.

    ``lab_args`` are further options for `jupyter lab`, added to the test's own in ``LAB_ARGS``.

    A free port can be taken by another test process between choosing and
    binding it; the server then exits at once and is started on another port.
    """
    home.mkdir(parents=True, exist_ok=True)
    env = lab_environment(home)
    for attempt in range(1, attempts + 1):
        log_path = home / f"lab-{attempt}.log"
        port = free_port()
        process = _start(port, root, env, log_path, lab_args)
        try:
            if _wait_until_up(process, port, log_path):
                yield Lab(f"http://127.0.0.1:{port}", root, log_path, env)
                return
        finally:
            _stop(process)
        if "already in use" not in log_path.read_text(errors="replace") or attempt == attempts:
            raise LabError(f"make lab exited with {process.returncode}:\n{log_path.read_text(errors='replace')}")


def _start(port: int, root: pathlib.Path, env: dict[str, str], log_path: pathlib.Path,
           extra_args: str) -> subprocess.Popen:
    lab_args = f"--no-browser --ServerApp.ip=127.0.0.1 --ServerApp.port_retries=0 --IdentityProvider.token={TOKEN}"
    lab_args = f"{lab_args} {extra_args}".strip()
    command = ["make", "--no-print-directory", "lab", f"PORT={port}", f"LAB_ARGS={lab_args}", f"LAB_ROOT={root}"]
    with open(log_path, "wb") as log:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)


def _wait_until_up(process: subprocess.Popen, port: int, log_path: pathlib.Path) -> bool:
    """True once the server answers; False if it exits first; a LabError after START_TIMEOUT."""
    lab = Lab(f"http://127.0.0.1:{port}", ROOT, log_path, {})
    deadline = time.monotonic() + START_TIMEOUT
    while process.poll() is None:
        with contextlib.suppress(OSError):
            if lab.get("/api/status")[0] == 200:
                return True
        if time.monotonic() > deadline:
            raise LabError(f"JupyterLab did not answer within {START_TIMEOUT} s:\n{lab.log()}")
        time.sleep(POLL_SECONDS)
    return False


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
