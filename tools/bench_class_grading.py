"""`make bench`'s class-grading figure: the class grader beside plain `nbgrader autograde`, in one run.

A synthetic class hands in one real assignment (:func:`roster`): right,
half-right and untouched submissions, and about one in ten adversarial ones
(an answer that raises, one with a lying ``__eq__``, a truncated notebook, a
renamed one, one that kills its kernel, one that loops for ever and so waits
out the course's cell timeout). Two copies of the same course are graded, each
way once: plain ``nbgrader autograde <assignment>``, which grades the students
one after another in one process, and ``python -m grading.class_grader`` with
one worker per core. Both are run as an instructor types them.

Printed: the wall time of each way, the speed-up, seconds per submission beside
the floor (a fresh kernel starting and running only the notebook's imports,
then shutting down: what no grading of a submission can avoid; median of
several) and the floor divided by the cores, the CPU time per submission of
each way (every process it ran: the command, workers, kernels), which the
machine's load does not change as it changes wall times, and each way's peak memory (the
resident memory of the command and every process it started, summed, sampled
ten times a second). The gradebooks of both ways must hold the same grades for
every student the class grader graded, or the benchmark fails.

It also prints what ``import nbformat`` costs in a fresh interpreter and whether
it loads ``rfc3987-syntax`` (see :mod:`grading.student_grader` for why nothing
on the grading path needs it).
"""

from __future__ import annotations

import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

SPEED_UP_TARGET = 1.8
#: Per-submission cost of the class grader, at most this many times the floor divided by the cores.
FLOOR_RATIO_TARGET = 1.3
DEFAULT_ASSIGNMENT = "03-value-of-an-hour"
DEFAULT_CLASS_SIZE = 60
ORDINARY_KINDS = ("right", "half_right", "untouched")
#: Adversarial kinds, cheapest first: a small class gets the first few.
ADVERSARIAL_KINDS = ("raises", "lying_eq", "corrupted", "missing", "kernel_dies", "loops")
ROSTER_SEED = 2026


def roster(size: int) -> dict[str, str]:
    """Student id -> kind of submission: one in ten adversarial (at least one from five students on,
    at most one of each kind), the rest ordinary.

    The kinds are in a fixed shuffled order, as a class's ids say nothing about its work: where
    the slowest submission falls decides how long the last worker runs on alone.

    >>> sorted(roster(4).values())
    ['half_right', 'right', 'right', 'untouched']
    >>> sorted(roster(60).values()).count("loops"), len(roster(60)), roster(60) == roster(60)
    (1, 60, True)
    """
    adversarial = list(ADVERSARIAL_KINDS[: max(1, size // 10) if size >= 5 else 0])
    kinds = [ORDINARY_KINDS[index % len(ORDINARY_KINDS)] for index in range(size - len(adversarial))] + adversarial
    random.Random(ROSTER_SEED).shuffle(kinds)
    return {f"student{number:03d}": kind for number, kind in enumerate(kinds, start=1)}


class PeakMemory:
    """The highest resident memory of a process and all its descendants, summed, while it runs."""

    def __init__(self, pid: int, interval: float = 0.1):
        self.pid = pid
        self.interval = interval
        self.peak_bytes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        import psutil

        while not self._stop.is_set():
            try:
                root = psutil.Process(self.pid)
                family = [root, *root.children(recursive=True)]
            except psutil.NoSuchProcess:
                return
            total = 0
            for process in family:
                try:
                    total += process.memory_info().rss
                except psutil.NoSuchProcess:
                    pass
            self.peak_bytes = max(self.peak_bytes, total)
            self._stop.wait(self.interval)


def children_cpu_s() -> float:
    """CPU seconds (user and system) of this process's finished descendants so far."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@dataclass
class CommandRun:
    """One way of grading the class: wall time, CPU time of every process it ran, peak memory, output."""

    wall_s: float
    cpu_s: float
    peak_mb: float
    returncode: int
    output: str


def timed_command(command: list[str], course: Path) -> CommandRun:
    from tests.grading.synthetic_class import course_environment

    cpu_before = children_cpu_s()
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=course, env=course_environment(course),
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    with PeakMemory(process.pid) as memory:
        output, _ = process.communicate()
    wall = time.perf_counter() - started
    return CommandRun(wall, children_cpu_s() - cpu_before, memory.peak_bytes / 2**20, process.returncode, output)


def floor_seconds(assignment_notebook: Path, workdir: Path, runs: int) -> tuple[float, float]:
    """Median wall seconds for a fresh kernel to start, run only the notebook's imports and stop; and its CPU."""
    import nbformat

    from tools.bench import lesson_imports
    from tools.execute_lessons import execute

    imports = "\n".join(lesson_imports(nbformat.read(assignment_notebook, as_version=4)))
    walls, cpus = [], []
    for _ in range(runs):
        notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(imports)])
        cpu_before = children_cpu_s() + time.process_time()
        started = time.perf_counter()
        execute(notebook, workdir)
        walls.append(time.perf_counter() - started)
        cpus.append(children_cpu_s() + time.process_time() - cpu_before)
    return statistics.median(walls), statistics.median(cpus)


_IMPORT_NBFORMAT = (
    "import sys, time\n"
    "started = time.perf_counter()\n"
    "import nbformat\n"
    "print(time.perf_counter() - started, 'rfc3987_syntax' in sys.modules)"
)


def nbformat_import_seconds(runs: int) -> tuple[float, bool]:
    """Median seconds of ``import nbformat`` in a fresh interpreter, and whether it imported rfc3987_syntax."""
    samples, imported = [], False
    for _ in range(runs):
        done = subprocess.run([sys.executable, "-c", _IMPORT_NBFORMAT], capture_output=True, text=True, check=True)
        seconds, flag = done.stdout.split()
        samples.append(float(seconds))
        imported = imported or flag == "True"
    return statistics.median(samples), imported


@dataclass
class ClassBench:
    """The figures of one class-grading benchmark."""

    assignment: str
    size: int
    workers: int
    cores: int
    plain: CommandRun
    parallel: CommandRun
    floor_s: float
    floor_cpu_s: float
    kinds: dict[str, str]
    #: Outcome of each student, from the class grader's records.
    outcomes: dict[str, str] = field(default_factory=dict)
    #: Seconds the class grader spent on each timed-out student.
    timed_out_s: dict[str, float] = field(default_factory=dict)
    compared_students: int = 0

    @property
    def speed_up(self) -> float:
        return self.plain.wall_s / self.parallel.wall_s

    @property
    def per_submission_s(self) -> float:
        return self.parallel.wall_s / self.size

    @property
    def floor_ratio(self) -> float:
        return self.per_submission_s / (self.floor_s / self.cores)


class ScoresDiffer(RuntimeError):
    """The class grader's gradebook does not hold the grades plain nbgrader gave."""


def compare_gradebooks(plain_course: Path, class_course: Path, assignment: str) -> int:
    """Raise ScoresDiffer unless every student the class grader stored has plain nbgrader's grades; how many."""
    from tests.grading.synthetic_class import gradebook_grades, sqlite_url

    plain = gradebook_grades(sqlite_url(plain_course), assignment)
    parallel = gradebook_grades(sqlite_url(class_course), assignment)
    differing = sorted(student for student in parallel if parallel[student] != plain.get(student))
    if differing or not parallel:
        raise ScoresDiffer(f"the class grader's grades differ from nbgrader autograde's for: {differing or 'everyone'}")
    return len(parallel)


def bench_class_grading(size: int = DEFAULT_CLASS_SIZE, assignment: str = DEFAULT_ASSIGNMENT,
                        workers: int | None = None, floor_runs: int = 5) -> ClassBench:
    """Grade a synthetic class of ``size`` both ways and measure; raise ScoresDiffer if the grades differ."""
    from grading.class_grader import available_cores
    from grading.grading_ledger import GradingLedger
    from tests.grading.synthetic_class import add_class, copy_course, make_course

    cores = available_cores()
    workers = workers or cores
    kinds = roster(size)
    base = Path(tempfile.mkdtemp(prefix="bench-class-"))
    try:
        plain_course = make_course(base / "plain", assignment)
        add_class(plain_course, assignment, kinds)
        class_course = copy_course(plain_course, base / "class")
        floor, floor_cpu = floor_seconds(plain_course / "solutions" / assignment / f"{assignment}.ipynb",
                                         plain_course, floor_runs)
        plain = timed_command([sys.executable, "-m", "nbgrader", "autograde", assignment], plain_course)
        parallel = timed_command([sys.executable, "-m", "grading.class_grader", assignment,
                                  "--workers", str(workers)], class_course)
        if parallel.returncode not in (0, 1):
            raise RuntimeError(f"the class grader could not grade the class:\n{parallel.output}")
        compared = compare_gradebooks(plain_course, class_course, assignment)
        ledger = GradingLedger(class_course, assignment)
        outcomes, timed_out = {}, {}
        for student in kinds:
            found = ledger.read(student)
            outcomes[student] = found[0].status if found else "not graded"
            if found and found[0].status == "timed out":
                timed_out[student] = found[0].seconds
        return ClassBench(assignment, size, workers, cores, plain, parallel, floor, floor_cpu, kinds,
                          outcomes, timed_out, compared)
    finally:
        shutil.rmtree(base, ignore_errors=True)


def report(bench: ClassBench) -> list[str]:
    """The lines `make bench` prints for the class-grading figure."""
    adversarial = sum(kind in ADVERSARIAL_KINDS for kind in bench.kinds.values())
    speed_verdict = "met" if bench.speed_up >= SPEED_UP_TARGET else "MISSED"
    floor_verdict = "met" if bench.floor_ratio <= FLOOR_RATIO_TARGET else "MISSED"
    counts: dict[str, int] = {}
    for outcome in bench.outcomes.values():
        counts[outcome] = counts.get(outcome, 0) + 1
    lines = [
        f"Class grading: {bench.size} submissions of {bench.assignment} ({bench.size - adversarial} ordinary,"
        f" {adversarial} adversarial), each way once, {bench.cores} cores",
        f"  {'way':<34}{'wall s':>9}{'s/submission':>14}{'CPU s/submission':>18}{'peak MB':>9}",
        f"  {'nbgrader autograde, one by one':<34}{bench.plain.wall_s:>9.1f}"
        f"{bench.plain.wall_s / bench.size:>14.2f}{bench.plain.cpu_s / bench.size:>18.2f}{bench.plain.peak_mb:>9.0f}",
        f"  {f'class grader, {bench.workers} workers':<34}{bench.parallel.wall_s:>9.1f}"
        f"{bench.per_submission_s:>14.2f}{bench.parallel.cpu_s / bench.size:>18.2f}{bench.parallel.peak_mb:>9.0f}",
        f"  speed-up {bench.speed_up:.2f}x (target >= {SPEED_UP_TARGET}x): {speed_verdict}",
        f"  floor (fresh kernel + the notebook's imports, median of its runs): {bench.floor_s:.2f} s"
        f" ({bench.floor_cpu_s:.2f} s CPU); / {bench.cores} cores = {bench.floor_s / bench.cores:.2f} s",
        f"  class grader per submission = {bench.floor_ratio:.2f}x floor/cores"
        f" (target <= {FLOOR_RATIO_TARGET}x): {floor_verdict}",
    ]
    if bench.timed_out_s:
        held = ", ".join(f"{student} {seconds:.0f} s" for student, seconds in sorted(bench.timed_out_s.items()))
        lines.append(f"  of which waiting out cell timeouts (one worker each): {held}")
        others = bench.size - len(bench.timed_out_s)
        estimate = (bench.parallel.wall_s - sum(bench.timed_out_s.values()) / bench.workers) / others
        lines.append(f"  the other {others} submissions, estimated (that time taken off one worker's share):"
                     f" {estimate:.2f} s each = {estimate / (bench.floor_s / bench.cores):.2f}x floor/cores")
    lines.append(f"  CPU per submission = {bench.parallel.cpu_s / bench.size / bench.floor_cpu_s:.2f}x the floor's CPU"
                 " (with every core busy, wall per submission cannot go below CPU per submission / cores)")
    lines.append(f"  scores: equal for all {bench.compared_students} students the class grader stored;"
                 f" outcomes: {', '.join(f'{n} {name}' for name, n in sorted(counts.items()))}")
    return lines


def rfc3987_report(runs: int = 3) -> list[str]:
    """The lines about rfc3987-syntax: whether importing nbformat loads it, and what that import costs."""
    seconds, imported = nbformat_import_seconds(runs)
    return [
        f"rfc3987-syntax: `import nbformat` takes {seconds:.2f} s (median of {runs}) and"
        f" {'IMPORTS rfc3987_syntax (a jsonschema newer than the pin?)' if imported else 'does not import it'}.",
        "  Grading never needs it: only jsonschema's iri format checkers use it, and nothing on the grading"
        " path validates with a format checker.",
    ]


def print_section(size: int, assignment: str = DEFAULT_ASSIGNMENT, workers: int | None = None,
                  floor_runs: int = 5) -> int:
    """Print the class-grading figure; 1 (after saying why on stderr) when the two ways' scores differ."""
    print(f"\nClass grading beside plain nbgrader autograde (targets: speed-up >= {SPEED_UP_TARGET}x,"
          f" per submission <= {FLOOR_RATIO_TARGET}x floor/cores)", flush=True)
    try:
        bench = bench_class_grading(size, assignment, workers, floor_runs)
    except ScoresDiffer as error:
        print(f"FAILED: {error}", file=sys.stderr)
        return 1
    for line in report(bench) + rfc3987_report():
        print(line)
    return 0
