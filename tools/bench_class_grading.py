"""`make bench`'s class-grading figure: the class grader beside plain `nbgrader autograde`, in one run.

A synthetic class hands in one real assignment (:func:`roster`): right,
half-right and untouched submissions, and about one in ten adversarial ones
(an answer that raises, one with a lying ``__eq__``, a truncated notebook, a
renamed one, one that kills its kernel, one that loops for ever and so waits
out the course's cell timeout). The class is graded ``runs`` times (``make
bench --class-runs``, 3 by default), each run both ways side by side on fresh
copies of the same course: plain ``nbgrader autograde <assignment>``, which
grades the students one after another in one process, and ``python -m
grading.class_grader`` with one worker per core; the way that goes first
alternates from run to run, so a drift in the machine's load favours neither.
Both are run as an instructor types them. Each run's figures are printed, with
the machine's load average beside them, then the medians of the runs.

Printed: the wall time of each way, the speed-up, seconds per submission beside
the floor (a fresh kernel starting and running only the notebook's imports,
then shutting down: what no grading of a submission can avoid; median of
several) and the floor divided by the cores, the CPU time per submission of
each way (every process it ran: the command, workers, kernels), which the
machine's load does not change as it changes wall times, and each way's peak memory (the
proportional set size of the command and every process it started, summed: memory forked
kernels share with their fork server counts once, not once a process; sampled
twice a second). Reading a process's PSS makes Linux walk its page tables: ten times a second,
the sampler took about 8 s of CPU beside a 46 s class run, from the cores the class grader uses,
while plain nbgrader leaves one of them free; each run's line shows what the sampler took. In
every run the gradebooks of both ways must hold the same grades for every student the class
grader graded, or the benchmark fails.

Cost: on the course's 2-core machine one run of the default class of 60 takes
about 3 minutes on a quiet machine (the looping submission alone waits out
3 cell timeouts of 5 s each way), so the default 3 runs take about 10 minutes;
``--class-runs 1`` gives a quicker, noisier look. Wall times there move with the load; CPU per submission much less.

It also prints what ``import nbformat`` costs in a fresh interpreter and whether
it loads ``rfc3987-syntax`` (see :mod:`grading.student_grader` for why nothing
on the grading path needs it).
"""

from __future__ import annotations

import os
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
#: Runs of the class, both ways in each; the figures are their medians.
DEFAULT_RUNS = 3
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
    """The highest memory of a process and all its descendants, summed, while it runs.

    Each process counts its proportional set size (PSS): a page shared by n processes counts 1/n
    in each, so a family of forks sums to what it holds. Where PSS cannot be read, the resident size.
    """

    def __init__(self, pid: int, interval: float = 0.5):
        self.pid = pid
        self.interval = interval
        self.peak_bytes = 0
        #: CPU seconds the sampling itself took (its thread's), taken from the machine it measures.
        self.cpu_s = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        started = time.thread_time()
        try:
            self._sample_until_stopped()
        finally:
            self.cpu_s = time.thread_time() - started

    def _sample_until_stopped(self) -> None:
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
                    total += process_memory(process)
                except psutil.NoSuchProcess:
                    pass
            self.peak_bytes = max(self.peak_bytes, total)
            self._stop.wait(self.interval)


def process_memory(process) -> int:
    """Bytes of memory ``process`` (a psutil.Process) holds: its PSS, or its RSS where PSS cannot be read."""
    import psutil

    try:
        return process.memory_full_info().pss
    except (psutil.AccessDenied, AttributeError):
        return process.memory_info().rss


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
    #: CPU seconds the memory sampler took meanwhile (not in cpu_s).
    sampler_cpu_s: float = 0.0


def timed_command(command: list[str], course: Path) -> CommandRun:
    from tests.grading.synthetic_class import course_environment

    cpu_before = children_cpu_s()
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=course, env=course_environment(course),
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        with PeakMemory(process.pid) as memory:
            output, _ = process.communicate()
    except BaseException:  # Ctrl-C: the grading command and its kernels go too
        from grading.worker_pool import kill_process_tree

        kill_process_tree(process.pid)
        raise
    wall = time.perf_counter() - started
    return CommandRun(wall, children_cpu_s() - cpu_before, memory.peak_bytes / 2**20, process.returncode, output,
                      memory.cpu_s)


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
class ClassRunFigures:
    """One run of the class both ways: each way's command, and what the class grader recorded."""

    plain: CommandRun
    parallel: CommandRun
    #: Outcome of each student, from the class grader's records.
    outcomes: dict[str, str] = field(default_factory=dict)
    #: Seconds the class grader spent on each timed-out student.
    timed_out_s: dict[str, float] = field(default_factory=dict)
    compared_students: int = 0
    #: The machine's 1-minute load average when the run started and when it ended.
    load: tuple[float, float] = (0.0, 0.0)

    @property
    def speed_up(self) -> float:
        return self.plain.wall_s / self.parallel.wall_s


@dataclass
class ClassBench:
    """The figures of one class-grading benchmark: several runs of the class, both ways in each."""

    assignment: str
    size: int
    workers: int
    cores: int
    floor_s: float
    floor_cpu_s: float
    kinds: dict[str, str]
    runs: list[ClassRunFigures] = field(default_factory=list)

    def median(self, figure) -> float:
        """The median over the runs of ``figure(run)``."""
        return statistics.median(figure(run) for run in self.runs)

    @property
    def speed_up(self) -> float:
        return self.median(lambda run: run.speed_up)

    @property
    def per_submission_s(self) -> float:
        return self.median(lambda run: run.parallel.wall_s) / self.size

    @property
    def floor_ratio(self) -> float:
        return self.per_submission_s / (self.floor_s / self.cores)

    @property
    def compared_students(self) -> int:
        return min(run.compared_students for run in self.runs)


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


def one_run(template: Path, workdir: Path, assignment: str, students: list[str], workers: int,
            plain_first: bool) -> ClassRunFigures:
    """Grade fresh copies of ``template`` both ways; raise ScoresDiffer if the grades differ."""
    from grading.grading_ledger import GradingLedger
    from tests.grading.synthetic_class import copy_course

    plain_course = copy_course(template, workdir / "plain")
    class_course = copy_course(template, workdir / "class")
    load_before = os.getloadavg()[0]
    ways = {
        "plain": lambda: timed_command([sys.executable, "-m", "nbgrader", "autograde", assignment], plain_course),
        "parallel": lambda: timed_command([sys.executable, "-m", "grading.class_grader", assignment,
                                           "--workers", str(workers)], class_course),
    }
    done = {name: ways[name]() for name in (("plain", "parallel") if plain_first else ("parallel", "plain"))}
    if done["parallel"].returncode not in (0, 1):
        raise RuntimeError(f"the class grader could not grade the class:\n{done['parallel'].output}")
    figures = ClassRunFigures(done["plain"], done["parallel"], load=(load_before, os.getloadavg()[0]))
    figures.compared_students = compare_gradebooks(plain_course, class_course, assignment)
    ledger = GradingLedger(class_course, assignment)
    for student in students:
        found = ledger.read(student)
        figures.outcomes[student] = found[0].status if found else "not graded"
        if found and found[0].status == "timed out":
            figures.timed_out_s[student] = found[0].seconds
    return figures


def bench_class_grading(size: int = DEFAULT_CLASS_SIZE, assignment: str = DEFAULT_ASSIGNMENT,
                        workers: int | None = None, floor_runs: int = 5, runs: int = DEFAULT_RUNS,
                        on_run=None) -> ClassBench:
    """Grade a synthetic class of ``size`` both ways ``runs`` times and measure; raise ScoresDiffer if the grades
    differ in any run. ``on_run(number, figures)`` is called after each run (to print it as it comes)."""
    from grading.class_grader import available_cores
    from tests.grading.synthetic_class import add_class, make_course

    if runs < 1:
        raise ValueError(f"the class-grading figure needs at least 1 run, got {runs}")
    cores = available_cores()
    workers = workers or cores
    kinds = roster(size)
    base = Path(tempfile.mkdtemp(prefix="bench-class-"))
    try:
        template = make_course(base / "template", assignment)
        add_class(template, assignment, kinds)
        floor, floor_cpu = floor_seconds(template / "solutions" / assignment / f"{assignment}.ipynb",
                                         template, floor_runs)
        bench = ClassBench(assignment, size, workers, cores, floor, floor_cpu, kinds)
        for number in range(1, runs + 1):
            workdir = base / f"run-{number}"
            bench.runs.append(one_run(template, workdir, assignment, sorted(kinds), workers,
                                      plain_first=number % 2 == 1))
            shutil.rmtree(workdir, ignore_errors=True)
            if on_run is not None:
                on_run(number, bench.runs[-1])
        return bench
    finally:
        shutil.rmtree(base, ignore_errors=True)


def run_line(number: int, size: int, figures: ClassRunFigures) -> str:
    """One run's figures on one line."""
    return (f"  run {number}: plain {figures.plain.wall_s:.1f} s ({figures.plain.cpu_s / size:.2f} s CPU/submission,"
            f" {figures.plain.peak_mb:.0f} MB), class grader {figures.parallel.wall_s:.1f} s"
            f" ({figures.parallel.cpu_s / size:.2f} s CPU/submission, {figures.parallel.peak_mb:.0f} MB),"
            f" speed-up {figures.speed_up:.2f}x; load {figures.load[0]:.1f} -> {figures.load[1]:.1f};"
            f" memory sampling {figures.plain.sampler_cpu_s:.1f} + {figures.parallel.sampler_cpu_s:.1f} s CPU;"
            f" scores equal for {figures.compared_students}")


def report(bench: ClassBench, with_runs: bool = True) -> list[str]:
    """The lines `make bench` prints for the class-grading figure: each run's (unless printed already), the medians."""
    adversarial = sum(kind in ADVERSARIAL_KINDS for kind in bench.kinds.values())
    speed_verdict = "met" if bench.speed_up >= SPEED_UP_TARGET else "MISSED"
    floor_verdict = "met" if bench.floor_ratio <= FLOOR_RATIO_TARGET else "MISSED"
    median = bench.median
    plain_wall, class_wall = median(lambda r: r.plain.wall_s), median(lambda r: r.parallel.wall_s)
    plain_cpu, class_cpu = median(lambda r: r.plain.cpu_s) / bench.size, median(lambda r: r.parallel.cpu_s) / bench.size
    counts: dict[str, int] = {}
    for outcome in bench.runs[-1].outcomes.values():
        counts[outcome] = counts.get(outcome, 0) + 1
    runs = len(bench.runs)
    lines = [
        f"Class grading: {bench.size} submissions of {bench.assignment} ({bench.size - adversarial} ordinary,"
        f" {adversarial} adversarial), both ways in each of {runs} runs, {bench.cores} cores",
        *(run_line(number, bench.size, figures) for number, figures in enumerate(bench.runs, start=1) if with_runs),
        f"  median of {runs} runs:",
        f"  {'way':<34}{'wall s':>9}{'s/submission':>14}{'CPU s/submission':>18}{'peak MB':>9}",
        f"  {'nbgrader autograde, one by one':<34}{plain_wall:>9.1f}{plain_wall / bench.size:>14.2f}"
        f"{plain_cpu:>18.2f}{median(lambda r: r.plain.peak_mb):>9.0f}",
        f"  {f'class grader, {bench.workers} workers':<34}{class_wall:>9.1f}{bench.per_submission_s:>14.2f}"
        f"{class_cpu:>18.2f}{median(lambda r: r.parallel.peak_mb):>9.0f}",
        f"  speed-up {bench.speed_up:.2f}x (median of the runs' speed-ups; target >= {SPEED_UP_TARGET}x): {speed_verdict}",
        f"  floor (fresh kernel + the notebook's imports, median of its runs): {bench.floor_s:.2f} s"
        f" ({bench.floor_cpu_s:.2f} s CPU); / {bench.cores} cores = {bench.floor_s / bench.cores:.2f} s",
        f"  class grader per submission = {bench.floor_ratio:.2f}x floor/cores"
        f" (target <= {FLOOR_RATIO_TARGET}x): {floor_verdict}",
    ]
    timed_out = [run.timed_out_s for run in bench.runs if run.timed_out_s]
    if timed_out:
        held = median(lambda r: sum(r.timed_out_s.values()))
        lines.append(f"  of which waiting out cell timeouts (one worker each): {held:.0f} s"
                     f" ({', '.join(sorted(timed_out[-1]))})")
        others = bench.size - len(timed_out[-1])
        estimate = (class_wall - held / bench.workers) / others
        lines.append(f"  the other {others} submissions, estimated (that time taken off one worker's share):"
                     f" {estimate:.2f} s each = {estimate / (bench.floor_s / bench.cores):.2f}x floor/cores")
    lines.append(f"  CPU per submission = {class_cpu / bench.floor_cpu_s:.2f}x the floor's CPU"
                 " (with every core busy, wall per submission cannot go below CPU per submission / cores)")
    lines.append(f"  scores: equal in every run, for all {bench.compared_students} students the class grader stored;"
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
                  floor_runs: int = 5, runs: int = DEFAULT_RUNS) -> int:
    """Print the class-grading figure; 1 (after saying why on stderr) when the two ways' scores differ in a run."""
    print(f"\nClass grading beside plain nbgrader autograde, median of {runs} runs (targets: speed-up >="
          f" {SPEED_UP_TARGET}x, per submission <= {FLOOR_RATIO_TARGET}x floor/cores)", flush=True)
    try:
        bench = bench_class_grading(size, assignment, workers, floor_runs, runs,
                                    on_run=lambda number, figures: print(run_line(number, size, figures), flush=True))
    except ScoresDiffer as error:
        print(f"FAILED: {error}", file=sys.stderr)
        return 1
    for line in report(bench, with_runs=False) + rfc3987_report():
        print(line)
    return 0
