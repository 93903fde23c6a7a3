"""Start the course's class hub (hub/jupyterhub_config.py) on loopback, and act as its users over HTTP.

    with running_hub(tmp_path) as hub:
        alice = hub.user("alice")
        alice.log_in()                       # the hub's login form, as a browser posts it
        alice.start_server()
        status = alice.get("api/status")     # /user/alice/api/status, through the proxy

The hub runs from the repository's own configuration with only what a test must
change: loopback addresses on free ports, and its database, cookie secret, proxy
token, home folders and nbgrader exchange under a temporary folder. Its proxy is
the configurable-http-proxy that `make test` installs from the npm registry.
Leaving the block stops the hub, which stops every server it started; anything
still running after that (a server, a kernel, the proxy) is killed, so a failing
test leaves no process behind.

``load_hub_config`` reads the same configuration in the test's own process, for
tests of what it sets without starting a hub.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import pathlib
import re
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
import requests
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

from tests.assignments.temporary_course import repository_config
from tests.lab_server import ROOT, free_port

HUB = ROOT / "hub"
CONFIG = HUB / "jupyterhub_config.py"
LAYERS = HUB / "config"
PROXY = HUB / "node_modules" / ".bin" / "configurable-http-proxy"
PASSWORD = "class-test-password"
START_TIMEOUT = 90
SPAWN_TIMEOUT = 120
REQUEST_TIMEOUT = 120
STOP_TIMEOUT = 30


class HubError(RuntimeError):
    """The hub, or a user's server, did not do what the test asked; the message holds the hub's log."""


@dataclasses.dataclass
class ClassHub:
    """A running class hub: where it answers and where it keeps its users' homes and the exchange."""

    base: str
    homes: pathlib.Path
    exchange: pathlib.Path
    log_path: pathlib.Path
    pid: int = 0

    def user(self, name: str) -> HubUser:
        return HubUser(self, name)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


class HubUser:
    """One person of the class, with their own browser session (cookies) on the hub."""

    def __init__(self, hub: ClassHub, name: str):
        self.hub = hub
        self.name = name
        self.session = requests.Session()

    @property
    def home(self) -> pathlib.Path:
        return self.hub.homes / self.name

    def log_in(self, password: str = PASSWORD) -> requests.Response:
        """Post the hub's login form with its XSRF token, as a browser does; the response is not followed."""
        form = self.session.get(self.hub.base + "/hub/login", timeout=REQUEST_TIMEOUT)
        token = re.search(r'name="_xsrf" value="([^"]+)"', form.text)
        if not token:
            raise HubError(f"the hub's login page has no XSRF token:\n{form.text[:2000]}")
        return self.session.post(self.hub.base + "/hub/login", allow_redirects=False, timeout=REQUEST_TIMEOUT,
                                 data={"username": self.name, "password": password, "_xsrf": token.group(1)})

    def hub_api(self, method: str, path: str) -> requests.Response:
        """Call the hub's REST API with this user's login cookie."""
        headers = {"X-XSRFToken": self.session.cookies.get("_xsrf", path="/hub/") or ""}
        return self.session.request(method, f"{self.hub.base}/hub/api/{path}", headers=headers,
                                    timeout=REQUEST_TIMEOUT)

    def request_server(self) -> None:
        """Ask the hub to start this user's server (what the "Start My Server" button does)."""
        response = self.hub_api("POST", f"users/{self.name}/server")
        if response.status_code not in (201, 202):
            raise HubError(f"{self.name}'s server did not start: {response.status_code} {response.text}\n"
                           f"{self.hub.log()}")

    def wait_for_server(self) -> None:
        """Wait until the hub reports the server ready, then open JupyterLab once (OAuth, XSRF cookie)."""
        deadline = time.monotonic() + SPAWN_TIMEOUT
        while not self.hub_api("GET", f"users/{self.name}").json().get("servers", {}).get("", {}).get("ready"):
            if time.monotonic() > deadline:
                raise HubError(f"{self.name}'s server was not ready within {SPAWN_TIMEOUT} s:\n{self.hub.log()}")
            time.sleep(0.5)
        lab = self.get("lab")
        if lab.status_code != 200:
            raise HubError(f"{self.name}'s JupyterLab answered {lab.status_code}:\n{self.hub.log()}")

    def start_server(self) -> None:
        self.request_server()
        self.wait_for_server()

    def url(self, path: str) -> str:
        """A path on this user's own server, behind the hub's proxy."""
        return f"{self.hub.base}/user/{self.name}/{path}"

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.session.get(self.url(path), timeout=REQUEST_TIMEOUT, **kwargs)

    def post(self, path: str, **kwargs) -> requests.Response:
        return self._send("POST", path, **kwargs)

    def put(self, path: str, **kwargs) -> requests.Response:
        return self._send("PUT", path, **kwargs)

    def _send(self, method: str, path: str, **kwargs) -> requests.Response:
        """A request that changes something: Jupyter Server wants the XSRF cookie echoed in a header."""
        headers = {"X-XSRFToken": self.session.cookies.get("_xsrf", path=f"/user/{self.name}/") or ""}
        return self.session.request(method, self.url(path), headers=headers, timeout=REQUEST_TIMEOUT, **kwargs)

    def json(self, method: str, path: str, **kwargs):
        """The JSON a server endpoint answers; a HubError with the server's answer for any other status."""
        response = self._send(method, path, **kwargs) if method != "GET" else self.get(path, **kwargs)
        if response.status_code not in (200, 201):
            raise HubError(f"{method} {path} as {self.name}: {response.status_code} {response.text[:2000]}")
        return response.json()

    def read_notebook(self, path: str) -> dict:
        """A notebook from this user's home, through the contents API (what JupyterLab opens)."""
        return self.json("GET", f"api/contents/{path}", params={"type": "notebook", "content": "1"})["content"]

    def save_notebook(self, path: str, notebook: dict) -> None:
        """Save a notebook into this user's home, through the contents API (what JupyterLab's save does)."""
        self.json("PUT", f"api/contents/{path}", json={"type": "notebook", "format": "json", "content": notebook})

    def read_text(self, path: str) -> str:
        return self.json("GET", f"api/contents/{path}", params={"type": "file", "format": "text", "content": "1"})["content"]


@contextlib.contextmanager
def running_hub(root: pathlib.Path, attempts: int = 3) -> Iterator[ClassHub]:
    """The class hub with its state under ``root``, until the block ends; a HubError if it does not start.

    A free port can be taken by another process between choosing and binding it;
    the hub then exits at once and is started again on other ports.
    """
    if not os.access(PROXY, os.X_OK):
        raise HubError(f"{PROXY.relative_to(ROOT)} is missing: run `make test`, which installs "
                       "configurable-http-proxy from hub/package-lock.json (npm ci)")
    for attempt in range(1, attempts + 1):
        state = root / f"hub-{attempt}"
        state.mkdir(parents=True)
        hub = ClassHub("", root / "home", root / "exchange", state / "jupyterhub.log")
        command, env = _command(hub, state)
        with open(hub.log_path, "wb") as log:
            process = subprocess.Popen(command, cwd=state, env=env, stdout=log, stderr=subprocess.STDOUT,
                                       start_new_session=True)
        hub.pid = process.pid
        try:
            if _wait_until_up(process, hub):
                yield hub
                return
        finally:
            _stop(process)
        if "in use" not in hub.log() or attempt == attempts:
            raise HubError(f"jupyterhub exited with {process.returncode}:\n{hub.log()}")


def _command(hub: ClassHub, state: pathlib.Path) -> tuple[list[str], dict[str, str]]:
    """The jupyterhub command line and environment: the course's config, local addresses and paths."""
    public, api, internal = free_port(), free_port(), free_port()
    hub.base = f"http://127.0.0.1:{public}"
    command = [
        sys.executable, "-m", "jupyterhub", "-f", str(CONFIG),
        f"--JupyterHub.bind_url={hub.base}",
        f"--JupyterHub.hub_bind_url=http://127.0.0.1:{internal}",
        f"--ConfigurableHTTPProxy.api_url=http://127.0.0.1:{api}",
        f"--ConfigurableHTTPProxy.command={PROXY}",
    ]
    env = {
        **os.environ,
        "COURSE_HUB_PASSWORD": PASSWORD,
        "COURSE_HUB_HOMES": str(hub.homes),
        "COURSE_HUB_STATE": str(state),  # the database, cookie secret and proxy pid file
        "NBGRADER_EXCHANGE": str(hub.exchange),
        "CONFIGPROXY_AUTH_TOKEN": secrets.token_hex(32),
    }
    return command, env


def _wait_until_up(process: subprocess.Popen, hub: ClassHub) -> bool:
    """True once the hub answers through its proxy; False if it exits first; a HubError after START_TIMEOUT."""
    deadline = time.monotonic() + START_TIMEOUT
    while process.poll() is None:
        with contextlib.suppress(requests.RequestException, ValueError):
            if "version" in requests.get(hub.base + "/hub/api/", timeout=5).json():
                return True
        if time.monotonic() > deadline:
            raise HubError(f"the hub did not answer within {START_TIMEOUT} s:\n{hub.log()}")
        time.sleep(0.5)
    return False


def _stop(process: subprocess.Popen) -> None:
    """Stop the hub (it stops the servers it started and its proxy), then kill whatever outlived it."""
    started = descendants(process.pid)
    with contextlib.suppress(ProcessLookupError):
        os.kill(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    # Servers run in sessions of their own, so they are not in the hub's process group. A process
    # id is only killed while it still names the process that was started (ids are reused).
    for pid, start in started.items():
        if start_time(pid) == start:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def _stat_fields(pid: int | str) -> list[str]:
    """The fields of /proc/<pid>/stat after the command name (which is in parentheses and may hold spaces)."""
    return pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def start_time(pid: int) -> str | None:
    try:
        return _stat_fields(pid)[19]
    except (OSError, IndexError):
        return None


def descendants(pid: int) -> dict[int, str]:
    """Every process started by ``pid``, directly or not, with its start time, read from /proc."""
    children: dict[int, list[tuple[int, str]]] = {}
    for entry in pathlib.Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, ValueError, IndexError):
                fields = _stat_fields(entry.name)
                children.setdefault(int(fields[1]), []).append((int(entry.name), fields[19]))
    found: dict[int, str] = {}
    stack = [pid]
    while stack:
        for child, start in children.get(stack.pop(), []):
            if child not in found:
                found[child] = start
                stack.append(child)
    return found


def assignment_list(user: HubUser, course_id: str) -> list[dict]:
    """What the Assignments tab shows: the user's released, fetched and submitted assignments."""
    answer = user.json("GET", "assignments", params={"course_id": course_id})
    if not answer.get("success"):
        raise HubError(f"{user.name}'s assignment list failed: {answer.get('value')}")
    return answer["value"]


def assignment_action(user: HubUser, action: str, course_id: str, assignment: str) -> list[dict]:
    """Press an Assignments tab button (fetch, submit, fetch_feedback); the list it answers with."""
    answer = user.json("POST", f"assignments/{action}", data={"course_id": course_id, "assignment_id": assignment})
    if not answer.get("success"):
        raise HubError(f"{user.name} could not {action} {assignment}: {answer.get('value')}")
    return answer["value"]


def formgrader(user: HubUser, path: str) -> dict:
    """Press a formgrader button (POST to its API); the result nbgrader reports, which must be a success."""
    answer = user.json("POST", f"formgrader/api/{path}")
    if not answer.get("success"):
        raise HubError(f"formgrader {path} failed: {answer.get('error')}\n{answer.get('log')}")
    return answer


def page_config(lab_page: str) -> dict:
    """The page configuration JupyterLab's HTML page carries (which plugins are disabled and locked)."""
    match = re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>', lab_page, re.DOTALL)
    if not match:
        raise HubError(f"no page configuration in JupyterLab's page:\n{lab_page[:2000]}")
    return json.loads(match.group(1))


def course_id(scratch: pathlib.Path) -> str:
    """The course id in the repository's nbgrader_config.py (which creates the exchange it names, here in ``scratch``)."""
    return repository_config(exchange=scratch / "exchange").CourseDirectory.course_id


def load_hub_config(scratch: pathlib.Path, **environment: str) -> Config:
    """hub/jupyterhub_config.py as JupyterHub loads it, in this process, with its folders in ``scratch``.

    ``environment`` adds to or replaces the test password, homes and exchange; a
    value of None removes the variable.
    """
    settings = {"COURSE_HUB_PASSWORD": PASSWORD, "COURSE_HUB_HOMES": str(scratch / "home"),
                "COURSE_HUB_STATE": str(scratch / "state"), "NBGRADER_EXCHANGE": str(scratch / "exchange"),
                "COURSE_HUB_ROSTER": None, **environment}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PATH", os.environ.get("PATH", ""))  # the course's nbgrader_config.py may extend it
        for name, value in settings.items():
            if value is None:
                patch.delenv(name, raising=False)
            else:
                patch.setenv(name, value)
        return PyFileConfigLoader(CONFIG.name, path=str(HUB)).load_config()
