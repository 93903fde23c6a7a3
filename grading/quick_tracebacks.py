"""IPython's tracebacks in the graded kernels: the same text, for a fraction of the CPU.

A test cell that fails shows IPython's traceback, which stack_data builds frame by frame. To
highlight each frame's code it defines a new pygments lexer class on every call
(``stack_data.utils._pygmented_with_ranges``), and pygments compiles the Python lexer's
rules again for each new class: about 7 ms a frame, most of what a failed test cell costs, and
a class of untouched or wrong notebooks fails hundreds of them.

IPython also asks ``inspect.getmodule`` which module each frame belongs to. A frame of a
notebook cell belongs to none, and ``getmodule`` learns that only by going through the files of
all the loaded modules (about 900 with pandas, 0.7 ms), three times for each such frame.

* :func:`install` puts :func:`highlighted_lines` in stack_data's place, which gives the same
  lines with one lexer class, compiled once; and wraps ``inspect.getmodule`` so that it answers
  None at once for a frame, code object or traceback of a cell of this kernel, as it would after
  its search. The grading guard calls it in every graded kernel before it takes its snapshot, so
  both are part of the environment the guard keeps.
* :func:`warm` formats one traceback, so that the fork server (:mod:`grading.kernel_forkserver`)
  has imported and cached what a traceback needs before it forks the kernels.

``tests/grading/test_quick_tracebacks.py`` checks that a traceback's text is the same with and
without them, so a new stack_data that changes its highlighting fails that test rather than
the students' feedback.
"""

from __future__ import annotations

import functools
import inspect
import os
import types


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


def cell_file(thing) -> str | None:
    """The file name of a frame, code object or traceback when it is one of this kernel's cells, else None.

    >>> from ipykernel.compiler import get_file_name
    >>> cell_file(compile("1", get_file_name("1"), "eval")) == get_file_name("1")
    True
    >>> cell_file(compile("1", "lesson.py", "eval")) is None
    True
    """
    kind = type(thing)
    if kind is types.TracebackType:
        thing, kind = thing.tb_frame, types.FrameType
    if kind is types.FrameType:
        thing, kind = thing.f_code, types.CodeType
    if kind is not types.CodeType:
        return None  # what getmodule is mostly asked about (functions, classes) is settled without an import
    from ipykernel.compiler import get_tmp_directory

    filename = thing.co_filename
    return filename if filename.startswith(get_tmp_directory() + os.sep) else None


def _without_cell_search(getmodule):
    """``inspect.getmodule``, answering None at once for a cell of this kernel that no module was loaded from."""

    @functools.wraps(getmodule)
    def quick_getmodule(thing, _filename=None):
        filename = cell_file(thing)
        if filename is not None and _filename in (None, filename) and filename not in inspect.modulesbyfile:
            return None
        return getmodule(thing, _filename)

    quick_getmodule.skips_cells = True
    return quick_getmodule


def install() -> None:
    """Make stack_data highlight with :func:`highlighted_lines`, and ``inspect.getmodule`` skip its search for cells."""
    import stack_data.core

    stack_data.core._pygmented_with_ranges = highlighted_lines
    if not getattr(inspect.getmodule, "skips_cells", False):
        inspect.getmodule = _without_cell_search(inspect.getmodule)


def warm(theme_name: str = "neutral") -> None:
    """Format one traceback as a kernel's shell would, so that what it imports and caches is loaded."""
    from IPython.core.ultratb import VerboseTB

    try:
        raise AssertionError("warming the traceback formatter")
    except AssertionError as error:
        VerboseTB(theme_name=theme_name).structured_traceback(type(error), error, error.__traceback__)
