"""Lessons use only the public names of the `widgets` package, the ones its ``__all__`` lists."""

import ast

import nbformat
import pytest

import widgets
from tools.execute_lessons import lesson_paths

LESSONS = lesson_paths()


def _code(lesson) -> str:
    """All code cells of a lesson, with IPython's magics and shell lines left out."""
    cells = [cell.source for cell in nbformat.read(lesson, as_version=4).cells if cell.cell_type == "code"]
    lines = "\n".join(cells).splitlines()
    return "\n".join(line for line in lines if not line.lstrip().startswith(("%", "!")))


def private_uses(source: str) -> list[str]:
    """Every import or attribute use of ``widgets`` that is not one of its public names.

    >>> private_uses("from widgets import task_cost\\nimport widgets\\nwidgets.__all__")
    []
    >>> private_uses("from widgets.delegation import HOURLY_VALUE\\nfrom widgets import _VIEWS\\nwidgets._VIEWS")
    ['from widgets.delegation', 'from widgets import _VIEWS', 'widgets._VIEWS']
    """
    public = set(widgets.__all__)
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "widgets":
            if node.module != "widgets":
                found.append(f"from {node.module}")
            else:
                found += [f"from widgets import {alias.name}" for alias in node.names if alias.name not in public]
        elif isinstance(node, ast.Import):
            found += [f"import {alias.name}" for alias in node.names if alias.name.startswith("widgets.")]
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "widgets":
            if node.attr not in public and not (node.attr.startswith("__") and node.attr.endswith("__")):
                found.append(f"widgets.{node.attr}")
    return found


@pytest.mark.parametrize("lesson", LESSONS, ids=[path.name for path in LESSONS])
def test_the_lesson_imports_only_public_names(lesson):
    assert private_uses(_code(lesson)) == []
