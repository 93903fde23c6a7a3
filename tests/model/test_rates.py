"""The rate model against the domain notes' worked examples, its invariants and bad input."""

import math
import subprocess
import sys

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import widgets
from widgets import rates
from widgets.fields import Field, InputError
from widgets.rates import (
    CHART_UTILIZATION,
    EMPLOYEE_HOURS_PER_YEAR,
    HEALTHY_UTILIZATION,
    RATE_FIELDS,
    billable_hours,
    day_rate,
    evaluate_rate,
    hourly_rate_needed,
    rate_by_utilization,
    revenue_needed,
    utilization_zone,
    working_weeks,
)

#: The domain notes' first example: 48 working weeks of 40 hours at 60%, 20% tax.
FIRST_EXAMPLE = dict(
    target_net_income=100_000,
    business_expenses=20_000,
    effective_tax_rate=0.2,
    vacation_weeks=2,
    public_holiday_weeks=1,
    sick_weeks=1,
    hours_per_week=40,
    utilization=0.6,
    billable_hours_per_day=8,
)

# --- worked examples (shared/domain/domain-notes.md §2) ---


def test_first_example_step_by_step():
    weeks = working_weeks(2, 1, 1)
    hours = billable_hours(weeks, 40, 0.6)
    revenue = revenue_needed(100_000, 20_000, 0.2)
    rate = hourly_rate_needed(revenue, hours)
    assert weeks == 48
    assert hours == pytest.approx(1_152)
    assert revenue == pytest.approx(150_000)
    assert round(rate, 2) == 130.21


def test_first_example_in_one_call():
    result = evaluate_rate(**FIRST_EXAMPLE)
    assert (result.working_weeks, result.billable_hours) == (48, pytest.approx(1_152))
    assert result.revenue_needed == pytest.approx(150_000)
    assert result.keep_share == pytest.approx(0.8)
    assert result.tax == pytest.approx(30_000)
    assert round(result.hourly_rate, 2) == 130.21
    assert result.day_rate == pytest.approx(result.hourly_rate * 8)
    assert round(result.day_rate, 2) == 1_041.67
    assert result.billable_hours_per_week == pytest.approx(24)
    assert result.working_hours == 48 * 40


def test_second_example_without_tax():
    assert revenue_needed(60_000, 8_000) == 68_000
    assert billable_hours(46, 25) == 1_150
    assert round(hourly_rate_needed(68_000, 1_150), 2) == 59.13
    result = evaluate_rate(60_000, 8_000, 0, vacation_weeks=4, public_holiday_weeks=1.5, sick_weeks=0.5,
                           hours_per_week=25, utilization=1)
    assert result.working_weeks == 46
    assert round(result.hourly_rate, 2) == 59.13
    assert result.tax == 0


def test_an_employee_year_is_2080_hours_and_about_1800_after_leave():
    assert EMPLOYEE_HOURS_PER_YEAR == billable_hours(52, 40) == 2_080
    # About six weeks of leave and holidays leave roughly 1,800 hours.
    assert billable_hours(working_weeks(4, 1.5), 40) == 1_860
    assert billable_hours(working_weeks(5, 1.5, 1), 40) == 1_780


@pytest.mark.parametrize(
    ("utilization", "zone"),
    [(0.3, "low"), (0.69, "low"), (0.7, "healthy"), (0.75, "healthy"), (0.8, "healthy"), (0.85, "high"), (1, "high")],
)
def test_70_to_80_percent_is_the_healthy_band_and_agencies_85_percent_is_above_it(utilization, zone):
    assert HEALTHY_UTILIZATION == (0.7, 0.8)
    assert utilization_zone(utilization) == zone
    assert evaluate_rate(**{**FIRST_EXAMPLE, "utilization": utilization}).utilization_zone == zone


def test_rate_by_utilization_spans_30_to_100_percent_and_meets_the_example():
    frame = rate_by_utilization(150_000, 48, 40)
    assert list(frame.columns) == ["utilization", "billable_hours", "hourly_rate"]
    assert (frame.utilization.iloc[0], frame.utilization.iloc[-1]) == CHART_UTILIZATION == (0.3, 1.0)
    assert len(frame) == 71
    at_60 = frame.loc[(frame.utilization - 0.6).abs() < 1e-9, "hourly_rate"]
    assert round(float(at_60.iloc[0]), 2) == 130.21
    assert frame.hourly_rate.iloc[-1] == pytest.approx(150_000 / 1_920)


def test_result_rate_by_utilization_uses_the_results_own_inputs():
    result = evaluate_rate(**FIRST_EXAMPLE)
    assert result.rate_by_utilization(0.5, 0.8, 4).equals(rate_by_utilization(150_000, 48, 40, 0.5, 0.8, 4))


# --- invariants ---

money = st.floats(min_value=0, max_value=1_000_000, allow_nan=False)
tax_rate = st.floats(min_value=0, max_value=0.9, allow_nan=False)
vacation = st.floats(min_value=0, max_value=26, allow_nan=False)
holidays = st.floats(min_value=0, max_value=6, allow_nan=False)
sick = st.floats(min_value=0, max_value=12, allow_nan=False)
hours = st.floats(min_value=1, max_value=100, allow_nan=False)
share = st.floats(min_value=0.01, max_value=1, allow_nan=False)
day_hours = st.floats(min_value=0.5, max_value=24, allow_nan=False)


def in_range(field: Field):
    return st.floats(min_value=field.minimum, max_value=field.maximum, exclude_min=field.min_exclusive,
                     allow_nan=False, allow_infinity=False)


ANY_VALID_INPUTS = st.fixed_dictionaries({field.name: in_range(field) for field in RATE_FIELDS})


@given(ANY_VALID_INPUTS)
@settings(max_examples=300)
def test_any_valid_inputs_give_a_finite_consistent_plan(values):
    result = evaluate_rate(**values)
    assert 8 <= result.working_weeks <= 52
    assert 0 < result.billable_hours <= result.working_hours
    for number in (result.revenue_needed, result.hourly_rate, result.day_rate, result.tax):
        assert math.isfinite(number) and number >= 0
    assert result.hourly_rate * result.billable_hours == pytest.approx(result.revenue_needed)
    assert result.day_rate == pytest.approx(result.hourly_rate * result.billable_hours_per_day)


@given(money, money, tax_rate)
def test_the_revenue_needed_leaves_exactly_the_target_net_after_tax_and_expenses(net, expenses, t):
    revenue = revenue_needed(net, expenses, t)
    assert revenue * (1 - t) - expenses == pytest.approx(net, abs=1e-6)
    assert revenue >= net + expenses


@given(money, money, tax_rate, tax_rate)
def test_a_higher_tax_rate_never_lowers_the_revenue_needed(net, expenses, t1, t2):
    low, high = sorted((t1, t2))
    assert revenue_needed(net, expenses, high) >= revenue_needed(net, expenses, low)


@given(money, vacation, holidays, sick, hours, share, share)
def test_more_utilization_never_raises_the_rate(net, v, p, s, h, u1, u2):
    low, high = sorted((u1, u2))
    slow = evaluate_rate(net, 0, 0, v, p, s, h, low)
    busy = evaluate_rate(net, 0, 0, v, p, s, h, high)
    assert busy.hourly_rate <= slow.hourly_rate
    assert busy.billable_hours >= slow.billable_hours


@given(money, vacation, vacation, holidays, sick, hours, share)
def test_more_time_off_never_lowers_the_rate(net, v1, v2, p, s, h, u):
    less, more = sorted((v1, v2))
    rested = evaluate_rate(net, 0, 0, more, p, s, h, u)
    busy = evaluate_rate(net, 0, 0, less, p, s, h, u)
    assert rested.hourly_rate >= busy.hourly_rate
    assert rested.working_weeks <= busy.working_weeks


@given(money, vacation, holidays, sick, hours, share, st.floats(min_value=1.01, max_value=10))
def test_the_rate_scales_with_the_income_wanted(net, v, p, s, h, u, factor):
    assume(net > 0)
    base = evaluate_rate(net, 0, 0, v, p, s, h, u).hourly_rate
    assert evaluate_rate(net * factor, 0, 0, v, p, s, h, u).hourly_rate == pytest.approx(base * factor)


@given(vacation, holidays, sick)
def test_working_weeks_are_52_less_the_time_off(v, p, s):
    weeks = working_weeks(v, p, s)
    assert weeks == pytest.approx(52 - v - p - s)
    assert weeks >= 8


@given(money, st.floats(min_value=1, max_value=52), hours, share, share,
       st.integers(min_value=2, max_value=200))
def test_the_chart_falls_from_left_to_right_and_meets_the_plan(revenue, weeks, h, u1, u2, points):
    assume(abs(u1 - u2) > 1e-6)
    low, high = sorted((u1, u2))
    frame = rate_by_utilization(revenue, weeks, h, low, high, points)
    assert len(frame) == points
    assert (frame.utilization.iloc[0], frame.utilization.iloc[-1]) == (low, high)
    assert frame.utilization.is_monotonic_increasing
    assert frame.hourly_rate.is_monotonic_decreasing
    first = frame.iloc[0]
    assert first.hourly_rate == pytest.approx(hourly_rate_needed(revenue, billable_hours(weeks, h, low)))


@given(share)
def test_every_utilization_has_exactly_one_zone(u):
    low, high = HEALTHY_UTILIZATION
    zone = utilization_zone(u)
    assert zone == ("low" if u < low else "high" if u > high else "healthy")


@given(st.floats(min_value=0, max_value=1e6), day_hours)
def test_day_rate_is_hourly_rate_times_hours(rate, h):
    assert day_rate(rate, h) == pytest.approx(rate * h)


# --- bad input: one ValueError that names the field and its range ---

BAD_VALUES = [-1, float("nan"), float("inf"), float("-inf"), 1e12, "10", None, True, [1]]


@pytest.mark.parametrize("field", RATE_FIELDS, ids=lambda f: f.name)
@pytest.mark.parametrize("bad", BAD_VALUES, ids=repr)
def test_every_bad_input_names_its_field_and_range(field, bad):
    try:
        evaluate_rate(**{**FIRST_EXAMPLE, field.name: bad})
    except InputError as error:
        assert isinstance(error, ValueError)
        assert error.field is field
        assert field.name in str(error)
        assert field.valid_range() in str(error)
    else:
        pytest.fail(f"{field.name}={bad!r} was accepted")


@pytest.mark.parametrize(
    ("call", "named"),
    [
        (lambda: billable_hours(48, 0, 0.6), "hours_per_week"),
        (lambda: billable_hours(48, 40, 0), "utilization"),
        (lambda: billable_hours(0, 40, 0.6), "working_weeks"),
        (lambda: billable_hours(53, 40, 0.6), "working_weeks"),
        (lambda: billable_hours(48, 40, 1.2), "utilization"),
        (lambda: hourly_rate_needed(150_000, 0), "billable_hours"),
        (lambda: hourly_rate_needed(150_000, 9_000), "billable_hours"),
        (lambda: hourly_rate_needed(-1, 1_152), "revenue_needed"),
        (lambda: revenue_needed(100_000, 20_000, 1), "effective_tax_rate"),
        (lambda: revenue_needed(100_000, 20_000, 0.95), "effective_tax_rate"),
        (lambda: revenue_needed(-100, 0), "target_net_income"),
        (lambda: day_rate(130, 0), "billable_hours_per_day"),
        (lambda: day_rate(130, 25), "billable_hours_per_day"),
        (lambda: day_rate(-130, 8), "hourly_rate"),
        (lambda: working_weeks(27), "vacation_weeks"),
        (lambda: working_weeks(2, 7), "public_holiday_weeks"),
        (lambda: working_weeks(2, 1, 13), "sick_weeks"),
        (lambda: utilization_zone(0), "utilization"),
        (lambda: rate_by_utilization(150_000, 48, 0), "hours_per_week"),
        (lambda: rate_by_utilization(150_000, 48, 40, low=0), "low"),
        (lambda: rate_by_utilization(150_000, 48, 40, high=1.5), "high"),
        (lambda: rate_by_utilization(150_000, 48, 40, low=0.8, high=0.8), "high"),
        (lambda: rate_by_utilization(150_000, 48, 40, low=0.9, high=0.5), "high"),
        (lambda: rate_by_utilization(150_000, 48, 40, points=1), "points"),
        (lambda: rate_by_utilization(150_000, 48, 40, points=2.5), "points"),
        (lambda: rate_by_utilization(150_000, 48, 40, points="71"), "points"),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_zero_where_it_divides_and_impossible_values_are_rejected(call, named):
    with pytest.raises(InputError, match=rf"^{named} \(") as caught:
        call()
    assert caught.value.field.name == named
    assert caught.value.field.label_in("it") != caught.value.field.label


@pytest.mark.parametrize("field", RATE_FIELDS, ids=lambda f: f.name)
def test_every_field_has_an_italian_label(field):
    assert field.label_in("it") != field.label


def test_the_package_exports_the_models_names():
    exported = [name for name in rates.__all__ if name in widgets.__all__]
    assert {"evaluate_rate", "RateResult", "rate_by_utilization", "hourly_rate_needed"} <= set(exported)
    for name in exported:  # another module exporting the same name would silently replace ours
        assert getattr(widgets, name) is getattr(rates, name), name


def test_the_model_imports_no_widgets_ipython_or_matplotlib():
    code = (
        "import sys, widgets, widgets.rates\n"
        "print(sorted(m for m in ('ipywidgets', 'IPython', 'matplotlib') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
