"""Assignment 10, the capstone OBM proposal: the model solution computes what the course teaches.

The source's answer cells must reproduce the domain notes' worked examples (rate, delegation
and team margin), agree with the course's models in widgets/ on a grid of inputs, and give
the case numbers that the model written answers (the graders' reference) quote.
"""

from __future__ import annotations

import itertools
import math

import pandas as pd
import pytest

from tests.assignments.assignment_notebooks import run_cells, source_notebook
from widgets import delegation, rates, team

ASSIGNMENT = "10-capstone-obm-proposal"


@pytest.fixture(scope="module")
def notebook():
    return source_notebook(ASSIGNMENT)


@pytest.fixture(scope="module")
def solved(notebook):
    """The namespace the source's answer cells define: the model solution's functions."""
    return run_cells(notebook)


@pytest.fixture(scope="module")
def case(notebook) -> dict:
    """The names the notebook's case-file cell defines: ``elena``, ``onboarding`` and ``tasks``."""
    return run_cells(notebook, ("case-data",), answers=False)


def test_solutions_reproduce_the_domain_notes_worked_examples(solved):
    assert round(solved["obm_hourly_rate"](100_000, 20_000, 0.2, 48, 40, 0.6), 2) == 130.21
    assert round(solved["obm_hourly_rate"](60_000, 8_000, 0, 46, 25, 1), 2) == 59.13
    assert round(solved["client_rate"](25, 0.4), 2) == 41.67
    assert solved["project_margin"](1_600, 920) == 0.425
    assert round(solved["project_margin"](25 * 1.4, 25), 3) == 0.286  # a 40% markup is a 28.6% margin
    assert solved["weekly_gain"](100, 25, 10, 1, 1, 1) == 650
    assert solved["weekly_gain"](100, 25, 10, 1, 0.5, 1) == 150
    assert solved["weekly_gain"](25, 30, 8) == -40  # Ferriss's assistant on cost alone
    assert round(solved["payback_weeks"](1_250, 650), 2) == 1.92
    assert round(solved["payback_weeks"](1_250, 150), 2) == 8.33
    assert solved["payback_weeks"](1_250, 0) is None
    # Martell: 200,000 over 2,000 hours is 100 an hour, buyback rate 25; a 25/h delegate is at it.
    martell = pd.DataFrame({"task": ["email"], "owner_hours": [10], "delegate_rate": [25],
                            "delegate_speed": [1], "management_hours": [1]})
    assert bool(solved["rank_tasks"](martell, 200_000 / 2_000, 1)["below_buyback"].iloc[0])


def test_the_case_gives_the_numbers_the_model_answers_quote(solved, case):
    elena, tasks = case["elena"], case["tasks"]
    value = elena["yearly_income"] / elena["hours_per_year"]
    assert value == 160
    assert round(solved["obm_hourly_rate"](50_000, 10_000, 0.25, 48, 32, 0.75), 2) == 69.44
    assert solved["client_rate"](24, 0.4) == pytest.approx(40)
    assert solved["client_rate"](33, 0.4) == pytest.approx(55)

    ranked = solved["rank_tasks"](tasks, value, elena["share_reinvested"])
    assert list(ranked["task"]) == [
        "Inbox and customer support", "Social media scheduling", "Launch tech", "Membership admin", "Podcast editing",
    ]
    assert list(ranked["weekly_gain"]) == [480, 320, 312.5, 280, -60]
    assert list(ranked["cost_per_freed_hour"]) == [50, 40, 41.25, 40, 110]
    assert list(ranked["below_buyback"]) == [False, True, False, True, False]

    delegated = ranked[ranked["weekly_gain"] > 0]
    assert delegated["owner_hours"].sum() == 23 and delegated["management_hours"].sum() == 2.25
    assert delegated["weekly_gain"].sum() == 1_392.5
    onboarding = case["onboarding"]
    cost = onboarding["elena_hours"] * value + onboarding["sara_hours"] * 40 + onboarding["luca_hours"] * 55
    assert cost == 3_110

    # The retainer of the pricing answer: 6,500 a month for the team's hours, 5 of the OBM's a week and a buffer.
    team_hours = delegated["owner_hours"] * delegated["delegate_speed"]
    team_price = (team_hours * delegated["delegate_rate"]).sum()
    team_cost = (team_hours * delegated["delegate_rate"] * 0.6).sum()
    assert (team_price, team_cost) == (pytest.approx(1_007.5), pytest.approx(604.5))
    weeks_per_month = 52 / 12
    obm_month = 5 * 70 * weeks_per_month
    assert round((team_price + 5 * 70) * weeks_per_month) == 5_882
    assert round(solved["project_margin"](6_500 - obm_month, team_cost * weeks_per_month), 2) == 0.47
    retainer_per_week = 6_500 / weeks_per_month
    net = delegated["weekly_gain"].sum() - (retainer_per_week - team_price)
    assert round(net) == 900
    assert round(solved["payback_weeks"](cost, net), 1) == 3.5

    # The risks answer: half of the freed hours reinvested, and a slower Sara on the inbox.
    half = solved["rank_tasks"](tasks, value, 0.5)
    half_gain = half.loc[half["task"] != "Podcast editing", "weekly_gain"].sum()
    assert half_gain == 472.5
    assert round(half_gain - (retainer_per_week - team_price)) == -20
    assert solved["payback_weeks"](cost, half_gain - (retainer_per_week - team_price)) is None
    assert solved["weekly_gain"](value, 40, 8, 0.5, 0.75, 1.5) == 400


TAX_RATES = (0, 0.2, 0.45)
WEEKS = (10, 46, 52)
HOURS_PER_WEEK = (1, 25, 40)
UTILIZATIONS = (0.01, 0.6, 1)


def test_obm_hourly_rate_agrees_with_the_rate_model(solved):
    for net, expenses in ((0, 0), (30_000, 3_000), (100_000, 20_000)):
        for tax, weeks, hours, share in itertools.product(TAX_RATES, WEEKS, HOURS_PER_WEEK, UTILIZATIONS):
            expected = rates.hourly_rate_needed(
                rates.revenue_needed(net, expenses, tax), rates.billable_hours(weeks, hours, share)
            )
            assert math.isclose(solved["obm_hourly_rate"](net, expenses, tax, weeks, hours, share), expected), (
                net, expenses, tax, weeks, hours, share,
            )


def test_client_rate_and_project_margin_agree_with_the_team_model(solved):
    for cost, margin in itertools.product((0, 24, 25, 33, 120.5), (0, 0.3, 0.4, 0.5, 0.9)):
        assert math.isclose(solved["client_rate"](cost, margin), team.rate_for_margin(cost, margin)), (cost, margin)
    for price, cost in itertools.product((1, 800, 994, 1_600), (0, 710, 920, 2_000)):
        assert math.isclose(solved["project_margin"](price, cost), team.margin_on_price(price, cost)), (price, cost)


VALUES = (12.5, 40, 160)
RATES = (0, 25, 130)
HOURS = (0, 2.5, 10)
SHARES = (0, 0.5, 1)
SPEEDS = (0.5, 1, 2)


def test_delegation_answers_agree_with_the_delegation_model(solved):
    for args in itertools.product(VALUES, RATES, HOURS, HOURS, SHARES, SPEEDS):
        assert math.isclose(solved["weekly_gain"](*args), delegation.weekly_gain(*args), abs_tol=1e-9), args
    for cost, gain in itertools.product((0, 1_250, 3_110), (-60, 0, 150, 900)):
        assert solved["payback_weeks"](cost, gain) == delegation.payback_weeks(cost, gain)


def test_rank_tasks_agrees_with_the_delegation_model_row_by_row(solved):
    rows = list(itertools.product(HOURS, RATES, SPEEDS, (0, 1)))
    tasks = pd.DataFrame(rows, columns=["owner_hours", "delegate_rate", "delegate_speed", "management_hours"])
    tasks.insert(0, "task", [f"task {index}" for index in range(len(tasks))])
    for value, share in itertools.product(VALUES, SHARES):
        ranked = solved["rank_tasks"](tasks, value, share)
        assert list(ranked.index) == list(range(len(tasks)))
        assert ranked["weekly_gain"].is_monotonic_decreasing
        for row in ranked.itertuples():
            model = delegation.evaluate_delegation(
                value, row.delegate_rate, row.owner_hours, row.management_hours, share, row.delegate_speed
            )
            assert math.isclose(row.weekly_gain, model.weekly_gain, abs_tol=1e-9), (value, share, row)
            assert math.isclose(row.cost_per_freed_hour, model.cost_per_hour_freed), (value, share, row)
            assert row.below_buyback == model.below_buyback_rate, (value, share, row)


@pytest.mark.parametrize(
    ("function", "args", "model"),
    [
        ("obm_hourly_rate", (60_000, 8_000, 1, 46, 25, 0.7), lambda: rates.revenue_needed(60_000, 8_000, 1)),
        ("obm_hourly_rate", (60_000, 8_000, 0.2, 46, 25, 0), lambda: rates.billable_hours(46, 25, 0)),
        ("client_rate", (25, 1), lambda: team.rate_for_margin(25, 1)),
        ("client_rate", (25, -0.1), lambda: team.rate_for_margin(25, -0.1)),
        ("project_margin", (0, 920), lambda: team.margin_on_price(0, 920)),
    ],
)
def test_solution_and_model_both_reject_impossible_inputs(solved, function, args, model):
    with pytest.raises(ValueError):
        solved[function](*args)
    with pytest.raises(ValueError):
        model()
