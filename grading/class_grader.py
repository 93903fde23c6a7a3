"""Autograde every submission of an assignment, in parallel: ``python -m grading.class_grader <assignment>``.

Run it in the course folder, where ``nbgrader autograde`` is run (or name the
folder with ``--course``); docs/instructor-guide.md tells how. Each student
is graded by nbgrader's own autograder with the course's configuration
(:mod:`grading.student_grader`), in worker processes, one per core by default
(:mod:`grading.worker_pool`), so the scores are the ones ``nbgrader autograde``
gives, student by student, into the same gradebook: SQLite, or whatever
``CourseDirectory.db_url`` names (PostgreSQL for a large class).

The run can be started again at any time (:mod:`grading.grading_ledger`): a
student already graded, whose submission has not changed since, is skipped
unless ``--force``; ``--student ID`` grades only that student; a student whose
grading was cut short is graded again.

It ends with a table of every student and their outcome (graded, timed out,
kernel died, unreadable notebook, missing notebook, error). Exit codes:

* 0: every student is graded;
* 1: at least one student is not (the table says who and why);
* 2: nothing was graded: a wrong assignment or student name, no gradebook, a
  gradebook that cannot be opened, graders that cannot start;
* 130: interrupted (Ctrl-C); run the command again to finish.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from grading.grading_ledger import GradingLedger, submission_fingerprint
from grading.grading_outcome import GRADED, OUTCOMES, GradingOutcome
from grading.progress import Progress, clock

#: Seconds one student's grading may take, all cells together, before it is stopped.
DEFAULT_STUDENT_TIMEOUT_S = 600
EXIT_ALL_GRADED = 0
EXIT_SOME_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class UsageError(Exception):
    """The command cannot start: the message says what to do instead."""


def available_cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected 1 or more, got {value}")
    return value


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected more than 0 seconds, got {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m grading.class_grader",
        description="Autograde every submitted student of an assignment in parallel, through nbgrader,"
                    " and end with a table of every student's outcome. Run it in the course folder.",
        epilog="Exit codes: 0 every student graded; 1 some student not graded (see the table);"
               " 2 nothing graded (bad arguments, no gradebook); 130 interrupted.",
    )
    parser.add_argument("assignment", help="the assignment's name, as in solutions/ and the gradebook")
    parser.add_argument("--course", type=Path, default=None, help="the course folder (default: the current folder)")
    parser.add_argument("--workers", type=_positive_int, default=available_cores(),
                        help="students graded at the same time (default: the cores available, %(default)s)")
    parser.add_argument("--force", action="store_true",
                        help="grade again students already graded whose submission has not changed")
    parser.add_argument("--student", dest="students", action="append", metavar="ID", default=[],
                        help="grade only this student (repeat for several)")
    parser.add_argument("--timeout", type=_positive_seconds, default=DEFAULT_STUDENT_TIMEOUT_S, metavar="SECONDS",
                        help="stop one student's grading after this long, all cells together"
                             " (default: %(default)s; nbgrader's own cell timeout applies within it)")
    sandbox = parser.add_mutually_exclusive_group()
    sandbox.add_argument("--sandbox", dest="sandbox", action="store_const", const="on", default=None,
                         help="run student code in the sandbox (its own user, no network, hidden answers, limits),"
                              " and refuse to grade where it cannot run (default: the sandbox wherever it can run)")
    sandbox.add_argument("--no-sandbox", dest="sandbox", action="store_const", const="off",
                         help="run student code with your own rights")
    return parser


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    return build_parser().parse_args(argv)


@dataclass
class ClassRun:
    """What one run of the command will do."""

    assignment: str
    notebooks: tuple[str, ...]
    course_root: Path
    db_url: str
    course_id: str
    #: Every student this run covers, with the folder they handed in.
    submissions: dict[str, Path]
    fingerprints: dict[str, str] = field(default_factory=dict)
    #: Students an earlier run graded, with that run's outcome.
    skipped: dict[str, GradingOutcome] = field(default_factory=dict)
    #: Seconds an earlier run took to grade each student it recorded.
    earlier_seconds: dict[str, float] = field(default_factory=dict)

    @property
    def to_grade(self) -> list[str]:
        """The students to grade, those an earlier run took longest on first (:func:`longest_first`)."""
        return longest_first([student for student in sorted(self.submissions) if student not in self.skipped],
                             self.earlier_seconds)


def longest_first(students: list[str], earlier_seconds: dict[str, float]) -> list[str]:
    """``students`` in the order to hand them out: the longest earlier gradings first, so that the last
    worker does not grade a slow student alone while the others wait. A student with no earlier time
    counts as the median of the others; equal times keep their order.

    >>> longest_first(["ada", "bob", "cy", "dan"], {"bob": 0.6, "cy": 15.7, "dan": 0.4})
    ['cy', 'ada', 'bob', 'dan']
    >>> longest_first(["ada", "bob"], {})
    ['ada', 'bob']
    """
    known = sorted(earlier_seconds[student] for student in students if student in earlier_seconds)
    typical = known[len(known) // 2] if known else 0.0
    return sorted(students, key=lambda student: -earlier_seconds.get(student, typical))


def plan_run(args: argparse.Namespace) -> ClassRun:
    """Find the assignment, its notebooks and its submissions, and who an earlier run already graded."""
    from grading.course import (
        CourseError,
        autograded_folder,
        course_directory,
        open_gradebook,
        require_assignment,
        submission_folder,
        submitting_students,
    )

    assignment = args.assignment
    try:
        coursedir = course_directory(args.course)
        with open_gradebook(coursedir) as gradebook:
            require_assignment(gradebook, assignment)
            row = gradebook.find_assignment(assignment)
            notebooks = tuple(sorted(notebook.name for notebook in row.notebooks))
            in_gradebook = {submission.student.id for submission in row.submissions}
    except CourseError as error:
        raise UsageError(str(error)) from None
    except Exception as error:  # the database server refused, the driver is missing, ...
        raise UsageError(f"cannot open the gradebook: {type(error).__name__}: {str(error).splitlines()[0]}") from None
    if not notebooks:
        raise UsageError(f"the gradebook lists no notebook for {assignment!r}; run `nbgrader generate_assignment`")

    # nbgrader's autograde leaves these students out; so does this command.
    excluded = {student for student in coursedir.student_id_exclude.split(",") if student}
    submitted = [student for student in submitting_students(coursedir, assignment) if student not in excluded]
    if not submitted:
        raise UsageError(f"nobody has submitted {assignment!r}: no folder {coursedir.submitted_directory}/*/{assignment}")
    if args.students:
        unknown = [student for student in args.students if student not in submitted]
        if unknown:
            raise UsageError(f"no submission of {assignment!r} by {', '.join(unknown)}"
                             f" (submitted: {', '.join(submitted)})")
        submitted = list(dict.fromkeys(args.students))

    run = ClassRun(assignment, notebooks, Path(coursedir.root), coursedir.db_url, coursedir.course_id,
                   {student: submission_folder(coursedir, student, assignment) for student in submitted})
    ledger = GradingLedger(run.course_root, assignment)
    for student, folder in run.submissions.items():
        run.fingerprints[student] = submission_fingerprint(folder)
        earlier = ledger.read(student)
        if earlier is not None:
            run.earlier_seconds[student] = earlier[0].seconds
        if args.force or earlier is None or student not in in_gradebook:
            continue
        outcome, fingerprint = earlier
        autograded = autograded_folder(coursedir, student, assignment)
        if (outcome.status == GRADED and fingerprint == run.fingerprints[student]
                and all((autograded / f"{name}.ipynb").is_file() for name in notebooks)):
            outcome.skipped = True
            run.skipped[student] = outcome
    return run


def grade_class(run: ClassRun, outcomes: dict[str, GradingOutcome], workers: int, timeout: float,
                progress_stream, interactive: bool) -> None:
    """Grade ``run.to_grade`` in parallel, adding each student's outcome to ``outcomes`` as it comes."""
    from grading.worker_pool import GradingJob, WorkerPool, WorkerSettings

    ledger = GradingLedger(run.course_root, run.assignment)
    ledger.prepare()
    students = run.to_grade
    print(f"{run.assignment}: {len(run.submissions)} submissions, {len(run.skipped)} already graded (skipped),"
          f" {len(students)} to grade with {min(workers, len(students)) or 0} workers", file=progress_stream)
    progress = Progress(len(students), progress_stream, interactive)

    def store(outcome: GradingOutcome) -> None:
        outcomes[outcome.student] = outcome
        ledger.write(outcome, run.fingerprints[outcome.student])
        progress.finished(outcome)

    settings = WorkerSettings(str(run.course_root), run.assignment, str(ledger.logs), str(ledger.worker_log))
    try:
        if students:
            WorkerPool(settings, workers, timeout).run(
                [GradingJob(student, run.notebooks) for student in students],
                on_start=lambda job: ledger.forget(job.student),
                on_outcome=store,
            )
    finally:
        progress.close()


def read_scores(run: ClassRun, outcomes: dict[str, GradingOutcome]) -> None:
    """Fill in each recorded outcome's score from the gradebook."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(run.db_url, run.course_id) as gradebook:
        for outcome in outcomes.values():
            if not (outcome.recorded or outcome.skipped):
                continue
            try:
                submission = gradebook.find_submission(run.assignment, outcome.student)
            except MissingEntry:
                continue
            outcome.score = (submission.score, submission.max_score)


def outcome_table(outcomes: dict[str, GradingOutcome]) -> str:
    """The closing table: one row per student, then a count of each outcome.

    >>> print(outcome_table({"ada": GradingOutcome("ada", "graded", seconds=3.0, score=(12.0, 15.0)),
    ...                      "bob": GradingOutcome("bob", "missing notebook", "no a.ipynb")}))
    student  outcome           score    seconds  detail
    ada      graded            12 / 15      3.0
    bob      missing notebook  -            0.0  no a.ipynb
    2 students: 1 graded, 1 missing notebook
    """
    rows = [("student", "outcome", "score", "seconds", "detail")]
    for student in sorted(outcomes):
        outcome = outcomes[student]
        score = f"{outcome.score[0]:g} / {outcome.score[1]:g}" if outcome.score else "-"
        detail = "already graded, skipped (--force grades again)" if outcome.skipped else outcome.detail
        seconds = "-" if outcome.skipped else f"{outcome.seconds:.1f}"
        rows.append((student, outcome.status, score, seconds, detail))
    widths = [max(len(row[column]) for row in rows) for column in range(4)]
    lines = [
        f"{row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]:<{widths[2]}}  {row[3]:>{widths[3]}}  {row[4]}".rstrip()
        for row in rows
    ]
    counts = [f"{sum(o.status == status for o in outcomes.values())} {status}" for status in OUTCOMES
              if any(o.status == status for o in outcomes.values())]
    lines.append(f"{len(outcomes)} students: {', '.join(counts)}")
    return "\n".join(lines)


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = parse_arguments(argv)
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        return _grade_and_report(args)
    except KeyboardInterrupt:
        print("class_grader: interrupted before any student was graded", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        signal.signal(signal.SIGTERM, previous)


def _grade_and_report(args: argparse.Namespace) -> int:
    from grading.sandbox import SandboxUnavailable, choose_for_command
    from grading.worker_pool import WorkerStartupError

    started = time.monotonic()
    try:
        run = plan_run(args)
    except UsageError as error:
        print(f"class_grader: {error}", file=sys.stderr)
        return EXIT_USAGE
    try:
        print(choose_for_command(args.sandbox, run.course_root), file=sys.stderr)
    except SandboxUnavailable as error:
        print(f"class_grader: the sandbox cannot run: {error}; or grade without it: --no-sandbox", file=sys.stderr)
        return EXIT_USAGE

    outcomes = dict(run.skipped)
    interrupted = False
    try:
        grade_class(run, outcomes, args.workers, args.timeout, sys.stderr, sys.stderr.isatty())
    except WorkerStartupError as error:
        print(f"class_grader: the graders could not start: {str(error).strip().splitlines()[-1]}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        interrupted = True

    try:
        read_scores(run, outcomes)
    except Exception as error:  # the table matters more than its scores
        print(f"class_grader: could not read the scores back: {type(error).__name__}: {error}", file=sys.stderr)
    print(outcome_table(outcomes))
    print(f"Logs: {GradingLedger(run.course_root, run.assignment).logs}. Wall time {clock(time.monotonic() - started)}.")
    if interrupted:
        left = len(run.submissions) - len(outcomes)
        print(f"Interrupted: {left} students not graded. Run the same command again to grade them.")
        return EXIT_INTERRUPTED
    return EXIT_SOME_FAILED if any(outcome.failed for outcome in outcomes.values()) else EXIT_ALL_GRADED


if __name__ == "__main__":
    sys.exit(main())
