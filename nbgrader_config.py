"""nbgrader's configuration for the course: where the source, student and exchange folders are."""

import os
import sys
from pathlib import Path

c = get_config()  # noqa: F821 - provided by traitlets when nbgrader loads this file

_root = Path(__file__).resolve().parent

c.CourseDirectory.course_id = "va-to-obm"
# The instructor's version with solutions and hidden tests.
c.CourseDirectory.source_directory = "solutions"
# The student version, generated from solutions/ by `make exercises`.
c.CourseDirectory.release_directory = "exercises"

# The exchange must be a writable folder; /srv/nbgrader/exchange, nbgrader's
# default, is not on a laptop or on Binder. NBGRADER_EXCHANGE overrides it.
_exchange = Path(os.environ.get("NBGRADER_EXCHANGE", _root / ".exchange"))
_exchange.mkdir(parents=True, exist_ok=True)
c.Exchange.root = str(_exchange)

# nbgrader runs the `alembic` command when it creates a gradebook, and
# `.venv/bin/nbgrader` does not put .venv/bin on PATH by itself.
_scripts = str(Path(sys.executable).parent)
if _scripts not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = os.pathsep.join([_scripts, os.environ.get("PATH", "")])

# Feedback must not show the hidden tests: nbgrader's default feedback prints
# their source and the tracebacks that quote it (grading/feedback.py).
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "grading.feedback.HideHiddenTests",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]

# Grading cannot hang (tests/grading/test_grading_cannot_hang.py). A cell that runs
# longer than this (an endless loop, a long sleep) is interrupted and scored 0,
# and grading goes on with the next cell; nbgrader's default is 30 s, and the
# course's cells take well under a second. `input()` fails at once (no stdin),
# and widgets are only displayed: neither waits for anyone.
c.Execute.timeout = 20
# Grading allows less: the graded kernel has the libraries loaded before the first cell (the
# sandbox forks it, grading/kernel_forkserver.py) and every answer of the course runs in
# milliseconds, while each test that loops for ever holds a grading process for this long.
# The 20 s above is for `nbgrader validate`, where a first import on a cold machine takes seconds.
c.GuardedSandboxedExecute.timeout = 5
c.Execute.interrupt_on_timeout = True
c.Execute.error_on_timeout = {
    "ename": "CellTimeoutError",
    "evalue": "the cell ran too long and was stopped: look for an endless loop or a long wait",
    "traceback": ["CellTimeoutError: the cell ran too long and was stopped: look for an endless loop or a long wait"],
}
# Output still arriving after a cell's reply (a cell that printed a lot) gets this
# long; a kernel that ignores the interrupt is then killed and started again (below).
c.Execute.iopub_timeout = 10
# A cell that prints megabytes keeps its first lines and characters only: nbgrader's
# LimitOutput counts lines, grading.output_limits also caps one very long line.
c.LimitOutput.max_lines = 1000
c.LimitOutput.max_traceback = 100
c.LimitOutputSize.max_characters = 100_000
# Student code runs in the sandbox (grading/sandbox.py) when grading runs as root: a user of
# its own, no network, the answers hidden, limits. "auto" grades without it elsewhere, after a
# loud warning; "on" refuses to. A cell that kills or floods its kernel scores 0, and a new
# kernel grades the rest. The limits: c.Sandbox.memory_mb, cpu_seconds, processes, output_mb.
c.Sandbox.mode = "auto"
# nbgrader's own autograde steps, in its order, then the size cap. The tests run under the
# grading guard (grading/guard.py): a notebook cannot patch, hide, skip or read them; the
# sandbox is under it (grading/sandbox_execute.py).
c.Autograde.autograde_preprocessors = [
    "grading.sandbox_execute.GuardedSandboxedExecute",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
    "grading.output_limits.LimitOutputSize",
]
