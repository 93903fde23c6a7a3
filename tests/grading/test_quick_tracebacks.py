"""grading.quick_tracebacks: a traceback's text is the same as stack_data's own, with or without it.

The traceback formatted with IPython's own formatter (its colour themes, the executing node
highlighted) is compared byte for byte, before and after :func:`quick_tracebacks.install`, for
a failed assertion in a function of a file and in pandas' testing helpers, whose frames are long.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest
import stack_data
import stack_data.core
from IPython.core.ultratb import VerboseTB
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


def failures(answer_module):
    """Exceptions with their tracebacks: a multi-line expression in a file, and pandas' frame comparison."""
    caught = []
    for fail in (lambda: answer_module.weekly_gain(100, 25, 10),
                 lambda: pd.testing.assert_frame_equal(pd.DataFrame({"a": [1]}), pd.DataFrame({"a": [2]}))):
        try:
            fail()
        except AssertionError as error:
            caught.append(error)
    assert len(caught) == 2
    return caught


def formatted(errors, theme: str) -> list[list[str]]:
    return [VerboseTB(theme_name=theme).structured_traceback(type(error), error, error.__traceback__)
            for error in errors]


@pytest.mark.parametrize("theme", THEMES)
def test_a_traceback_reads_the_same_with_the_quick_highlighter(answer_module, monkeypatch, theme):
    """The whole traceback's text, colours included, is the same before and after install()."""
    errors = failures(answer_module)
    before = formatted(errors, theme)
    monkeypatch.setattr(stack_data.core, "_pygmented_with_ranges", stack_data.core._pygmented_with_ranges)
    quick_tracebacks.install()
    assert stack_data.core._pygmented_with_ranges is quick_tracebacks.highlighted_lines
    after = formatted(errors, theme)
    assert after == before
    assert "weekly_gain" in "".join(after[0]) and "assert_frame_equal" in "".join(after[1])


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
