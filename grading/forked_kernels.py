"""The grader's side of the kernel fork server (:mod:`grading.kernel_forkserver`).

:func:`shared_server` starts one fork server per grading process and set of preloaded
modules, the first time a sandboxed kernel is wanted, and keeps it for the next students.
:meth:`ForkServer.launch` asks it for a kernel and returns a :class:`ForkedKernelProcess`,
which jupyter_client's local provisioner uses as it uses the ``Popen`` of a kernel it started
itself: ``pid`` (also the kernel's process group), ``poll``, ``wait``, ``send_signal``,
``kill``, ``terminate``. The kernel is not this process's child, so its end is learned from
the server.

A server that cannot start, or that lost its way (it died, it said it runs threads), is
reported by :class:`ForkServerUnavailable`; the sandbox then starts the kernel from scratch,
as it did before the fork server existed.
"""

from __future__ import annotations

import atexit
import json
import os
import select
import signal
import socket
import subprocess
import sys
import time

#: How the server is started: as a module, so that below a forked kernel's frames are runpy's and the
#: server's only (the grading guard trusts those). It starts in "/", which it takes off its path.
SERVER_COMMAND = ["-m", "grading.kernel_forkserver"]
#: Seconds a new server may take to import the kernel's libraries.
READY_TIMEOUT_S = 120
#: Seconds the server may take to start one kernel (fork, namespaces) and say so.
LAUNCH_TIMEOUT_S = 30


class ForkServerUnavailable(RuntimeError):
    """The fork server cannot start kernels; the message says why."""


class ForkServer:
    """One running fork server: its process, the socket to it, and what it said about its kernels."""

    def __init__(self, python: str, environment: dict[str, str], modules: list[str]):
        ours, theirs = socket.socketpair()
        self.socket = ours
        self._buffer = b""
        self.exits: dict[int, int] = {}
        try:
            self.process = subprocess.Popen(
                [python, *SERVER_COMMAND, str(theirs.fileno()), json.dumps(modules)], cwd="/", env=environment,
                stdin=subprocess.DEVNULL, pass_fds=(theirs.fileno(),))
        except OSError as error:
            ours.close()
            raise ForkServerUnavailable(f"the kernel fork server could not be started: {error}") from None
        finally:
            theirs.close()
        ready = self._receive(READY_TIMEOUT_S)
        if not ready or not ready.get("ready"):
            self.close()
            raise ForkServerUnavailable(f"the kernel fork server did not start ({ready or 'no answer'})")
        if ready.get("threads") != 1:
            self.close()
            raise ForkServerUnavailable(f"the kernel fork server runs {ready.get('threads')} threads after its imports")
        self.loaded: list[str] = ready.get("loaded", [])
        self.missing: dict[str, str] = ready.get("missing", {})

    # --- Talking -------------------------------------------------------------------------------
    def _receive(self, timeout: float) -> dict | None:
        """The next message, waiting at most ``timeout`` seconds; None on a timeout or when the server is gone."""
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffer:
            if not select.select([self.socket], [], [], max(0.0, deadline - time.monotonic()))[0]:
                return None
            chunk = self.socket.recv(1 << 16)
            if not chunk:
                return None
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        message = json.loads(line)
        if "exited" in message:
            self.exits[message["exited"]] = message["returncode"]
        return message

    def pump(self, timeout: float = 0.0) -> None:
        """Take in what the server said (kernels that ended), waiting at most ``timeout`` for the first word."""
        first = True
        while True:
            message = self._receive(timeout if first else 0.0)
            first = False
            if message is None:
                return

    def alive(self) -> bool:
        return self.process.poll() is None

    def launch(self, plan: dict, argv: list[str], log: str) -> ForkedKernelProcess:
        """Start a kernel in the sandbox ``plan`` describes, running ipykernel with ``argv``; its output to ``log``."""
        if not self.alive():
            raise ForkServerUnavailable(f"the kernel fork server ended (exit code {self.process.returncode})")
        try:
            self.socket.sendall(json.dumps({"plan": plan, "argv": argv, "log": log}).encode() + b"\n")
        except OSError as error:
            raise ForkServerUnavailable(f"the kernel fork server cannot be reached: {error}") from None
        deadline = time.monotonic() + LAUNCH_TIMEOUT_S
        while True:
            message = self._receive(max(0.0, deadline - time.monotonic()))
            if message is None:
                raise ForkServerUnavailable("the kernel fork server did not answer")
            if "started" in message:
                return ForkedKernelProcess(self, message["started"])
            if "failed" in message:
                raise ForkServerUnavailable(f"the kernel fork server could not start a kernel: {message['failed']}")

    def close(self) -> None:
        """End the server (it kills the kernels it still has)."""
        try:
            self.socket.close()
        finally:
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class ForkedKernelProcess:
    """A kernel the fork server started, seen as jupyter_client sees the ``Popen`` of a kernel."""

    stdin = stdout = stderr = None

    def __init__(self, server: ForkServer, pid: int):
        self.server = server
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            self.server.pump()
            self.returncode = self.server.exits.pop(self.pid, None)
            if self.returncode is None and not self.server.alive():
                self.returncode = -signal.SIGKILL  # the server kills its kernels when it goes
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            left = 0.1 if deadline is None else min(0.1, deadline - time.monotonic())
            if left <= 0:
                raise subprocess.TimeoutExpired(f"kernel {self.pid}", timeout)
            self.server.pump(left)
        return self.returncode

    def send_signal(self, number: int) -> None:
        if self.poll() is None:
            try:
                os.kill(self.pid, number)
            except ProcessLookupError:
                pass

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


_servers: dict[tuple, ForkServer] = {}
#: Why a server could not start, for each kind this process asked for.
_failures: dict[tuple, str] = {}


def close_servers() -> None:
    """End this process's fork servers and wait for them (run at exit: their CPU time is then this process's
    children's, as a kernel's is when it was started from scratch, and none is left behind)."""
    while _servers:
        _, server = _servers.popitem()
        server.close()


def shared_server(environment: dict[str, str], modules: list[str], python: str = sys.executable) -> ForkServer:
    """This process's fork server for ``environment`` and ``modules``, started on first use (or again if it died).

    A server that could not start is not tried again by this process.
    """
    key = (python, json.dumps(environment, sort_keys=True), tuple(modules))
    if key in _failures:  # once is enough: the next students' kernels start from scratch at once
        raise ForkServerUnavailable(_failures[key])
    server = _servers.get(key)
    if server is None or not server.alive():
        if not _servers:
            atexit.register(close_servers)
        try:
            _servers[key] = server = ForkServer(python, environment, list(modules))
        except ForkServerUnavailable as error:
            _failures[key] = str(error)
            raise
    return server
