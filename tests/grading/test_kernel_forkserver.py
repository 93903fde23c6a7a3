"""A kernel forked by the fork server is the same sandboxed kernel as one started from scratch, only sooner.

Each test starts real sandboxed kernels (root, as the grading sandbox needs; without it they
fail, they never skip) in a grading folder under the repository's test-artifacts/, and asks
them what they are: their user, groups, capabilities, ``no_new_privs``, limits, process id,
folder, import path, and whether they can read the course's hidden tests or reach the network.
A kernel forked by :mod:`grading.kernel_forkserver` must answer exactly as a kernel started
through ``unshare`` and ``setpriv`` does.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest
from traitlets.config import Config

from grading.forked_kernels import ForkedKernelProcess, ForkServer, ForkServerUnavailable
from grading.sandbox import sandbox_problem
from grading.sandbox_kernel import SandboxKernelManager
from tests.assignments.assignment_notebooks import REPO, SOLUTIONS

HIDDEN_TEST_FILE = next(SOLUTIONS.glob("*/*.ipynb"))
#: The lines of /proc/self/status that say what a process may do.
PRIVILEGE_FIELDS = ("Uid", "Gid", "Groups", "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs")
PROBE = f"""
import json, os, resource, socket, sys
status = dict(line.split(':', 1) for line in open('/proc/self/status').read().splitlines() if ':' in line)
try:
    open({str(HIDDEN_TEST_FILE)!r}).read()
    hidden = 'readable'
except OSError as error:
    hidden = type(error).__name__
try:
    socket.create_connection(('127.0.0.1', 22), timeout=2)
    network = 'reached'
except OSError as error:
    network = type(error).__name__
limits = {{name: resource.getrlimit(getattr(resource, name)) for name in
          ('RLIMIT_AS', 'RLIMIT_CPU', 'RLIMIT_NPROC', 'RLIMIT_FSIZE', 'RLIMIT_NOFILE', 'RLIMIT_CORE')}}
import numpy
print(json.dumps({{
    'status': {{field: ' '.join(status.get(field, '').split()) for field in {PRIVILEGE_FIELDS!r}}},
    'pid': os.getpid(), 'cwd': os.getcwd(), 'path0': sys.path[0], 'argv0': os.path.basename(sys.argv[0]),
    'hidden': hidden, 'network': network, 'limits': limits, 'umask': os.umask(0o077),
    'environment': sorted(os.environ), 'random': numpy.random.random(),
}}))
"""


@pytest.fixture(scope="module", autouse=True)
def sandbox_can_run():
    problem = sandbox_problem()
    assert problem is None, f"the grading sandbox cannot run here: {problem}"


@pytest.fixture
def grading_folder():
    base = REPO / "test-artifacts"
    base.mkdir(exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="forkserver-", dir=base))
    os.chmod(folder, 0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@contextlib.asynccontextmanager
async def sandboxed_kernel(folder: Path, sandbox: dict):
    """A sandboxed kernel started in ``folder`` with these Sandbox settings, ready; its manager and client."""
    settings = Config({"Sandbox": sandbox, "CourseDirectory": {"root": str(REPO), "source_directory": "solutions"}})
    manager = SandboxKernelManager(kernel_name="python3", config=settings)
    await manager.start_kernel(cwd=str(folder))
    client = manager.client()
    client.start_channels()
    try:
        await client.wait_for_ready(timeout=120)
        yield manager, client
    finally:
        client.stop_channels()
        await manager.shutdown_kernel(now=True)


def was_forked(manager: SandboxKernelManager) -> bool:
    return isinstance(manager.provisioner.process, ForkedKernelProcess)


async def _probe(folder: Path, fork: bool) -> tuple[dict, bool]:
    """What a sandboxed kernel started in ``folder`` says about itself, and whether it was forked."""
    printed = []
    async with sandboxed_kernel(folder, {"fork_kernels": fork}) as (manager, client):
        reply = await client.execute_interactive(
            PROBE, timeout=120,
            output_hook=lambda message: printed.append(message["content"].get("text", "")))
        assert reply["content"]["status"] == "ok", reply["content"]
        forked = was_forked(manager)
    return json.loads("".join(printed)), forked


def probe(folder: Path, fork: bool) -> tuple[dict, bool]:
    return asyncio.run(_probe(folder, fork))


def test_a_forked_kernel_is_the_kernel_started_from_scratch(grading_folder):
    """Same user, no capabilities, no_new_privs, limits, namespaces, folder and path; only its random numbers differ."""
    forked, was_forked = probe(grading_folder, fork=True)
    scratch, was_scratch_forked = probe(grading_folder, fork=False)
    assert was_forked and not was_scratch_forked
    assert forked["status"]["CapBnd"] == "0000000000000000" and forked["status"]["NoNewPrivs"] == "1"
    assert forked["status"]["Uid"].split()[0] != "0" and forked["status"]["Groups"] == ""
    # Unreadable where hidden; not there at all when the checkout is under /tmp, which the kernel has its own of.
    assert forked["hidden"] in ("PermissionError", "FileNotFoundError") and forked["network"] != "reached"
    assert forked["pid"] == 1 and forked["cwd"] == str(grading_folder)
    for field in ("status", "pid", "cwd", "path0", "argv0", "hidden", "network", "limits", "umask", "environment"):
        assert forked[field] == scratch[field], field


async def _crash(folder: Path, fork: bool, code: str) -> tuple[int | None, str, bool]:
    """How a sandboxed kernel that runs ``code`` ended: its exit code, the reason the grader gives, whether forked."""
    async with sandboxed_kernel(folder, {"fork_kernels": fork, "cpu_seconds": 1}) as (manager, client):
        client.execute(code)
        for _ in range(600):
            if manager.exit_code() is not None:
                break
            await asyncio.sleep(0.1)
        return manager.exit_code(), manager.exit_reason(), was_forked(manager)


#: A crash, an exit code, and a kernel that ignores the CPU limit's warning until the hard limit kills it.
ENDINGS = {
    "segfault": ("import ctypes; ctypes.string_at(0)", -11),
    "exit": ("import os; os._exit(3)", 3),
    "cpu_limit": ("import signal\nsignal.signal(signal.SIGXCPU, signal.SIG_IGN)\nwhile True:\n    pass", -9),
}


@pytest.mark.parametrize("code, expected", list(ENDINGS.values()), ids=list(ENDINGS))
def test_a_forked_kernels_end_is_told_as_a_kernel_started_from_scratch_tells_it(grading_folder, code, expected):
    """The exit code (a crash's signal, os._exit's code, the CPU limit's kill) reaches the grader the same way."""
    forked = asyncio.run(_crash(grading_folder, True, code))
    assert forked[2] and forked[0] == expected, forked
    if expected == -9:
        # Started from scratch, `unshare --fork` passes on a SIGKILL as exit code 1; the fork server's keeper
        # passes on the signal itself, so the reason is the right one.
        assert "killed" in forked[1] and "CPU time limit" in forked[1]
        return
    scratch = asyncio.run(_crash(grading_folder, False, code))
    assert not scratch[2] and forked[:2] == scratch[:2], (forked, scratch)


def test_two_forked_kernels_do_not_share_numpys_random_numbers(grading_folder):
    first, _ = probe(grading_folder, fork=True)
    second, _ = probe(grading_folder, fork=True)
    assert first["random"] != second["random"]


def test_a_kernel_command_other_than_ipykernels_is_started_from_scratch(monkeypatch):
    from grading import forked_kernels

    asked = []
    monkeypatch.setattr(forked_kernels, "shared_server", lambda *arguments, **options: asked.append(arguments))
    manager = SandboxKernelManager(kernel_name="python3")
    assert manager._forked_kernel({"env": {}}, ["/usr/bin/python3", "-c", "print('a kernel of its own')"]) is None
    assert asked == [], "a fork server was asked for a kernel it cannot start"


def test_a_fork_server_that_cannot_start_says_so():
    with pytest.raises(ForkServerUnavailable, match="did not start"):
        ForkServer("/bin/false", {"PATH": "/usr/bin:/bin"}, [])
    with pytest.raises(ForkServerUnavailable, match="could not be started"):
        ForkServer("/nonexistent/python", {"PATH": "/usr/bin:/bin"}, [])


def test_a_fork_server_that_could_not_start_is_not_tried_again(monkeypatch):
    from grading import forked_kernels

    monkeypatch.setattr(forked_kernels, "_failures", {})
    tries = []

    def failing(*arguments):
        tries.append(arguments)
        raise ForkServerUnavailable("the kernel fork server did not start (no answer)")

    monkeypatch.setattr(forked_kernels, "ForkServer", failing)
    for _ in range(3):
        with pytest.raises(ForkServerUnavailable, match="did not start"):
            forked_kernels.shared_server({"PATH": "/usr/bin"}, ["math"])
    assert len(tries) == 1


def test_the_fork_server_has_no_network_for_the_imports_it_runs_as_root():
    server = ForkServer(sys.executable, {"PATH": "/usr/bin:/bin"}, ["math"])
    try:
        assert os.readlink(f"/proc/{server.process.pid}/ns/net") != os.readlink("/proc/self/ns/net")
        assert server.missing == {}, "the server could not load or warm something: " + str(server.missing)
    finally:
        server.close()
