"""Cap the size of each output autograde keeps, so that a cell printing megabytes cannot bloat grading.

nbgrader's ``LimitOutput`` cuts a cell's printed text to ``max_lines`` lines,
but a single line of ten megabytes passes whole into the autograded notebook,
the formgrader's page and the feedback. :class:`LimitOutputSize` runs after it
in ``nbgrader autograde`` (see ``nbgrader_config.py``) and cuts every text
output (printed streams and the ``text/plain``, ``text/html`` and
``text/markdown`` results) longer than ``max_characters`` to that length, with
a line that says so. Errors are left alone: grades depend on them, and
``LimitOutput`` already caps tracebacks. Cutting happens after the cell has
run, so scores do not change.
"""

from __future__ import annotations

from nbconvert.exporters.exporter import ResourcesDict
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Integer

TEXT_TYPES = ("text/plain", "text/html", "text/markdown")


def truncated(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters with a note saying how much was left out.

    >>> truncated("abcdef", 3)
    'abc\\n... Output truncated: 3 more characters ...'
    >>> truncated("abc", 3)
    'abc'
    """
    if len(text) <= limit:
        return text
    return f"{text[:limit]}\n... Output truncated: {len(text) - limit} more characters ..."


class LimitOutputSize(NbGraderPreprocessor):
    """Cut each text output of a code cell to ``max_characters`` characters."""

    max_characters = Integer(
        100_000, help="the most characters an output keeps (-1 means no limit)"
    ).tag(config=True)

    def preprocess_cell(self, cell: NotebookNode, resources: ResourcesDict, cell_index: int
                        ) -> tuple[NotebookNode, ResourcesDict]:
        if cell.cell_type != "code" or self.max_characters < 0:
            return cell, resources
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                output["text"] = truncated("".join(output.get("text", "")), self.max_characters)
            for kind in TEXT_TYPES:
                if kind in output.get("data", {}):
                    output["data"][kind] = truncated("".join(output["data"][kind]), self.max_characters)
        return cell, resources
