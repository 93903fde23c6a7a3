"""IPython's tracebacks in the graded kernels: the same text, for a fraction of the CPU.

A test cell that fails shows IPython's traceback, which stack_data builds frame by frame. To
highlight each frame's code it defines a new pygments lexer class on every call
(``stack_data.utils._pygmented_with_ranges``), and pygments compiles the Python lexer's
rules again for each new class: about 7 ms a frame, most of what a failed test cell costs, and
a class of untouched or wrong notebooks fails hundreds of them.

* :func:`install` puts in its place :func:`highlighted_lines`, which gives the same lines with
  one lexer class, compiled once. The grading guard calls it in every graded kernel before it
  takes its snapshot, so the change is part of the environment the guard keeps.
* :func:`warm` formats one traceback, so that the fork server (:mod:`grading.kernel_forkserver`)
  has imported and cached what a traceback needs before it forks the kernels.

``tests/grading/test_quick_tracebacks.py`` checks that a traceback's text is the same with and
without them, so a new stack_data that changes its highlighting fails that test rather than
the students' feedback.
"""

from __future__ import annotations

import functools


@functools.cache
def _ranges_lexer_class():
    """The Python lexer that marks the tokens inside the executing node's ranges, as stack_data's does."""
    from pygments.lexers import get_lexer_by_name

    class RangesLexer(type(get_lexer_by_name("python3"))):
        def __init__(self, ranges, **options):
            super().__init__(**options)
            self.ranges = ranges

        def get_tokens(self, text):
            length = 0
            for ttype, value in super().get_tokens(text):
                if any(start <= length < end for start, end in self.ranges):
                    ttype = ttype.ExecutingNode
                length += len(value)
                yield ttype, value

    return RangesLexer


def highlighted_lines(formatter, code: str, ranges) -> list[str]:
    """``code`` highlighted by ``formatter``, the tokens within ``ranges`` marked as the executing node.

    What ``stack_data.utils._pygmented_with_ranges`` returns, without a new lexer class per call.
    """
    import pygments

    try:
        highlighted = pygments.highlight(code, _ranges_lexer_class()(ranges, stripnl=False), formatter)
    except Exception:  # noqa: BLE001 - as stack_data: code without highlighting rather than no traceback
        highlighted = code
    return highlighted.splitlines()


def install() -> None:
    """Make stack_data highlight a traceback's frames with :func:`highlighted_lines` in this process."""
    import stack_data.core

    stack_data.core._pygmented_with_ranges = highlighted_lines


def warm(theme_name: str = "neutral") -> None:
    """Format one traceback as a kernel's shell would, so that what it imports and caches is loaded."""
    from IPython.core.ultratb import VerboseTB

    try:
        raise AssertionError("warming the traceback formatter")
    except AssertionError as error:
        VerboseTB(theme_name=theme_name).structured_traceback(type(error), error, error.__traceback__)
