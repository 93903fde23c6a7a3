"""Assignment 06, "Pricing models": the model solution computes what the course teaches."""

from __future__ import annotations

import itertools
import math

import pandas as pd
import pytest

from tests.assignments.assignment_notebooks import run_cells, source_notebook
from widgets import pricing

ASSIGNMENT = "06-pricing-models"


@pytest.fixture(scope="module")
def solved():
    """The namespace the source's answer cells define: the model solution's functions."""
    return run_cells(source_notebook(ASSIGNMENT))


def test_solutions_reproduce_the_domain_notes_worked_examples(solved):
    # $10,000 quoted for 80 h that took 120 h -> $83.33/h.
    assert round(solved["effective_hourly_rate"](10_000, 120), 2) == 83.33
    # VA retainers of $600-2,500 a month for 10-30 h pay $25-80 an hour.
    assert solved["effective_hourly_rate"](600, 24) == 25
    assert solved["effective_hourly_rate"](2_400, 30) == 80
    # Retainer = hours * rate * (1 + scope buffer), buffers of 10-20%.
    assert math.isclose(solved["retainer_fee"](20, 55, 0.15), 1_265)
    assert solved["retainer_fee"](20, 60) == 1_200
    # 5 people * 8 h/week saved * $40 * 48 weeks = $76,800/yr -> 15% = $11,520.
    value = solved["yearly_value_created"](5, 8, 40, 48)
    assert value == 76_800 and solved["yearly_value_created"](5, 8, 40) == value
    assert math.isclose(solved["value_based_price"](value, 0.15), 11_520)
    # Hourly: the client carries the risk; package: the freelancer; retainer: shared.
    risks = {model: solved["who_carries_the_risk"](model) for model in ("hourly", "package", "retainer")}
    assert risks == {"hourly": "client", "package": "freelancer", "retainer": "shared"}


PRICES = (0, 600, 1_500, 10_000)
HOURS = (0.5, 8, 24, 80, 120)
RATES = (0.01, 25, 60, 125)
BUFFERS = (0, 0.1, 0.15, 0.2, 1)


def test_solutions_agree_with_the_course_model(solved):
    for price, hours in itertools.product(PRICES, HOURS):
        assert math.isclose(solved["effective_hourly_rate"](price, hours), pricing.effective_hourly_rate(price, hours))
    for hours, rate, buffer in itertools.product((0, *HOURS), RATES, BUFFERS):
        expected = pricing.retainer_fee(hours, rate, buffer)
        assert math.isclose(solved["retainer_fee"](hours, rate, buffer), expected, abs_tol=1e-9), (hours, rate, buffer)
        assert math.isclose(solved["retainer_fee"](hours, rate), pricing.retainer_fee(hours, rate), abs_tol=1e-9)
    for people, saved, cost, weeks in itertools.product((0, 1, 5), (0, 2.5, 8), (0, 35, 40), (1, 46, 48, 52)):
        expected = pricing.yearly_value_created(people, saved, cost, weeks)
        assert math.isclose(solved["yearly_value_created"](people, saved, cost, weeks), expected, abs_tol=1e-9)
    for value, share in itertools.product((0, 19_320, 76_800), (0, 0.1, 0.15, 0.2, 1)):
        assert math.isclose(solved["value_based_price"](value, share), pricing.value_based_price(value, share), abs_tol=1e-9)
    for model in pricing.PRICING_MODELS:
        assert solved["who_carries_the_risk"](model.key) == pricing.who_carries_the_risk(model.key) == model.risk


@pytest.mark.parametrize("model", ["daily", "fixed price", "", "Hourly", None])
def test_solution_and_model_both_reject_an_unknown_pricing_model(solved, model):
    with pytest.raises(ValueError):
        solved["who_carries_the_risk"](model)
    with pytest.raises(ValueError):
        pricing.who_carries_the_risk(model)


@pytest.mark.parametrize("hours", [0, -120])
def test_solution_and_model_both_reject_a_job_without_hours(solved, hours):
    with pytest.raises(ValueError):
        solved["effective_hourly_rate"](10_000, hours)
    with pytest.raises(ValueError):
        pricing.effective_hourly_rate(10_000, hours)


@pytest.fixture
def jobs() -> pd.DataFrame:
    """A log of fixed-price jobs, with the domain notes' package first."""
    return pd.DataFrame(
        {
            "job": ["Website launch", "Podcast setup", "Inbox clean-up", "Course launch", "CRM migration"],
            "quoted_price": [10_000, 1_500, 600, 4_800, 2_400],
            "estimated_hours": [80, 30, 10, 60, 30],
            "actual_hours": [120, 40, 8, 60, 36],
        },
        index=[10, 20, 30, 40, 50],
    )


def test_job_rates_agree_with_the_course_model_row_by_row(solved, jobs):
    before = jobs.copy()
    result = solved["job_rates"](jobs)
    pd.testing.assert_frame_equal(jobs, before)  # the table passed in is left unchanged
    assert list(result.columns) == [*jobs.columns, "effective_rate", "scope_creep"]
    pd.testing.assert_frame_equal(result[jobs.columns], jobs)
    assert result["scope_creep"].dtype == bool
    assert result["scope_creep"].tolist() == [True, True, False, False, True]
    for row in result.itertuples():
        assert math.isclose(row.effective_rate, pricing.effective_hourly_rate(row.quoted_price, row.actual_hours))
        if row.scope_creep:
            # A fixed price's rate is divided by 1 + the share of extra hours.
            creep = row.actual_hours / row.estimated_hours - 1
            assert math.isclose(row.effective_rate, pricing.scope_creep_rate(row.quoted_price, row.estimated_hours, creep))
    assert round(result.loc[10, "effective_rate"], 2) == 83.33


@pytest.mark.parametrize("target", [0, 37.5, 70, 75, 80, 125])
def test_jobs_below_rate_keeps_the_rows_strictly_below_the_target(solved, jobs, target):
    rated = solved["job_rates"](jobs)
    below = solved["jobs_below_rate"](rated, target)
    expected = [index for index, rate in rated["effective_rate"].items() if rate < target]
    assert list(below.index) == expected
    pd.testing.assert_frame_equal(below, rated.loc[expected])
