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
