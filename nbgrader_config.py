"""nbgrader's configuration for the course: where the source, student and exchange folders are."""

import os
from pathlib import Path

c = get_config()  # noqa: F821 - provided by traitlets when nbgrader loads this file

c.CourseDirectory.course_id = "va-to-obm"
# The instructor's version with solutions and hidden tests.
c.CourseDirectory.source_directory = "solutions"
# The student version, generated from solutions/ by `make exercises`.
c.CourseDirectory.release_directory = "exercises"

# The exchange must be a writable folder; /srv/nbgrader/exchange, nbgrader's
# default, is not on a laptop or on Binder. NBGRADER_EXCHANGE overrides it.
_exchange = Path(os.environ.get("NBGRADER_EXCHANGE", Path(__file__).resolve().parent / ".exchange"))
_exchange.mkdir(parents=True, exist_ok=True)
c.Exchange.root = str(_exchange)
