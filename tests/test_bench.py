"""`make bench` keeps working: its helpers run on the real course (timings are printed, never asserted)."""

import pathlib

import nbformat
import pytest

from tools import bench
from tools.execute_lessons import lesson_paths


def test_the_floor_notebook_imports_what_each_lesson_imports():
    for path in lesson_paths():
        imports = bench.lesson_imports(nbformat.read(path, as_version=4))
        assert any("widgets" in line for line in imports), f"{path.name}: no import of the course package found"
        assert all(line.startswith(("import ", "from ")) for line in imports)


def test_the_floor_also_loads_the_libraries_a_lesson_loads_on_the_way():
    """Lesson 08's tables come from the course's package, so pandas is in its floor though the lesson never imports it."""
    path = next(path for path in lesson_paths() if path.name.startswith("08-"))
    assert not any("pandas" in line for line in bench.lesson_imports(nbformat.read(path, as_version=4)))
    resident, libraries = bench._after_the_lesson(path)
    assert resident > 0 and "pandas" in libraries and "ipywidgets" in libraries
    floor = bench.floor_notebook(nbformat.read(path, as_version=4), libraries)
    assert floor.cells[0].source.splitlines()[-len(libraries):] == [f"import {name}" for name in libraries]


def test_a_timed_run_executes_every_cell(tmp_path):
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(f"print({n} * 2)") for n in range(3)])
    assert bench._execute_seconds(notebook, tmp_path) > 0
    assert ["".join(cell.outputs[0].text) for cell in notebook.cells] == ["0\n", "2\n", "4\n"]


def test_every_calculator_in_the_benchmark_can_be_driven():
    rows = bench.bench_calculators(repeats=3)
    assert "DelegationCalculator" in [name for name, *_ in rows]
    assert all(interaction > 0 and model > 0 for _, interaction, model in rows)


def test_the_startup_benchmark_is_there_and_can_be_skipped():
    # The browser start-up itself is never run by the tests: it starts `make lab` and Chromium.
    assert callable(bench.bench_startup)
    assert bench.parse_arguments([]).startup_runs == 3
    assert bench.parse_arguments(["--startup-runs", "0"]).startup_runs == 0


def test_the_start_page_shows_the_calculator_the_startup_figure_waits_for():
    """The start-up figure opens the page `make lab` opens and types into its calculator."""
    from tests.browser.test_calculators import find_calculator

    found = find_calculator(bench.STARTUP_CALCULATOR)
    assert found is not None and found[0] == bench.START_PAGE, found
    makefile = pathlib.Path(bench.__file__).resolve().parent.parent / "Makefile"
    assert f"START_PAGE := course/{bench.START_PAGE}" in makefile.read_text()


def test_the_startup_figure_runs_alone_and_prints_medians_and_each_run(monkeypatch, capsys):
    samples = [(1.0, 2.0), (3.0, 4.0), (2.0, 9.0)]  # (server up, page ready): totals 3, 7 and 11
    monkeypatch.setattr(bench, "bench_startup", lambda runs: samples[:runs])
    monkeypatch.setattr(bench, "bench_calculators", lambda repeats: pytest.fail("not the start-up figure"))
    assert bench.main(["--startup-only", "--startup-runs", "3"]) == 0
    printed = capsys.readouterr().out
    assert "median of 3 (target < 10 s)" in printed
    assert printed.splitlines()[2].split() == ["7.00", "2.00", "4.00", "met"]
    assert "runs: 3.00 (1.00 + 2.00), 7.00 (3.00 + 4.00), 11.00 (2.00 + 9.00)" in printed


@pytest.mark.parametrize("arguments", [["--startup-runs", "-1"], ["--startup-only", "--startup-runs", "0"]])
def test_the_startup_figure_refuses_a_count_of_runs_it_cannot_take(arguments, capsys):
    with pytest.raises(SystemExit) as exit_info:
        bench.parse_arguments(arguments)
    assert exit_info.value.code == 2
    assert "--startup-runs must be" in capsys.readouterr().err



def test_the_class_grading_benchmark_grades_a_small_class_both_ways_in_each_run_with_equal_scores():
    # A class of six (one adversarial), one floor run, two runs: the figure's machinery, not its timings.
    from tools import bench_class_grading

    printed = []
    bench = bench_class_grading.bench_class_grading(size=6, floor_runs=1, runs=2,
                                                    on_run=lambda number, figures: printed.append(number))
    assert printed == [1, 2] and len(bench.runs) == 2
    assert sorted(bench.kinds.values()) == sorted(["right"] * 2 + ["half_right"] * 2 + ["untouched", "raises"])
    for run in bench.runs:
        assert run.compared_students == 6
        assert set(run.outcomes.values()) == {"graded"}
        assert run.plain.wall_s > 0 and run.parallel.wall_s > 0
        assert run.plain.peak_mb > 0 and run.parallel.peak_mb > 0
        assert run.parallel.returncode == 0, run.parallel.output
    assert bench.floor_s > 0
    lines = bench_class_grading.report(bench)
    assert sum(line.startswith("  run ") for line in lines) == 2
    assert any("median of 2 runs" in line for line in lines)
    assert any("speed-up" in line for line in lines) and any("floor/cores" in line for line in lines)


def test_the_class_figure_is_the_median_of_the_runs_and_prints_each_run():
    from tools import bench_class_grading as b

    def run(plain_wall, class_wall):
        return b.ClassRunFigures(b.CommandRun(plain_wall, 60.0, 200.0, 0, ""), b.CommandRun(class_wall, 70.0, 600.0, 0, ""),
                                 outcomes={"s1": "graded"}, compared_students=10, load=(1.0, 2.0))

    bench = b.ClassBench("a", 10, 2, 2, floor_s=1.0, floor_cpu_s=1.0, kinds={},
                         runs=[run(100, 40), run(90, 60), run(120, 50)])
    assert bench.speed_up == pytest.approx(2.4)  # speed-ups 2.5, 1.5 and 2.4
    assert bench.per_submission_s == pytest.approx(5.0)  # median class wall 50 s over 10 submissions
    assert bench.floor_ratio == pytest.approx(10.0)
    lines = b.report(bench)
    assert [line.split("speed-up ")[1].split("x")[0] for line in lines if line.startswith("  run ")] == [
        "2.50", "1.50", "2.40"]
    assert any(line.startswith("  nbgrader autograde") and line.split()[5] == "100.0" for line in lines)
    assert not any(line.startswith("  run ") for line in b.report(bench, with_runs=False))


def test_the_class_grading_benchmark_fails_when_the_two_gradebooks_differ(monkeypatch, tmp_path):
    from tests.grading import synthetic_class
    from tools import bench_class_grading

    plain, parallel = tmp_path / "plain", tmp_path / "class"
    stored = {
        synthetic_class.sqlite_url(plain): {"ada": {"test_a": (1.0, None, False)}, "bob": {"test_a": (0.0, None, False)}},
        synthetic_class.sqlite_url(parallel): {"ada": {"test_a": (1.0, None, False)}, "bob": {"test_a": (1.0, None, False)}},
    }
    monkeypatch.setattr(synthetic_class, "gradebook_grades", lambda url, assignment: stored[url])
    with pytest.raises(bench_class_grading.ScoresDiffer, match="bob"):
        bench_class_grading.compare_gradebooks(plain, parallel, "a")
    stored[synthetic_class.sqlite_url(parallel)]["bob"] = {"test_a": (0.0, None, False)}
    assert bench_class_grading.compare_gradebooks(plain, parallel, "a") == 2


def test_the_class_grading_figure_has_its_flags():
    assert bench.parse_arguments([]).class_size >= 60
    assert bench.parse_arguments([]).class_runs == 3
    assert bench.parse_arguments(["--class-only", "--class-size", "12"]).class_size == 12
    assert bench.parse_arguments(["--class-size", "0"]).class_size == 0
    assert bench.parse_arguments(["--class-runs", "1"]).class_runs == 1


def test_the_class_grading_figure_refuses_fewer_than_one_run(capsys):
    with pytest.raises(SystemExit) as exit_info:
        bench.parse_arguments(["--class-runs", "0"])
    assert exit_info.value.code == 2
    assert "--class-runs must be at least 1" in capsys.readouterr().err


def test_peak_memory_counts_memory_forks_share_once():
    """Three forks of a process holding 200 MiB sum to about 200 MiB, not 800 as their resident sizes would."""
    import subprocess
    import sys
    import time

    from tools.bench_class_grading import PeakMemory

    code = ("import os, time\nheld = bytearray(200 * 2**20)\nfor _ in range(3):\n    if os.fork() == 0:\n"
            "        time.sleep(3)\n        os._exit(0)\ntime.sleep(3)\n")
    family = subprocess.Popen([sys.executable, "-c", code])
    with PeakMemory(family.pid, interval=0.05) as memory:
        time.sleep(2)
    family.wait()
    assert 200 * 2**20 <= memory.peak_bytes < 300 * 2**20, memory.peak_bytes / 2**20
    assert 0 < memory.cpu_s < 2, "the sampler's own CPU time, reported beside each run, was not measured"
