"""Check, before a term starts, that the course will work for students and instructor: `make doctor`.

    python -m tools.doctor                  # this repository, in this environment
    python -m tools.doctor /path/to/copy    # another checkout of the course

Every problem is printed with its fix; the exit status is 1 if there is any.
The checks take seconds: nothing is built, installed or executed.

- Binder: ``repo2docker --no-build`` writes a Dockerfile from this repository's
  own configuration: the Python pinned in environment.yml, environment.yml
  itself, then postBuild. environment.yml is exactly what `make environment`
  writes from requirements.txt, so Binder installs the versions `make lab`
  installs. postBuild stops on the first error, installs the course's package
  and, since Binder serves learners, hides nbgrader's instructor tools. The
  start script, which repo2docker runs before each session, stops on the first
  error, puts the course's jupyter-config/ first on JUPYTER_CONFIG_PATH (as
  `make lab` does) and ends by running the session's command. The README's
  Binder link opens the course's start page.
- nbgrader: the exchange nbgrader_config.py names is writable; in this
  environment (the instructor's, set up by `make lab`) the nbgrader JupyterLab
  extension and its server extensions are installed and enabled.
- Lessons: every lesson is stored the way `make lessons` stores it, with all
  its outputs and none of them an error or stderr; the navigation is current.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import dataclasses
import os
import pathlib
import re
import shlex
import subprocess
import sys
import tempfile
import urllib.parse
from collections.abc import Callable, Iterator

from tools.build_navigation import START_PAGE
from tools.execute_lessons import LESSON_GLOB, clean, problems, render, sanitize_patterns
from tools.sync_environment import PYTHON_VERSION, read_pins, render_environment

ROOT = pathlib.Path(__file__).resolve().parent.parent
START_PATH = f"course/{START_PAGE}"
BINDER_URL = re.compile(r"https://mybinder\.org/v2/gh/[^\s)\"'>]+")
#: What the student build (Binder) hides: JupyterLab plugins, and the formgrader's server extension.
INSTRUCTOR_PLUGINS = ("@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment")
INSTRUCTOR_SERVER_EXTENSION = "nbgrader.server_extensions.formgrader"
#: What the instructor's environment needs enabled.
NBGRADER_LAB_EXTENSION = "@jupyter/nbgrader"
NBGRADER_PLUGINS = (*INSTRUCTOR_PLUGINS, "@jupyter/nbgrader:validate-assignment", "@jupyter/nbgrader:assignment-list")
START_FIX = ("restore the start script at the repository root (`git checkout HEAD -- start`): it runs "
             "`set -euo pipefail`, exports JUPYTER_CONFIG_PATH with jupyter-config first, then `exec \"$@\"`")
START_CONFIG_FIX = ("add `export JUPYTER_CONFIG_PATH=\"${REPO_DIR}/jupyter-config${JUPYTER_CONFIG_PATH:+:"
                    "$JUPYTER_CONFIG_PATH}\"` to start, before its `exec \"$@\"` (Binder sets REPO_DIR to the "
                    "repository's folder)")
NBGRADER_SERVER_EXTENSIONS = (
    INSTRUCTOR_SERVER_EXTENSION,
    "nbgrader.server_extensions.validate_assignment",
    "nbgrader.server_extensions.assignment_list",
    "nbgrader.server_extensions.course_list",
)


@dataclasses.dataclass(frozen=True)
class Problem:
    """One thing that is wrong, and what to do about it."""

    what: str
    fix: str

    def __str__(self) -> str:
        return f"  - {self.what}\n    fix: {self.fix}"


Check = Callable[[pathlib.Path], Iterator[Problem]]
CHECKS: list[tuple[str, Check]] = []


def check(title: str) -> Callable[[Check], Check]:
    """Register a check under the title the report shows."""
    def register(function: Check) -> Check:
        CHECKS.append((title, function))
        return function
    return register


# --- Binder -------------------------------------------------------------------------------------

@check("Binder builds from this repository's configuration (repo2docker --no-build)")
def binder_build(repo: pathlib.Path) -> Iterator[Problem]:
    output, failure = repo2docker_dockerfile(repo)
    if failure:
        yield failure
        return
    pinned = _environment_python(repo)
    if pinned != PYTHON_VERSION or f"python={PYTHON_VERSION}" not in output:
        yield Problem(f"Binder would not build with Python {PYTHON_VERSION} (environment.yml pins "
                      f"{pinned or 'no python'}; repo2docker says: {_line_with(output, 'python')})",
                      "run `make environment`: it pins python=" + PYTHON_VERSION + " in environment.yml")
    if "src/environment.yml" not in output or '--file "environment.yml"' not in output:
        yield Problem("Binder does not install the repository's environment.yml (a binder/ or .binder/ "
                      "folder, or a missing environment.yml, changes what repo2docker reads)",
                      "keep environment.yml at the repository root (`make environment`) and no binder/ folder")
    if "RUN ./postBuild" not in output:
        yield Problem("Binder would not run postBuild, so the course's package would not be installed",
                      "keep the executable postBuild script at the repository root")


@check("environment.yml pins what requirements.txt pins")
def environment_matches_requirements(repo: pathlib.Path) -> Iterator[Problem]:
    environment, requirements = repo / "environment.yml", repo / "requirements.txt"
    try:
        expected = render_environment(read_pins(requirements))
        actual = environment.read_text()
    except (OSError, ValueError) as error:
        yield Problem(f"cannot compare environment.yml with requirements.txt: {error}",
                      "pin every requirement as name==version in requirements.txt, then run `make environment`")
        return
    if actual != expected:
        yield Problem("environment.yml is not what `make environment` writes from requirements.txt, so Binder "
                      f"would install other versions than `make lab` ({_first_difference(actual, expected)})",
                      "run `make environment` and commit environment.yml; change versions in requirements.txt only")


@check("postBuild stops on the first error")
def post_build_stops_on_error(repo: pathlib.Path) -> Iterator[Problem]:
    commands = post_build_commands(repo)
    if commands is None:
        yield _no_post_build()
    elif not commands or not re.match(r"set\s+-[a-z]*e", commands[0]):
        first = commands[0] if commands else "nothing"
        yield Problem(f"postBuild's first command is {first!r}, so a failing step would not fail the Binder build",
                      "make `set -euo pipefail` the first command of postBuild")


@check("postBuild installs the course's package")
def post_build_installs_the_course(repo: pathlib.Path) -> Iterator[Problem]:
    commands = post_build_commands(repo)
    if commands is None:
        yield _no_post_build()
    elif not any(re.search(r"pip install\b.*\s(-e\s+)?\.(\s|$)", command) for command in commands):
        yield Problem("postBuild does not install the course's package (widgets, grading), so lessons fail on Binder",
                      "add `python -m pip install --no-deps -e .` to postBuild")


@check("the student build (Binder) hides the instructor tools")
def student_build_hides_instructor_tools(repo: pathlib.Path) -> Iterator[Problem]:
    commands = post_build_commands(repo)
    if commands is None:
        yield _no_post_build()
        return
    for action in ("disable", "lock"):
        for plugin in INSTRUCTOR_PLUGINS:
            if not _runs(commands, f"jupyter labextension {action}", plugin):
                yield Problem(f"postBuild does not {action} {plugin}: students on Binder "
                              + ("would see it" if action == "disable" else "could turn it back on"),
                              f"add `jupyter labextension {action} --level=sys_prefix {' '.join(INSTRUCTOR_PLUGINS)}`"
                              " to postBuild")
    if not _runs(commands, "jupyter server extension disable", INSTRUCTOR_SERVER_EXTENSION):
        yield Problem(f"postBuild does not disable {INSTRUCTOR_SERVER_EXTENSION}: students on Binder could open "
                      "/formgrader",
                      f"add `jupyter server extension disable --sys-prefix {INSTRUCTOR_SERVER_EXTENSION}` to postBuild")


@check("Binder gets the course's Jupyter settings (the start script)")
def binder_start_script(repo: pathlib.Path) -> Iterator[Problem]:
    path = repo / "start"
    if not path.is_file():
        yield Problem("there is no start script, so Binder learners start without the course's Jupyter settings "
                      "(jupyter-config/: a build check and a news question on every start)", START_FIX)
        return
    if not os.access(path, os.X_OK):
        yield Problem("the start script is not executable, as repo2docker's documentation requires, so it "
                      "cannot be tried outside Binder (`./start jupyter lab`)",
                      "`chmod +x start` and commit it (git keeps the executable bit)")
    lines = script_lines(path)
    commands = script_commands(path)
    if not commands or not re.match(r"set\s+-[a-z]*e", commands[0]):
        first = commands[0] if commands else "nothing"
        yield Problem(f"the start script's first command is {first!r}, so a failing step would let the session "
                      "start without the course's settings",
                      "make `set -euo pipefail` the first command of start")
    if not any(_puts_course_config_first(command) for command in commands):
        yield Problem("the start script does not put jupyter-config first on JUPYTER_CONFIG_PATH, so Binder "
                      "learners start without the course's Jupyter settings", START_CONFIG_FIX)
    if not lines or not re.fullmatch(r'exec\s+"\$@"(\s+#.*)?', lines[-1]):
        last = lines[-1] if lines else "nothing"
        yield Problem(f"the start script ends with {last!r}, not `exec \"$@\"`, so Binder's JupyterLab would not "
                      "start (or would not get the signals that stop it)", 'make `exec "$@"` the last line of start')
    output, failure = repo2docker_dockerfile(repo)
    if not failure and 'ENV R2D_ENTRYPOINT="${REPO_DIR}/start"' not in output:
        yield Problem("repo2docker would not run the start script when a session starts (a binder/ or .binder/ "
                      "folder makes it look for start there)",
                      "keep the start script at the repository root and no binder/ folder")


@check("the README's Binder link opens the start page")
def binder_link(repo: pathlib.Path) -> Iterator[Problem]:
    fix = (f"link the badge to https://mybinder.org/v2/gh/<owner>/<repository>/HEAD?urlpath=lab/tree/{START_PATH}")
    readme = repo / "README.md"
    links = BINDER_URL.findall(readme.read_text(encoding="utf-8")) if readme.exists() else []
    if not links:
        yield Problem("README.md has no Binder link (https://mybinder.org/v2/gh/...)", fix)
    for link in links:
        opens = urllib.parse.parse_qs(urllib.parse.urlsplit(link).query).get("urlpath", [""])[0]
        if opens != f"lab/tree/{START_PATH}":
            yield Problem(f"the Binder link {link} opens {opens or 'no page'!r}, not lab/tree/{START_PATH}", fix)
    if not (repo / START_PATH).exists():
        yield Problem(f"the start page {START_PATH} is missing", "restore it, or point the Binder link at the new one")


# --- nbgrader -----------------------------------------------------------------------------------

@check("nbgrader's exchange is writable")
def exchange_writable(repo: pathlib.Path) -> Iterator[Problem]:
    fix = ("set NBGRADER_EXCHANGE to a folder you can write to "
           "(e.g. `export NBGRADER_EXCHANGE=$HOME/nbgrader/exchange`) or give yourself write access to it")
    try:
        root = _exchange_root(repo)
    except Exception as error:  # noqa: BLE001 - the configuration is the instructor's code: report, do not crash
        yield Problem(f"nbgrader_config.py fails to load: {type(error).__name__}: {error}", fix)
        return
    try:
        with tempfile.NamedTemporaryFile(dir=root, prefix=".doctor-"):
            pass
    except OSError as error:
        yield Problem(f"nbgrader's exchange {root} is not writable: {error.strerror or error}", fix)


@check("nbgrader's JupyterLab and server extensions are enabled here (the instructor's set-up)")
def instructor_extensions(repo: pathlib.Path) -> Iterator[Problem]:
    from jupyter_core.paths import jupyter_config_path, jupyter_path
    from jupyter_server.extension.config import ExtensionConfigManager
    from jupyterlab_server.config import get_federated_extensions, get_page_config

    labextensions = jupyter_path("labextensions")
    if NBGRADER_LAB_EXTENSION not in get_federated_extensions(labextensions):
        yield Problem(f"the {NBGRADER_LAB_EXTENSION} JupyterLab extension is not installed in {sys.prefix}",
                      "run `make lab`, which installs requirements.txt (nbgrader) into .venv")
    settings = pathlib.Path(os.environ.get("JUPYTERLAB_DIR", pathlib.Path(sys.prefix) / "share/jupyter/lab"))
    disabled = get_page_config(labextensions, app_settings_dir=str(settings / "settings")).get("disabledExtensions", [])
    for plugin in (NBGRADER_LAB_EXTENSION, *NBGRADER_PLUGINS):
        if _is_disabled(plugin, disabled):
            yield Problem(f"{plugin} is disabled in this environment, so the instructor does not see it",
                          f"`jupyter labextension unlock {plugin}` then `jupyter labextension enable {plugin}` "
                          "(only Binder's student build disables it)")
    enabled = ExtensionConfigManager(read_config_path=jupyter_config_path()).get_jpserver_extensions()
    for extension in NBGRADER_SERVER_EXTENSIONS:
        if not enabled.get(extension):
            yield Problem(f"the server extension {extension} is not enabled in this environment",
                          f"`jupyter server extension enable --sys-prefix {extension}`")


# --- lessons ------------------------------------------------------------------------------------

@check("every lesson is stored executed, without errors")
def lessons_stored(repo: pathlib.Path) -> Iterator[Problem]:
    import nbformat

    lessons = sorted((repo / "course").glob(LESSON_GLOB))
    if not lessons:
        yield Problem(f"no lesson matches course/{LESSON_GLOB}", "restore the lessons in course/")
    patterns = sanitize_patterns()
    for lesson in lessons:
        text = lesson.read_text(encoding="utf-8")
        notebook = nbformat.reads(text, as_version=4)
        fix = f"fix the lesson, then run `make lessons` (or `python -m tools.execute_lessons course/{lesson.name}`)"
        for found in problems(notebook):
            yield Problem(f"{lesson.name}: {found}", fix)
        unrun = [index for index, cell in enumerate(notebook.cells, start=1)
                 if cell.cell_type == "code" and cell.source.strip() and cell.execution_count is None]
        if unrun:
            yield Problem(f"{lesson.name}: cell(s) {', '.join(map(str, unrun))} have no stored outputs", fix)
        elif render(clean(nbformat.reads(text, as_version=4), patterns)) != text:
            yield Problem(f"{lesson.name} was not stored by `make lessons` (run details, widget state or "
                          "execution counts out of order)", fix)


@check("the course map and the previous/next links are current")
def navigation_current(repo: pathlib.Path) -> Iterator[Problem]:
    # The repository's own script, run in it, so a copy is checked against its own files.
    result = subprocess.run([sys.executable, "-m", "tools.build_navigation", "--check"], cwd=repo,
                            capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        yield Problem(f"the navigation is stale: {_last_lines(result.stderr or result.stdout)}",
                      "run `make navigation` and commit the lessons and README.md it updates")


# --- helpers ------------------------------------------------------------------------------------

def repo2docker_dockerfile(repo: pathlib.Path) -> tuple[str, Problem | None]:
    """What ``repo2docker --no-build`` prints for ``repo`` (its Dockerfile), or why it could not say."""
    command = [sys.executable, "-m", "repo2docker", "--no-build", str(repo)]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    except (OSError, subprocess.TimeoutExpired) as error:
        return "", Problem(f"repo2docker could not run: {error}", "install the test requirements: `make test`, "
                           "or `.venv/bin/pip install -r requirements-test.txt`")
    output = result.stdout + result.stderr
    if result.returncode != 0:
        return output, Problem(f"`repo2docker --no-build` failed: {_last_lines(output)}",
                               "install jupyter-repo2docker (`make test` does) and fix the configuration it names")
    return output, None


def post_build_commands(repo: pathlib.Path) -> list[str] | None:
    """postBuild's commands, one per entry: comments and blank lines dropped, continued lines joined."""
    path = repo / "postBuild"
    return script_commands(path) if path.exists() else None


def script_lines(path: pathlib.Path) -> list[str]:
    """A shell script's lines as written, stripped: comment-only and blank lines dropped, continued lines joined."""
    joined = re.sub(r"\\\n", " ", path.read_text(encoding="utf-8"))
    return [line.strip() for line in joined.splitlines() if line.strip() and not line.strip().startswith("#")]


def script_commands(path: pathlib.Path) -> list[str]:
    """A shell script's commands, one per line, as words (quotes and trailing comments removed) joined by spaces."""
    commands = []
    for line in script_lines(path):
        try:
            words = shlex.split(line, comments=True)
        except ValueError:  # a quote left open on this line: read it as plain words
            words = line.split("#", 1)[0].split()
        if words:
            commands.append(" ".join(words))
    return commands


def _puts_course_config_first(command: str) -> bool:
    """Whether a command exports JUPYTER_CONFIG_PATH with the course's jupyter-config before anything inherited."""
    found = re.fullmatch(r"export JUPYTER_CONFIG_PATH=(.+)", command)
    if not found:
        return False
    value = found.group(1)
    inherited = value.find("JUPYTER_CONFIG_PATH")
    first = value.find("/jupyter-config")
    return first != -1 and (inherited == -1 or first < inherited)


def _no_post_build() -> Problem:
    return Problem("there is no postBuild script, so Binder would not install the course's package",
                   "restore postBuild from the repository's history")


def _runs(commands: list[str], program: str, argument: str) -> bool:
    """Whether a command starts with ``program`` (whatever its options) and names ``argument``."""
    words = program.split()
    for command in commands:
        given = command.split()
        if given[:len(words)] == words and argument in given[len(words):]:
            return True
    return False


def _is_disabled(name: str, disabled) -> bool:
    """JupyterLab's rule: a disabled entry is a name or a regular expression matching the name."""
    entries = disabled.items() if isinstance(disabled, dict) else ((entry, True) for entry in disabled)
    return any(value is not False and (name == pattern or _matches(pattern, name)) for pattern, value in entries)


def _matches(pattern: str, name: str) -> bool:
    try:
        return re.match(pattern, name) is not None
    except re.error:
        return False


def _exchange_root(repo: pathlib.Path) -> str:
    """The exchange folder nbgrader would use with the repository's nbgrader_config.py."""
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(repo)).load_config()
    return config.Exchange.root if "root" in config.Exchange else "/srv/nbgrader/exchange"


def _environment_python(repo: pathlib.Path) -> str | None:
    path = repo / "environment.yml"
    match = re.search(r"^\s*-\s*python\s*=\s*(\S+)\s*$", path.read_text(), re.MULTILINE) if path.exists() else None
    return match.group(1) if match else None


def _first_difference(actual: str, expected: str) -> str:
    for number, (have, want) in enumerate(zip(actual.splitlines(), expected.splitlines()), start=1):
        if have != want:
            return f"line {number} is {have.strip()!r}, expected {want.strip()!r}"
    return "the two differ in length"


def _line_with(text: str, word: str) -> str:
    return next((line.strip() for line in text.splitlines() if word in line.lower()), "nothing about Python")


def _last_lines(text: str, count: int = 3) -> str:
    return " | ".join(line.strip() for line in text.strip().splitlines()[-count:])


# --- the report ---------------------------------------------------------------------------------

def diagnose(repo: pathlib.Path) -> list[tuple[str, list[Problem]]]:
    """Run every check on ``repo``; each title with its problems (none when it passed), in order.

    The checks run side by side: the slow ones mostly wait for a subprocess.
    """
    with concurrent.futures.ThreadPoolExecutor(max_workers=len(CHECKS)) as pool:
        found = list(pool.map(lambda function: list(function(repo)), [function for _, function in CHECKS]))
    return [(title, problems_found) for (title, _), problems_found in zip(CHECKS, found)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repo", nargs="?", type=pathlib.Path, default=ROOT,
                        help="the course's folder (default: this one)")
    repo = parser.parse_args(argv).repo.resolve()
    found = 0
    for title, problems_found in diagnose(repo):
        print(f"{'ok  ' if not problems_found else 'FAIL'}  {title}")
        for problem in problems_found:
            print(problem)
        found += len(problems_found)
    if found:
        print(f"\n{found} problem(s) in {repo}: fix them before the term starts.")
        return 1
    print(f"\nAll checks passed for {repo}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
