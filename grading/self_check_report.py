"""The report ``check_my_work()`` returns: a table of the questions with status, points and what to do.

Jupyter shows it through ``_repr_html_`` (a small table) and ``__repr__`` (the
same as plain text). Every text in it is escaped: a failure message comes from
the learner's own code.
"""

from __future__ import annotations

import dataclasses
import html

from grading.self_check_notebook import UNTOUCHED_ANSWER, GradedCell, Question

PASSED = "passed"
FAILED = "failed"
NOT_ATTEMPTED = "not attempted"
NOT_RUN_YET = "not run yet"
#: A question with several tests, some passing and the others not attempted yet.
NOT_FINISHED = "not finished"
ANSWERED = "answered — your instructor grades it"
NOTHING_TO_CHECK = "nothing to check"

@dataclasses.dataclass
class CellOutcome:
    """What running one test cell gave: its status and, unless it passed, why."""

    test: GradedCell
    status: str
    reason: str = ""

def points_text(points: float) -> str:
    """Points without a needless ".0".

    >>> points_text(3.0), points_text(1.5)
    ('3', '1.5')
    """
    return f"{points:g}"

@dataclasses.dataclass
class QuestionResult:
    """A question's outcome: its test outcomes and how many of its written answers are answered."""

    question: Question
    outcomes: list[CellOutcome]

    @property
    def label(self) -> str:
        number = self.question.number
        return f"Question {number}: {self.question.title}" if number is not None else self.question.title

    @property
    def autograded_points(self) -> float:
        return sum(test.points for test in self.question.tests)

    @property
    def passed_points(self) -> float:
        return sum(outcome.test.points for outcome in self.outcomes if outcome.status == PASSED)

    @property
    def written_points(self) -> float:
        return sum(points for points, _ in self.question.written)

    @property
    def status(self) -> str:
        statuses = {outcome.status for outcome in self.outcomes}
        if not statuses:
            if not self.question.written:
                return NOTHING_TO_CHECK
            return ANSWERED if all(answered for _, answered in self.question.written) else NOT_ATTEMPTED
        for status in (FAILED, NOT_RUN_YET):
            if status in statuses:
                return status
        if statuses == {PASSED}:
            return PASSED
        return NOT_ATTEMPTED if statuses == {NOT_ATTEMPTED} else NOT_FINISHED

    @property
    def points(self) -> str:
        if self.question.tests:
            text = f"{points_text(self.passed_points)} / {points_text(self.autograded_points)}"
            return text + (f" + {points_text(self.written_points)} written" if self.question.written else "")
        if self.question.written:
            return f"{points_text(self.written_points)} (instructor)"
        return ""

    @property
    def details(self) -> list[str]:
        """One line per thing to do: each failed test's reason and cell, then what is not written or run."""
        lines = []
        for outcome in self.outcomes:
            if outcome.status == FAILED:
                lines.append(f"{outcome.reason}\n(run the test cell “{outcome.test.description}” for the details)")
        for outcome in self.outcomes:
            if outcome.status in (NOT_RUN_YET, NOT_ATTEMPTED) and outcome.reason not in lines:
                lines.append(outcome.reason)
        answered = all(answered for _, answered in self.question.written)
        if self.question.tests and self.question.written:
            lines.append("written answer: " + ("answered — your instructor grades it" if answered else "not attempted"))
        if self.question.written and not answered:
            lines.append(f"write your answer in place of “{UNTOUCHED_ANSWER}”, then save the notebook")
        return lines

@dataclasses.dataclass
class SelfCheckReport:
    """What ``check_my_work()`` shows: a table of the questions, a total and notes, or why nothing was checked.

    >>> print(SelfCheckReport(message="No notebook found."))
    Self-check: No notebook found.
    """

    notebook: str = ""
    results: list[QuestionResult] = dataclasses.field(default_factory=list)
    notes: list[str] = dataclasses.field(default_factory=list)
    message: str = ""

    @property
    def passed_points(self) -> float:
        return sum(result.passed_points for result in self.results)

    @property
    def autograded_points(self) -> float:
        return sum(result.autograded_points for result in self.results)

    @property
    def written_points(self) -> float:
        return sum(result.written_points for result in self.results)

    @property
    def total(self) -> str:
        text = (f"Total: {points_text(self.passed_points)} of {points_text(self.autograded_points)} "
                "autograded points pass the visible tests")
        if self.written_points:
            text += f"; {points_text(self.written_points)} points of written answers are graded by your instructor"
        return text + "."

    def __repr__(self) -> str:
        if self.message:
            return f"Self-check: {self.message}"
        rows = [("Question", "Status", "Points")]
        rows += [(result.label, result.status, result.points) for result in self.results]
        question_width = min(max(len(row[0]) for row in rows), 60)
        status_width = max(len(row[1]) for row in rows)
        lines = [f"Self-check of {self.notebook}", ""]
        for index, (label, status, points) in enumerate(rows):
            label = label if len(label) <= question_width else label[: question_width - 1] + "…"
            lines.append(f"{label:<{question_width}}  {status:<{status_width}}  {points}".rstrip())
            if index:
                lines += [f"    {line}" for detail in self.results[index - 1].details
                          for line in detail.splitlines()]
        return "\n".join([*lines, "", self.total, *self.notes])

    def _repr_html_(self) -> str:
        if self.message:
            return f"<p><strong>Self-check:</strong> {html.escape(self.message)}</p>"
        cell = 'style="text-align:left; vertical-align:top; padding:2px 8px"'
        rows = []
        for result in self.results:
            details = "<br>".join(html.escape(line).replace("\n", "<br>") for line in result.details)
            colour = _STATUS_COLOURS.get(result.status, "inherit")
            rows.append(
                f"<tr><td {cell}>{html.escape(result.label)}</td>"
                f'<td {cell}><span style="color:{colour}; font-weight:bold">{html.escape(result.status)}</span></td>'
                f"<td {cell}>{html.escape(result.points)}</td><td {cell}>{details}</td></tr>"
            )
        notes = "".join(f"<p>{html.escape(note)}</p>" for note in self.notes)
        return (
            f'<div class="self-check"><p><strong>Self-check of {html.escape(self.notebook)}</strong></p>'
            f"<table><thead><tr><th {cell}>Question</th><th {cell}>Status</th><th {cell}>Points</th>"
            f"<th {cell}>What to do</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
            f"<p><strong>{html.escape(self.total)}</strong></p>{notes}</div>"
        )

_STATUS_COLOURS = {PASSED: "#1a7f37", FAILED: "#cf222e", NOT_RUN_YET: "#9a6700", NOT_FINISHED: "#9a6700"}
