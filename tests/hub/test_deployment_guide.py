"""docs/deploy-on-jupyterhub.md runs the class of hub/ on Zero to JupyterHub; these tests hold the page to hub/.

The guide's ``config.yaml`` must parse and set the chart's keys the page talks
about; its ``singleuser.extraFiles`` must be the files of hub/config/, one for one;
its pre-spawn hook must give each role the layers hub/jupyterhub_config.py gives
it; the instructor tools it hides must be the ones `make doctor` checks postBuild
hides on Binder; and repo2docker must accept its image command.
"""

from __future__ import annotations

import importlib.util
import json
import os
import pathlib
import re
import shlex
import subprocess
import sys
from pathlib import PurePosixPath
from types import SimpleNamespace

import pytest
import yaml
from traitlets.config import Config

from tests.hub.class_hub import LAYERS, ROOT, course_id, load_hub_config
from tools.doctor import INSTRUCTOR_PLUGINS, INSTRUCTOR_SERVER_EXTENSION
from tools.sync_environment import PYTHON_VERSION

GUIDE = ROOT / "docs" / "deploy-on-jupyterhub.md"
#: Where the guide mounts hub/config/ in every user's container.
MOUNTED_LAYERS = PurePosixPath("/etc/jupyter/course")
#: The sections of the jupyterhub Helm chart's values.
CHART_SECTIONS = {"hub", "proxy", "singleuser", "cull", "prePuller", "scheduling", "ingress", "rbac", "debug",
                  "custom", "global", "imagePullSecret", "imagePullSecrets", "nameOverride", "fullnameOverride"}
_MEMORY = re.compile(r"^(\d+(?:\.\d+)?)([KMGT]i?)?$")
_UNITS = {None: 1, "K": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}


def code_blocks(language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", GUIDE.read_text(), flags=re.DOTALL | re.MULTILINE)


def yaml_block(containing: str) -> dict:
    """The one YAML block of the guide with ``containing`` in it, parsed."""
    blocks = [block for block in code_blocks("yaml") if containing in block]
    assert len(blocks) == 1, f"the guide should show one YAML block with {containing!r}, it shows {len(blocks)}"
    return yaml.safe_load(blocks[0])


@pytest.fixture(scope="module")
def values() -> dict:
    """The guide's config.yaml."""
    return yaml_block("singleuser:")


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> str:
    return course_id(tmp_path_factory.mktemp("course-id"))


def at(values: dict, dotted: str):
    """The value at a dotted path of config.yaml; a clear failure when a key on the way is missing."""
    node = values
    for key in dotted.split("."):
        assert isinstance(node, dict) and key in node, f"config.yaml has no {dotted} (stops before {key!r})"
        node = node[key]
    return node


def memory(text) -> float:
    match = _MEMORY.match(str(text))
    assert match, f"{text!r} is not a Kubernetes memory quantity"
    return float(match.group(1)) * _UNITS[match.group(2)]


def guide_hook(values: dict):
    """The pre-spawn hook that the guide's hub.extraConfig sets, run as the hub runs extraConfig."""
    config = Config()
    for snippet in at(values, "hub.extraConfig").values():
        exec(compile(snippet, "config.yaml: hub.extraConfig", "exec"), {"c": config})  # noqa: S102
    return config.KubeSpawner.pre_spawn_hook


def spawned(hook, *groups: str) -> SimpleNamespace:
    """What a hook leaves on a spawner for a user in ``groups``."""
    spawner = SimpleNamespace(user=SimpleNamespace(groups=[SimpleNamespace(name=name) for name in groups]),
                              environment={"NBGRADER_EXCHANGE": "/srv/nbgrader/exchange"}, disable_user_config=False,
                              cpu_guarantee=None, cpu_limit=None, mem_guarantee=None, mem_limit=None)
    hook(spawner)
    return spawner


def test_config_yaml_uses_only_the_charts_sections_and_sets_what_the_guide_explains(values):
    assert set(values) <= CHART_SECTIONS, set(values) - CHART_SECTIONS
    for dotted in ("hub.config.JupyterHub.authenticator_class", "hub.config.JupyterHub.load_groups",
                   "hub.config.Authenticator.allowed_users", "hub.extraConfig", "singleuser.image.name",
                   "singleuser.image.tag", "singleuser.cpu.guarantee", "singleuser.cpu.limit",
                   "singleuser.memory.guarantee", "singleuser.memory.limit", "singleuser.storage.extraVolumes",
                   "singleuser.storage.extraVolumeMounts", "singleuser.extraEnv.NBGRADER_EXCHANGE",
                   "singleuser.extraFiles", "singleuser.lifecycleHooks.postStart.exec.command",
                   "cull.enabled", "cull.timeout", "cull.every"):
        at(values, dotted)
    assert at(values, "cull.enabled") is True and at(values, "cull.timeout") > 0


def test_the_class_is_grouped_the_way_nbgrader_and_the_hook_expect(values, course):
    groups = at(values, "hub.config.JupyterHub.load_groups")
    assert set(groups) == {f"formgrade-{course}", f"nbgrader-{course}"}
    everyone = {name for group in groups.values() for name in group["users"]}
    assert set(at(values, "hub.config.Authenticator.allowed_users")) == everyone
    assert at(values, "hub.config.JupyterHub.authenticator_class") == "shared-password"
    assert len(at(values, "hub.config.SharedPasswordAuthenticator.user_password")) >= 8


def test_each_student_has_a_guarantee_within_a_limit_and_instructors_get_more(values, course):
    cpu, mem = at(values, "singleuser.cpu"), at(values, "singleuser.memory")
    assert 0 < cpu["guarantee"] <= cpu["limit"]
    assert 0 < memory(mem["guarantee"]) <= memory(mem["limit"])
    instructor = spawned(guide_hook(values), f"formgrade-{course}")
    assert cpu["limit"] < instructor.cpu_limit and instructor.cpu_guarantee <= instructor.cpu_limit
    assert memory(mem["limit"]) < memory(instructor.mem_limit)
    assert memory(instructor.mem_guarantee) <= memory(instructor.mem_limit)
    student = spawned(guide_hook(values), f"nbgrader-{course}")
    assert student.cpu_limit is None and student.mem_limit is None, "students keep singleuser's limits"


def test_every_server_mounts_one_shared_exchange_where_nbgrader_looks(values):
    claim = yaml_block("PersistentVolumeClaim")
    assert claim["kind"] == "PersistentVolumeClaim" and claim["spec"]["accessModes"] == ["ReadWriteMany"]
    volumes = {volume["name"]: volume for volume in at(values, "singleuser.storage.extraVolumes")}
    mounts = {mount["name"]: mount for mount in at(values, "singleuser.storage.extraVolumeMounts")}
    exchange = [name for name, volume in volumes.items()
                if volume.get("persistentVolumeClaim", {}).get("claimName") == claim["metadata"]["name"]]
    assert len(exchange) == 1, "one volume of config.yaml should be the exchange claim"
    assert mounts[exchange[0]]["mountPath"] == at(values, "singleuser.extraEnv.NBGRADER_EXCHANGE")


def test_extra_files_are_the_layers_of_hub_config_file_for_file(values):
    mounted = {PurePosixPath(entry["mountPath"]): entry for entry in at(values, "singleuser.extraFiles").values()}
    local = {MOUNTED_LAYERS / path.relative_to(LAYERS).as_posix(): path
             for path in LAYERS.rglob("*") if path.is_file() and "__pycache__" not in path.parts}
    assert set(mounted) == set(local)
    for target, path in local.items():
        entry = mounted[target]
        if path.suffix == ".json":
            assert entry.get("data") == json.loads(path.read_text()), target
        else:
            assert entry.get("stringData") == path.read_text(), target


@pytest.mark.parametrize("role", ["instructor", "student"])
def test_the_guides_hook_gives_each_role_the_layers_the_local_hub_gives(values, course, tmp_path, role):
    group = f"formgrade-{course}" if role == "instructor" else f"nbgrader-{course}"
    on_kubernetes = spawned(guide_hook(values), group)
    on_one_machine = spawned(load_hub_config(tmp_path).Spawner.pre_spawn_hook, group)
    kubernetes_layers = [PurePosixPath(path) for path in on_kubernetes.environment["JUPYTER_CONFIG_PATH"].split(":")]
    local_layers = [path.split(os.sep)[-1] for path in on_one_machine.environment["JUPYTER_CONFIG_PATH"].split(os.pathsep)]
    assert [path.parent for path in kubernetes_layers] == [MOUNTED_LAYERS] * len(kubernetes_layers)
    assert [path.name for path in kubernetes_layers] == local_layers == [role, "class"]
    assert on_kubernetes.disable_user_config == on_one_machine.disable_user_config == (role == "student")
    assert on_kubernetes.environment["NBGRADER_EXCHANGE"] == "/srv/nbgrader/exchange"


def test_what_the_guide_hides_from_students_is_what_postbuild_hides_on_binder(values):
    files = {PurePosixPath(entry["mountPath"]).relative_to(MOUNTED_LAYERS).as_posix(): entry
             for entry in at(values, "singleuser.extraFiles").values()}
    lab = files["student/labconfig/page_config.json"]["data"]
    server = files["student/jupyter_server_config.json"]["data"]
    assert {name for name, hidden in lab["disabledExtensions"].items() if hidden} == set(INSTRUCTOR_PLUGINS)
    assert {name for name, locked in lab["lockedExtensions"].items() if locked} == set(INSTRUCTOR_PLUGINS)
    assert server["ServerApp"]["jpserver_extensions"] == {INSTRUCTOR_SERVER_EXTENSION: False}


def test_the_iframe_setting_the_guide_shows_is_the_instructor_layers():
    shown = [json.loads(block) for block in code_blocks("json")]
    layer = json.loads((LAYERS / "instructor" / "jupyter_server_config.json").read_text())
    assert shown == [{"ServerApp": {"tornado_settings": layer["ServerApp"]["tornado_settings"]}}]


def test_the_image_command_is_one_repo2docker_accepts_and_matches_config_yaml(values):
    commands = [shlex.split(line) for block in code_blocks("bash") for line in block.splitlines()
                if "jupyter-repo2docker" in line]
    assert len(commands) == 1, "the guide should give one repo2docker command"
    command = commands[0]
    flags = dict(zip(command, command[1:]))
    assert flags["--image-name"] == f"{at(values, 'singleuser.image.name')}:{at(values, 'singleuser.image.tag')}"
    repo_dir = flags["--target-repo-dir"]
    assert f"{repo_dir}/course" in " ".join(at(values, "singleuser.lifecycleHooks.postStart.exec.command"))
    # --no-build writes the Dockerfile without Docker: the flags must parse and postBuild must run.
    options = [word for word in command[1:-1] if word not in ("--no-run", "--push")]
    done = subprocess.run([sys.executable, "-m", "repo2docker", "--no-build", *options, str(ROOT)],
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "RUN ./postBuild" in done.stdout + done.stderr


def test_the_image_has_the_server_the_chart_starts():
    # repo2docker installs its base environment, locked per Python version, under environment.yml.
    package = pathlib.Path(importlib.util.find_spec("repo2docker").submodule_search_locations[0])
    lock = package / "buildpacks" / "conda" / f"environment.py-{PYTHON_VERSION}-linux-64.lock"
    assert lock.is_file(), f"repo2docker has no base environment for Python {PYTHON_VERSION}"
    assert re.search(r"/jupyterhub-singleuser-\d", lock.read_text()), "no jupyterhub-singleuser in the image"


def test_the_readme_sends_instructors_here():
    assert "(docs/deploy-on-jupyterhub.md)" in (ROOT / "README.md").read_text()
