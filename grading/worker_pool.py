"""Grading processes: each grades one student after another; a student who takes too long is stopped.

A worker is a separate Python process, started once: it loads the course's
configuration a single time, then takes one student at a time from the main
process through a pipe and sends back the outcome
(:class:`grading.student_grader.StudentGrader` does the grading). The kernel
that runs the student's notebook is a child of its worker.

Workers are forked from the main process, which has imported nbgrader to plan
the run: a spawned worker imported it again, about 0.8 s of CPU each, while
planning kept one core idle. The class grader's main process runs no other
thread, so a fork copies no lock held half-way. A forked worker closes its
copies of the workers' pipe ends, takes back the default SIGTERM, and ends its
kernel fork servers itself, as a forked process leaves Python without running
``atexit``.

The main process keeps a deadline for each student. When it passes, the worker
and everything it started (the kernel, whatever the student's code started) are
killed, the student is reported ``timed out`` and a fresh worker takes the
next student. A worker that dies on its own is reported as an ``error`` for
the student it held and replaced the same way.

A worker dies with the main process (Linux's parent-death signal), so a class
command killed half-way leaves no grader writing behind it; a kernel left
behind stops by itself once its worker is gone (ipykernel watches its parent).
Workers ignore Ctrl-C: the main process handles it and stops them.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import time
import traceback
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from grading.grading_outcome import ERROR, TIMED_OUT, GradingOutcome

#: prctl(2) option: the signal a process gets when its parent exits.
_PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class GradingJob:
    """One student to grade: who, and the notebooks the assignment has."""

    student: str
    notebooks: tuple[str, ...]


@dataclass(frozen=True)
class WorkerSettings:
    """What every worker needs to set itself up: the course folder, the assignment, where to log."""

    course_root: str
    assignment: str
    student_log_folder: str
    worker_log: str


class WorkerStartupError(RuntimeError):
    """A worker could not set up nbgrader (a broken nbgrader_config.py, say)."""


def _die_with_parent(parent_pid: int) -> None:
    """Ask Linux to kill this process when its parent exits; elsewhere only check the parent now."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent_pid:  # the parent died before the request took effect
        os._exit(1)


def _send_output_to(log_path: str) -> None:
    """Point this process's stdout and stderr, and so its kernels', at the workers' log."""
    descriptor = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(descriptor, 1)
    os.dup2(descriptor, 2)
    os.close(descriptor)


def worker_main(connection, settings: WorkerSettings, parent_pid: int, inherited: tuple = ()) -> None:
    """The body of a worker process: set up once, then grade the students the main process sends.

    ``inherited``: the main process's ends of the workers' pipes, which a forked worker closes.
    """
    _die_with_parent(parent_pid)
    for other in inherited:
        other.close()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _send_output_to(settings.worker_log)
    from grading.forked_kernels import close_servers

    try:
        _set_up_and_grade(connection, settings)
    finally:
        close_servers()  # a forked process skips atexit; the servers' CPU is then this worker's children's


def _set_up_and_grade(connection, settings: WorkerSettings) -> None:
    from grading.student_grader import StudentGrader

    try:
        os.chdir(settings.course_root)
        grader = StudentGrader(log_folder=Path(settings.student_log_folder))
    except BaseException:
        connection.send({"startup_error": traceback.format_exc()})
        return
    connection.send({"ready": True})
    while True:
        try:
            job = connection.recv()
        except EOFError:
            return
        if job is None:
            return
        try:
            outcome = grader.grade(settings.assignment, job.student, list(job.notebooks))
        except Exception as error:  # the outcome must reach the table, whatever went wrong
            traceback.print_exc()
            outcome = GradingOutcome(job.student, ERROR, f"the grader failed: {type(error).__name__}: {error}"[:200])
        connection.send(outcome.to_record())


def kill_process_tree(pid: int) -> None:
    """Kill a process and every process it started, and wait for them."""
    import psutil

    try:
        root = psutil.Process(pid)
        family = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return
    for process in family:
        try:
            process.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(family, timeout=10)


class _Worker:
    """The main process's handle on one worker: its process, its pipe, and the job it holds."""

    def __init__(self, context, settings: WorkerSettings, others: list[_Worker]):
        self.connection, child_end = context.Pipe()
        # The fork copies every descriptor: this worker's copy of the main process's end of its own pipe
        # (which would keep it from seeing that end close) and of the other workers' pipes.
        inherited = (self.connection, *(other.connection for other in others))
        self.process = context.Process(target=worker_main, args=(child_end, settings, os.getpid(), inherited),
                                       daemon=True)
        sys.stdout.flush()  # what is buffered would be written again by the fork
        sys.stderr.flush()
        self.process.start()
        child_end.close()
        self.ready = False
        self.job: GradingJob | None = None
        self.deadline = 0.0
        self.started = 0.0

    def give(self, job: GradingJob, timeout: float) -> None:
        self.job = job
        self.started = time.monotonic()
        self.deadline = self.started + timeout
        self.connection.send(job)

    def take_job(self) -> GradingJob:
        job, self.job = self.job, None
        return job

    def stop(self) -> None:
        """End the worker at once, with its kernel and anything else it started."""
        if self.process.pid is not None:
            kill_process_tree(self.process.pid)
        self.process.join(timeout=10)
        self.connection.close()

    def close(self) -> None:
        """Let an idle worker finish on its own, or stop it."""
        try:
            self.connection.send(None)
        except OSError:
            pass
        self.process.join(timeout=10)
        if self.process.is_alive():
            self.stop()
        else:
            self.connection.close()


class WorkerPool:
    """``size`` workers grading ``jobs``, each student within ``timeout`` seconds."""

    def __init__(self, settings: WorkerSettings, size: int, timeout: float):
        if size < 1:
            raise ValueError(f"a pool needs at least 1 worker, got {size}")
        self.settings = settings
        self.size = size
        self.timeout = timeout
        self._context = multiprocessing.get_context("fork")
        self._workers: list[_Worker] = []

    def run(self, jobs: list[GradingJob], on_start: Callable[[GradingJob], None],
            on_outcome: Callable[[GradingOutcome], None]) -> None:
        """Grade every job; ``on_start`` is called just before a job is handed out, ``on_outcome`` after.

        On an exception (Ctrl-C included) every worker is stopped before it propagates.
        """
        pending = deque(jobs)
        try:
            for _ in range(min(self.size, len(jobs))):
                self._workers.append(_Worker(self._context, self.settings, self._workers))
            while pending or any(worker.job for worker in self._workers):
                for worker in self._workers:
                    if worker.ready and worker.job is None and pending:
                        job = pending.popleft()
                        on_start(job)
                        worker.give(job, self.timeout)
                self._wait_and_collect(on_outcome, need_more=bool(pending))
        finally:
            self._close_all()

    def _wait_and_collect(self, on_outcome, need_more: bool) -> None:
        busy = [worker for worker in self._workers if worker.job]
        wait_for = min((worker.deadline for worker in busy), default=time.monotonic() + 1) - time.monotonic()
        handles = [worker.connection for worker in self._workers] + [worker.process.sentinel for worker in self._workers]
        ready = set(multiprocessing.connection.wait(handles, timeout=max(0.0, min(wait_for, 1.0))))
        survivors = []
        for worker in self._workers:
            gone = False
            if worker.connection in ready:
                try:
                    message = worker.connection.recv()
                except (EOFError, OSError):
                    message = None
                if message is None:
                    gone = self._worker_died(worker, on_outcome)
                elif "startup_error" in message:
                    raise WorkerStartupError(message["startup_error"])
                elif "ready" in message:
                    worker.ready = True
                else:
                    worker.take_job()
                    on_outcome(GradingOutcome.from_record(message))
            elif worker.process.sentinel in ready:
                gone = self._worker_died(worker, on_outcome)
            elif worker.job and time.monotonic() > worker.deadline:
                job = worker.take_job()
                worker.stop()
                on_outcome(GradingOutcome(job.student, TIMED_OUT,
                                          f"grading ran over {self.timeout:g} s and was stopped",
                                          round(time.monotonic() - worker.started, 3)))
                gone = True
            if not gone:
                survivors.append(worker)
            elif need_more:
                survivors.append(_Worker(self._context, self.settings, [*survivors, *self._workers]))
        self._workers = survivors

    def _worker_died(self, worker: _Worker, on_outcome) -> bool:
        """Report the student a dead worker held; True: the worker must go."""
        worker.process.join(timeout=10)
        if worker.job is None and not worker.ready:
            raise WorkerStartupError(f"a grading process exited at start-up with code {worker.process.exitcode};"
                                     f" see {self.settings.worker_log}")
        if worker.job is not None:
            job = worker.take_job()
            on_outcome(GradingOutcome(job.student, ERROR,
                                      f"the grading process died (exit code {worker.process.exitcode});"
                                      f" see {self.settings.worker_log}",
                                      round(time.monotonic() - worker.started, 3)))
        worker.stop()
        return True

    def _close_all(self) -> None:
        for worker in self._workers:
            if worker.ready and worker.job is None and worker.process.is_alive():
                worker.close()
            else:
                worker.stop()
        self._workers = []
