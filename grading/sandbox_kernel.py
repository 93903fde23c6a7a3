"""The kernel manager nbgrader's execute step uses when grading is sandboxed (see :mod:`grading.sandbox`).

:class:`SandboxKernelManager` is jupyter_client's kernel manager with three changes:

* before the kernel starts it takes a free slot (a user of its own, a private folder under
  ``/run/va-to-obm-grader``) and puts the connection file there, with the ``ipc``
  transport: the kernel lives in an empty network namespace, so grader and kernel talk over
  unix sockets in that folder, which both can reach;
* the kernel is started in the sandbox from a plan that names the grading folder, the paths
  to hide (:func:`hidden_paths`), the limits and a minimal environment (no secret of the
  grader's environment reaches student code): forked by this process's fork server
  (:mod:`grading.forked_kernels`, ``Sandbox.fork_kernels``), which loaded the kernel's
  libraries once, or else with its command wrapped in ``unshare`` and
  :mod:`grading.sandbox_launch`; the kernel's stdout and stderr go to a log the grader owns,
  read when the kernel dies;
* when the kernel is done, every process of the slot's user is killed and the slot freed.

:class:`SandboxKernelClient` waits for a new kernel without idling, and hands the grading guard
(:mod:`grading.guard`) over the fence:
the guard writes its one-time config file where only the grader can read it, so when the
grader asks the kernel to install the guard, the file is copied into the slot's folder for
the kernel's user alone and the request names the copy.
"""

from __future__ import annotations

import ast
import json
import os
import secrets
import signal
import stat
import sys
import time
from pathlib import Path
from queue import Empty

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from traitlets import DottedObjectName, Instance, Type

from grading import kernel_guard
from grading.sandbox import MIB, KernelSlot, Sandbox, SandboxUnavailable, _tool, closed_folder

LAUNCHER = Path(__file__).with_name("sandbox_launch.py")
#: The exit code of :mod:`grading.sandbox_launch` when it could not start the kernel.
LAUNCH_FAILED = 97
#: Milliseconds between a kernel client's tries to reach a socket the kernel has not bound yet.
RECONNECT_MS = 10
#: Seconds of CPU a kernel gets past its soft limit (SIGXCPU) before the hard one kills it.
CPU_GRACE_S = 5
#: Variables of the grader's environment the kernel keeps (locale, time zone, extra import paths, and
#: nbgrader's NBGRADER_EXECUTION, which tells the notebook's self-check that it is being graded).
KEPT_VARIABLES = (
    "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "LC_NUMERIC", "LC_TIME", "TZ", "PYTHONPATH", "NBGRADER_EXECUTION",
)
#: Folders every user may write to: the kernel gets empty private ones, with this mode.
PRIVATE_FOLDERS = (("/tmp", 0o1777), ("/var/tmp", 0o1777), ("/dev/shm", 0o1777), ("/run", 0o755))
#: The course's own packages a kernel imports (the grading guard, the checks, the calculators' models).
COURSE_PACKAGES = ("grading", "widgets")
#: Where nbgrader's exchange is when the configuration does not say.
DEFAULT_EXCHANGE = "/srv/nbgrader/exchange"
#: The class grader's folder of ledgers and logs in the course (grading.grading_ledger).
CLASS_GRADER_FOLDER = ".class-grader"


def hidden_paths(config, extra: list[str] = ()) -> list[str]:
    """The files and folders of the course that student code must not see, resolved.

    The source notebooks (hidden tests), every submission and grading folder (the kernel's own
    grading folder is put back), feedback, the exchange, the gradebook, the course's git
    history and the nbgrader configuration files (they may hold the database's password).
    """
    from jupyter_core.paths import jupyter_config_path
    from nbgrader.coursedir import CourseDirectory

    coursedir = CourseDirectory(config=config)
    root = Path(coursedir.root)
    folders = [coursedir.source_directory, coursedir.submitted_directory, coursedir.autograded_directory,
               coursedir.feedback_directory, coursedir.solution_directory]
    paths = [root / folder for folder in folders if folder]
    exchange = config.get("Exchange", {}).get("root") if hasattr(config, "get") else None
    paths.append(Path(exchange or DEFAULT_EXCHANGE))
    if coursedir.db_url.startswith("sqlite:///"):
        database = Path(coursedir.db_url[len("sqlite:///"):].split("?", 1)[0])
        database = database if database.is_absolute() else root / database
        paths += [Path(f"{database}{suffix}") for suffix in ("", "-journal", "-wal", "-shm")]
    paths += [root / ".git", root / CLASS_GRADER_FOLDER]
    for folder in [root, *map(Path, jupyter_config_path())]:
        paths += [folder / "nbgrader_config.py", folder / "nbgrader_config.json"]
    paths += [Path(path) for path in extra]
    return sorted({os.path.realpath(path) for path in paths})


def _within(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


_kernel_package_cache: dict[str, frozenset[str]] = {}


def kernel_package_locations() -> frozenset[str]:
    """Where a Python started outside the course folder finds the course's packages: the kernel's view.

    The grader itself may import them from the course folder it runs in, while the kernel, which
    runs elsewhere, follows the editable install to the repository: both must be put back.
    Asked once per process, of a fresh interpreter started in ``/``.
    """
    if "locations" not in _kernel_package_cache:
        import subprocess

        code = ("import importlib.util, sys\n"
                "for name in sys.argv[1:]:\n"
                "    spec = importlib.util.find_spec(name)\n"
                "    print('\\n'.join(spec.submodule_search_locations or []) if spec else '')\n")
        try:
            done = subprocess.run([sys.executable, "-c", code, *COURSE_PACKAGES], cwd="/", capture_output=True,
                                  text=True, timeout=120, check=False)
            found = frozenset(line for line in done.stdout.splitlines() if line.strip())
        except (OSError, subprocess.TimeoutExpired):
            found = frozenset()
        _kernel_package_cache["locations"] = found
    return _kernel_package_cache["locations"]


def runtime_paths(hidden: list[str]) -> list[str]:
    """The folders the kernel runs from: Python, the virtual environment, the course's packages.

    Only folders that hold no hidden path (the course folder itself, on ``sys.path`` when a
    command runs there, would show the answers again), outermost first.
    """
    import importlib.util

    candidates = {sys.prefix, sys.base_prefix, os.path.dirname(os.path.realpath(sys.executable))}
    candidates |= {entry for entry in sys.path if entry and os.path.isdir(entry)}
    for package in COURSE_PACKAGES:
        spec = importlib.util.find_spec(package)
        if spec is not None and spec.submodule_search_locations:
            candidates |= set(spec.submodule_search_locations)
    candidates |= kernel_package_locations()
    resolved = sorted({os.path.realpath(path) for path in candidates if os.path.isdir(path)})
    present = [secret for secret in hidden if os.path.lexists(secret)]
    safe = [path for path in resolved if not any(_within(secret, path) for secret in present)]
    # A folder other users may not enter (a checkout made by `mktemp -d`, mode 0700) is no use put back
    # whole: the kernel's user could not pass through it. What it holds is put back instead.
    safe = [path for path in safe if os.stat(path).st_mode & stat.S_IXOTH]
    return [path for path in safe if not any(other != path and _within(path, other) for other in safe)]


def kernel_environment(kernel_spec_env: dict[str, str] | None = None) -> dict[str, str]:
    """The whole environment a sandboxed kernel starts with."""
    environment = {name: os.environ[name] for name in KEPT_VARIABLES if name in os.environ}
    environment.update(kernel_spec_env or {})
    environment.update(
        PATH=os.pathsep.join([str(Path(sys.executable).parent), "/usr/local/bin", "/usr/bin", "/bin"]),
        HOME="/tmp", TMPDIR="/tmp", IPYTHONDIR="/tmp/.ipython", MPLCONFIGDIR="/tmp/.matplotlib",
        JUPYTER_RUNTIME_DIR="/tmp/.jupyter", PYTHONNOUSERSITE="1", PYDEVD_DISABLE_FILE_VALIDATION="1",
        # One kernel per core is graded at a time: one thread each for the numerical libraries.
        OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
    )
    return environment


def guard_config_path(code: str) -> str | None:
    """The config file named by the grading guard's setup request, or None when ``code`` is anything else.

    >>> guard_config_path(kernel_guard.setup_request("/tmp/g/config.json"))
    '/tmp/g/config.json'
    >>> guard_config_path("print('hello')") is None
    True
    """
    marker = "\0placeholder\0"
    before, after = kernel_guard.setup_request(marker).split(repr(marker))
    if not (code.startswith(before) and code.endswith(after)) or len(code) <= len(before) + len(after):
        return None
    try:
        path = ast.literal_eval(code[len(before):len(code) - len(after)])
    except (ValueError, SyntaxError):
        return None
    return path if isinstance(path, str) else None


def describe_exit(returncode: int | None, cpu_seconds: int) -> str:
    """Why a sandboxed kernel's process ended, for the cell it was running.

    >>> describe_exit(0, 600)
    "the notebook's code ended the kernel's process (exit code 0: os._exit, or a crash)"
    >>> describe_exit(-signal.SIGXCPU, 600)
    'the kernel used up the 600 CPU seconds it may use'
    """
    if returncode is None:
        return "the kernel stopped answering"
    if returncode == LAUNCH_FAILED:
        return "the sandbox could not start the kernel"
    if returncode >= 0:
        return f"the notebook's code ended the kernel's process (exit code {returncode}: os._exit, or a crash)"
    number = -returncode
    if number in (signal.SIGXCPU, signal.SIGKILL):
        return f"the kernel used up the {cpu_seconds} CPU seconds it may use" if number == signal.SIGXCPU else (
            "the kernel was killed (the CPU time limit, or the grader stopped it)")
    try:
        name = signal.Signals(number).name
    except ValueError:
        name = f"signal {number}"
    if number in (signal.SIGSEGV, signal.SIGBUS, signal.SIGABRT):
        return f"the kernel crashed ({name}), often a sign that it ran into the memory limit"
    return f"the kernel was ended by {name}"


class SandboxKernelManager(AsyncKernelManager):
    """jupyter_client's kernel manager, with the kernel started inside the sandbox (see the module's docstring)."""

    client_class = DottedObjectName("grading.sandbox_kernel.SandboxKernelClient")
    client_factory = Type(default_value="grading.sandbox_kernel.SandboxKernelClient",
                          klass="jupyter_client.asynchronous.AsyncKernelClient")
    sandbox = Instance(Sandbox, allow_none=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        if self.sandbox is None:
            self.sandbox = Sandbox(config=self.config, parent=self)
        self.transport = "ipc"
        self.cache_ports = False
        self.slot: KernelSlot | None = None
        self._log = None

    # --- Starting ----------------------------------------------------------------------
    async def _async_pre_start_kernel(self, **kw):
        if self.slot is None:
            self.slot = KernelSlot.acquire()
        self.ip = str(self.slot.folder / "kernel")
        self.connection_file = str(self.slot.folder / "connection.json")
        return await super()._async_pre_start_kernel(**kw)

    def launch_plan(self, own_folder: str) -> dict:
        """What :mod:`grading.sandbox_launch` needs to start the kernel."""
        sandbox, slot = self.sandbox, self.slot
        kernel_spec = self.kernel_spec
        hidden = hidden_paths(self.config, sandbox.hidden_paths)
        runtime = runtime_paths(hidden)
        closed = sorted({folder for folder in map(closed_folder, [*runtime, own_folder]) if folder})
        return {
            "uid": slot.uid, "gid": slot.gid, "own_folder": own_folder, "slot_folder": str(slot.folder),
            "hidden": hidden,
            "private": [list(pair) for pair in PRIVATE_FOLDERS],
            # Folders other users may not pass through (a home folder) are replaced by empty ones
            # that they may, with the runtime folders under them put back, read-only.
            "closed": closed,
            "runtime": [path for path in runtime
                        if any(_within(path, folder) for folder in [*closed, *(p for p, _ in PRIVATE_FOLDERS)])],
            "scratch_bytes": sandbox.scratch_mb * MIB,
            "limits": {
                "as": sandbox.memory_mb * MIB, "cpu": [sandbox.cpu_seconds, sandbox.cpu_seconds + CPU_GRACE_S],
                "nproc": sandbox.processes, "fsize": sandbox.file_size_mb * MIB, "nofile": 1024, "core": 0,
            },
            "setpriv": _tool("setpriv"),
            "env": kernel_environment(kernel_spec.env if kernel_spec else None),
        }

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        self.slot.give(Path(self.connection_file))
        own_folder = os.path.realpath(kw.get("cwd") or os.getcwd())
        plan = self.launch_plan(own_folder)
        inside = [path for path in plan["hidden"] if path.startswith(own_folder.rstrip("/") + "/")]
        if inside:
            # The kernel's folder is shown through an overlay, which would show these too.
            raise SandboxUnavailable(f"the kernel would run in {own_folder}, which holds {inside[0]}:"
                                     " grade in the course's autograded folder, as nbgrader does")
        if self._log is None:
            # Beside the slot's folder, not in it: the kernel's user owns that folder, not this file.
            # Appending: the kernel's stdout shares this file's offset, which reading it moves.
            flags = os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW | os.O_CLOEXEC
            descriptor = os.open(self.slot.folder.with_suffix(".log"), flags, 0o600)
            os.fchmod(descriptor, 0o600)
            self._log = os.fdopen(descriptor, "a+b")
        self._log.truncate(0)
        if self.sandbox.fork_kernels:
            process = self._forked_kernel(plan, kernel_cmd)
            if process is not None:
                provisioner = self.provisioner
                # The keeper leads the kernel's process group, as a kernel jupyter_client starts itself does.
                provisioner.process, provisioner.pid, provisioner.pgid = process, process.pid, process.pid
                provisioner.cwd = "/"
                self._reconcile_connection_info(provisioner.connection_info)
                return
        kw.update(stdout=self._log, stderr=self._log, cwd="/", env={"PATH": plan["env"]["PATH"]})
        # --pdeathsig: a grader killed outright (SIGKILL) takes unshare, and so the kernel, with it.
        command = [_tool("setpriv"), "--pdeathsig", "KILL", "--",
                   _tool("unshare"), "--net", "--pid", "--fork", "--mount", "--mount-proc", "--kill-child", "--",
                   sys.executable, "-I", "-S", str(LAUNCHER), json.dumps(plan), "--", *kernel_cmd]
        await super()._async_launch_kernel(command, **kw)

    def _forked_kernel(self, plan: dict, kernel_cmd: list[str]):
        """The kernel forked by this process's fork server (:mod:`grading.forked_kernels`), or None to start one
        from scratch: a kernel command other than ``PYTHON -m ipykernel_launcher ...``, or a fork server that failed."""
        from grading.forked_kernels import ForkServerUnavailable, shared_server

        if len(kernel_cmd) < 3 or kernel_cmd[1:3] != ["-m", "ipykernel_launcher"]:
            return None
        try:
            server = shared_server(plan["env"], self.sandbox.modules_to_preload(), python=kernel_cmd[0])
            return server.launch(plan, kernel_cmd[3:], str(self.slot.folder.with_suffix(".log")))
        except (ForkServerUnavailable, OSError) as error:
            self.log.warning("The kernel is started from scratch: %s", error)
            return None

    async def _async_wait(self, pollinterval: float = 0.1) -> None:
        # A kernel that was asked to shut down is gone a few milliseconds later: look every 10 ms, not 100.
        await super()._async_wait(pollinterval=min(pollinterval, 0.01))

    # --- What happened -----------------------------------------------------------------
    def exit_code(self) -> int | None:
        process = getattr(self.provisioner, "process", None)
        return None if process is None else process.poll()

    def log_tail(self, characters: int = 2000) -> str:
        """The end of what the kernel (and the launcher) printed on stdout and stderr."""
        if self._log is None:
            return ""
        self._log.flush()
        self._log.seek(0, os.SEEK_END)
        size = self._log.tell()
        self._log.seek(max(0, size - characters))
        return self._log.read().decode("utf-8", "replace")

    def exit_reason(self) -> str:
        reason = describe_exit(self.exit_code(), self.sandbox.cpu_seconds)
        tail = self.log_tail()
        if "MemoryError" in tail and "memory" not in reason:
            reason += f"; it ran out of the {self.sandbox.memory_mb} MiB of memory it may use"
        launcher_line = [line for line in tail.splitlines() if line.startswith("sandbox:")]
        return f"{reason} ({launcher_line[-1]})" if launcher_line else reason

    def processes(self) -> list:
        """The processes the kernel's user has now (the kernel and what the student started), as psutil objects."""
        import psutil

        if self.slot is None:
            return []
        found = []
        for process in psutil.process_iter(["uids"]):
            uids = process.info.get("uids")
            if uids is not None and uids.real == self.slot.uid:
                found.append(process)
        return found

    # --- The guard's hand-over -----------------------------------------------------------
    def hand_over_guard_config(self, code: str) -> str:
        """``code``, or the guard's setup request rewritten to name a copy of its file the kernel can read."""
        path = guard_config_path(code)
        if path is None or self.slot is None:
            return code
        content = Path(path).read_bytes()
        copy = self.slot.folder / f"guard-{secrets.token_hex(8)}.json"
        # The kernel's user owns the folder: never follow or reuse whatever it may have put there.
        descriptor = os.open(copy, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        try:
            os.write(descriptor, content)
            os.fchown(descriptor, self.slot.uid, self.slot.gid)
        finally:
            os.close(descriptor)
        return kernel_guard.setup_request(str(copy))

    # --- Ending --------------------------------------------------------------------------
    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        try:
            await super()._async_cleanup_resources(restart=restart)
        finally:
            if not restart:
                self.release()

    # jupyter_client's async manager binds this name to the base class's function: point it at the one above.
    cleanup_resources = _async_cleanup_resources

    def release(self) -> None:
        """Kill whatever the kernel's user still runs and free the slot."""
        if self.slot is not None:
            self.slot.release()
            self.slot = None
        if self._log is not None:
            self._log.close()
            self._log = None


class SandboxKernelClient(AsyncKernelClient):
    """jupyter_client's kernel client; hands the grading guard's config file to a sandboxed kernel.

    It also waits for a new kernel without idling: jupyter_client's wait ends with 0.2 s in which
    no output may arrive, and zmq tries a socket the kernel has not bound yet again after 100 ms.
    Here the wait ends when the kernel_info request's own idle status arrives, and the sockets try
    again every :data:`RECONNECT_MS` (a forked kernel binds its sockets a moment after it is asked for).
    """

    def _create_connected_socket(self, channel, identity=None):
        import zmq

        self.context.setsockopt(zmq.RECONNECT_IVL, RECONNECT_MS)
        return super()._create_connected_socket(channel, identity)

    async def wait_for_ready(self, timeout: float | None = None) -> None:
        deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
        while True:
            self.kernel_info()
            try:
                reply = await self.shell_channel.get_msg(timeout=1)
            except Empty:
                reply = None
            # IOPub is connected once it carries the request's idle status; if it missed it, ask again.
            if reply is not None and reply["msg_type"] == "kernel_info_reply" and \
                    await self._reaches_idle(reply["parent_header"].get("msg_id"), 1.0):
                self._handle_kernel_info_reply(reply)
                return
            if not await self.is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout:.0f} seconds")

    async def _reaches_idle(self, msg_id: str | None, timeout: float) -> bool:
        """Read IOPub up to the idle status of request ``msg_id``, for at most ``timeout`` seconds; whether it came."""
        end = time.monotonic() + timeout
        while (left := end - time.monotonic()) > 0:
            try:
                message = await self.iopub_channel.get_msg(timeout=left)
            except Empty:
                return False
            if (message["msg_type"] == "status" and message["content"].get("execution_state") == "idle"
                    and message["parent_header"].get("msg_id") == msg_id):
                return True
        return False

    def execute(self, code, *args, **kwargs):
        manager = self.parent
        if isinstance(manager, SandboxKernelManager):
            code = manager.hand_over_guard_config(code)
        return super().execute(code, *args, **kwargs)
