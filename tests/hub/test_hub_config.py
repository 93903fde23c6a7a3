"""hub/jupyterhub_config.py: the class it sets up, the layers it gives each role, plain words for bad input.

And a hub stopped in the middle of a failing test leaves nothing running.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from types import SimpleNamespace

import pytest

from tests.hub.class_hub import CONFIG, HUB, LAYERS, course_id, descendants, load_hub_config, running_hub, start_time
from tools.doctor import INSTRUCTOR_PLUGINS, INSTRUCTOR_SERVER_EXTENSION

ROSTER_TEXT = (HUB / "roster.toml").read_text()
ROSTER = tomllib.loads(ROSTER_TEXT)


def fake_spawner(*groups: str) -> SimpleNamespace:
    """What a pre-spawn hook sees of a spawner: the user's groups and the environment so far."""
    return SimpleNamespace(user=SimpleNamespace(groups=[SimpleNamespace(name=name) for name in groups]),
                           environment={"NBGRADER_EXCHANGE": "/srv/nbgrader/exchange"}, disable_user_config=False)


def test_the_roster_becomes_the_class_list_and_nbgraders_course_groups(tmp_path):
    config = load_hub_config(tmp_path)
    course = course_id(tmp_path)
    assert config.JupyterHub.authenticator_class == "shared-password"
    assert set(config.Authenticator.allowed_users) == set(ROSTER["instructors"] + ROSTER["students"])
    assert config.JupyterHub.load_groups == {f"formgrade-{course}": {"users": ROSTER["instructors"]},
                                             f"nbgrader-{course}": {"users": ROSTER["students"]}}
    assert os.access(config.Spawner.cmd[0], os.X_OK), "the spawner starts this environment's jupyterhub-singleuser"
    assert config.JupyterHub.db_url == f"sqlite:///{tmp_path / 'state' / 'jupyterhub.sqlite'}"
    assert (tmp_path / "exchange").is_dir() and (tmp_path / "home").is_dir() and (tmp_path / "state").is_dir()


@pytest.mark.parametrize("role", ["instructor", "student"])
def test_each_role_gets_its_own_layer_over_the_class_layer(tmp_path, role):
    config = load_hub_config(tmp_path)
    course = course_id(tmp_path)
    spawner = fake_spawner(f"formgrade-{course}" if role == "instructor" else f"nbgrader-{course}")
    config.Spawner.pre_spawn_hook(spawner)
    assert spawner.environment["JUPYTER_CONFIG_PATH"] == os.pathsep.join([str(LAYERS / role), str(LAYERS / "class")])
    assert spawner.environment["NBGRADER_EXCHANGE"] == "/srv/nbgrader/exchange", "the hook keeps what was set"
    assert spawner.disable_user_config == (role == "student")


def test_someone_in_no_group_is_a_student(tmp_path):
    spawner = fake_spawner()
    load_hub_config(tmp_path).Spawner.pre_spawn_hook(spawner)
    assert spawner.environment["JUPYTER_CONFIG_PATH"].startswith(str(LAYERS / "student"))


def test_students_are_hidden_the_tools_postbuild_hides_on_binder():
    server = json.loads((LAYERS / "student" / "jupyter_server_config.json").read_text())
    lab = json.loads((LAYERS / "student" / "labconfig" / "page_config.json").read_text())
    assert server == {"ServerApp": {"jpserver_extensions": {INSTRUCTOR_SERVER_EXTENSION: False}}}
    assert lab == {key: dict.fromkeys(INSTRUCTOR_PLUGINS, True) for key in ("disabledExtensions", "lockedExtensions")}


def test_the_instructor_layer_turns_on_and_unlocks_the_same_tools():
    server = json.loads((LAYERS / "instructor" / "jupyter_server_config.json").read_text())
    lab = json.loads((LAYERS / "instructor" / "labconfig" / "page_config.json").read_text())
    assert server["ServerApp"]["jpserver_extensions"] == {INSTRUCTOR_SERVER_EXTENSION: True}
    assert lab == {key: dict.fromkeys(INSTRUCTOR_PLUGINS, False) for key in ("disabledExtensions", "lockedExtensions")}


RESOLVE = """
import json, os, sys
from jupyter_server.serverapp import ServerApp
from jupyterlab_server.config import get_static_page_config
answers = []
for stack in json.loads(sys.argv[1]):
    os.environ["JUPYTER_CONFIG_PATH"] = stack
    app = ServerApp()
    app.load_config_file()
    app.find_server_extensions()
    page = get_static_page_config(level="all")
    answers.append({"extensions": app.jpserver_extensions, "headers": app.tornado_settings.get("headers", {}),
                    "disabled": [name for name, on in page.get("disabledExtensions", {}).items() if on],
                    "locked": [name for name, on in page.get("lockedExtensions", {}).items() if on]})
json.dump(answers, sys.stdout)
"""


def resolved(tmp_path, *stacks: tuple[str, ...]) -> list[dict]:
    """What Jupyter Server and JupyterLab make of each stack of layers (first layer first), in a fresh process."""
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / "user-config"), "JUPYTER_DATA_DIR": str(tmp_path / "data"),
           "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime")}
    paths = [os.pathsep.join(str(LAYERS / name) for name in stack) for stack in stacks]
    done = subprocess.run([sys.executable, "-c", RESOLVE, json.dumps(paths)], env=env, capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_instructor_layer_wins_over_a_student_build(tmp_path):
    # The image built by repo2docker hides the tools in its own configuration (postBuild), below
    # JUPYTER_CONFIG_PATH; the student layer stands in for it here.
    student, instructor = resolved(tmp_path, ("student", "class"), ("instructor", "student", "class"))
    assert student["extensions"][INSTRUCTOR_SERVER_EXTENSION] is False
    assert set(INSTRUCTOR_PLUGINS) <= set(student["disabled"]) and set(INSTRUCTOR_PLUGINS) <= set(student["locked"])
    assert instructor["extensions"][INSTRUCTOR_SERVER_EXTENSION] is True
    assert not set(INSTRUCTOR_PLUGINS) & (set(instructor["disabled"]) | set(instructor["locked"]))
    assert instructor["headers"] == {"Content-Security-Policy": "frame-ancestors 'self'"}


def test_the_hub_will_not_start_without_a_class_password(tmp_path):
    env = {**os.environ, "COURSE_HUB_HOMES": str(tmp_path / "home"), "COURSE_HUB_STATE": str(tmp_path / "state"),
           "NBGRADER_EXCHANGE": str(tmp_path / "exchange")}
    env.pop("COURSE_HUB_PASSWORD", None)
    done = subprocess.run([sys.executable, "-m", "jupyterhub", "-f", str(CONFIG)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 1
    assert "set COURSE_HUB_PASSWORD to the class's shared password (at least 8 characters)" in done.stderr
    assert "Traceback" not in done.stdout + done.stderr


def stop_message(tmp_path, text: str | None, **environment) -> str:
    """The message the hub's configuration stops with for a roster holding ``text`` (None: no roster file)."""
    roster = tmp_path / "roster.toml"
    if text is not None:
        roster.write_text(text)
    with pytest.raises(SystemExit) as stopped:
        load_hub_config(tmp_path, COURSE_HUB_ROSTER=str(roster), **environment)
    return str(stopped.value.code)


@pytest.mark.parametrize(("text", "says"), [
    (None, "cannot read the roster"),
    ("instructors = [instructor", "is not valid TOML"),
    ('students = ["alice"]', 'needs `instructors = ["login", ...]`'),
    ('instructors = ["teacher"]\nstudents = "alice, bob"', 'needs `students = ["login", ...]`'),
    ('instructors = ["teacher"]\nstudents = ["Alice Smith"]', "'Alice Smith' among its students: use lower case"),
    ('instructors = []\nstudents = ["alice"]', "names no instructor"),
    ('instructors = ["teacher"]\nstudents = ["alice", "teacher"]', "lists teacher more than once"),
])
def test_a_bad_roster_stops_the_hub_with_what_to_fix(tmp_path, text, says):
    assert says in stop_message(tmp_path, text)


@pytest.mark.parametrize("password", ["", "short"])
def test_a_missing_or_short_password_stops_the_hub(tmp_path, password):
    message = stop_message(tmp_path, ROSTER_TEXT, COURSE_HUB_PASSWORD=password)
    assert "set COURSE_HUB_PASSWORD" in message



def test_a_missing_proxy_stops_the_hub_with_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setattr("os.access", lambda path, mode: False)
    with pytest.raises(SystemExit) as stopped:
        load_hub_config(tmp_path)
    assert "configurable-http-proxy is missing: run `make test` once, or `npm ci` in" in str(stopped.value.code)


def test_a_failing_test_leaves_no_hub_server_or_proxy_running(tmp_path):
    with pytest.raises(RuntimeError, match="the test failed here"):
        with running_hub(tmp_path) as hub:
            alice = hub.user("alice")
            alice.log_in()
            alice.start_server()
            started = descendants(hub.pid)
            raise RuntimeError("the test failed here")
    assert len(started) >= 2, "the hub should have started its proxy and alice's server"
    assert start_time(hub.pid) is None
    assert [pid for pid, start in started.items() if start_time(pid) == start] == []
