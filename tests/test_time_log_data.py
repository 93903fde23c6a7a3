"""Lesson 07's dataset: the seeded script gives the committed CSV byte for byte, and the log is a sound time audit."""

import subprocess
import sys

import pandas as pd
import pytest

from tools import make_time_log as script
from widgets.time_audit import TIME_LOG_COLUMNS, check_time_log

CSV = script.OUTPUT


@pytest.fixture(scope="module")
def log():
    return pd.read_csv(CSV)


def test_running_the_script_reproduces_the_committed_csv(tmp_path):
    fresh = tmp_path / "time_log.csv"
    subprocess.run(
        [sys.executable, "-m", "tools.make_time_log", "--output", str(fresh)],
        cwd=script.ROOT, check=True, capture_output=True,
    )  # fmt: skip
    assert fresh.read_bytes() == CSV.read_bytes(), "run `python -m tools.make_time_log` and commit the CSV"


def test_the_same_seed_gives_the_same_log_and_another_seed_does_not():
    assert script.make_time_log().equals(script.make_time_log())
    assert not script.make_time_log().equals(script.make_time_log(seed=script.SEED + 1))


def test_the_csv_is_plain_utf8_with_unix_line_ends_and_the_models_columns():
    raw = CSV.read_bytes()
    assert b"\r" not in raw
    assert raw.decode("utf-8").splitlines()[0] == ",".join(script.COLUMNS)
    assert tuple(script.COLUMNS) == TIME_LOG_COLUMNS


def test_the_model_accepts_the_log_as_pandas_reads_it(log):
    assert check_time_log(log) is log
    assert pd.api.types.is_bool_dtype(log["urgent"]) and pd.api.types.is_bool_dtype(log["important"])


def test_blocks_of_15_or_30_minutes_that_match_their_clock_times(log):
    assert set(log["minutes"]) <= {15, 30}
    start = pd.to_datetime(log["date"] + " " + log["start"])
    end = pd.to_datetime(log["date"] + " " + log["end"])
    assert ((end - start).dt.total_seconds() / 60 == log["minutes"]).all()


def test_ten_working_days_in_two_weeks_without_overlaps(log):
    days = pd.to_datetime(log["date"])
    assert sorted(days.dt.strftime("%Y-%m-%d").unique()) == list(
        pd.bdate_range(script.FIRST_DAY, periods=10).strftime("%Y-%m-%d")
    )
    assert (days.dt.day_of_week < 5).all()
    for _, day in log.groupby("date"):
        starts, ends = list(day["start"]), list(day["end"])
        assert starts == sorted(starts)
        assert all(end <= following for end, following in zip(ends, starts[1:])), "blocks overlap"
    hours_a_day = log.groupby("date")["minutes"].sum() / 60
    assert hours_a_day.between(7.5, 10).all()


def test_each_task_keeps_its_category_flags_and_delegate(log):
    catalogue = {task.name: task for task in script.TASKS}
    assert set(log["task"]) == set(catalogue)
    for row in log.drop_duplicates("task").itertuples():
        task = catalogue[row.task]
        assert (row.category, row.urgent, row.important, row.who_could_do_it) == (
            task.category, task.urgent, task.important, task.who_could_do_it
        )
        if task.delegate_rate is None:
            assert pd.isna(row.delegate_rate)
        else:
            assert row.delegate_rate == task.delegate_rate
    assert log.groupby("task")[["category", "who_could_do_it", "delegate_rate"]].nunique(dropna=False).max().max() == 1


def test_fixed_events_are_in_the_calendar(log):
    meetings = log[log["task"] == "Weekly team meeting"]
    assert set(pd.to_datetime(meetings["date"]).dt.day_of_week) == {0}
    assert meetings.groupby("date")["minutes"].sum().tolist() == [60, 60]
    strategy = log[log["task"] == "Strategy and planning"]
    assert set(pd.to_datetime(strategy["date"]).dt.day_of_week) == {4}
    assert strategy.groupby("date")["minutes"].sum().tolist() == [120, 120]


def test_both_weeks_give_each_task_its_planned_share_of_the_free_time(log):
    week = pd.to_datetime(log["date"]).dt.isocalendar().week
    by_week = log.groupby([week, "task"])["minutes"].sum().unstack(0, fill_value=0)
    planned = {task.name: task.hours_per_week for task in script.TASKS if task.hours_per_week > 0}
    free = by_week.loc[list(planned)].sum()  # each week's minutes outside the fixed events
    first = next(iter(planned))  # it takes what the rounding leaves over
    for name, hours in planned.items():
        for number in by_week.columns:
            expected = hours / sum(planned.values()) * free[number]
            allowed = 7.5 * len(planned) if name == first else 7.5  # each quota is rounded to 15 minutes
            assert abs(by_week.loc[name, number] - expected) <= allowed, (name, number)
