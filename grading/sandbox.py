"""The grading sandbox: who a student's kernel runs as, what it may see and how much it may use.

nbgrader runs every student's notebook with the instructor's own rights. With the sandbox,
each kernel nbgrader starts for grading (:mod:`grading.sandbox_kernel`) is wrapped in what
Linux already provides:

* **its own user**: a system user ``va-to-obm-grader-N`` (created on first use with
  ``useradd --system``), one per kernel running at the same time, so two students graded in
  parallel can neither signal nor read each other and count their processes apart;
* **namespaces** (``unshare``): a network namespace with nothing in it (no way out, not even to
  the host's loopback; the grader talks to the kernel over unix sockets), a PID namespace (the
  kernel sees only its own processes, and everything it started dies with it) and a mount
  namespace in which the course's answers are hidden (:mod:`grading.sandbox_launch`);
* **resource limits** (``setrlimit``): address space (memory), CPU seconds for the whole
  kernel (a backstop: nbgrader's cell timeout stops a cell first), processes, size of a
  written file, open files;
* ``setpriv`` to drop to that user with no capabilities and no way to gain privileges.

Each kernel is normally a fork of a process that loaded the kernel's libraries once
(:mod:`grading.kernel_forkserver`), which sets up the same namespaces, limits and user itself.

It needs root (a new user and new namespaces); without it the grading commands say so.
:class:`Sandbox` holds the settings (``c.Sandbox.*`` in ``nbgrader_config.py``);
``python -m grading.sandbox`` checks the machine and creates the users ahead of a term.
"""

from __future__ import annotations

import fcntl
import os
import pwd
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from traitlets import Bool, Enum, Float, Integer, List, Unicode
from traitlets.config import LoggingConfigurable

#: Name of the users student kernels run as: the prefix and the slot's number.
USER_PREFIX = "va-to-obm-grader-"
#: Root-only folder with one sub-folder and one lock file per kernel slot.
RUN_FOLDER = Path("/run/va-to-obm-grader")
#: Environment variable that overrides ``Sandbox.mode`` (the class grader's --sandbox/--no-sandbox).
MODE_VARIABLE = "VA_TO_OBM_SANDBOX"
#: At most this many kernels are sandboxed at the same time on one machine.
MAX_SLOTS = 256
MIB = 1024 * 1024


class SandboxUnavailable(RuntimeError):
    """The sandbox was asked for and cannot run here; the message says what the instructor must do."""


class Sandbox(LoggingConfigurable):
    """The sandbox's settings, read from ``c.Sandbox`` in nbgrader_config.py."""

    mode = Enum(
        ["auto", "on", "off"], "auto",
        help="auto: sandbox student code where the machine allows it (root), else grade without it"
             " after a loud warning; on: refuse to grade without it; off: grade with the instructor's rights."
             f" The environment variable {MODE_VARIABLE} overrides it.",
    ).tag(config=True)
    memory_mb = Integer(2048, help="address space one kernel may use, in MiB (RLIMIT_AS)").tag(config=True)
    cpu_seconds = Integer(
        600, help="CPU seconds one kernel may use in all (RLIMIT_CPU); nbgrader's cell timeout stops a cell first"
    ).tag(config=True)
    processes = Integer(64, help="processes and threads one kernel's user may have (RLIMIT_NPROC)").tag(config=True)
    file_size_mb = Integer(64, help="largest file a kernel may write, in MiB (RLIMIT_FSIZE)").tag(config=True)
    scratch_mb = Integer(
        64, help="size of each private writable folder (/tmp, the layer over the grading folder), in MiB"
    ).tag(config=True)
    output_mb = Integer(
        16, help="output one cell may send the grader, in MiB of text; past it the cell is stopped"
    ).tag(config=True)
    max_restarts = Integer(
        20, help="kernels that died (os._exit, a crash, a limit) are started again this many times per notebook,"
                 " the cells before replayed, so that only the cells that killed them lose points; 0: never"
    ).tag(config=True)
    interrupt_grace = Float(
        5.0, help="seconds a timed-out cell's kernel has to obey the interrupt before it is killed and restarted"
    ).tag(config=True)
    hidden_paths = List(
        Unicode(), help="more files or folders student code must not see (the course's answers are hidden anyway)"
    ).tag(config=True)
    fork_kernels = Bool(
        True, help="start each kernel as a fork of a process that has loaded the kernel's libraries once"
                   " (grading.kernel_forkserver); False starts a new Python for every kernel"
    ).tag(config=True)
    preload_modules = List(
        Unicode(), ["ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.zmqshell", "ipykernel.debugger",
                    "IPython.core.completerlib", "IPython.core.debugger", "IPython.core.oinspect",
                    "IPython.extensions.storemagic", "sqlite3", "psutil", "tornado.platform.asyncio", "faulthandler",
                    "grading.kernel_guard"],
        help="modules the fork server loads once for all kernels, besides what the grading guard and the"
             " assignment's source notebook import"
    ).tag(config=True)
    #: Modules the source notebook being graded imports (set by the execute step, for the fork server).
    notebook_modules: list[str] = []

    def modules_to_preload(self) -> list[str]:
        """What the fork server loads: the settings', the grading guard's, the source notebook's; sorted."""
        from grading.kernel_guard import CORE_MODULES

        return sorted({*self.preload_modules, *CORE_MODULES, *self.notebook_modules})

    def effective_mode(self) -> str:
        """``mode``, unless the environment variable says otherwise."""
        override = os.environ.get(MODE_VARIABLE, "").strip().lower()
        return override if override in ("auto", "on", "off") else self.mode

    def should_run(self) -> bool:
        """Whether to sandbox the next kernel: True, False, or SandboxUnavailable when it is required and cannot run."""
        mode = self.effective_mode()
        if mode == "off":
            return False
        problem = sandbox_problem()
        if problem is None:
            return True
        if mode == "on":
            raise SandboxUnavailable(problem)
        self.log.warning("%s", unsandboxed_warning(problem))
        return False


def unsandboxed_warning(problem: str) -> str:
    """The loud warning printed when ``auto`` grades without the sandbox."""
    return ("WARNING: student code is graded WITHOUT the sandbox, with your own rights: it can read the gradebook,"
            f" the hidden tests and other students' work, and reach the network. Why: {problem}")


def choose_for_command(requested: str | None, course_root: Path | None) -> str:
    """Decide the sandbox for a whole grading command and pass it on to its grading processes.

    ``requested`` is the command line's choice ("on", "off", "auto") or None for the course's
    ``Sandbox.mode``. Returns the line to print; raises SandboxUnavailable when the sandbox is
    required and cannot run. ``auto`` without a working sandbox gives the loud warning, once.
    """
    mode = requested
    if mode is None:
        from grading.course import course_directory

        mode = Sandbox(config=course_directory(course_root).config).effective_mode()
    if mode == "off":
        os.environ[MODE_VARIABLE] = "off"
        return "Sandbox: off. Student code runs with your own rights."
    problem = sandbox_problem()
    if problem is not None:
        if mode == "on":
            raise SandboxUnavailable(problem)
        os.environ[MODE_VARIABLE] = "off"
        return unsandboxed_warning(problem)
    os.environ[MODE_VARIABLE] = "on"
    return ("Sandbox: on. Each student's kernel runs as a user of its own, without network, with the course's"
            " answers hidden and its memory, CPU, processes and output limited.")


def _tool(name: str) -> str | None:
    return shutil.which(name, path=os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/bin", "/sbin", "/bin"]))


_problem_cache: dict[str, str | None] = {}


def sandbox_problem() -> str | None:
    """Why the sandbox cannot run on this machine, with what to do; None when it can. Checked once per process."""
    if "problem" not in _problem_cache:
        _problem_cache["problem"] = _find_problem()
    return _problem_cache["problem"]


def _find_problem() -> str | None:
    if not sys.platform.startswith("linux"):
        return "the sandbox needs Linux (users, namespaces and resource limits); grade on a Linux machine"
    if os.geteuid() != 0:
        return ("the sandbox runs each student's kernel as a user of its own in new namespaces, which needs root:"
                " run the grading command with sudo (for example `sudo .venv/bin/python -m grading.class_grader"
                " ASSIGNMENT`), or set it up once with `sudo .venv/bin/python -m grading.sandbox --setup`"
                " and grade as root")
    missing = [name for name in ("unshare", "setpriv") if _tool(name) is None]
    if missing:
        return f"{' and '.join(missing)} not found: install util-linux (`apt-get install util-linux`)"
    if _tool("useradd") is None and not _user_exists(0):
        return "useradd not found to create the sandbox's users: install passwd (`apt-get install passwd`)"
    try:
        done = subprocess.run([_tool("unshare"), "--net", "--pid", "--fork", "--mount", "--mount-proc", "true"],
                              capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"unshare could not run: {error}"
    if done.returncode != 0:
        return ("this machine does not let root create namespaces (a container without CAP_SYS_ADMIN?):"
                f" `unshare --net --pid --mount` said: {done.stderr.strip() or done.returncode}")
    try:
        RUN_FOLDER.mkdir(mode=0o711, parents=True, exist_ok=True)
    except OSError as error:
        return f"cannot create {RUN_FOLDER}: {error}"
    return None


def closed_folder(path: str) -> str | None:
    """The first folder on the way to ``path`` that other users may not pass through, or None.

    >>> closed_folder("/")
    """
    import stat

    folder = os.path.realpath(path)
    folders = []
    while True:
        folders.append(folder)
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    for folder in reversed(folders):
        try:
            mode = os.stat(folder).st_mode
        except OSError:
            return folder
        if stat.S_ISDIR(mode) and not mode & stat.S_IXOTH:
            return folder
    return None


def slot_user(slot: int) -> str:
    return f"{USER_PREFIX}{slot}"


def _user_exists(slot: int) -> bool:
    try:
        pwd.getpwnam(slot_user(slot))
        return True
    except KeyError:
        return False


def ensure_user(slot: int) -> tuple[int, int]:
    """The uid and gid of slot ``slot``'s user, created as a locked system user when missing."""
    name = slot_user(slot)
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        done = subprocess.run(
            [_tool("useradd") or "useradd", "--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent",
             "--shell", "/usr/sbin/nologin", "--comment", "va-to-obm grading sandbox", name],
            capture_output=True, text=True, check=False,
        )
        try:
            entry = pwd.getpwnam(name)  # another grader may have created it meanwhile
        except KeyError:
            raise SandboxUnavailable(f"could not create the sandbox user {name}: {done.stderr.strip()}") from None
    return entry.pw_uid, entry.pw_gid


def kill_user_processes(uid: int) -> None:
    """Kill every process whose real or effective user is ``uid`` (what a slot's last kernel left behind)."""
    import psutil

    killed = []
    for process in psutil.process_iter(["uids"]):
        uids = process.info.get("uids")
        if uids is not None and uid in (uids.real, uids.effective):
            try:
                process.kill()
                killed.append(process)
            except psutil.Error:
                pass
    psutil.wait_procs(killed, timeout=5)


@dataclass
class KernelSlot:
    """One sandboxed kernel's place: a user of its own and a root-owned folder, held by a lock while in use."""

    number: int
    uid: int
    gid: int
    folder: Path
    _lock: int

    @classmethod
    def acquire(cls) -> KernelSlot:
        """The first free slot, with its user created, its old processes killed and an empty folder."""
        RUN_FOLDER.mkdir(mode=0o711, parents=True, exist_ok=True)
        os.chmod(RUN_FOLDER, 0o711)
        for number in range(MAX_SLOTS):
            lock = os.open(RUN_FOLDER / f"slot-{number}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(lock)
                continue
            try:
                uid, gid = ensure_user(number)
                slot = cls(number, uid, gid, RUN_FOLDER / f"slot-{number}", lock)
                slot.reset()
            except BaseException:
                os.close(lock)
                raise
            return slot
        raise SandboxUnavailable(f"all {MAX_SLOTS} sandbox slots are in use")

    def reset(self) -> None:
        """Kill what the slot's user still runs and give it a fresh folder: owned by it, private, empty."""
        kill_user_processes(self.uid)
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(mode=0o700)
        for mount_point in ("own", "scratch"):
            (self.folder / mount_point).mkdir(mode=0o700)
        os.chown(self.folder, self.uid, self.gid)

    def give(self, path: Path) -> None:
        """Hand a file the grader wrote in the slot's folder to the slot's user, readable by it alone."""
        os.chown(path, self.uid, self.gid)
        os.chmod(path, 0o600)

    def release(self) -> None:
        if self._lock < 0:
            return
        try:
            kill_user_processes(self.uid)
            shutil.rmtree(self.folder, ignore_errors=True)
        finally:
            os.close(self._lock)
            self._lock = -1


def setup(slots: int) -> str:
    """Create the users of the first ``slots`` slots and check the machine; the report to print."""
    problem = sandbox_problem()
    if problem is not None:
        raise SandboxUnavailable(problem)
    names = []
    for number in range(slots):
        ensure_user(number)
        names.append(slot_user(number))
    return (f"The sandbox works here. Users ready: {names[0]} to {names[-1]}; slots in {RUN_FOLDER}."
            if names else "The sandbox works here.")


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m grading.sandbox",
        description="Check that the grading sandbox can run on this machine; with --setup, create its users.",
    )
    parser.add_argument("--setup", action="store_true", help="create the sandbox's users (needs root)")
    parser.add_argument("--slots", type=int, default=os.cpu_count() or 1,
                        help="kernels graded at the same time to create users for (default: the cores, %(default)s)")
    args = parser.parse_args(argv)
    if args.slots < 1 or args.slots > MAX_SLOTS:
        print(f"sandbox: --slots must be between 1 and {MAX_SLOTS}, got {args.slots}", file=sys.stderr)
        return 2
    try:
        if args.setup:
            print(setup(args.slots))
        else:
            problem = sandbox_problem()
            if problem is not None:
                raise SandboxUnavailable(problem)
            print("The sandbox can run here; its users are created on first use (or now with --setup).")
    except SandboxUnavailable as error:
        print(f"sandbox: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
