"""JupyterHub configuration that runs the course as a class on one machine.

    COURSE_HUB_PASSWORD=<the class password> .venv/bin/jupyterhub -f hub/jupyterhub_config.py

Everyone on ``hub/roster.toml`` logs in with the class's shared password. Each
user gets a home folder under ``COURSE_HUB_HOMES`` and a JupyterLab server that
SimpleLocalProcessSpawner runs under the hub's own account: right for a
workshop machine or a test, with no isolation between users (the Kubernetes
set-up in docs/deploy-on-jupyterhub.md gives each user a container).

Environment:
    COURSE_HUB_PASSWORD   the class's shared password, at least 8 characters (required)
    COURSE_HUB_HOMES      the folder that holds every user's home (default /srv/va-to-obm/home)
    COURSE_HUB_STATE      the hub's own files: database, cookie secret, proxy pid (default /srv/va-to-obm/hub)
    COURSE_HUB_ROSTER     the roster file (default hub/roster.toml)
    NBGRADER_EXCHANGE     nbgrader's exchange, shared by every server (default /srv/nbgrader/exchange)

Servers read layers of Jupyter configuration from ``hub/config/`` (through
JUPYTER_CONFIG_PATH, first layer first):

    student:     class/ under student/     the instructor tools hidden and locked, the same
                                           ones postBuild hides on Binder; the exchange names
                                           the student by their hub login
    instructor:  class/ under instructor/  those tools shown, and the formgrader allowed in
                                           JupyterLab's frame (the hub forbids frames by default)

``class/`` gives everyone the course's own nbgrader settings, read from the
repository that REPO_DIR names. The roster's instructors form the hub group
``formgrade-<course id>`` and its students ``nbgrader-<course id>``, the group
names nbgrader's JupyterHub integration uses.
"""

import os
import re
import sys
import tomllib
from pathlib import Path

from traitlets.config.loader import PyFileConfigLoader

c = get_config()  # noqa: F821 - provided by traitlets when JupyterHub loads this file

HUB = Path(__file__).resolve().parent
REPOSITORY = HUB.parent
LAYERS = HUB / "config"
PROXY = HUB / "node_modules" / ".bin" / "configurable-http-proxy"
MIN_PASSWORD_LENGTH = 8
_LOGIN = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


def fail(message: str):
    """Stop the hub with a message for whoever started it (traitlets would print a traceback)."""
    sys.exit(f"jupyterhub_config.py: {message}")


def read_roster(path: Path) -> tuple[list[str], list[str]]:
    """The roster's instructors and students, checked: valid logins, each listed once."""
    try:
        roster = tomllib.loads(path.read_text())
    except OSError as error:
        fail(f"cannot read the roster {path}: {error.strerror}")
    except tomllib.TOMLDecodeError as error:
        fail(f"the roster {path} is not valid TOML: {error}")
    people = {}
    for role in ("instructors", "students"):
        names = roster.get(role)
        if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
            fail(f"the roster {path} needs `{role} = [\"login\", ...]`")
        bad = [name for name in names if not _LOGIN.match(name)]
        if bad:
            fail(f"the roster {path} lists {', '.join(map(repr, bad))} among its {role}: "
                 "use lower case letters, digits, '-' and '_'")
        people[role] = names
    if not people["instructors"]:
        fail(f"the roster {path} names no instructor, so nobody could release or grade")
    listed = people["instructors"] + people["students"]
    twice = sorted({name for name in listed if listed.count(name) > 1})
    if twice:
        fail(f"the roster {path} lists {', '.join(twice)} more than once; give each person one role")
    return people["instructors"], people["students"]


def course_id() -> str:
    """The course id, from the course's own nbgrader_config.py."""
    return PyFileConfigLoader("nbgrader_config.py", path=str(REPOSITORY)).load_config().CourseDirectory.course_id


def layers(role: str) -> str:
    """JUPYTER_CONFIG_PATH for a role: its own layer over the one everyone shares."""
    return os.pathsep.join(str(LAYERS / name) for name in (role, "class"))


password = os.environ.get("COURSE_HUB_PASSWORD", "")
if len(password) < MIN_PASSWORD_LENGTH:
    fail(f"set COURSE_HUB_PASSWORD to the class's shared password (at least {MIN_PASSWORD_LENGTH} characters)")
homes = Path(os.environ.get("COURSE_HUB_HOMES", "/srv/va-to-obm/home"))
state = Path(os.environ.get("COURSE_HUB_STATE", "/srv/va-to-obm/hub"))
# Set for this process too: the course's nbgrader_config.py, read below, creates the exchange it names.
exchange = Path(os.environ.setdefault("NBGRADER_EXCHANGE", "/srv/nbgrader/exchange"))
instructors, students = read_roster(Path(os.environ.get("COURSE_HUB_ROSTER", HUB / "roster.toml")))
if not os.access(PROXY, os.X_OK):
    fail(f"{PROXY} is missing: run `make test` once, or `npm ci` in {HUB}")
try:
    homes.mkdir(parents=True, exist_ok=True)
    state.mkdir(parents=True, exist_ok=True)
    # nbgrader needs the exchange to exist and be writable by every server.
    exchange.mkdir(parents=True, exist_ok=True)
    exchange.chmod(0o777)
except OSError as error:
    fail(f"cannot prepare {error.filename}: {error.strerror}")

COURSE = course_id()
INSTRUCTOR_GROUP = f"formgrade-{COURSE}"
STUDENT_GROUP = f"nbgrader-{COURSE}"


def give_role(spawner) -> None:
    """Before a server starts: instructors get the instructor layer, everyone else the student layer.

    Students also lose the configuration in their home folder, where they could
    turn the formgrader back on.
    """
    role = "instructor" if INSTRUCTOR_GROUP in {group.name for group in spawner.user.groups} else "student"
    spawner.environment = {**spawner.environment, "JUPYTER_CONFIG_PATH": layers(role)}
    spawner.disable_user_config = role == "student"


c.JupyterHub.db_url = f"sqlite:///{state / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(state / "jupyterhub_cookie_secret")
c.ConfigurableHTTPProxy.pid_file = str(state / "jupyterhub-proxy.pid")

c.JupyterHub.authenticator_class = "shared-password"
c.SharedPasswordAuthenticator.user_password = password
c.Authenticator.allowed_users = set(instructors + students)
c.JupyterHub.load_groups = {
    INSTRUCTOR_GROUP: {"users": instructors},
    STUDENT_GROUP: {"users": students},
}

c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = str(homes / "{username}")
# The single-user server of the environment the hub runs in, whatever PATH says.
c.Spawner.cmd = [str(Path(sys.executable).with_name("jupyterhub-singleuser"))]
c.Spawner.args = ["--allow-root"] if os.geteuid() == 0 else []
c.Spawner.default_url = "/lab"
# REPO_DIR names the course repository, as in the image repo2docker builds (hub/config/class/).
c.Spawner.environment = {"NBGRADER_EXCHANGE": str(exchange), "REPO_DIR": str(REPOSITORY)}
c.Spawner.pre_spawn_hook = give_role

# The proxy `make test` installs from the npm registry (hub/package-lock.json).
c.ConfigurableHTTPProxy.command = [str(PROXY)]
