"""Execute the lessons top to bottom and store their outputs, the same bytes every run: `make lessons`.

    python -m tools.execute_lessons                      # every course/NN-*.ipynb, in place
    python -m tools.execute_lessons course/03-*.ipynb    # just these
    python -m tools.execute_lessons --output-dir /tmp/x  # write the results elsewhere

Each lesson runs in a fresh kernel with ``course/`` as its working folder. Before a
lesson is written back, everything that would change from one run to the next is
removed, so a lesson's file changes only when its content does:

- notebook metadata keeps the kernelspec and the language's name and version;
  no widget state is saved;
- cell metadata keeps only the tags (nbval reads them); no timings;
- execution counts run 1..n down the notebook;
- live widget outputs (``application/vnd.jupyter.widget-view+json``, whose model
  ids are random) are dropped; their text/html snapshot stays for static readers;
- memory addresses in text output (plain text and streams; never images or
  HTML, whose base64 data could match by chance) are masked with the patterns
  in ``tools/nbval-sanitize.cfg``, the file nbval uses when it checks the lessons.

A lesson with an error output, or anything written to stderr, is not stored:
the command names the cell and exits with status 1.
"""

from __future__ import annotations

import argparse
import configparser
import os
import pathlib
import re
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
COURSE = ROOT / "course"
LESSON_GLOB = "[0-9][0-9]-*.ipynb"
SANITIZE_FILE = pathlib.Path(__file__).resolve().parent / "nbval-sanitize.cfg"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
KEPT_CELL_METADATA = ("tags",)
TIMEOUT_SECONDS = 300


class LessonError(Exception):
    """A lesson that cannot be stored: it failed to run, or a cell shows an error."""


def lesson_paths(course: pathlib.Path = COURSE) -> list[pathlib.Path]:
    """The lessons, in course order."""
    return sorted(course.glob(LESSON_GLOB))


def sanitize_patterns(path: pathlib.Path = SANITIZE_FILE) -> list[tuple[re.Pattern, str]]:
    """The (regex, replacement) pairs of an nbval sanitize file, in file order."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(path, encoding="utf-8")
    return [(re.compile(parser[section]["regex"]), parser[section]["replace"]) for section in parser.sections()]


def _scrub(value, patterns):
    """Apply the sanitize patterns to a text output, held as a string or a list of lines."""
    if isinstance(value, list):
        return [_scrub(line, patterns) for line in value]
    if not isinstance(value, str):
        return value
    for regex, replacement in patterns:
        value = regex.sub(replacement, value)
    return value


def _cell_name(index: int, cell) -> str:
    """How a report names a cell: its number, id and first line."""
    first_line = cell.source.strip().splitlines()[0] if cell.source.strip() else ""
    return f"cell {index} (id {cell.get('id', '?')!r}: {first_line[:60]!r})"


def problems(notebook) -> list[str]:
    """Every error output and stderr stream in the notebook, naming its cell."""
    found = []
    for index, cell in enumerate(notebook.cells, start=1):
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                found.append(f"{_cell_name(index, cell)} raised {output.ename}: {output.evalue}")
            elif output.output_type == "stream" and output.name == "stderr":
                text = "".join(output.text).strip().splitlines()
                found.append(f"{_cell_name(index, cell)} wrote to stderr: {text[-1] if text else ''}")
    return found


def execute(notebook, workdir: pathlib.Path, timeout: int = TIMEOUT_SECONDS):
    """Run every cell of ``notebook`` in a fresh kernel started in ``workdir``; return the notebook."""
    from nbclient import NotebookClient

    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name=KERNELSPEC["name"],
        resources={"metadata": {"path": str(workdir)}},
        allow_errors=True,
        record_timing=False,
        store_widget_state=False,
        coalesce_streams=True,
    )
    client.execute()
    return notebook


def _clean_output(output, patterns):
    if "data" in output:
        output.data = {key: value for key, value in output.data.items() if key != WIDGET_VIEW}
        if "text/plain" in output.data:
            output.data["text/plain"] = _scrub(output.data["text/plain"], patterns)
        output.metadata = {key: value for key, value in output.get("metadata", {}).items() if key != WIDGET_VIEW}
    if "text" in output:
        output.text = _scrub(output.text, patterns)
    return output


def clean(notebook, patterns=()):
    """Strip everything that varies between runs; see the module docstring for the list."""
    language = notebook.metadata.get("language_info", {})
    notebook.metadata = {
        "kernelspec": dict(KERNELSPEC),
        "language_info": {key: language[key] for key in ("name", "version") if key in language},
    }
    count = 0
    for cell in notebook.cells:
        cell.metadata = {key: cell.metadata[key] for key in KEPT_CELL_METADATA if key in cell.metadata}
        if cell.cell_type != "code":
            continue
        if cell.execution_count is not None:
            count += 1
            cell.execution_count = count
        for output in cell.outputs:
            _clean_output(output, patterns)
            if "execution_count" in output:
                output.execution_count = cell.execution_count
    return notebook


def render(notebook) -> str:
    """The notebook's file text: nbformat's sorted, indented JSON with a final newline."""
    import nbformat

    return nbformat.writes(notebook, version=4) + "\n"


def run_lesson(path: pathlib.Path, timeout: int = TIMEOUT_SECONDS) -> str:
    """Execute one lesson in its own folder and return its cleaned file text, or raise LessonError."""
    import nbformat

    notebook = nbformat.read(path, as_version=4)
    try:
        execute(notebook, path.parent, timeout)
    except Exception as error:  # a dead kernel or a timeout: report it like a failing cell
        raise LessonError(f"{path.name}: could not run: {type(error).__name__}: {error}") from error
    found = problems(notebook)
    if found:
        raise LessonError(f"{path.name}: not stored, " + "; ".join(found))
    return render(clean(notebook, sanitize_patterns()))


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lessons", nargs="*", type=pathlib.Path, help="lessons to run (default: all)")
    parser.add_argument("--output-dir", type=pathlib.Path, help="write here instead of over the lessons")
    parser.add_argument("--timeout", type=int, default=TIMEOUT_SECONDS, help="seconds allowed per cell")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the lessons, store each one that ran cleanly, print its time; 1 if any failed."""
    options = _arguments(argv)
    # ipykernel's debugger warns on stderr about Python 3.11's frozen modules; the lessons do not debug.
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    paths = [path.resolve() for path in options.lessons] or lesson_paths()
    if not paths:
        print(f"No lessons match {COURSE / LESSON_GLOB}.", file=sys.stderr)
        return 1
    failed = 0
    for path in paths:
        start = time.perf_counter()
        try:
            text = run_lesson(path, options.timeout)
        except LessonError as error:
            print(error, file=sys.stderr)
            failed += 1
            continue
        target = options.output_dir / path.name if options.output_dir else path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        print(f"{path.name}: executed in {time.perf_counter() - start:.1f} s -> {target}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
