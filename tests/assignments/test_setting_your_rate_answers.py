"""Assignment 04, "Setting your rate": the model solution computes what the course teaches."""

from __future__ import annotations

import itertools
import math

import pandas as pd
import pytest

from tests.assignments.assignment_notebooks import run_cells, source_notebook
from widgets import rates

ASSIGNMENT = "04-setting-your-rate"


@pytest.fixture(scope="module")
def solved():
    """The namespace the source's answer cells define: the model solution's functions."""
    return run_cells(source_notebook(ASSIGNMENT))


def test_solutions_reproduce_the_domain_notes_worked_examples(solved):
    # ($100k + $20k) / 0.8 over 48 * 40 * 0.6 = 1,152 h -> $130.21/h
    weeks = solved["working_weeks"](2, 1, 1)
    hours = solved["billable_hours"](weeks, 40, 0.6)
    revenue = solved["revenue_needed"](100_000, 20_000, 0.2)
    assert (weeks, hours, revenue) == (48, 1_152, 150_000)
    assert round(solved["hourly_rate"](revenue, hours), 2) == 130.21
    assert round(solved["day_rate"](solved["hourly_rate"](revenue, hours), 8), 2) == 1_041.67
    # ($60k + $8k) / (46 * 25 = 1,150 h) -> $59.13/h, without tax
    weeks = solved["working_weeks"](4, 1.5, 0.5)
    hours = solved["billable_hours"](weeks, 25)
    revenue = solved["revenue_needed"](60_000, 8_000)
    assert (weeks, hours, revenue) == (46, 1_150, 68_000)
    assert round(solved["hourly_rate"](revenue, hours), 2) == 59.13


def test_the_team_table_holds_the_worked_examples_in_order_of_rate(solved):
    team = pd.DataFrame({
        "name": ["Anna", "Bea", "Carla", "Dario"],
        "target_net_income": [100_000, 60_000, 30_000, 80_000],
        "business_expenses": [20_000, 8_000, 3_000, 12_000],
        "effective_tax_rate": [0.2, 0.0, 0.25, 0.3],
        "working_weeks": [48, 46, 46, 46],
        "hours_per_week": [40, 25, 30, 35],
        "utilization": [0.6, 1.0, 0.7, 0.75],
    })
    before = team.copy()
    table = solved["freelancer_rates"](team)
    pd.testing.assert_frame_equal(team, before)
    assert list(table["name"]) == ["Carla", "Bea", "Dario", "Anna"]
    assert list(table.index) == [0, 1, 2, 3]
    assert list(table.columns) == list(team.columns) + ["billable_hours", "hourly_rate"]
    assert table["hourly_rate"].round(2).tolist() == [45.55, 59.13, 108.84, 130.21]


TIME_OFF = (0, 0.5, 2, 6)
WEEKS = (8, 46, 48, 52)
HOURS_PER_WEEK = (1, 25, 40, 60.5)
UTILIZATIONS = (0.01, 0.6, 0.75, 1)
INCOMES = (0, 30_000, 100_000)
EXPENSES = (0, 8_000, 20_000)
TAX_RATES = (0, 0.2, 0.45, 0.9)


def test_solutions_agree_with_the_course_model(solved):
    for vacation, holidays, sick in itertools.product(TIME_OFF, repeat=3):
        assert math.isclose(solved["working_weeks"](vacation, holidays, sick), rates.working_weeks(vacation, holidays, sick))
    for weeks, hours, share in itertools.product(WEEKS, HOURS_PER_WEEK, UTILIZATIONS):
        assert math.isclose(solved["billable_hours"](weeks, hours, share), rates.billable_hours(weeks, hours, share))
    for income, expenses, tax in itertools.product(INCOMES, EXPENSES, TAX_RATES):
        assert math.isclose(solved["revenue_needed"](income, expenses, tax), rates.revenue_needed(income, expenses, tax))
    for revenue, hours in itertools.product((0, 68_000, 150_000), (0.5, 1_150, 1_152, 2_080)):
        expected = rates.hourly_rate_needed(revenue, hours)
        assert math.isclose(solved["hourly_rate"](revenue, hours), expected)
        for day in (0.5, 4, 8):
            assert math.isclose(solved["day_rate"](expected, day), rates.day_rate(expected, day))


def test_the_team_table_agrees_with_the_course_model(solved):
    plans = list(itertools.product(INCOMES, EXPENSES, TAX_RATES, WEEKS, (25, 40), UTILIZATIONS))
    team = pd.DataFrame(
        plans,
        columns=["target_net_income", "business_expenses", "effective_tax_rate", "working_weeks",
                 "hours_per_week", "utilization"],
    )
    team.insert(0, "name", [f"plan {number}" for number in range(len(team))])
    table = solved["freelancer_rates"](team)
    assert table["hourly_rate"].is_monotonic_increasing
    for row in table.itertuples():
        hours = rates.billable_hours(row.working_weeks, row.hours_per_week, row.utilization)
        revenue = rates.revenue_needed(row.target_net_income, row.business_expenses, row.effective_tax_rate)
        assert math.isclose(row.billable_hours, hours), row
        assert math.isclose(row.hourly_rate, rates.hourly_rate_needed(revenue, hours)), row


@pytest.mark.parametrize(
    ("function", "model", "args"),
    [
        ("working_weeks", rates.working_weeks, (-1, 1, 1)),
        ("working_weeks", rates.working_weeks, (2, -0.5, 1)),
        ("working_weeks", rates.working_weeks, (2, 1, -1)),
        ("billable_hours", rates.billable_hours, (48, 40, 0)),
        ("billable_hours", rates.billable_hours, (48, 40, 1.2)),
        ("billable_hours", rates.billable_hours, (48, 40, -0.5)),
        ("revenue_needed", rates.revenue_needed, (100_000, 20_000, 1)),
        ("revenue_needed", rates.revenue_needed, (100_000, 20_000, -0.1)),
        ("hourly_rate", rates.hourly_rate_needed, (150_000, 0)),
        ("hourly_rate", rates.hourly_rate_needed, (150_000, -1_152)),
    ],
)
def test_solution_and_model_both_reject_impossible_inputs(solved, function, model, args):
    with pytest.raises(ValueError):
        solved[function](*args)
    with pytest.raises(ValueError):
        model(*args)
