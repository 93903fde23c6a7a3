"""Print the course's performance figures: `make bench`. A benchmark, never a test.

Each figure is the median of several runs, printed beside its floor, measured
side by side in the same run:

- calculator interaction: from setting an input's value to updated results and
  chart, beside the model's compute time alone (target: under 50 ms);
- lesson execution: each course notebook top to bottom in a fresh kernel,
  beside a floor notebook that only imports what the lesson imports (target:
  within 1.5x of the floor), and the kernel's resident memory after the
  lesson (target: the heaviest under 200 MB).
"""

from __future__ import annotations

import argparse
import ast
import pathlib
import statistics
import sys
import time

from tools.execute_lessons import COURSE, execute, lesson_paths

INTERACTION_TARGET_MS = 50
LESSON_TARGET_RATIO = 1.5
KERNEL_TARGET_MB = 200



def calculator_classes() -> dict[str, type]:
    """Every calculator view the course exports, by name."""
    import widgets
    from widgets.calculator_view import CalculatorView

    found = {}
    for name in widgets.__all__:
        candidate = getattr(widgets, name)
        if isinstance(candidate, type) and issubclass(candidate, CalculatorView):
            found[name] = candidate
    return found


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def _nearby(field, value: float) -> float:
    """Where an interaction moves an input: 10% more, or one whole step for a whole-number field."""
    if not field.integer:
        return value * 1.1 if value else 1.0
    return value + 1 if value + 1 <= field.maximum else value - 1


def bench_calculators(repeats: int) -> list[tuple[str, float, float]]:
    """Median interaction latency and model-only time, in ms, for each calculator.

    An interaction moves the first input between its starting value and 10% more
    (one whole step for a whole-number field), from setting ``.value`` until the
    results and outputs are updated; the floor runs the same model call on the
    same inputs with no widget involved.
    """
    rows = []
    for name, view_class in calculator_classes().items():
        calculator = view_class()
        first = calculator.fields[0].name
        start_value = calculator.inputs[first].value
        values = (start_value, _nearby(calculator.fields[0], start_value))
        interaction, model = [], []
        for index in range(repeats):
            started = time.perf_counter()
            calculator.inputs[first].value = values[index % 2]
            interaction.append(time.perf_counter() - started)
            started = time.perf_counter()
            calculator.evaluate()
            model.append(time.perf_counter() - started)
        if calculator.last_error is not None:
            raise RuntimeError(f"{name}: the benchmark's inputs were rejected: {calculator.last_error}")
        calculator.close()
        rows.append((name, _median_ms(interaction), _median_ms(model)))
    return rows


def lesson_imports(notebook) -> list[str]:
    """The import statements of a notebook's code cells, in order, without duplicates."""
    seen: dict[str, None] = {}
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                seen[ast.unparse(node)] = None
    return list(seen)


def _execute_seconds(notebook, workdir: pathlib.Path) -> float:
    """Seconds to run ``notebook`` in a fresh kernel, the way `make lessons` runs a lesson."""
    start = time.perf_counter()
    execute(notebook, workdir)
    return time.perf_counter() - start


#: Appended to a lesson after its timed run: the kernel's resident memory now, in MB.
_RESIDENT_MB = (
    "import re\n"
    "with open('/proc/self/status') as status:\n"
    "    print(int(re.search(r'VmRSS:\\s+(\\d+) kB', status.read()).group(1)) / 1024)"
)


def _resident_mb_after(path: pathlib.Path) -> float:
    """The kernel's resident memory after running the whole lesson, in MB."""
    import nbformat

    notebook = nbformat.read(path, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell(_RESIDENT_MB))
    execute(notebook, COURSE)
    return float(notebook.cells[-1].outputs[0].text)


def bench_lessons(repeats: int) -> list[tuple[str, float, float, float]]:
    """Per lesson: median execution time, median time of its import-only floor (s, interleaved), kernel MB."""
    import nbformat

    rows = []
    for path in lesson_paths():
        lesson = nbformat.read(path, as_version=4)
        floor = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("\n".join(lesson_imports(lesson)))])
        lesson_times, floor_times = [], []
        for _ in range(repeats):
            floor_times.append(_execute_seconds(nbformat.from_dict(floor), COURSE))
            lesson_times.append(_execute_seconds(nbformat.read(path, as_version=4), COURSE))
        rows.append(
            (path.name, statistics.median(lesson_times), statistics.median(floor_times), _resident_mb_after(path))
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interactions", type=int, default=101, help="interactions per calculator")
    parser.add_argument("--runs", type=int, default=3, help="executions of each lesson and of its floor")
    args = parser.parse_args(argv)

    print(f"Calculator interaction, median of {args.interactions} (target < {INTERACTION_TARGET_MS} ms)")
    print(f"  {'calculator':<28}{'interaction ms':>16}{'model ms':>12}{'ratio':>8}  target")
    for name, interaction, model in bench_calculators(args.interactions):
        verdict = "met" if interaction < INTERACTION_TARGET_MS else "MISSED"
        print(f"  {name:<28}{interaction:>16.2f}{model:>12.3f}{interaction / model:>8.1f}  {verdict}")

    print(f"\nLesson execution in a fresh kernel, median of {args.runs} (target <= {LESSON_TARGET_RATIO}x floor)")
    print(f"  {'lesson':<28}{'lesson s':>16}{'floor s':>12}{'ratio':>8}  target{'kernel MB':>12}")
    rows = bench_lessons(args.runs)
    for name, lesson, floor, resident in rows:
        ratio = lesson / floor
        verdict = "met   " if ratio <= LESSON_TARGET_RATIO else "MISSED"
        print(f"  {name:<28}{lesson:>16.2f}{floor:>12.2f}{ratio:>8.2f}  {verdict}{resident:>12.0f}")
    heaviest = max(rows, key=lambda row: row[3])
    verdict = "met" if heaviest[3] < KERNEL_TARGET_MB else "MISSED"
    print(f"\nHeaviest lesson kernel: {heaviest[0]}, {heaviest[3]:.0f} MB resident (target < {KERNEL_TARGET_MB} MB): {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
