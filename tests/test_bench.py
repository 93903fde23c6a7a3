"""`make bench` keeps working: its helpers run on the real course (timings are printed, never asserted)."""

import nbformat

from tools import bench
from tools.execute_lessons import lesson_paths


def test_the_floor_notebook_imports_what_each_lesson_imports():
    for path in lesson_paths():
        imports = bench.lesson_imports(nbformat.read(path, as_version=4))
        assert any("widgets" in line for line in imports), f"{path.name}: no import of the course package found"
        assert all(line.startswith(("import ", "from ")) for line in imports)


def test_every_calculator_in_the_benchmark_can_be_driven():
    rows = bench.bench_calculators(repeats=3)
    assert "DelegationCalculator" in [name for name, *_ in rows]
    assert all(interaction > 0 and model > 0 for _, interaction, model in rows)


def test_the_startup_benchmark_is_there_and_can_be_skipped():
    # The browser start-up itself is never run by the tests: it starts `make lab` and Chromium.
    assert callable(bench.bench_startup)
    assert bench.parse_arguments([]).startup_runs == 3
    assert bench.parse_arguments(["--startup-runs", "0"]).startup_runs == 0
