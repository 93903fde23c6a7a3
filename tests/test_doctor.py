"""`make doctor` passes on the course, and names each misconfiguration with its fix.

Every case breaks one thing in a temporary copy of the repository (or in the
environment the doctor reads) and runs the doctor on it, as an instructor
would: the doctor must exit with 1 and print, under the check concerned, the
problem and how to fix it.

The doctor reads postBuild and start; the last tests run postBuild's Jupyter
commands for real, in a throwaway environment layered over .venv, to show that
they do hide the instructor's tools the way JupyterLab and Jupyter Server read
them, and that Binder's start script adds the course's Jupyter settings
(jupyter-config/) on top without undoing the student build.
"""

from __future__ import annotations

import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import sysconfig

import nbformat
import pytest
from nbformat.v4 import new_output

from tests.lab_server import ROOT, copy_repository
from tools import doctor
from tools.execute_lessons import render

TITLES = {function: title for title, function in doctor.CHECKS}
LESSON = "03-value-of-an-hour.ipynb"


def run_doctor(repo: pathlib.Path, capsys) -> tuple[int, str]:
    status = doctor.main([str(repo)])
    return status, capsys.readouterr().out


def section(output: str, check) -> str:
    """What the report says under one check: its status line and its problems."""
    lines = output.splitlines()
    start = next(index for index, line in enumerate(lines) if line.endswith(TITLES[check]))
    end = next((index for index in range(start + 1, len(lines)) if not lines[index].startswith("  ")), len(lines))
    return "\n".join(lines[start:end])


def test_the_doctor_passes_on_the_repository(capsys):
    status, output = run_doctor(ROOT, capsys)
    assert status == 0 and "FAIL" not in output, output
    assert [line for line in output.splitlines() if line.startswith("ok  ")] == [
        f"ok    {title}" for title, _ in doctor.CHECKS
    ]


# --- the misconfigurations: each changes a copy (or the environment) and names what must be reported ---

def edit(path: pathlib.Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} is not in {path.name}: update this test"
    path.write_text(text.replace(old, new))


def substitute(path: pathlib.Path, pattern: str, replacement: str) -> None:
    text, count = re.subn(pattern, replacement, path.read_text())
    assert count, f"{pattern!r} matches nothing in {path.name}: update this test"
    path.write_text(text)


def read_only_directory(tmp_path: pathlib.Path) -> pathlib.Path:
    """A folder this process cannot add files to."""
    if os.geteuid() == 0:
        return pathlib.Path("/sys")  # root writes through permission bits, but not into sysfs
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    return folder


def change_lesson(copy: pathlib.Path, change) -> None:
    """Apply ``change(notebook)`` to the copy's lesson and store it as `make lessons` writes files."""
    path = copy / "course" / LESSON
    notebook = nbformat.read(path, as_version=4)
    change(notebook)
    path.write_text(render(notebook), encoding="utf-8")


def first_code_cell(notebook):
    return next(cell for cell in notebook.cells if cell.cell_type == "code")


def add_error_output(notebook) -> None:
    first_code_cell(notebook).outputs.append(
        new_output("error", ename="ZeroDivisionError", evalue="division by zero", traceback=[])
    )


def clear_outputs(notebook) -> None:
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None


def retitle(notebook) -> None:
    content = next(cell for cell in notebook.cells if "navigation" not in cell.metadata.get("tags", []))
    content.source = re.sub(r"^# .*$", "# A title the course map does not know", content.source, count=1, flags=re.M)


def user_config(tmp_path: pathlib.Path, monkeypatch, relative: str, data: dict) -> None:
    """A Jupyter user configuration holding one file, read before the environment's own."""
    path = tmp_path / "jupyter-config" / relative
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(data))
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(tmp_path / "jupyter-config"))
    monkeypatch.setenv("JUPYTER_PREFER_ENV_PATH", "0")


def pin_another_version(copy, tmp_path, monkeypatch):
    substitute(copy / "environment.yml", r"pandas==\S+", "pandas==0.0.1")


def pin_another_python(copy, tmp_path, monkeypatch):
    edit(copy / "environment.yml", "python=3.11", "python=3.10")


def add_a_binder_folder(copy, tmp_path, monkeypatch):
    (copy / "binder").mkdir()
    (copy / "binder" / "requirements.txt").write_text("pandas\n")


def drop_set_e(copy, tmp_path, monkeypatch):
    edit(copy / "postBuild", "set -euo pipefail\n", "")


def comment_out_set_e(copy, tmp_path, monkeypatch):
    edit(copy / "postBuild", "set -euo pipefail", "# set -euo pipefail")


def drop_the_package_install(copy, tmp_path, monkeypatch):
    edit(copy / "postBuild", "python -m pip install --no-deps -e .\n", "")


def keep_the_instructor_tools(copy, tmp_path, monkeypatch):
    substitute(copy / "postBuild", r"(?m)^jupyter .*\n", "")


def remove_the_start_script(copy, tmp_path, monkeypatch):
    (copy / "start").unlink()


def make_start_not_executable(copy, tmp_path, monkeypatch):
    (copy / "start").chmod(0o644)


def drop_set_e_from_start(copy, tmp_path, monkeypatch):
    edit(copy / "start", "set -euo pipefail\n", "")


def drop_exec_from_start(copy, tmp_path, monkeypatch):
    edit(copy / "start", 'exec "$@"\n', "")


def exec_unquoted_arguments(copy, tmp_path, monkeypatch):
    edit(copy / "start", 'exec "$@"', "exec $@")


def drop_the_config_path_from_start(copy, tmp_path, monkeypatch):
    substitute(copy / "start", r"(?m)^export JUPYTER_CONFIG_PATH=.*\n", "")


def put_the_course_config_last(copy, tmp_path, monkeypatch):
    substitute(copy / "start", r"(?m)^export JUPYTER_CONFIG_PATH=.*$",
               'export JUPYTER_CONFIG_PATH="${JUPYTER_CONFIG_PATH:+$JUPYTER_CONFIG_PATH:}${course}/jupyter-config"')


def hide_start_behind_a_binder_folder(copy, tmp_path, monkeypatch):
    add_a_binder_folder(copy, tmp_path, monkeypatch)


def point_binder_elsewhere(copy, tmp_path, monkeypatch):
    edit(copy / "README.md", "urlpath=lab/tree/course/01-start-here.ipynb", f"urlpath=lab/tree/course/{LESSON}")


def drop_the_binder_link(copy, tmp_path, monkeypatch):
    substitute(copy / "README.md", r"https://mybinder\.org/v2/gh/[^)\s]+", "")


def read_only_exchange(copy, tmp_path, monkeypatch):
    monkeypatch.setenv("NBGRADER_EXCHANGE", str(read_only_directory(tmp_path)))


def exchange_under_a_file(copy, tmp_path, monkeypatch):
    (tmp_path / "a-file").write_text("")
    monkeypatch.setenv("NBGRADER_EXCHANGE", str(tmp_path / "a-file" / "exchange"))


def lesson_with_an_error(copy, tmp_path, monkeypatch):
    change_lesson(copy, add_error_output)


def lesson_without_outputs(copy, tmp_path, monkeypatch):
    change_lesson(copy, clear_outputs)


def lesson_saved_from_jupyterlab(copy, tmp_path, monkeypatch):
    change_lesson(copy, lambda notebook: notebook.metadata.update(widgets={"state": {}}))


def stale_navigation(copy, tmp_path, monkeypatch):
    change_lesson(copy, retitle)


def disable_the_formgrader_plugin(copy, tmp_path, monkeypatch):
    user_config(tmp_path, monkeypatch, "labconfig/page_config.json",
                {"disabledExtensions": {"@jupyter/nbgrader:formgrader": True}})


def disable_the_formgrader_server_extension(copy, tmp_path, monkeypatch):
    user_config(tmp_path, monkeypatch, "jupyter_server_config.json",
                {"ServerApp": {"jpserver_extensions": {"nbgrader.server_extensions.formgrader": False}}})


#: Each misconfiguration: the check that must fail, words of its problem, and words of the fix after it.
CASES = [
    (pin_another_version, doctor.environment_matches_requirements,
     "not what `make environment` writes", "run `make environment`"),
    (pin_another_python, doctor.binder_build, "would not build with Python 3.11", "run `make environment`"),
    (add_a_binder_folder, doctor.binder_build, "does not install the repository's environment.yml",
     "no binder/ folder"),
    (drop_set_e, doctor.post_build_stops_on_error, "would not fail the Binder build", "set -euo pipefail"),
    (comment_out_set_e, doctor.post_build_stops_on_error, "first command is 'python -m pip install",
     "set -euo pipefail"),
    (drop_the_package_install, doctor.post_build_installs_the_course, "does not install the course's package",
     "pip install --no-deps -e ."),
    (keep_the_instructor_tools, doctor.student_build_hides_instructor_tools,
     "does not disable @jupyter/nbgrader:formgrader", "jupyter labextension disable --level=sys_prefix"),
    (remove_the_start_script, doctor.binder_start_script, "there is no start script", "git checkout HEAD -- start"),
    (make_start_not_executable, doctor.binder_start_script, "the start script is not executable", "chmod +x start"),
    (drop_set_e_from_start, doctor.binder_start_script, "start script's first command is 'course=",
     "set -euo pipefail"),
    (drop_exec_from_start, doctor.binder_start_script, "the start script ends with 'export JUPYTER_CONFIG_PATH",
     'make `exec "$@"` the last line of start'),
    (exec_unquoted_arguments, doctor.binder_start_script, "the start script ends with 'exec $@'",
     'make `exec "$@"` the last line of start'),
    (drop_the_config_path_from_start, doctor.binder_start_script,
     "does not put jupyter-config first on JUPYTER_CONFIG_PATH", "export JUPYTER_CONFIG_PATH="),
    (put_the_course_config_last, doctor.binder_start_script,
     "does not put jupyter-config first on JUPYTER_CONFIG_PATH", "export JUPYTER_CONFIG_PATH="),
    (hide_start_behind_a_binder_folder, doctor.binder_start_script, "would not run the start script",
     "no binder/ folder"),
    (point_binder_elsewhere, doctor.binder_link, f"opens 'lab/tree/course/{LESSON}'",
     "HEAD?urlpath=lab/tree/course/01-start-here.ipynb"),
    (drop_the_binder_link, doctor.binder_link, "has no Binder link", "urlpath=lab/tree/course/01-start-here.ipynb"),
    (read_only_exchange, doctor.exchange_writable, "is not writable", "NBGRADER_EXCHANGE"),
    (exchange_under_a_file, doctor.exchange_writable, "nbgrader_config.py fails to load", "NBGRADER_EXCHANGE"),
    (lesson_with_an_error, doctor.lessons_stored, "raised ZeroDivisionError: division by zero", "make lessons"),
    (lesson_without_outputs, doctor.lessons_stored, "have no stored outputs", "make lessons"),
    (lesson_saved_from_jupyterlab, doctor.lessons_stored, "was not stored by `make lessons`", "make lessons"),
    (stale_navigation, doctor.navigation_current, "the navigation is stale", "run `make navigation`"),
    (disable_the_formgrader_plugin, doctor.instructor_extensions, "@jupyter/nbgrader:formgrader is disabled",
     "jupyter labextension enable @jupyter/nbgrader:formgrader"),
    (disable_the_formgrader_server_extension, doctor.instructor_extensions,
     "nbgrader.server_extensions.formgrader is not enabled",
     "jupyter server extension enable --sys-prefix nbgrader.server_extensions.formgrader"),
]


@pytest.mark.parametrize(("break_it", "check", "problem", "fix"), CASES, ids=[case[0].__name__ for case in CASES])
def test_the_doctor_names_the_misconfiguration_and_its_fix(break_it, check, problem, fix, tmp_path, monkeypatch,
                                                           capsys):
    copy = copy_repository(tmp_path / "course")
    monkeypatch.setenv("NBGRADER_EXCHANGE", str(tmp_path / "exchange"))
    break_it(copy, tmp_path, monkeypatch)

    status, output = run_doctor(copy, capsys)

    assert status == 1, output
    report = section(output, check)
    assert report.startswith("FAIL"), output
    assert problem in report, report
    assert "fix: " in report and fix in report.split(problem, 1)[1], report


# --- postBuild's student build and Binder's start script, run for real ---

#: The modules behind the `jupyter` subcommands postBuild uses, run with the throwaway environment's Python.
JUPYTER_MODULES = {
    "jupyter labextension": "jupyterlab.labextensions",
    "jupyter server extension": "jupyter_server.extension.serverextension",
}
#: What a server started in an environment reports: the JupyterLab page config and the server extensions.
READ_STUDENT_SETUP = """
import json
from jupyter_core.paths import jupyter_config_path, jupyter_path
from jupyter_server.extension.config import ExtensionConfigManager
from jupyter_server.services.config import ConfigManager
from jupyterlab_server.config import get_page_config
page = get_page_config(jupyter_path("labextensions"))
print(json.dumps({"disabled": page.get("disabledExtensions", []), "locked": page.get("lockedExtensions", []),
                  "build_check": page.get("buildCheck", True),
                  "overrides": ConfigManager(config_dir_name="labconfig").get("default_setting_overrides"),
                  "server": ExtensionConfigManager(read_config_path=jupyter_config_path()).get_jpserver_extensions()}))
"""
#: What the course's page_config.json turns off in JupyterLab's page: the language-server plugins.
LANGUAGE_SERVER_PLUGINS = ("@jupyterlab/lsp-extension", "@jupyterlab/fileeditor-extension:language-server",
                           "@jupyterlab/notebook-extension:language-server")
NOTIFICATIONS = "@jupyterlab/apputils-extension:notification"


def student_environment(tmp_path: pathlib.Path) -> pathlib.Path:
    """A Python environment with its own prefix and Jupyter configuration (a copy of .venv's) and .venv's packages.

    Commands run with its Python write their ``--sys-prefix`` configuration
    here, as postBuild's do in Binder's environment, and never into .venv.
    """
    prefix = tmp_path / "student-env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(prefix)], check=True, timeout=120)
    site_packages = next((prefix / "lib").glob("python3*/site-packages"))
    (site_packages / "course-packages.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    shutil.copytree(pathlib.Path(sys.prefix) / "etc" / "jupyter", prefix / "etc" / "jupyter")
    shutil.copytree(pathlib.Path(sys.prefix) / "share" / "jupyter" / "labextensions",
                    prefix / "share" / "jupyter" / "labextensions")
    return prefix


def run_in(prefix: pathlib.Path, arguments: list[str], env: dict[str, str]) -> str:
    result = subprocess.run([str(prefix / "bin" / "python"), *arguments], env=env, capture_output=True, text=True,
                            timeout=180)
    assert result.returncode == 0, f"{arguments} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def jupyter_configuration_files() -> dict[str, str]:
    root = pathlib.Path(sys.prefix) / "etc" / "jupyter"
    return {str(path.relative_to(root)): path.read_text() for path in root.rglob("*") if path.is_file()}


@pytest.fixture(scope="module")
def student_build(tmp_path_factory):
    """A throwaway environment after postBuild's Jupyter commands, how to run in it, and .venv's configuration before."""
    tmp_path = tmp_path_factory.mktemp("student-build")
    venv_configuration = jupyter_configuration_files()
    prefix = student_environment(tmp_path)
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / "no-user-config")}
    for name in ("JUPYTER_PREFER_ENV_PATH", "JUPYTER_CONFIG_PATH"):
        env.pop(name, None)
    commands = [command for command in doctor.post_build_commands(ROOT) if command.startswith("jupyter ")]
    assert commands, "postBuild runs no jupyter command"
    for command in commands:
        program = next(name for name in JUPYTER_MODULES if command.startswith(name + " "))
        run_in(prefix, ["-m", JUPYTER_MODULES[program], *command[len(program):].split()], env)
    return prefix, env, venv_configuration


def assert_the_student_build(student: dict) -> None:
    for plugin in doctor.INSTRUCTOR_PLUGINS:
        assert plugin in student["disabled"] and plugin in student["locked"], student
    assert "@jupyter/nbgrader:validate-assignment" not in student["disabled"], "students need the Validate button"
    assert student["server"][doctor.INSTRUCTOR_SERVER_EXTENSION] is False, student["server"]
    for extension in set(doctor.NBGRADER_SERVER_EXTENSIONS) - {doctor.INSTRUCTOR_SERVER_EXTENSION}:
        assert student["server"][extension] is True, f"students need {extension}: {student['server']}"


def test_post_build_really_hides_the_instructor_tools_from_students(student_build):
    prefix, env, venv_configuration = student_build

    student = json.loads(run_in(prefix, ["-c", READ_STUDENT_SETUP], env))

    assert_the_student_build(student)
    assert jupyter_configuration_files() == venv_configuration, "the student build changed .venv's configuration"


def test_binder_start_adds_the_courses_settings_and_keeps_the_student_build(student_build, tmp_path):
    prefix, env, _ = student_build
    without_start = json.loads(run_in(prefix, ["-c", READ_STUDENT_SETUP], env))
    # Run as repo2docker's entrypoint does: the start script, given the session's command, from another folder.
    result = subprocess.run([str(ROOT / "start"), str(prefix / "bin" / "python"), "-c", READ_STUDENT_SETUP],
                            env=env, cwd=tmp_path, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, f"start failed:\n{result.stdout}\n{result.stderr}"

    started = json.loads(result.stdout)

    assert_the_student_build(started)
    for plugin in LANGUAGE_SERVER_PLUGINS:
        assert plugin in started["disabled"] and plugin not in without_start["disabled"], plugin
    assert started["server"]["jupyter_lsp"] is False and without_start["server"].get("jupyter_lsp") is True
    assert started["build_check"] is False and without_start["build_check"] is not False
    assert started["overrides"][NOTIFICATIONS] == {"checkForUpdates": False, "fetchNews": "false"}
    assert NOTIFICATIONS not in without_start["overrides"]
