"""grading.quick_tracebacks: a traceback's text is the same with it as without it.

The traceback formatted with IPython's own formatter (its colour themes, the executing node
highlighted) is compared byte for byte, before and after :func:`quick_tracebacks.install`, for
an error raised by a function a cell defined, called from another cell (the frames of a failed
test), a failed assertion in a function of a file, and pandas' testing helpers, whose frames are long.
"""

from __future__ import annotations

import importlib.util
import inspect
import linecache
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest
import stack_data
import stack_data.core
from IPython.core.ultratb import VerboseTB
from ipykernel.compiler import get_file_name
from IPython.utils.PyColorize import theme_table
from pygments.formatters.terminal256 import Terminal256Formatter

from grading import quick_tracebacks

THEMES = ("neutral", "linux", "lightbg", "nocolor")
MODULE = textwrap.dedent('''
    """A notebook's answer, as a file, so that its frames have source."""


    def weekly_gain(value, rate, hours):
        cost = rate * hours
        return check(value * hours
                     - cost)


    def check(gain):
        assert gain > 10_000, f"the gain {gain} is too small"
        return gain
''')


@pytest.fixture
def answer_module(tmp_path, monkeypatch):
    path = tmp_path / "answer_for_tracebacks.py"
    path.write_text(MODULE)
    spec = importlib.util.spec_from_file_location("answer_for_tracebacks", path)
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "answer_for_tracebacks", module)
    spec.loader.exec_module(module)
    return module


def in_a_cell(source: str, namespace: dict) -> None:
    """Run ``source`` as the kernel runs a cell: compiled under the cell's file name, its lines in linecache."""
    filename = get_file_name(source)
    linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True), filename)
    exec(compile(source, filename, "exec"), namespace)


def failures(answer_module):
    """Exceptions with their tracebacks: a cell calling a cell's function, a multi-line expression in a
    file, and pandas' frame comparison."""
    namespace = {}
    in_a_cell("def hourly_value(income, hours):\n    raise NotImplementedError('write hourly_value')\n", namespace)
    caught = []
    for fail in (lambda: in_a_cell("result = hourly_value(50_000, 2_000)\nassert result == 25\n", namespace),
                 lambda: answer_module.weekly_gain(100, 25, 10),
                 lambda: pd.testing.assert_frame_equal(pd.DataFrame({"a": [1]}), pd.DataFrame({"a": [2]}))):
        try:
            fail()
        except (AssertionError, NotImplementedError) as error:
            caught.append(error)
    assert len(caught) == 3
    return caught


@pytest.fixture
def installed(monkeypatch):
    """quick_tracebacks installed for one test, and taken out again after it."""
    monkeypatch.setattr(stack_data.core, "_pygmented_with_ranges", stack_data.core._pygmented_with_ranges)
    monkeypatch.setattr(inspect, "getmodule", inspect.getmodule)
    quick_tracebacks.install()


def formatted(errors, theme: str) -> list[list[str]]:
    return [VerboseTB(theme_name=theme).structured_traceback(type(error), error, error.__traceback__)
            for error in errors]


@pytest.mark.parametrize("theme", THEMES)
def test_a_traceback_reads_the_same_after_install(answer_module, request, theme):
    """The whole traceback's text, colours included, is the same before and after install()."""
    errors = failures(answer_module)
    before = formatted(errors, theme)
    request.getfixturevalue("installed")
    assert stack_data.core._pygmented_with_ranges is quick_tracebacks.highlighted_lines
    assert inspect.getmodule.skips_cells
    after = formatted(errors, theme)
    assert after == before
    shown = ["".join(lines) for lines in after]
    assert "hourly_value(50_000, 2_000)" in shown[0] and "write hourly_value" in shown[0]
    assert "weekly_gain" in shown[1] and "assert_frame_equal" in shown[2]


def test_getmodule_answers_as_before_for_cells_and_modules(answer_module, request):
    """None for a cell's frame, code and traceback; the module for a module's frame and function."""
    cell_error, file_error, _ = failures(answer_module)
    cell_tracebacks = list(traceback_entries(cell_error))[-2:]  # the calling cell's, then the function's
    things = [cell_tracebacks[0], cell_tracebacks[1].tb_frame, cell_tracebacks[1].tb_frame.f_code,
              list(traceback_entries(file_error))[-1].tb_frame, answer_module.check, pd.DataFrame, pd]
    before = [inspect.getmodule(thing) for thing in things]
    request.getfixturevalue("installed")
    assert [inspect.getmodule(thing) for thing in things] == before
    assert before[:3] == [None, None, None] and before[3:5] == [answer_module, answer_module]
    calls = []
    monkeypatch = request.getfixturevalue("monkeypatch")
    monkeypatch.setattr(sys, "modules", _Counting(sys.modules, calls))
    assert inspect.getmodule(things[1]) is None
    assert calls == [], "the search through the loaded modules ran for a cell's frame"
    inspect.getmodule(compile("1", "not-a-cell.py", "eval"))
    assert calls, "the search is skipped for other files too"


def traceback_entries(error):
    entry = error.__traceback__
    while entry is not None:
        yield entry
        entry = entry.tb_next


class _Counting(dict):
    """sys.modules, counting the copies inspect.getmodule makes of it to search through it."""

    def __init__(self, modules, calls):
        super().__init__(modules)
        self.calls = calls

    def copy(self):
        self.calls.append(1)
        return super().copy()


@pytest.mark.parametrize("ranges", [[], [(0, 5)], [(4, 20), (30, 31)], [(0, 10_000)]])
def test_the_executing_node_is_marked_as_stack_data_marks_it(ranges):
    """Each range of the executing node gets the same escape codes as stack_data's own highlighter gives."""
    style = stack_data.style_with_executing_node(theme_table["linux"].as_pygments_style(), "bg:ansiyellow")
    formatter = Terminal256Formatter(style=style)
    code = "result = weekly_gain(100, 25, 10,\n                     management_hours=1)\nassert result > 0\n"
    expected = stack_data.core._pygmented_with_ranges(formatter, code, ranges)
    assert quick_tracebacks.highlighted_lines(formatter, code, ranges) == expected
    if ranges:
        assert expected != quick_tracebacks.highlighted_lines(formatter, code, [])


def test_the_lexer_class_is_made_once():
    """The point of the module: later tracebacks reuse the class, whose rules pygments compiled once."""
    assert quick_tracebacks._ranges_lexer_class() is quick_tracebacks._ranges_lexer_class()


def test_warming_loads_what_a_traceback_needs():
    """warm() runs IPython's formatter once, in a fresh Python: stack_data's highlighting is loaded after it, not before."""
    program = textwrap.dedent("""
        import sys
        import IPython.core.ultratb
        from grading import quick_tracebacks
        needed = ("stack_data", "pygments.lexers.python", "pygments.formatters.terminal256")
        print(sorted(name for name in needed if name in sys.modules))
        quick_tracebacks.warm()
        print(sorted(name for name in needed if name in sys.modules))
    """)
    shown = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True,
                           cwd=Path(quick_tracebacks.__file__).parents[1]).stdout.splitlines()
    assert shown == ["[]", str(sorted(("stack_data", "pygments.lexers.python", "pygments.formatters.terminal256")))]
