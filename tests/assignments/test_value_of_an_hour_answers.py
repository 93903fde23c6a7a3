"""Assignment 03, "What one hour of your time is worth": the model solution computes what the course teaches."""

from __future__ import annotations

import itertools
import math

import pandas as pd
import pytest

from tests.assignments.assignment_notebooks import run_cells, source_notebook
from widgets import delegation

ASSIGNMENT = "03-value-of-an-hour"
#: The ordinary cell that builds the week of chores the pandas question works on.
DATA_CELL = "week-data"


@pytest.fixture(scope="module")
def solved():
    """The namespace the source's data and answer cells define: the week and the model solution's functions."""
    return run_cells(source_notebook(ASSIGNMENT), (DATA_CELL,))


def test_solutions_reproduce_the_domain_notes_worked_examples(solved):
    assert solved["hourly_value"](50_000, 2_000) == 25  # Ferriss
    assert solved["buyback_rate"](solved["hourly_value"](200_000, 2_000)) == 25  # Martell
    assert solved["daily_cost"](100, 2) == 200  # the source article's email
    assert solved["weekly_gain"](100, 25, 10, 1, 1, 1) == 650
    assert solved["weekly_gain"](100, 25, 10, 1, 0.5, 1) == 150
    assert round(solved["payback_weeks"](1250, 650), 2) == 1.92
    assert round(solved["payback_weeks"](1250, 150), 2) == 8.33
    assert solved["payback_weeks"](1250, 0) is None


VALUES = (12.5, 40, 100)
RATES = (0, 25, 130)
HOURS = (0, 2.5, 10)
SHARES = (0, 0.5, 1)
SPEEDS = (0.5, 1, 1.5)


def test_solutions_agree_with_the_course_model(solved):
    for value in VALUES:
        assert math.isclose(solved["hourly_value"](value * 2_000, 2_000), delegation.hourly_value(value * 2_000))
        assert math.isclose(solved["buyback_rate"](value), delegation.buyback_rate(value))
        for hours in HOURS:
            assert math.isclose(solved["daily_cost"](value, hours), delegation.task_cost(value, hours).per_day)
    for args in itertools.product(VALUES, RATES, HOURS, HOURS, SHARES, SPEEDS):
        assert math.isclose(solved["weekly_gain"](*args), delegation.weekly_gain(*args), abs_tol=1e-9), args
    for cost, gain in itertools.product((0, 1250), (-40, 0, 150, 650)):
        assert solved["payback_weeks"](cost, gain) == delegation.payback_weeks(cost, gain)


@pytest.mark.parametrize("hours", [0, -2_000])
def test_solution_and_model_both_reject_a_year_without_hours(solved, hours):
    with pytest.raises(ValueError):
        solved["hourly_value"](50_000, hours)
    with pytest.raises(ValueError):
        delegation.hourly_value(50_000, hours)


def model_row(hourly_value: float, task) -> dict[str, float]:
    """What widgets.delegation says one chore costs and gains a week: a delegate as fast as the owner, no management."""
    case = delegation.evaluate_delegation(hourly_value, task.delegate_rate, task.owner_hours)
    return {"own_cost": case.value_freed, "delegate_cost": case.delegate_cost, "gain": case.weekly_gain}


@pytest.mark.parametrize("hourly_value", [12.5, 25, 62.5, 100, 130])
def test_the_delegation_table_agrees_with_the_course_model(solved, hourly_value):
    week = solved["week"]
    before = week.copy()
    table = solved["delegation_table"](week, hourly_value)
    pd.testing.assert_frame_equal(week, before)
    assert list(table.columns) == ["own_cost", "delegate_cost", "gain"]
    assert sorted(table.index) == sorted(week["task"])
    for task in week.itertuples():
        expected = model_row(hourly_value, task)
        for column, value in expected.items():
            assert math.isclose(table.loc[task.task, column], value, abs_tol=1e-9), (task.task, column)
    gains = table["gain"].tolist()
    assert gains == sorted(gains, reverse=True)


def test_the_week_matches_the_question_and_martells_buyback_rate(solved):
    table = solved["delegation_table"](solved["week"], 100)
    # The question's worked numbers: the inbox first, the newsletter's specialist last.
    assert table.index[0] == "Sort and answer the client's inbox"
    assert table.loc["Sort and answer the client's inbox"].tolist() == [400, 80, 320]
    assert table.index[-1] == "Write the weekly newsletter" and table["gain"].iloc[-1] == -20
    # Martell: work bought at or below the buyback rate (V / 4) frees at least three quarters of its cost.
    rates = solved["week"].set_index("task")["delegate_rate"]
    cheap = rates[rates <= delegation.buyback_rate(100)].index
    assert len(cheap) >= 3
    assert (table.loc[cheap, "gain"] >= 0.75 * table.loc[cheap, "own_cost"]).all()
