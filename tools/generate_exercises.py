"""Regenerate the student version of every assignment: solutions/<name>/ -> exercises/<name>/.

Run from the repository root as ``python -m tools.generate_exercises`` (``make exercises``).
For each folder of ``solutions/`` that holds a notebook it runs
``nbgrader generate_assignment <name> --force`` with the course's ``nbgrader_config.py``,
which strips the solutions and hidden tests, clears the outputs and locks the test cells.

The result depends only on ``solutions/``: running it twice gives the same files, and a
folder of ``exercises/`` whose source is gone is removed. It leaves nothing else behind:
nbgrader is told not to record the assignment in a gradebook (``--no-db``), and the
database and exchange it might still open are pointed at a throwaway folder.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE_DIRECTORY = "solutions"
RELEASE_DIRECTORY = "exercises"


def assignment_names(root: Path = ROOT) -> list[str]:
    """The assignments in ``solutions/``: its sub-folders that hold at least one notebook, sorted."""
    source = root / SOURCE_DIRECTORY
    if not source.is_dir():
        return []
    return sorted(
        folder.name for folder in source.iterdir() if folder.is_dir() and any(folder.glob("*.ipynb"))
    )


def nbgrader_environment(scratch: Path) -> dict[str, str]:
    """The environment for an nbgrader run, with the exchange in ``scratch`` instead of the course."""
    return dict(os.environ, NBGRADER_EXCHANGE=str(scratch / "exchange"))


def generate_assignment(name: str, root: Path, scratch: Path) -> None:
    """Run ``nbgrader generate_assignment`` for one assignment; raise with nbgrader's log if it fails."""
    command = [
        sys.executable, "-m", "nbgrader", "generate_assignment", name,
        "--force", "--no-db", f"--db=sqlite:///{scratch / 'gradebook.db'}",
    ]
    done = subprocess.run(
        command, cwd=root, env=nbgrader_environment(scratch), capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"nbgrader generate_assignment {name} failed:\n{done.stdout}\n{done.stderr}")


def remove_orphans(root: Path, names: list[str]) -> list[str]:
    """Delete the folders of ``exercises/`` that no assignment in ``solutions/`` generates."""
    release = root / RELEASE_DIRECTORY
    orphans = sorted(
        folder.name for folder in release.iterdir() if folder.is_dir() and folder.name not in names
    ) if release.is_dir() else []
    for name in orphans:
        shutil.rmtree(release / name)
    return orphans


def generate_exercises(root: Path = ROOT) -> list[str]:
    """Regenerate ``exercises/`` from ``solutions/`` under ``root``; return the assignments' names."""
    names = assignment_names(root)
    with tempfile.TemporaryDirectory(prefix="generate-exercises-") as scratch:
        for name in names:
            generate_assignment(name, root, Path(scratch))
    remove_orphans(root, names)
    return names


def main(argv: list[str] | None = None) -> int:
    """Command line: regenerate the exercises of the repository, or of the course at ``--root``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="course folder holding nbgrader_config.py")
    args = parser.parse_args(argv)
    for name in generate_exercises(args.root.resolve()):
        print(f"{RELEASE_DIRECTORY}/{name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
