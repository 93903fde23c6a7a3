"""Assignment 05, "Net and gross in Italy": the model solution computes what the course teaches."""

from __future__ import annotations

import itertools
import math

import pandas as pd
import pytest

from tests.assignments.assignment_notebooks import cells_where, grade_id, is_answer_cell, run_cells, source_notebook
from widgets import forfettario

ASSIGNMENT = "05-net-and-gross-italy"
#: The plain code cells the answers rely on: the constants, and Chiara's invoices.
SUPPORT_CELLS = ("setup", "invoices")


@pytest.fixture(scope="module")
def notebook():
    return source_notebook(ASSIGNMENT)


@pytest.fixture(scope="module")
def solved(notebook):
    """The namespace the source's setup and answer cells define: the model solution's functions."""
    return run_cells(notebook, SUPPORT_CELLS)


def test_every_answer_cell_is_run(notebook, solved):
    names = [grade_id(cell) for cell in cells_where(notebook, is_answer_cell)]
    assert names == [
        "keep_share", "net_from_revenue", "revenue_needed", "billable_hours", "hourly_rate",
        "ceiling_rate", "ceiling_check",
    ]
    assert all(callable(solved[name]) for name in names)


def test_the_notebook_states_the_models_constants(solved):
    assert solved["INPS_RATE"] == forfettario.FORFETTARIO_INPS_RATES[0]
    assert solved["COEFFICIENTS"] == forfettario.FORFETTARIO_COEFFICIENTS
    assert solved["TAX_RATES"] == forfettario.FORFETTARIO_TAX_RATES
    assert solved["CEILING"] == forfettario.FORFETTARIO_CEILING


def test_solutions_reproduce_the_domain_notes_worked_examples(solved):
    keep = solved["keep_share"]
    assert [round(keep(c, t), 3) for c in (0.78, 0.67) for t in (0.05, 0.15)] == [0.768, 0.710, 0.801, 0.751]
    revenue = solved["revenue_needed"](30_000, 3_000, 0.78, 0.05)
    assert round(revenue) == 42_979
    hours = solved["billable_hours"](46, 35, 0.65)
    assert hours == pytest.approx(1_046.5)
    assert round(solved["hourly_rate"](revenue, hours), 2) == 41.07
    assert round(solved["ceiling_rate"](hours), 2) == 81.22
    # The lesson's self-checks: Giulia's revenue and ceiling rate.
    assert round(solved["revenue_needed"](24_000, 2_000, 0.67, 0.15)) == 34_619
    assert round(solved["ceiling_rate"](1_100), 2) == 77.27


def test_year_one_keeps_less_than_a_steady_state(solved):
    keep = solved["keep_share"]
    for c, t in itertools.product(forfettario.FORFETTARIO_COEFFICIENTS, forfettario.FORFETTARIO_TAX_RATES):
        assert keep(c, t, year_one=True) < keep(c, t)
        assert keep(c, t, year_one=True) == pytest.approx(1 - 0.2607 * c - t * c)


COEFFICIENTS = forfettario.FORFETTARIO_COEFFICIENTS
TAX_RATES = forfettario.FORFETTARIO_TAX_RATES
INPS_RATES = forfettario.FORFETTARIO_INPS_RATES
YEARS = (False, True)
REVENUES = (0, 12_345.67, 40_000, 85_000, 120_000)
TARGETS = (0, 18_000, 30_000, 60_000)
EXPENSES = (0, 3_000, 12_500)
WEEKS = (40, 46, 52)
WEEKLY_HOURS = (20, 35, 42.5)
UTILIZATIONS = (0.5, 0.65, 1)
RIVALSA = forfettario.FORFETTARIO_RIVALSA_RATES


def test_keep_share_and_net_agree_with_the_course_model(solved):
    for c, t, a, first in itertools.product(COEFFICIENTS, TAX_RATES, INPS_RATES, YEARS):
        expected = forfettario.forfettario_keep_share(c, t, a, year_one=first)
        assert math.isclose(solved["keep_share"](c, t, year_one=first, inps_rate=a), expected, abs_tol=1e-12)
    for revenue, c, t, first in itertools.product(REVENUES, COEFFICIENTS, TAX_RATES, YEARS):
        expected = forfettario.forfettario_breakdown(revenue, c, t, year_one=first).net
        assert math.isclose(solved["net_from_revenue"](revenue, c, t, first), expected, abs_tol=1e-6)


def test_revenue_needed_agrees_with_the_course_model(solved):
    for target, expenses, c, t, first in itertools.product(TARGETS, EXPENSES, COEFFICIENTS, TAX_RATES, YEARS):
        expected = forfettario.forfettario_revenue_needed(target, expenses, c, t, year_one=first)
        assert math.isclose(solved["revenue_needed"](target, expenses, c, t, first), expected, abs_tol=1e-6)


def test_hours_and_rates_agree_with_the_course_model(solved):
    for weeks, weekly, share in itertools.product(WEEKS, WEEKLY_HOURS, UTILIZATIONS):
        hours = solved["billable_hours"](weeks, weekly, share)
        assert math.isclose(hours, forfettario.forfettario_billable_hours(weeks, weekly, share), abs_tol=1e-9)
        for revenue in REVENUES:
            expected = forfettario.forfettario_rate_for_revenue(revenue, hours)
            assert math.isclose(solved["hourly_rate"](revenue, hours), expected, abs_tol=1e-9)
        for rivalsa in RIVALSA:
            expected = forfettario.forfettario_ceiling_rate(hours, rivalsa)
            assert math.isclose(solved["ceiling_rate"](hours, rivalsa), expected, abs_tol=1e-9)
            # At the ceiling rate the year's revenue, rivalsa included, is exactly the ceiling.
            revenue = forfettario.forfettario_revenue_at_rate(solved["ceiling_rate"](hours, rivalsa), hours, rivalsa)
            assert revenue == pytest.approx(forfettario.FORFETTARIO_CEILING)


@pytest.mark.parametrize(("coefficient", "tax_rate"), [(0.70, 0.05), (78, 0.05), (0.78, 0.10), (0.67, 15), (0.2607, 0.15)])
def test_solution_and_model_both_reject_rates_the_law_does_not_allow(solved, coefficient, tax_rate):
    with pytest.raises(ValueError):
        solved["keep_share"](coefficient, tax_rate)
    with pytest.raises(ValueError):
        forfettario.forfettario_keep_share(coefficient, tax_rate)


@pytest.mark.parametrize("hours", [0, -1_046.5])
def test_solution_and_model_both_reject_a_rate_without_hours(solved, hours):
    with pytest.raises(ValueError):
        solved["hourly_rate"](42_978.75, hours)
    with pytest.raises(ValueError):
        forfettario.forfettario_rate_for_revenue(42_978.75, hours)


def model_month_passed(invoices: pd.DataFrame) -> int | None:
    """The first month whose running total the course's model calls past the ceiling, by plain iteration."""
    total = 0.0
    for month in sorted(set(invoices["month"])):
        total += sum(invoices.loc[invoices["month"] == month, "amount"])
        if forfettario.forfettario_ceiling_status(total) != forfettario.WITHIN_CEILING:
            return int(month)
    return None


YEARS_OF_INVOICES = [
    pd.DataFrame({"month": [12, 1, 6, 6], "client": list("ABCA"), "amount": [40_000.0, 25_000.0, 12_500.0, 7_500.0]}),
    pd.DataFrame({"month": [12, 1, 6], "client": list("ABA"), "amount": [50_000.0, 40_000.0, 1_000.0]}),
    pd.DataFrame({"month": [4, 4, 9], "client": list("ABA"), "amount": [60_000.0, 30_000.0, 5_000.0]}),
    pd.DataFrame({"month": [1, 3, 2, 1, 3], "client": list("BAAAB"), "amount": [30_000.0, 6_000.0, 28_000.0, 20_000.0, 1_000.5]}),
    pd.DataFrame({"month": [2, 5], "client": list("AA"), "amount": [20_000.0, 18_000.0]}),
    pd.DataFrame({"month": [1], "client": ["A"], "amount": [120_000.0]}),
]


@pytest.mark.parametrize("index", range(len(YEARS_OF_INVOICES)))
def test_ceiling_check_agrees_with_the_course_model(solved, index):
    invoices = YEARS_OF_INVOICES[index]
    result = solved["ceiling_check"](invoices.copy())
    revenue = float(invoices["amount"].sum())
    assert result["revenue"] == pytest.approx(revenue)
    assert result["over_ceiling"] is (forfettario.forfettario_ceiling_status(revenue) != forfettario.WITHIN_CEILING)
    assert result["month_passed"] == model_month_passed(invoices)


def test_chiaras_year_passes_the_ceiling_in_november_and_leaves_the_regime_next_year(solved):
    invoices = solved["invoices"]
    result = solved["ceiling_check"](invoices)
    assert result == {"revenue": pytest.approx(93_250.5), "over_ceiling": True, "month_passed": 11}
    assert result["month_passed"] == model_month_passed(invoices)
    assert forfettario.forfettario_ceiling_status(result["revenue"]) == forfettario.LEAVE_NEXT_YEAR
    # Listed by client, the rows' own running total would pass the ceiling in another month.
    raw = invoices["amount"].cumsum()
    assert int(invoices.loc[raw[raw > forfettario.FORFETTARIO_CEILING].index[0], "month"]) != 11
