"""Print the course's performance figures: `make bench`. A benchmark, never a test.

Each figure is the median of several runs, printed beside its floor, measured
side by side in the same run:

- calculator interaction: from setting an input's value to updated results and
  chart, beside the model's compute time alone (target: under 50 ms);
- lesson execution: each course notebook top to bottom in a fresh kernel,
  beside a floor notebook that only imports what the lesson imports and the
  libraries its run loads on the way, such as pandas behind a calculator's
  table (target: within 1.5x of the floor), and the kernel's resident memory
  after the lesson (target: the heaviest under 200 MB);
- start-up (alone with --startup-only): from `make lab` on a prepared .venv
  (serving a temporary copy of the repository) to the page it opens, the start
  page, in headless Chromium, where the delegation calculator, after Run All,
  answers a value typed into it (target: under 10 s), split into server up
  (until /api/status answers) and page ready (the rest: JupyterLab's page, the
  kernel, Run All, the typed answer). The browser is started beforehand, as a
  learner's already is; each run uses a fresh browser context and a fresh,
  empty Jupyter configuration, as a new learner has, so the page runs with the
  course's own settings (jupyter-config/, which `make lab` reads) and
  JupyterLab's defaults.
- class grading (tools/bench_class_grading.py; alone with --class-only): a
  synthetic class of --class-size submissions of one assignment, graded by
  plain `nbgrader autograde` and by the class grader side by side in each of
  --class-runs runs (medians printed beside each run's figures): wall times,
  speed-up (target: at least 1.8x), seconds per submission beside the floor
  divided by the cores (target: within 1.3x), peak memory; the scores of both
  must be equal in every run.
"""

from __future__ import annotations

import argparse
import ast
import pathlib
import statistics
import sys
import tempfile
import time

from tools import bench_class_grading
from tools.build_navigation import START_PAGE
from tools.execute_lessons import COURSE, execute, lesson_paths

INTERACTION_TARGET_MS = 50
LESSON_TARGET_RATIO = 1.5
KERNEL_TARGET_MB = 200
STARTUP_TARGET_S = 10
#: The calculator the start-up figure waits for, and the input typed into.
STARTUP_CALCULATOR = "DelegationCalculator"
STARTUP_INPUT = "hours_delegated"


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


#: Libraries a lesson can load without importing them itself, through the course's package.
LOADED_ON_THE_WAY = ("ipywidgets", "matplotlib", "matplotlib.pyplot", "numpy", "pandas")

#: Appended to a lesson after its run: the kernel's resident memory (MB), then the libraries it loaded.
_AFTER_THE_LESSON = (
    "import re, sys\n"
    "with open('/proc/self/status') as status:\n"
    "    print(int(re.search(r'VmRSS:\\s+(\\d+) kB', status.read()).group(1)) / 1024)\n"
    f"print(' '.join(name for name in {LOADED_ON_THE_WAY!r} if name in sys.modules))"
)


def _after_the_lesson(path: pathlib.Path) -> tuple[float, list[str]]:
    """The kernel's resident memory in MB after running the whole lesson, and the libraries it had loaded."""
    import nbformat

    notebook = nbformat.read(path, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell(_AFTER_THE_LESSON))
    execute(notebook, COURSE)
    resident, libraries = "".join(notebook.cells[-1].outputs[0].text).splitlines()
    return float(resident), libraries.split()


def floor_notebook(lesson, libraries: list[str]):
    """A notebook that imports what ``lesson`` imports, then the ``libraries`` its run loads on the way."""
    import nbformat

    lines = lesson_imports(lesson) + [f"import {name}" for name in libraries]
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("\n".join(lines))])


def bench_lessons(repeats: int) -> list[tuple[str, float, float, float]]:
    """Per lesson: median execution time, median time of its floor (s, interleaved), kernel MB."""
    import nbformat

    rows = []
    for path in lesson_paths():
        lesson = nbformat.read(path, as_version=4)
        resident, libraries = _after_the_lesson(path)
        floor = floor_notebook(lesson, libraries)
        lesson_times, floor_times = [], []
        for _ in range(repeats):
            floor_times.append(_execute_seconds(nbformat.from_dict(floor), COURSE))
            lesson_times.append(_execute_seconds(nbformat.read(path, as_version=4), COURSE))
        rows.append((path.name, statistics.median(lesson_times), statistics.median(floor_times), resident))
    return rows


def _startup_once(browser, base: pathlib.Path) -> tuple[float, float]:
    """One start-up, in seconds: (server up, page ready), timed from just before `make lab` starts."""
    import widgets
    from playwright.sync_api import expect

    from tests.browser.calculator_page import CalculatorPage
    from tests.browser.conftest import TIMEOUT_MS, VIEWPORT
    from tests.browser.jupyterlab import cell, open_notebook, run_all
    from tests.browser.test_calculators import find_calculator
    from tests.lab_server import copy_repository, running_lab
    from widgets.formatting import format_money

    copy = copy_repository(base / "course")
    # No test settings: JupyterLab's default windowing (contentVisibility) also keeps every cell in the page.
    home = base / "home"
    found = find_calculator(STARTUP_CALCULATOR, copy / "course")
    if found is None or found[0] != START_PAGE:
        raise RuntimeError(f"the start page, {START_PAGE}, does not display {STARTUP_CALCULATOR}")
    lesson, index = found
    context = browser.new_context(viewport=VIEWPORT)
    try:
        started = time.perf_counter()
        with running_lab(home, root=copy) as lab:
            server_up = time.perf_counter()
            page = context.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            notebook = open_notebook(page, lab, f"course/{lesson}")
            run_all(page, notebook)
            calculator = CalculatorPage(cell(notebook, index), getattr(widgets, STARTUP_CALCULATOR)(), "weekly_gain")
            expect(calculator.results).to_be_visible()
            box = calculator.text_box(STARTUP_INPUT)
            expect(box).to_be_visible()
            before = calculator.results.inner_text()
            field = calculator.fields[STARTUP_INPUT]
            current = float(box.input_value())
            typed = current + 5 if current + 5 <= field.maximum else current - 5
            calculator.type_value(STARTUP_INPUT, f"{typed:g}")
            expected = calculator.model.compute({**calculator.values(), STARTUP_INPUT: typed})
            expect(calculator.results).not_to_have_text(before)
            expect(calculator.results).to_contain_text(format_money(expected.weekly_gain, "en", "EUR"))
            finished = time.perf_counter()
            lab.stop_kernels()
    finally:
        context.close()
    return server_up - started, finished - server_up


def bench_startup(runs: int) -> list[tuple[float, float]]:
    """(server up, page ready) in seconds for each of ``runs`` start-ups of `make lab` with a browser."""
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

    if not CHROMIUM.exists():
        raise RuntimeError(f"{CHROMIUM} is missing: install Debian's chromium (`apt-get install -y chromium`)")
    samples = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            for _ in range(runs):
                with tempfile.TemporaryDirectory(prefix="bench-startup-") as base:
                    samples.append(_startup_once(browser, pathlib.Path(base)))
        finally:
            browser.close()
    return samples


def print_startup(runs: int) -> None:
    """Print the start-up figure: the median of ``runs`` start-ups, its split and each run."""
    samples = bench_startup(runs)
    server = statistics.median(up for up, _ in samples)
    page = statistics.median(ready for _, ready in samples)
    total = statistics.median(up + ready for up, ready in samples)
    verdict = "met" if total < STARTUP_TARGET_S else "MISSED"
    print(f"Start-up, `make lab` to a calculator answering in the browser, median of {runs}"
          f" (target < {STARTUP_TARGET_S} s)")
    print(f"  {'total s':>10}{'server up s':>14}{'page ready s':>15}  target")
    print(f"  {total:>10.2f}{server:>14.2f}{page:>15.2f}  {verdict}")
    print("  runs: " + ", ".join(f"{up + ready:.2f} ({up:.2f} + {ready:.2f})" for up, ready in samples))


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interactions", type=int, default=101, help="interactions per calculator")
    parser.add_argument("--runs", type=int, default=3, help="executions of each lesson and of its floor")
    parser.add_argument("--startup-runs", type=int, default=3,
                        help="start-ups of `make lab` to a calculator answering in a browser (0 skips them)")
    parser.add_argument("--startup-only", action="store_true", help="print only the start-up figure")
    parser.add_argument("--class-size", type=int, default=bench_class_grading.DEFAULT_CLASS_SIZE,
                        help="submissions in the class-grading figure's synthetic class (0 skips the figure)")
    parser.add_argument("--class-only", action="store_true", help="print only the class-grading figure")
    parser.add_argument("--class-runs", type=int, default=bench_class_grading.DEFAULT_RUNS,
                        help="runs of the class, both ways in each; the figure is their median (at least 1)")
    args = parser.parse_args(argv)
    if args.startup_runs < 0 or (args.startup_only and args.startup_runs < 1):
        parser.error(f"--startup-runs must be {'at least 1 with --startup-only' if args.startup_only else '0 or more'},"
                     f" not {args.startup_runs}")
    if args.class_runs < 1:
        parser.error(f"--class-runs must be at least 1, not {args.class_runs}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_arguments(argv)
    if args.class_only:
        return bench_class_grading.print_section(args.class_size, runs=args.class_runs)
    if args.startup_only:
        print_startup(args.startup_runs)
        return 0

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

    if args.startup_runs > 0:
        print()
        print_startup(args.startup_runs)
    if args.class_size > 0:
        return bench_class_grading.print_section(args.class_size, runs=args.class_runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
