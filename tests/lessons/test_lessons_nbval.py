"""nbval re-runs every stored lesson and compares each cell's output with the stored one.

`make test` runs this module like any other: each lesson gets its own nbval run
in a subprocess, so nbval sees only ``course/NN-*.ipynb`` (never the unexecuted
notebooks in ``solutions/`` or ``exercises/``) and the main run's xdist workers
stay plain pytest. Cells tagged ``nbval-ignore-output`` (the live calculators)
are run but not compared; memory addresses are masked by ``tools/nbval-sanitize.cfg``.
"""

import os
import subprocess
import sys

import pytest

from tools.execute_lessons import COURSE, LESSON_GLOB, ROOT, SANITIZE_FILE, lesson_paths

LESSONS = lesson_paths()


def test_the_lesson_glob_finds_the_lessons():
    assert len(LESSONS) > 0, f"no lessons match {COURSE / LESSON_GLOB}"
    assert all(path.parent == COURSE for path in LESSONS)


@pytest.mark.parametrize("lesson", LESSONS, ids=[path.name for path in LESSONS])
def test_nbval_reproduces_the_stored_outputs(lesson):
    command = [
        sys.executable, "-m", "pytest", "--nbval", "--nbval-current-env",
        "--nbval-sanitize-with", str(SANITIZE_FILE),
        "-p", "no:cacheprovider", "-p", "no:xdist", "-q", str(lesson.relative_to(ROOT)),
    ]  # fmt: skip
    env = {**os.environ, "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
    run = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, f"nbval failed on {lesson.name}:\n{run.stdout[-6000:]}\n{run.stderr[-2000:]}"
    assert " passed" in run.stdout and "no tests ran" not in run.stdout, run.stdout
