"""`make lessons` stores clean, stable notebooks and refuses to store a lesson that shows an error."""

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from tools.execute_lessons import WIDGET_VIEW, clean, main, sanitize_patterns


def _write(path, *sources):
    cells = [new_markdown_cell("# A lesson", id="title")]
    cells += [new_code_cell(source, id=f"code-{index}") for index, source in enumerate(sources)]
    nbformat.write(new_notebook(cells=cells), path)
    return path


def test_a_lesson_with_an_error_is_not_stored_and_the_cell_is_named(tmp_path, capsys):
    lesson = _write(tmp_path / "99-broken.ipynb", "1 + 1", "raise ValueError('boom')")
    assert main([str(lesson), "--output-dir", str(tmp_path / "out")]) == 1
    assert not (tmp_path / "out" / lesson.name).exists()
    report = capsys.readouterr().err
    assert "99-broken.ipynb" in report and "cell 3" in report and "'code-1'" in report and "ValueError: boom" in report


def test_a_lesson_that_writes_to_stderr_is_not_stored(tmp_path, capsys):
    lesson = _write(tmp_path / "98-noisy.ipynb", "import sys; print('careful', file=sys.stderr)")
    assert main([str(lesson), "--output-dir", str(tmp_path / "out")]) == 1
    assert "wrote to stderr: careful" in capsys.readouterr().err


def test_cleaning_drops_run_details_widgets_and_memory_addresses():
    notebook = new_notebook(cells=[new_markdown_cell("# A lesson"), new_code_cell("x"), new_code_cell("y")])
    notebook.metadata = {"kernelspec": {"name": "python3"}, "widgets": {"state": {}},
                         "language_info": {"name": "python", "version": "3.11.7", "mimetype": "text/x-python"}}
    first, second = notebook.cells[1:]
    first.execution_count, second.execution_count = 7, 9
    first.metadata = {"execution": {"iopub.status.busy": "2026-01-01"}, "tags": ["nbval-ignore-output"]}
    widget = {WIDGET_VIEW: {"model_id": "abc"}, "text/plain": "<Thing at 0x7f00deadbeef>", "text/html": "<b>x</b>"}
    second.outputs = [new_output("execute_result", data=widget, execution_count=9)]

    clean(notebook, sanitize_patterns())

    assert notebook.metadata["language_info"] == {"name": "python", "version": "3.11.7"}
    assert "widgets" not in notebook.metadata
    assert first.metadata == {"tags": ["nbval-ignore-output"]}
    assert (first.execution_count, second.execution_count, second.outputs[0].execution_count) == (1, 2, 2)
    assert second.outputs[0].data == {"text/plain": "<Thing at 0xXXXXXXXX>", "text/html": "<b>x</b>"}
