"""grading.guard in a real kernel: each defence refuses its attack, and legitimate code still works.

Two notebooks run through the preprocessor nbgrader's autograde uses, each once with the guard
(``GuardedExecute``) and once with nbgrader's own ``Execute``, in a small course folder whose
answer-holding paths hold a secret:

* the *probe* notebook tries, in ordinary cells, what an attack needs (frames, gc, tracing,
  processes, ctypes, sqlite3, sockets, files with answers) and what libraries legitimately do
  (pandas warnings and ``query``, ``namedtuple``, ``logging``, ``enum``, IPython's tracebacks);
* the *tests* notebook has nbgrader test cells that a notebook patches, hides, forges or reads.

Without the guard every attack works, which shows each assertion here can fail.
"""

from __future__ import annotations

import re
import sqlite3
import textwrap

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook
from nbgrader.preprocessors import Execute
from nbgrader.utils import determine_grade
from traitlets.config import Config

from grading import guard
from grading.guard import GuardedExecute, GuardError
from grading.kernel_guard import TAGS_VARIABLE

SECRET = "HIDDEN-ANSWER-4242"


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A course folder: solutions, other students, feedback and the gradebook hold the secret; the own folder a notebook."""
    root = tmp_path_factory.mktemp("guarded-course")
    for folder in ("solutions/a", "submitted/other/a", "autograded/other/a", "feedback/other/a", "exchange/inbound",
                   "autograded/student/a"):
        (root / folder).mkdir(parents=True)
    for path in ("solutions/a/a.ipynb", "submitted/other/a/a.ipynb", "autograded/other/a/a.ipynb",
                 "feedback/other/a/a.html", "exchange/inbound/a.ipynb", "autograded/student/a/a.ipynb"):
        (root / path).write_text(SECRET)
    (root / "autograded/student/a/data.csv").write_text("rate\n25\n")
    with sqlite3.connect(root / "gradebook.db") as database:
        database.execute("CREATE TABLE source_cell (source TEXT)")
        database.execute("INSERT INTO source_cell VALUES (?)", (SECRET,))
    return root


def grade_cell(source: str, name: str, points: float = 1):
    cell = new_code_cell(source)
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "grade_id": name, "points": points,
                                 "locked": True, "schema_version": 3}
    return cell


def execute(cells, course, guarded: bool, preprocessor=None):
    """Run the notebook as autograde would, in the student's grading folder; the executed notebook."""
    config = Config()
    config.CourseDirectory.root = str(course)
    config.CourseDirectory.source_directory = "solutions"  # as nbgrader_config.py has it
    config.CourseDirectory.release_directory = "exercises"
    config.Exchange.root = str(course / "exchange")
    kind = GuardedExecute if guarded else Execute
    runner = preprocessor or kind(config=config)
    resources = {"metadata": {"path": str(course / "autograded/student/a")},
                 "nbgrader": {"db_url": f"sqlite:///{course / 'gradebook.db'}", "assignment": "a", "notebook": "a",
                              "student": "student"}}
    notebook = new_notebook(cells=[nbformat.from_dict(cell) for cell in cells],
                            metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                     "language": "python"}})
    executed, _ = runner.preprocess(notebook, resources)
    return executed


def text_of(cell) -> str:
    """Everything a cell showed: streams, results, errors (colours removed)."""
    parts = []
    for output in cell.get("outputs", []):
        parts.append(output.get("text", ""))
        parts.append(str(output.get("data", {}).get("text/plain", "")))
        parts.append("\n".join(output.get("traceback", [])))
        parts.append(f"{output.get('ename', '')}: {output.get('evalue', '')}")
    return re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(parts))


# --- Probes: what an attack needs, and what libraries do --------------------------------------

def probe(name: str, code: str) -> str:
    body = textwrap.indent(textwrap.dedent(code).strip(), "    ")
    return (f"try:\n{body}\n    print({name!r}, 'ALLOWED')\n"
            f"except PermissionError as error:\n    print({name!r}, 'REFUSED')\n"
            f"except Exception as error:\n    print({name!r}, 'FAILED', type(error).__name__, error)\n")


OWN = "autograded/student/a"
ATTACK_PROBES = {
    "getframe": "import sys; sys._getframe()",
    "inspect_currentframe": "import inspect; inspect.currentframe().f_back",
    "inspect_stack": "import inspect; inspect.stack()",
    "traceback_stack": "import traceback; traceback.extract_stack()",
    "logging_currentframe": "import logging; logging.currentframe()",
    "exception_frame": "try:\n    raise ValueError\nexcept ValueError as e:\n    e.__traceback__.tb_frame",
    "generator_frame": "g = (x for x in [1]); g.gi_frame",
    "current_frames": "import sys; sys._current_frames()",
    "gc_objects": "import gc; gc.get_objects()",
    "gc_referrers": "import gc; gc.get_referrers(print)",
    "settrace": "import sys; sys.settrace(lambda *a: None); sys.settrace(None)",
    "setprofile": "import sys; sys.setprofile(lambda *a: None); sys.setprofile(None)",
    "subprocess": "import subprocess; subprocess.run(['true'])",
    "os_system": "import os; os.system('true')",
    "ctypes": "import ctypes; ctypes.CDLL(None)",
    "sqlite": "import sqlite3; sqlite3.connect(':memory:')",
    "socket": "import socket; socket.create_connection(('127.0.0.1', 9), timeout=1)",
    "read_solutions": "open('../../../solutions/a/a.ipynb').read()",
    "list_solutions": "import os; os.listdir('../../../solutions')",
    "glob_solutions": "import glob; assert glob.glob('../../../solutions/*')",
    "read_other_student": "open('../../other/a/a.ipynb').read()",
    "read_submitted": "open('../../../submitted/other/a/a.ipynb').read()",
    "read_feedback": "open('../../../feedback/other/a/a.html').read()",
    "read_exchange": "open('../../../exchange/inbound/a.ipynb').read()",
    "read_gradebook": "open('../../../gradebook.db', 'rb').read()",
    "read_own_notebook": "open('a.ipynb').read()",
    "read_own_notebook_by_proc": "open('/proc/self/cwd/a.ipynb').read()",
    "read_via_symlink": "import os; os.symlink('../../../solutions', 'answers'); open('answers/a/a.ipynb').read()",
    "list_by_path_object": "import os, pathlib; os.listdir(pathlib.Path('../../../solutions'))",
    "folder_descriptor": "import os; os.open('.', os.O_RDONLY)",
    "write_site_packages": "import pandas, os; open(os.path.join(os.path.dirname(pandas.__file__), 'no-such', 'x.py'), 'w')",
    "compile_as_library": "import pandas; compile('1', pandas.__file__, 'exec')",
    "audit_hook": "import sys\nseen = []\nsys.addaudithook(lambda *a, seen=seen: seen.append(a))\nopen('data.csv').close()\n"
                  "if not seen:\n    raise PermissionError('the hook was not added')",
}
LEGIT_PROBES = {
    "read_own_data": "assert open('data.csv').read().startswith('rate')",
    "read_own_data_by_pathlib": "import pathlib; assert pathlib.Path('data.csv').read_text().startswith('rate')",
    "list_own_folder": "import os; assert 'data.csv' in os.listdir('.')",
    "pandas_read_csv": "import pandas as pd; assert pd.read_csv('data.csv').rate.tolist() == [25]",
    "pandas_warning": "import warnings, pandas as pd\nwith warnings.catch_warnings(record=True) as caught:\n"
                      "    warnings.simplefilter('always')\n"
                      "    pd.to_datetime(['13/01/2024', '14/01/2024'])\n"
                      "assert caught and 'ipykernel' in caught[0].filename, 'the warning names the cell'",
    "pandas_stack_level": "from pandas.util._exceptions import find_stack_level; find_stack_level()",
    "pandas_query": "import pandas as pd\nlimit = 1\nassert len(pd.DataFrame({'a': [1, 2]}).query('a > @limit')) == 1",
    "namedtuple": "import collections; collections.namedtuple('Point', 'x y')(1, 2)",
    "enum": "import enum; enum.Enum('Colour', 'RED GREEN')",
    "typing": "import typing; typing.TypeVar('T')",
    "logging": "import logging; logging.getLogger('course').warning('a warning from logging')",
    "dataclass": "import dataclasses\n@dataclasses.dataclass\nclass Rate:\n    value: float\nRate(2.0)",
}
#: What the guard sets up in the kernel besides its defences.
SETUP_PROBES = {
    "quick_tracebacks": "import stack_data.core\n"
                        "assert stack_data.core._pygmented_with_ranges.__module__ == 'grading.quick_tracebacks'",
}
RAISES = "def divide(income, hours):\n    return income / hours\n\ndivide(100, 0)\n"
REFUSED = "def peek():\n    return open('../../../solutions/a/a.ipynb').read()\n\npeek()\n"


@pytest.fixture(scope="module")
def probes(course):
    """Each probe's verdict (ALLOWED, REFUSED or FAILED ...), with and without the guard."""
    cells = [new_code_cell(probe(name, code)) for name, code in {**ATTACK_PROBES, **LEGIT_PROBES, **SETUP_PROBES}.items()]
    cells += [new_code_cell(RAISES), new_code_cell(REFUSED)]
    found = {}
    for guarded in (True, False):
        executed = execute(cells, course, guarded)
        verdicts = {}
        for cell in executed.cells[:-2]:
            printed = "".join(out.get("text", "") for out in cell.outputs if out.output_type == "stream")
            for line in printed.splitlines():
                name, _, verdict = line.partition(" ")
                verdicts[name] = verdict
        verdicts["traceback"] = text_of(executed.cells[-2])
        verdicts["refusal"] = text_of(executed.cells[-1])
        found[guarded] = verdicts
        (course / OWN / "answers").unlink(missing_ok=True)
    return found


@pytest.mark.parametrize("name", sorted(ATTACK_PROBES))
def test_the_guard_refuses_what_an_attack_needs(probes, name):
    assert probes[True][name].startswith("REFUSED"), probes[True][name]


# Without the guard the socket finds nobody listening and the folder to write to does not exist.
@pytest.mark.parametrize("name", sorted(set(ATTACK_PROBES) - {"socket", "write_site_packages"}))
def test_without_the_guard_the_same_code_works(probes, name):
    assert probes[False][name] == "ALLOWED", probes[False][name]


@pytest.mark.parametrize("name", sorted(LEGIT_PROBES))
def test_libraries_and_the_students_own_files_still_work_under_the_guard(probes, name):
    assert probes[True][name] == "ALLOWED", probes[True][name]


def test_the_guard_makes_tracebacks_quick_before_its_snapshot(probes):
    """The kernel formats tracebacks with grading.quick_tracebacks under the guard, and the guard keeps it so."""
    assert probes[True]["quick_tracebacks"] == "ALLOWED"
    assert probes[False]["quick_tracebacks"].startswith("FAILED AssertionError")


def test_ipython_still_shows_a_traceback_with_the_failing_line(probes):
    shown = probes[True]["traceback"]
    assert "ZeroDivisionError" in shown and "return income / hours" in shown and "divide(100, 0)" in shown


def test_a_refusal_tells_the_student_what_without_showing_the_graders_code(probes):
    shown = probes[True]["refusal"]
    assert "PermissionError: the grader does not let a notebook use '../../../solutions/a/a.ipynb'" in shown
    assert "open('../../../solutions/a/a.ipynb')" in shown
    assert "kernel_guard" not in shown and "refuse(" not in shown and "hook(" not in shown
    assert SECRET in probes[False]["refusal"]


# --- Test cells: patched, hidden, forged, read ---------------------------------------------------

FIND_SOURCES = '''
import linecache

def find_sources():
    """Where the running test's source can be read: each place that shows the secret."""
    shell = get_ipython()
    places = {
        "In": lambda: shell.user_ns["In"][-1],
        "_ih": lambda: shell.user_ns["_ih"][-1],
        "linecache": lambda: "".join("".join(entry[2]) for entry in list(linecache.cache.values()) if len(entry) == 4),
        "parent header": lambda: shell.kernel.get_parent()["content"]["code"],
        "displayhook": lambda: shell.displayhook.exec_result.info.raw_cell,
        "globals": lambda: str(globals().get("expected")),
        "user_ns": lambda: str(shell.user_ns.get("expected")),
        "frame": lambda: __import__("sys")._getframe(3).f_locals.get("expected"),
    }
    found = []
    for place, read in places.items():
        try:
            if "SECRET" + "-TOKEN" in str(read()):
                found.append(place)
        except Exception:
            pass
    return found
'''


def attacked_notebook_cells():
    """Pairs of an answer (with its attack) and the test cell it attacks, then a cell that prints what leaked."""
    return [
        new_code_cell("def rate():\n    return 32.5\n\nimport math\nmath.isclose = lambda *args, **kwargs: True"),
        grade_cell("import math\nassert math.isclose(rate(), 25), 'rate() is 25'", "test_rate_patched_isclose"),
        new_code_cell("import builtins\nbuiltins.abs = lambda value: 0"),
        grade_cell("assert abs(rate() - 25) < 1e-9, 'rate() is 25'", "test_rate_patched_abs"),
        new_code_cell(textwrap.dedent('''
            def hide(*args, **kwargs):
                result = get_ipython().displayhook.exec_result
                if result is not None:
                    result.error_in_exec = None
            get_ipython().showtraceback = hide
            get_ipython()._showtraceback = hide
        ''')),
        grade_cell("assert rate() == 25, 'rate() is 25'", "test_rate_hidden_error"),
        new_code_cell(textwrap.dedent('''
            def sneaky_rate():
                import math
                math.isclose = lambda *args, **kwargs: True
                return 32.5
        ''')),
        grade_cell("import math\nresult = sneaky_rate()\nassert math.isclose(result, 25), 'sneaky_rate() is 25'",
                   "test_sneaky_rate_patches_while_tested"),
        new_code_cell(textwrap.dedent('''
            def claiming_rate():
                shell = get_ipython()
                shell.displayhook.session.send(
                    shell.displayhook.pub_socket, "execute_result",
                    {"data": {"text/plain": "'full marks'"}, "metadata": {}, "execution_count": 1},
                    parent=shell.displayhook.parent_header, ident=shell.displayhook.topic)
                return 32.5
        ''')),
        grade_cell("assert claiming_rate() == 25, 'claiming_rate() is 25'", "test_claiming_rate_forges_a_result"),
        new_code_cell(FIND_SOURCES + "\nleaks = []\n\ndef reading_rate():\n    leaks.extend(find_sources())\n"
                                     "    return 25.0\n"),
        grade_cell("# SECRET-TOKEN in the test's own source\nexpected = 'SECRET-TOKEN'\n"
                   "assert reading_rate() == 25.0, 'reading_rate() is 25'", "test_reading_rate_reads_the_test"),
        new_code_cell("print('leaked from', sorted(set(leaks)))"),
        new_code_cell("def honest_rate():\n    return 25.0"),
        grade_cell("print('checking honest_rate')\nassert honest_rate() == 25.0, 'honest_rate() is 25'",
                   "test_honest_rate_passes"),
        grade_cell("honest_rate() / 25 * 2", "test_honest_rate_partial_credit", points=2),
        grade_cell("result = honest_rate() + 1\nassert result == 25.0, f'honest_rate() is 25, not {result}'",
                   "test_honest_rate_fails_with_its_line"),
        new_code_cell(textwrap.dedent('''
            import ctypes, math
            import grading.dict_versions
            ctypes.c_uint64.value = property(lambda self: 0)  # every dict version tag would read 0
            grading.dict_versions.read_tag = lambda tag: 0
            def blinding_rate():
                math.isclose = lambda *args, **kwargs: True
                return 32.5
        ''')),
        grade_cell("import math\nassert math.isclose(blinding_rate(), 25), 'blinding_rate() is 25'",
                   "test_blinding_rate_hides_its_patch_from_the_tags"),
        new_code_cell(textwrap.dedent('''
            import threading, time, math
            def keep_patching():
                while True:
                    math.isclose = lambda *args, **kwargs: True
                    time.sleep(0.001)
            threading.Thread(target=keep_patching, daemon=True).start()
        ''')),
        grade_cell("import math\nassert math.isclose(rate(), 25), 'rate() is 25'", "test_rate_thread_patches"),
    ]


@pytest.fixture(scope="module")
def tested(course):
    """The tests notebook executed with and without the guard, and with the guard comparing every value
    in every scan (no dict version tags): {True, False, "untagged": {grade id or index: cell}}."""
    found = {}
    with pytest.MonkeyPatch.context() as monkeypatch:
        for way in (True, False, "untagged"):
            if way == "untagged":
                monkeypatch.setenv(TAGS_VARIABLE, "off")
            executed = execute(attacked_notebook_cells(), course, guarded=bool(way))
            found[way] = {cell.metadata.get("nbgrader", {}).get("grade_id", index): cell
                          for index, cell in enumerate(executed.cells)}
    return found


def score(cell) -> float:
    return determine_grade(cell)[0]


ATTACKED = ["test_rate_patched_isclose", "test_rate_patched_abs", "test_rate_hidden_error",
            "test_sneaky_rate_patches_while_tested", "test_claiming_rate_forges_a_result", "test_rate_thread_patches",
            "test_blinding_rate_hides_its_patch_from_the_tags"]


@pytest.mark.parametrize("way", [True, "untagged"])
@pytest.mark.parametrize("name", ATTACKED)
def test_an_attacked_test_cell_scores_nothing_under_the_guard(tested, name, way):
    assert score(tested[way][name]) == 0, text_of(tested[way][name])


def test_the_guard_without_version_tags_still_gives_the_honest_tests_their_points(tested):
    assert score(tested["untagged"]["test_honest_rate_passes"]) == 1
    assert score(tested["untagged"]["test_honest_rate_partial_credit"]) == 2


@pytest.mark.parametrize("name", ATTACKED)
def test_the_same_attack_scores_with_plain_nbgrader(tested, name):
    assert score(tested[False][name]) > 0


def test_a_patch_made_while_the_test_runs_is_named_in_the_failure(tested):
    shown = text_of(tested[True]["test_sneaky_rate_patches_while_tested"])
    assert guard.CHANGED_ERROR in shown and "math.isclose" in shown


def test_a_thread_the_notebook_started_fails_the_test(tested):
    assert "a thread the notebook started" in text_of(tested[True]["test_rate_thread_patches"])


def test_a_failed_test_keeps_no_forged_result(tested):
    outputs = tested[True]["test_claiming_rate_forges_a_result"].outputs
    assert [out.output_type for out in outputs] == ["error"]


def test_a_function_called_by_a_test_cannot_read_the_test(tested):
    leaked = text_of(tested[True][index_of(tested[True], "leaked from")])
    assert "leaked from []" in leaked
    without_guard = text_of(tested[False][index_of(tested[False], "leaked from")])
    for place in ("In", "_ih", "linecache", "parent header", "displayhook", "globals", "user_ns", "frame"):
        assert repr(place) in without_guard, f"{place} shows no secret even without the guard"


def index_of(cells: dict, text: str):
    return next(key for key, cell in cells.items() if text in cell.source and not isinstance(key, str))


def test_an_honest_test_passes_and_keeps_its_output_without_the_proof(tested):
    cell = tested[True]["test_honest_rate_passes"]
    assert score(cell) == 1
    assert "checking honest_rate" in text_of(cell)
    assert guard.kernel_guard.PROOF_PREFIX not in text_of(cell)


def test_a_test_that_ends_with_a_value_still_gives_partial_credit(tested):
    cell = tested[True]["test_honest_rate_partial_credit"]
    assert [out.output_type for out in cell.outputs] == ["execute_result"] and score(cell) == 2


def test_a_failing_test_shows_its_failing_line_and_message_but_not_the_graders_line(tested):
    shown = text_of(tested[True]["test_honest_rate_fails_with_its_line"])
    assert "result = honest_rate() + 1" in shown and "honest_rate() is 25, not 26.0" in shown
    assert "va_grading" not in shown


def test_the_test_cells_source_is_what_was_submitted(tested):
    sources = [cell.source for cell in attacked_notebook_cells() if cell.metadata.get("nbgrader")]
    graded = [cell.source for cell in tested[True].values() if cell.metadata.get("nbgrader")]
    assert graded == sources


def test_a_guard_that_cannot_start_stops_the_notebook_with_a_clear_error(course, monkeypatch):
    monkeypatch.setattr(guard.kernel_guard, "setup_request", lambda path: "raise ImportError('no grading here')\n")
    with pytest.raises(GuardError, match="did not start.*ImportError: no grading here"):
        execute([new_code_cell("1 + 1")], course, guarded=True)


def test_with_done_line_keeps_a_final_expression_last():
    assert guard.with_done_line("x = 1\nx + 1", "n").splitlines()[-1] == "x + 1"


@pytest.mark.parametrize("reset", [True, False])
def test_a_kernel_started_again_mid_notebook_gets_the_guard_before_the_next_test(course, monkeypatch, reset):
    # A cell that ends its kernel makes the execute step start a new one (grading.sandbox_execute); the
    # guard must be installed in it, or the honest test after it has no proof and scores 0.
    from grading.sandbox import MODE_VARIABLE
    from grading.sandbox_execute import GuardedSandboxedExecute

    monkeypatch.setenv(MODE_VARIABLE, "off")
    if not reset:
        monkeypatch.setattr(GuardedExecute, "forget_guard", lambda self: None)
    config = Config()
    config.CourseDirectory.root = str(course)
    config.Exchange.root = str(course / "exchange")
    cells = [new_code_cell("def rate():\n    return 25.0"), new_code_cell("import os\nos._exit(1)"),
             grade_cell("assert rate() == 25.0, 'rate() is 25'", "test_rate_after_a_new_kernel")]
    executed = execute(cells, course, guarded=True, preprocessor=GuardedSandboxedExecute(config=config))
    test_cell = executed.cells[-1]
    assert "KernelDiedError" in text_of(executed.cells[1])
    if reset:
        assert score(test_cell) == 1, text_of(test_cell)
    else:
        assert score(test_cell) == 0 and "did not reach its end under the grader" in text_of(test_cell)


def test_a_kernel_that_dies_in_the_guards_own_request_is_reported_as_dead(course, monkeypatch):
    """The test cell after a kernel that dies when the grader restores it says the kernel ended, not that it went quiet."""
    from grading.sandbox import MODE_VARIABLE
    from grading.sandbox_execute import GuardedSandboxedExecute

    monkeypatch.setenv(MODE_VARIABLE, "off")
    config = Config()
    config.CourseDirectory.root = str(course)
    config.Exchange.root = str(course / "exchange")
    config.GuardedSandboxedExecute.guard_timeout = 30
    # pre_execute runs before every request's code, the guard's silent restore before the test cell too.
    dies_next = "import os\nget_ipython().events.register('pre_execute', lambda: os._exit(1))"
    cells = [new_code_cell("def rate():\n    return 25.0"), new_code_cell(dies_next),
             grade_cell("assert rate() == 25.0, 'rate() is 25'", "test_rate_when_the_kernel_dies")]
    executed = execute(cells, course, guarded=True, preprocessor=GuardedSandboxedExecute(config=config))
    shown = text_of(executed.cells[-1])
    assert "KernelDiedError" in shown and "exit code 1" in shown, shown
