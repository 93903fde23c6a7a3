"""What happened when one student's submission was graded: the outcome the class table shows.

Every student ends with exactly one of these outcomes. Only ``graded`` means the
gradebook holds a complete, trustworthy set of autograded scores; every other
outcome is a failure the instructor must look at, and makes the class command
exit with a non-zero code.

>>> GradingOutcome("ada", GRADED).failed, GradingOutcome("bob", TIMED_OUT, "cell test_x ran over 30 s").failed
(False, True)
>>> sorted(FAILURES)
['error', 'kernel died', 'memory limit', 'missing notebook', 'output too large', 'timed out', 'too many processes', 'unreadable notebook']
"""

from __future__ import annotations

from dataclasses import dataclass, field

GRADED = "graded"
TIMED_OUT = "timed out"
KERNEL_DIED = "kernel died"
UNREADABLE = "unreadable notebook"
MISSING = "missing notebook"
#: Student code ran into one of the sandbox's limits (grading.sandbox): those cells scored 0.
MEMORY_LIMIT = "memory limit"
PROCESS_LIMIT = "too many processes"
OUTPUT_TOO_LARGE = "output too large"
#: Anything else that stopped nbgrader (a gradebook error, a crashed grading process).
ERROR = "error"

FAILURES = frozenset({TIMED_OUT, KERNEL_DIED, MEMORY_LIMIT, PROCESS_LIMIT, OUTPUT_TOO_LARGE, UNREADABLE, MISSING, ERROR})
OUTCOMES = (GRADED, *sorted(FAILURES))


@dataclass
class GradingOutcome:
    """One student's result: the outcome, a one-line explanation and how long the grading took."""

    student: str
    status: str
    detail: str = ""
    seconds: float = 0.0
    #: True when an earlier run had graded this submission and this run left it alone.
    skipped: bool = False
    #: True when nbgrader stored a score for every grade cell (some cells may have scored 0 for the failure).
    recorded: bool = False
    #: (score, max score) as the gradebook holds them, filled in at the end of a run.
    score: tuple[float, float] | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.status not in OUTCOMES:
            raise ValueError(f"status must be one of {OUTCOMES}, got {self.status!r}")

    @property
    def failed(self) -> bool:
        return self.status in FAILURES

    def to_record(self) -> dict:
        """The outcome as plain JSON-ready values (the score is read from the gradebook, not kept)."""
        return {"student": self.student, "status": self.status, "detail": self.detail, "seconds": self.seconds,
                "recorded": self.recorded}

    @classmethod
    def from_record(cls, record: dict) -> GradingOutcome:
        return cls(record["student"], record["status"], record.get("detail", ""), float(record.get("seconds", 0.0)),
                   recorded=bool(record.get("recorded", False)))
