"""The fork server of sandboxed kernels: the kernel's libraries are loaded once, and each kernel is a fork.

Most of a kernel's start is Python importing ipykernel and IPython, then what the grading guard
and the notebook import (numpy, pandas): about a second of CPU, paid again by every student.
A grading process (:mod:`grading.forked_kernels`) therefore starts this program once, as root,
with the environment every sandboxed kernel gets, and it imports all of that one time, in a
network namespace of its own with nothing in it. For each kernel the grader asks for, it forks:

* a **keeper** that starts a session of its own (the kernel's process group), enters new mount,
  network and PID namespaces and forks the kernel, then waits for it and ends as it ended (as
  ``unshare --fork`` does: SIGINT and SIGTERM are the kernel's to handle);
* the **kernel**, process 1 of its PID namespace, which mounts a fresh ``/proc``, does what
  :func:`grading.sandbox_launch.enter` does for an ``exec``'d kernel (the overlay on its
  grading folder, the course's answers hidden, private ``/tmp``, the limits), points its output
  at the kernel's log, drops to the slot's user as ``setpriv`` would (no groups, no capabilities
  in any set, ``no_new_privs``, killed with its keeper) and runs ipykernel in place of
  ``python -m ipykernel_launcher``.

So a forked kernel is the same kernel in the same sandbox as one started from scratch, started
without the imports. What differs, and why it does not matter for grading: the preloaded
modules are in ``sys.modules`` before the notebook's first cell (the guard imports and
snapshots the same ones before it anyway); numpy's global random state is seeded afresh in each
kernel, as in a new process; the hash seed is the server's, so the order of a set of strings is
the same in every kernel of one grading run.

The grader and the server talk over a socket whose descriptor number is the server's first
argument, one JSON object a line:

* server: ``{"ready": true, "loaded": [...], "missing": {name: error}, "threads": n}`` once;
* grader: ``{"plan": {...}, "argv": [...], "log": path}``: start a kernel;
* server: ``{"started": pid}`` (the keeper's pid, which is the process group) or ``{"failed": why}``;
* server: ``{"exited": pid, "returncode": n}`` when a keeper ends (a negative n: the signal).

When the grader goes (its end of the socket closes), the server kills its kernels and ends.
"""

from __future__ import annotations

import ctypes
import gc
import json
import os
import resource
import selectors
import signal
import socket
import sys
import threading

# FAILED: the exit code of a kernel that could not be set up, as for one started from scratch.
from grading.sandbox_launch import FAILED, MS_NODEV, MS_NOEXEC, MS_NOSUID, enter, mount

CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWNET = 0x00020000, 0x20000000, 0x40000000
MS_REC, MS_PRIVATE = 16384, 1 << 18
PR_SET_PDEATHSIG, PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS, PR_CAP_AMBIENT = 1, 24, 38, 47
PR_CAP_AMBIENT_CLEAR_ALL = 4
_LINUX_CAPABILITY_VERSION_3 = 0x20080522
_libc = ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"{what}: {os.strerror(error)}")


def prctl(option: int, argument: int = 0) -> None:
    _check(_libc.prctl(option, ctypes.c_ulong(argument), 0, 0, 0), f"prctl({option})")


# --- In the kernel: becoming the slot's user -----------------------------------------------------
class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def drop_privileges(uid: int, gid: int) -> None:
    """Become ``uid``/``gid`` for good, as ``setpriv --reuid --regid --clear-groups --no-new-privs
    --inh-caps=-all --bounding-set=-all --pdeathsig KILL`` does."""
    with open("/proc/sys/kernel/cap_last_cap", encoding="ascii") as handle:
        last = int(handle.read())
    for capability in range(last + 1):
        prctl(PR_CAPBSET_DROP, capability)
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL)
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)  # clears the permitted and effective capabilities
    header, data = _CapHeader(_LINUX_CAPABILITY_VERSION_3, 0), (_CapData * 2)()
    _check(_libc.capset(ctypes.byref(header), data), "clearing the inheritable capabilities")
    prctl(PR_SET_NO_NEW_PRIVS, 1)
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # a change of user clears it


def become_kernel(request: dict) -> None:
    """In the kernel's process (process 1 of its PID namespace, root): set up the sandbox and run ipykernel."""
    plan = request["plan"]
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    # As `unshare --mount --mount-proc`: nothing mounted here reaches the host; a /proc of this namespace.
    mount("none", "/", None, MS_REC | MS_PRIVATE)
    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    log = os.open(request["log"], os.O_WRONLY | os.O_APPEND | os.O_NOFOLLOW)
    null = os.open(os.devnull, os.O_RDONLY)
    enter(plan)
    os.dup2(null, 0)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.closerange(3, os.sysconf("SC_OPEN_MAX"))
    # The server started with this environment (a server serves one), plus what its imports set in it.
    os.environ.update(plan["env"])
    drop_privileges(plan["uid"], plan["gid"])
    if "numpy.random" in sys.modules:  # a new process seeds it from the OS: so does each fork
        sys.modules["numpy.random"].seed()
    import ipykernel_launcher

    # As `python -m ipykernel_launcher ARGS`, which takes its folder off the path; IPython puts '' back.
    sys.argv = [ipykernel_launcher.__file__, *request["argv"]]
    from ipykernel import kernelapp

    kernelapp.launch_new_instance()


def _kernel_process(request: dict) -> None:
    """The forked kernel's whole life; it never returns into the server's loop."""
    import atexit
    import traceback

    code = 0
    try:
        become_kernel(request)
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    except BaseException as error:  # noqa: BLE001 - the grader reads this line from the kernel's log
        print(f"sandbox: the kernel could not be started: {type(error).__name__}: {error}", file=sys.stderr)
        traceback.print_exc()
        code = FAILED
    try:
        atexit._run_exitfuncs()
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(code)


def _keeper(request: dict, started_write: int, server_pid: int) -> None:
    """The keeper's whole life: new namespaces, the kernel forked into them, its end mirrored."""
    try:
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != server_pid:
            os._exit(FAILED)
        os.setsid()
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        _check(_libc.unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWPID), "unshare")
        kernel = os.fork()
        if kernel == 0:
            os.close(started_write)
            signal.signal(signal.SIGINT, signal.default_int_handler)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            _kernel_process(request)
        os.write(started_write, b"1")
        os.close(started_write)
        os.closerange(3, os.sysconf("SC_OPEN_MAX"))
        while True:
            try:
                _, status = os.waitpid(kernel, 0)
                break
            except ChildProcessError:
                os._exit(FAILED)
            except InterruptedError:
                continue
        if os.WIFSIGNALED(status):
            number = os.WTERMSIG(status)
            if number not in (signal.SIGKILL, signal.SIGSTOP):  # the two that keep their default anyway
                signal.signal(number, signal.SIG_DFL)
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # the kernel's crash, not a core of the keeper
            os.kill(os.getpid(), number)
        os._exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else FAILED)
    except BaseException as error:  # noqa: BLE001
        try:
            os.write(started_write, f"0{type(error).__name__}: {error}".encode()[:500])
        finally:
            os._exit(FAILED)


class Server:
    """The server's loop: start kernels on request, report their ends."""

    def __init__(self, control: socket.socket):
        self.control = control
        self.buffer = b""
        self.kernels: dict[int, int] = {}  # keeper pid -> its pidfd
        self.selector = selectors.DefaultSelector()
        self.selector.register(control, selectors.EVENT_READ, None)

    def send(self, message: dict) -> None:
        self.control.sendall(json.dumps(message).encode() + b"\n")

    def start(self, request: dict) -> None:
        if threading.active_count() != 1:
            self.send({"failed": f"the fork server runs {threading.active_count()} threads; it cannot fork safely"})
            return
        started_read, started_write = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        server_pid = os.getpid()
        keeper = os.fork()
        if keeper == 0:
            os.close(started_read)
            self.control.close()
            _keeper(request, started_write, server_pid)
        os.close(started_write)
        with os.fdopen(started_read, "rb") as pipe:
            said = pipe.read()
        if said != b"1":
            os.waitpid(keeper, 0)
            self.send({"failed": said[1:].decode("utf-8", "replace") or "the kernel's keeper ended at once"})
            return
        descriptor = os.pidfd_open(keeper)
        self.kernels[keeper] = descriptor
        self.selector.register(descriptor, selectors.EVENT_READ, keeper)
        self.send({"started": keeper})

    def reap(self, keeper: int) -> None:
        descriptor = self.kernels.pop(keeper)
        self.selector.unregister(descriptor)
        os.close(descriptor)
        _, status = os.waitpid(keeper, 0)
        self.send({"exited": keeper, "returncode": os.waitstatus_to_exitcode(status)})

    def serve(self) -> None:
        while True:
            for key, _ in self.selector.select():
                if key.data is not None:
                    self.reap(key.data)
                    continue
                chunk = self.control.recv(1 << 20)
                if not chunk:
                    return
                self.buffer += chunk
                while b"\n" in self.buffer:
                    line, self.buffer = self.buffer.split(b"\n", 1)
                    self.start(json.loads(line))

    def stop(self) -> None:
        for keeper in list(self.kernels):
            try:
                os.killpg(keeper, signal.SIGKILL)
            except OSError:
                pass


def preload(names: list[str]) -> tuple[list[str], dict[str, str]]:
    """Import each module; the ones loaded and, for the others, why not."""
    import importlib

    loaded, missing = [], {}
    for name in names:
        try:
            importlib.import_module(name)
            loaded.append(name)
        except Exception as error:  # noqa: BLE001 - the kernel imports it itself, or fails as it would
            missing[name] = f"{type(error).__name__}: {error}"[:200]
    return loaded, missing


def main(argv: list[str]) -> int:
    """``python -m grading.kernel_forkserver SOCKET_FD MODULES_JSON`` in "/": preload, say ready, serve until the grader goes.

    The server learns that the grader went from its socket's end, not from a parent-death
    signal, which Linux sends when the *thread* that started the server ends.
    """
    if sys.path and sys.path[0] == os.getcwd():  # "/", where `-m` looked first
        del sys.path[0]
    control = socket.socket(fileno=int(argv[0]))
    # The imports run as root, so they get no network: a module that reaches out when imported finds none.
    _check(_libc.unshare(CLONE_NEWNET), "unshare --net")
    loaded, missing = preload(json.loads(argv[1]))
    try:  # a failed test's first traceback then costs a kernel no imports
        from grading import quick_tracebacks

        quick_tracebacks.install()
        quick_tracebacks.warm()
    except Exception as error:  # noqa: BLE001 - the kernels format their tracebacks unwarmed
        missing["grading.quick_tracebacks"] = f"{type(error).__name__}: {error}"[:200]
    # What the imports made stays shared with every fork only while nothing writes to its pages; a
    # garbage collection in a kernel would visit (and so copy) all of it: the collector leaves it alone.
    gc.collect()
    gc.freeze()
    server = Server(control)
    server.send({"ready": True, "loaded": loaded, "missing": missing, "threads": threading.active_count()})
    try:
        server.serve()
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
