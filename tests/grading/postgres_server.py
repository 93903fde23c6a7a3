"""A throwaway PostgreSQL server on loopback for the gradebook tests: initdb, pg_ctl start, stop, gone.

The server's programs come from PATH or from Debian's ``postgresql`` package
(``/usr/lib/postgresql/<version>/bin``), which ``.ci/run`` installs. PostgreSQL
refuses to run as root, so as root the cluster belongs to ``nobody`` and its
programs run through ``runuser``. Authentication is ``trust`` on 127.0.0.1 only.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

SUPERUSER = "grader"
UNPRIVILEGED_USER = "nobody"


def server_programs() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl``, or None when PostgreSQL is not installed."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).resolve().parent
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if (Path(folder) / "initdb").exists() and (Path(folder) / "pg_ctl").exists():
            return Path(folder)
    return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_server_user(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", UNPRIVILEGED_USER, "--", *command]


@contextlib.contextmanager
def running_postgres(database: str) -> Iterator[str]:
    """Start a fresh server with an empty ``database``; yield its SQLAlchemy URL; stop and remove it after."""
    programs = server_programs()
    if programs is None:
        raise RuntimeError("PostgreSQL's server programs are not installed: `apt-get install -y postgresql`")
    # Under /tmp itself, so that the unprivileged server user can reach it.
    base = Path(tempfile.mkdtemp(prefix="gradebook-postgres-"))
    data, sockets = base / "data", base / "sockets"
    sockets.mkdir()
    if os.geteuid() == 0:
        shutil.chown(base, UNPRIVILEGED_USER)
        shutil.chown(sockets, UNPRIVILEGED_USER)
    port = free_port()
    run = dict(check=True, capture_output=True, text=True, timeout=120)
    try:
        subprocess.run(_as_server_user([str(programs / "initdb"), "-D", str(data), "-U", SUPERUSER,
                                        "-A", "trust", "--no-sync", "-E", "UTF8"]), **run)
        subprocess.run(_as_server_user([
            str(programs / "pg_ctl"), "-D", str(data), "-l", str(base / "server.log"), "-w", "start",
            "-o", f"-c listen_addresses=127.0.0.1 -p {port} -k {sockets} -c fsync=off",
        ]), **run)
        try:
            import psycopg

            with psycopg.connect(host="127.0.0.1", port=port, user=SUPERUSER, dbname="postgres",
                                 autocommit=True) as connection:
                connection.execute(f'CREATE DATABASE "{database}"')
            yield f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{port}/{database}"
        finally:
            subprocess.run(_as_server_user([str(programs / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
                           check=False, capture_output=True, timeout=120)
    except subprocess.CalledProcessError as error:
        log = (base / "server.log").read_text() if (base / "server.log").exists() else ""
        raise RuntimeError(f"{error.cmd[0]} failed: {error.stderr}\n{log}") from error
    finally:
        shutil.rmtree(base, ignore_errors=True)
