"""Assignment 09, "Results, not hours": the model solution computes what the course teaches."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest

from tests.assignments.assignment_notebooks import SOLUTIONS, run_cells, source_notebook
from widgets import kpis

ASSIGNMENT = "09-results-not-hours"
DATA = SOLUTIONS.parent / "course" / "data" / "client_metrics.csv"


@pytest.fixture(scope="module")
def notebook():
    return source_notebook(ASSIGNMENT)


@pytest.fixture(scope="module")
def solved(notebook):
    """The namespace the source's answer cells define: the model solution's functions."""
    return run_cells(notebook)


@pytest.fixture(scope="module")
def casa(notebook) -> pd.DataFrame:
    """The literal table of Casa Ceramica's days that the notebook's data cell builds."""
    return run_cells(notebook, ("casa-data",), answers=False)["casa"]


@pytest.fixture(scope="module")
def course_data() -> pd.DataFrame:
    return pd.read_csv(DATA, parse_dates=["date"], index_col="date")


def test_solutions_reproduce_the_domain_notes_and_lesson_examples(solved):
    assert math.isclose(solved["retention_rate"](200, 210, 30), 0.9)  # kpis' worked example
    assert math.isclose(solved["churn_rate"](200, 210, 30), 0.1)
    assert math.isclose(solved["retention_rate"](400, 441, 63), 0.945)  # the Clay Club's January
    assert math.isclose(solved["churn_rate"](400, 441, 63), 0.055)
    assert solved["monthly_recurring_revenue"]([25] * 441) == 11_025
    january = solved["retainer_health"](25, 30.5, 1250, 60)
    assert (january["used_share"], january["overage_hours"], january["invoice"]) == (1.22, 5.5, 1580)
    assert round(january["effective_rate"], 2) == 51.80
    april = solved["retainer_health"](25, 12.75, 1250, 60)
    assert (april["used_share"], april["overage_hours"], april["invoice"]) == (0.51, 0, 1250)
    assert round(april["effective_rate"], 2) == 98.04
    assert solved["should_resize"](25, 12.75, 13.5) is True
    assert solved["should_resize"](25, 13.5, 21) is False
    assert solved["should_resize"](25, 15, 14) is False  # exactly 60% is not under 60%
    days = pd.Series([10.0, 12.0] * 14 + [30.0], index=pd.date_range("2025-01-01", periods=29))
    assert solved["anomaly_dates"](days) == [pd.Timestamp("2025-01-29")]


def test_the_notebooks_data_is_a_faithful_copy_of_the_course_data(casa, course_data):
    expected = course_data.loc["2025-02-08":"2025-03-15", list(casa.columns)]
    pd.testing.assert_frame_equal(casa, expected, check_dtype=False, check_freq=False)


STARTS = (1, 50, 400)
SHARES = (0, 0.3, 1)


def test_retention_and_churn_agree_with_the_course_model(solved):
    for start, kept_share, new in itertools.product(STARTS, SHARES, (0, 7, 63)):
        end = round(start * kept_share) + new
        lost = start + new - end
        assert math.isclose(solved["retention_rate"](start, end, new), kpis.retention_rate(start, end, new))
        churn = solved["churn_rate"](start, end, new)
        assert math.isclose(churn, kpis.churn_rate(start, lost), abs_tol=1e-12)
        assert math.isclose(churn, 1 - kpis.retention_rate(start, end, new), abs_tol=1e-12)


def test_mrr_agrees_with_the_course_model(solved):
    for subscribers, price in itertools.product((0, 1, 441, 608), (0, 19.99, 25)):
        expected = kpis.monthly_recurring_revenue(subscribers, price)
        assert math.isclose(solved["monthly_recurring_revenue"]([price] * subscribers), expected, abs_tol=1e-9)
        as_series = pd.Series([price] * subscribers, dtype=float)
        assert math.isclose(solved["monthly_recurring_revenue"](as_series), expected, abs_tol=1e-9)


INCLUDED = (0.25, 10, 25)
USED = (0, 2.5, 12.75, 15, 25, 30.5)
FEES = (0, 1250)
OVERAGE_RATES = (0, 60)


def test_retainer_health_agrees_with_the_course_model(solved):
    for included, used, fee, rate in itertools.product(INCLUDED, USED, FEES, OVERAGE_RATES):
        mine = solved["retainer_health"](included, used, fee, rate)
        model = kpis.retainer_health(included, used, fee, overage_rate=rate)
        assert math.isclose(mine["used_share"], model.used_share), (included, used)
        assert math.isclose(mine["overage_hours"], model.overage_hours), (included, used)
        assert math.isclose(mine["invoice"], model.invoice), (included, used, fee, rate)
        if model.effective_rate is None:
            assert mine["effective_rate"] is None
        else:
            assert math.isclose(mine["effective_rate"], model.effective_rate), (included, used, fee, rate)


def test_should_resize_agrees_with_the_models_advice(solved):
    for included, used, previous, threshold in itertools.product(INCLUDED, USED, USED, (0.5, 0.6)):
        model = kpis.retainer_health(included, used, 1000, previous_hours_used=previous, threshold=threshold)
        mine = solved["should_resize"](included, used, previous, threshold)
        assert mine is (model.advice == kpis.RESIZE_DOWN), (included, used, previous, threshold)


def test_anomaly_dates_agree_with_the_course_model(solved, course_data):
    for column, window, threshold in itertools.product(
        ("revenue", "orders", "support_emails", "new_members", "cancelled_members"), (7, 14, 28), (2, 3)
    ):
        series = course_data[column].astype(float)
        flags = kpis.anomaly_flags(series, window=window, threshold=threshold)
        expected = list(flags[flags].index)
        assert solved["anomaly_dates"](series, window, threshold) == expected, (column, window, threshold)


def test_anomaly_dates_flag_the_broken_checkout_in_the_notebooks_data(solved, casa):
    for column in casa.columns:
        assert solved["anomaly_dates"](casa[column]) == [pd.Timestamp("2025-03-11")], column


def test_anomaly_dates_agree_with_the_model_on_random_series(solved):
    generator = np.random.default_rng(9)
    for window in (2, 5, 28):
        values = generator.normal(100, 15, size=80)
        values[generator.integers(window, 80, size=3)] += 120
        series = pd.Series(values, index=pd.date_range("2025-01-01", periods=80))
        flags = kpis.anomaly_flags(series, window=window)
        assert solved["anomaly_dates"](series, window) == list(flags[flags].index), window


@pytest.mark.parametrize("start", [0, -5])
def test_solution_and_model_both_reject_a_month_without_customers(solved, start):
    with pytest.raises(ValueError):
        solved["retention_rate"](start, 10, 3)
    with pytest.raises(ValueError):
        kpis.retention_rate(start, 10, 3)


@pytest.mark.parametrize("included", [0, -10])
def test_solution_and_model_both_reject_a_retainer_without_hours(solved, included):
    with pytest.raises(ValueError):
        solved["retainer_health"](included, 5, 500, 60)
    with pytest.raises(ValueError):
        kpis.retainer_health(included, 5, 500)


def test_solution_rejects_a_negative_subscription(solved):
    with pytest.raises(ValueError):
        solved["monthly_recurring_revenue"]([25, -25, 25])
    with pytest.raises(ValueError):
        solved["monthly_recurring_revenue"](pd.Series([40.0, -0.5]))
