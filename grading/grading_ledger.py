"""What earlier class-grading runs did, so that a run can be started again without harm.

The ledger lives in the course folder, ``.class-grader/<assignment>/``: one
small JSON record per student (``students/<id>.json``), the nbgrader log of
each student's last grading (``logs/<id>.log``) and the grading processes' own
output (``workers.log``). Only the class command's main process writes
records, and a record is replaced in one atomic rename, so a run killed at any
moment leaves either the old record or the new one.

A record is dropped *before* its student is graded again, and written only
when the grading has ended. So a student whose grading was cut short has no
record and is graded again by the next run; nbgrader overwrites their rows in
place, so nothing is counted twice.

The fingerprint of a submission covers every file handed in (names and bytes,
``timestamp.txt`` included): a student who submits again is graded again.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from grading.grading_outcome import GradingOutcome

LEDGER_FOLDER = ".class-grader"


def submission_fingerprint(folder: Path) -> str:
    """A digest of every file under ``folder``: its path relative to ``folder`` and its bytes."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


class GradingLedger:
    """The records of one assignment's class grading, in ``<course root>/.class-grader/<assignment>``."""

    def __init__(self, course_root: Path, assignment: str):
        self.folder = Path(course_root) / LEDGER_FOLDER / assignment
        self.records = self.folder / "students"
        self.logs = self.folder / "logs"
        self.worker_log = self.folder / "workers.log"

    def prepare(self) -> None:
        self.records.mkdir(parents=True, exist_ok=True)
        self.logs.mkdir(parents=True, exist_ok=True)

    def _path(self, student: str) -> Path:
        return self.records / f"{student}.json"

    def log_path(self, student: str) -> Path:
        return self.logs / f"{student}.log"

    def read(self, student: str) -> tuple[GradingOutcome, str] | None:
        """The student's last outcome and the fingerprint of the submission it was for, if any."""
        try:
            record = json.loads(self._path(student).read_text())
            return GradingOutcome.from_record(record), record["fingerprint"]
        except (OSError, ValueError, KeyError):
            return None

    def forget(self, student: str) -> None:
        self._path(student).unlink(missing_ok=True)

    def write(self, outcome: GradingOutcome, fingerprint: str) -> None:
        """Store ``outcome`` for the submission with ``fingerprint``, replacing the old record at once."""
        path = self._path(outcome.student)
        temporary = path.with_suffix(".json.tmp")
        with open(temporary, "w") as stream:
            json.dump({**outcome.to_record(), "fingerprint": fingerprint}, stream)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
