"""Forked grading processes (grading.worker_pool): what they inherit from the main process, and how they end."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from grading import forked_kernels
from grading.grading_outcome import MISSING
from grading.worker_pool import GradingJob, WorkerPool, WorkerSettings, WorkerStartupError
from tests.grading.small_course import ASSIGNMENT, make_course


def socket_inode(descriptor: int) -> int:
    return os.fstat(descriptor).st_ino


def socket_inodes(pid: int) -> set[int]:
    """The inodes of the sockets process ``pid`` holds open."""
    found = set()
    folder = Path(f"/proc/{pid}/fd")
    for entry in folder.iterdir():
        try:
            target = os.readlink(entry)
        except FileNotFoundError:
            continue
        if target.startswith("socket:["):
            found.add(int(target[len("socket:["):-1]))
    return found


def settings_for(course: Path, logs: Path) -> WorkerSettings:
    return WorkerSettings(str(course), ASSIGNMENT, str(logs / "students"), str(logs / "workers.log"))


def test_no_worker_holds_the_main_process_s_end_of_any_pipe(tmp_path):
    """A forked worker closes its copies of the main process's pipe ends: its own (or it would never see the
    main process go) and the other workers'."""
    course = make_course(tmp_path / "course", [])
    pool = WorkerPool(settings_for(course, tmp_path), size=2, timeout=60)
    held = []

    def look(job: GradingJob) -> None:
        workers = [worker for worker in pool._workers if worker.process.is_alive()]
        main_ends = {socket_inode(worker.connection.fileno()) for worker in workers}
        for worker in workers:
            if worker.ready:  # it closes what it inherited before it says it is ready
                held.append(main_ends & socket_inodes(worker.process.pid))

    outcomes = []
    pool.run([GradingJob(f"nobody{number}", (ASSIGNMENT,)) for number in range(4)], on_start=look,
             on_outcome=outcomes.append)
    assert [outcome.status for outcome in outcomes] == [MISSING] * 4
    assert len(held) >= 2 and all(inodes == set() for inodes in held), held


def test_a_worker_ends_its_kernel_fork_servers_itself(tmp_path, monkeypatch):
    """A forked process leaves without atexit, so the worker closes its fork servers (and so counts their CPU)
    on its way out, even when it could not start."""
    marker = tmp_path / "servers-closed"
    monkeypatch.setattr(forked_kernels, "close_servers", lambda: marker.write_text("closed"))
    pool = WorkerPool(settings_for(tmp_path / "no-such-course", tmp_path), size=1, timeout=60)
    with pytest.raises(WorkerStartupError):
        pool.run([GradingJob("ada", (ASSIGNMENT,))], on_start=lambda job: None, on_outcome=lambda outcome: None)
    assert marker.read_text() == "closed"
