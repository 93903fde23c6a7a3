"""The class command's progress: a bar redrawn in place on a terminal, one quiet line per student elsewhere.

>>> import io
>>> stream = io.StringIO()
>>> progress = Progress(2, stream, interactive=False)
>>> from grading.grading_outcome import GradingOutcome
>>> progress.finished(GradingOutcome("ada", "graded", seconds=3.2))
>>> progress.finished(GradingOutcome("bob", "timed out", "grading ran over 60 s", seconds=60.0))
>>> print(stream.getvalue(), end="")
[1/2] ada: graded (3.2 s)
[2/2] bob: timed out (60.0 s)
>>> bar(3, 4, width=8)
'[######--]'
"""

from __future__ import annotations

import time
from typing import TextIO

from grading.grading_outcome import GradingOutcome

BAR_WIDTH = 30


def bar(done: int, total: int, width: int = BAR_WIDTH) -> str:
    filled = width * done // total if total else width
    return "[" + "#" * filled + "-" * (width - filled) + "]"


def clock(seconds: float) -> str:
    """``seconds`` as m:ss.

    >>> clock(75.4)
    '1:15'
    """
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes}:{rest:02d}"


class Progress:
    """Tells how far a run of ``total`` students has come, on ``stream``."""

    def __init__(self, total: int, stream: TextIO, interactive: bool):
        self.total = total
        self.stream = stream
        self.interactive = interactive
        self.done = 0
        self.failed = 0
        self.started = time.monotonic()
        if interactive and total:
            self._draw()

    def finished(self, outcome: GradingOutcome) -> None:
        self.done += 1
        self.failed += outcome.failed
        if self.interactive:
            self._draw()
        else:
            print(f"[{self.done}/{self.total}] {outcome.student}: {outcome.status} ({outcome.seconds:.1f} s)",
                  file=self.stream, flush=True)

    def _draw(self) -> None:
        line = (f"{bar(self.done, self.total)} {self.done}/{self.total} students,"
                f" {self.failed} failed, {clock(time.monotonic() - self.started)} elapsed")
        self.stream.write("\r" + line)
        self.stream.flush()

    def close(self) -> None:
        """End the bar's line, so that what follows starts on a line of its own."""
        if self.interactive and self.total:
            self.stream.write("\n")
            self.stream.flush()
