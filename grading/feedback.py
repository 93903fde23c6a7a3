"""Feedback that tells a student which tests failed without handing them the hidden tests.

nbgrader 0.9 builds the feedback HTML from the autograded notebook, where the
hidden tests are back in the test cells: by default a student would read their
source, and the traceback of a failing cell quotes the lines around the failure.
:class:`HideHiddenTests` runs in ``nbgrader generate_feedback`` (see
``nbgrader_config.py``). In every test cell that holds a hidden-test region it

* removes the region from the cell's source, as ``generate_assignment`` does, and
* cuts each error output down to its last line, ``ExceptionName: message``.

The message stays so that a student learns *what* went wrong ("hidden check:
a slower delegate"), so the hidden tests' assert messages must describe the case
without giving away the expected value. Scores are untouched: they come from the
gradebook, which ``GetGrades`` reads before this preprocessor runs.
"""

from __future__ import annotations

from nbconvert.exporters.exporter import ResourcesDict
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import ClearHiddenTests


def error_summary(output: NotebookNode) -> str:
    """The one line a student sees for an error: its name and message, no source lines."""
    message = str(output.get("evalue", "")).strip()
    return f"{output.get('ename', 'Error')}: {message}" if message else str(output.get("ename", "Error"))


def hide_tracebacks(cell: NotebookNode) -> None:
    """Replace the traceback of each error output of ``cell`` with its one-line summary."""
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            output["traceback"] = [error_summary(output)]


class HideHiddenTests(ClearHiddenTests):
    """Remove the hidden tests, and the tracebacks that would quote them, from the feedback."""

    def preprocess_cell(
        self, cell: NotebookNode, resources: ResourcesDict, cell_index: int
    ) -> tuple[NotebookNode, ResourcesDict]:
        # Decide on the original source: the region is gone once the parent has run.
        had_hidden_tests = cell.cell_type == "code" and self.begin_test_delimeter in cell.source
        cell, resources = super().preprocess_cell(cell, resources, cell_index)
        if had_hidden_tests:
            hide_tracebacks(cell)
        return cell, resources
