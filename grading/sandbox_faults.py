"""What the class grader's table says about a student whose code broke a cell's run: which cells, and why.

nbgrader stores a grade for every cell it ran; a cell that ran into a limit simply scored 0.
The execute step (:mod:`grading.sandbox_execute`) leaves an error in each such cell that names
the fault; this module reads them back from the autograded notebooks, together with the
test cells a student deleted (nbgrader scores them 0), and makes one outcome of them:

* **kernel died**: the code ended its kernel (``os._exit``, a crash); a new kernel ran the rest;
* **memory limit**: a ``MemoryError`` (the sandbox's address-space limit, or a real shortage);
* **too many processes**: the sandbox's process limit (a fork bomb);
* **timed out**: nbgrader's cell timeout;
* **output too large**: more output than a cell may send the grader;
* **graded**, with the deleted test cells named, when nothing else went wrong.

When several apply, the outcome is the first of that list and the detail names them all.
"""

from __future__ import annotations

import json
from pathlib import Path

from grading.grading_outcome import (
    GRADED,
    KERNEL_DIED,
    MEMORY_LIMIT,
    OUTPUT_TOO_LARGE,
    PROCESS_LIMIT,
    TIMED_OUT,
    GradingOutcome,
)
from grading.sandbox_execute import KERNEL_DIED_ERROR, OUTPUT_TOO_LARGE_ERROR, PROCESS_LIMIT_ERROR

#: Each fault: the outcome, the error names that show it, and how the detail names it.
FAULTS = (
    (KERNEL_DIED, (KERNEL_DIED_ERROR,), "the kernel died in"),
    (MEMORY_LIMIT, ("MemoryError",), "ran out of memory in"),
    (PROCESS_LIMIT, (PROCESS_LIMIT_ERROR,), "started too many processes in"),
    (TIMED_OUT, (), "stopped at nbgrader's cell timeout, scored 0:"),
    (OUTPUT_TOO_LARGE, (OUTPUT_TOO_LARGE_ERROR,), "printed too much in"),
)


def _cell_name(cell: dict, index: int) -> str:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") or f"cell {index + 1}"


def faulty_cells(notebook: dict, timeout_error: str) -> dict[str, list[str]]:
    """The cells of an autograded notebook with a fault, by outcome, in notebook order.

    >>> cell = {"metadata": {"nbgrader": {"grade_id": "test_a"}},
    ...         "outputs": [{"output_type": "error", "ename": "MemoryError"}]}
    >>> faulty_cells({"cells": [cell]}, "CellTimeoutError")
    {'memory limit': ['test_a']}
    """
    found: dict[str, list[str]] = {}
    for index, cell in enumerate(notebook.get("cells", [])):
        names = {output.get("ename") for output in cell.get("outputs", []) if output.get("output_type") == "error"}
        for status, enames, _ in FAULTS:
            if names & (set(enames) | ({timeout_error} if status == TIMED_OUT else set())):
                found.setdefault(status, []).append(_cell_name(cell, index))
    return found


def death_reason(notebook: dict) -> str | None:
    """Why the kernel died the first time it did, as the execute step wrote it, or None.

    >>> death_reason({"cells": [{"outputs": [{"output_type": "error", "ename": "KernelDiedError",
    ...     "evalue": "it ended (exit code 0); this cell scores 0, and the cells after it run in a new kernel"}]}]})
    'it ended (exit code 0)'
    """
    for cell in notebook.get("cells", []):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error" and output.get("ename") == KERNEL_DIED_ERROR:
                return output.get("evalue", "").split("; this cell scores 0")[0] or None
    return None


def test_cell_ids(notebook: dict) -> set[str]:
    """The grade ids of the autograded test cells of a notebook (graded code cells that are not answers)."""
    ids = set()
    for cell in notebook.get("cells", []):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.get("cell_type") == "code" and meta.get("grade") and not meta.get("solution") and meta.get("grade_id"):
            ids.add(meta["grade_id"])
    return ids


def fault_outcome(student: str, autograded: list[Path], timeout_error: str,
                  expected_tests: dict[str, set[str]] | None = None) -> GradingOutcome:
    """The outcome of a student whose notebooks nbgrader graded: ``graded``, or the fault that cost points.

    ``autograded`` are the autograded notebooks; ``expected_tests`` the test cells each notebook
    (by name, without ``.ipynb``) has in the gradebook, to name the ones the student deleted.
    """
    faults: dict[str, list[str]] = {}
    deleted: list[str] = []
    reasons = []
    for path in autograded:
        notebook = json.loads(path.read_text())
        for status, cells in faulty_cells(notebook, timeout_error).items():
            faults.setdefault(status, []).extend(cells)
        missing = (expected_tests or {}).get(path.stem, set()) - test_cell_ids(notebook)
        deleted += sorted(missing)
        reasons += [death_reason(notebook)] if death_reason(notebook) else []
    parts = [f"{wording} {', '.join(faults[status])}" for status, _, wording in FAULTS if status in faults]
    if reasons and KERNEL_DIED in faults:
        parts[0] += f" ({reasons[0]})"
    if deleted:
        parts.append(f"deleted test cells scored 0: {', '.join(deleted)}")
    status = next((status for status, _, _ in FAULTS if status in faults), GRADED)
    if not parts:
        return GradingOutcome(student, GRADED, recorded=True)
    if status != GRADED:
        parts[-1] += "; the other cells are graded"
    return GradingOutcome(student, status, "; ".join(parts), recorded=True)
