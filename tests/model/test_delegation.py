"""The delegation model against the domain notes' worked examples, its invariants and bad input."""

import math
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from widgets.delegation import (
    DELEGATION_FIELDS,
    buyback_rate,
    evaluate_delegation,
    hourly_value,
    onboarding_cost,
    payback_weeks,
    task_cost,
    weekly_gain,
)
from widgets.fields import InputError

# --- worked examples (shared/domain/domain-notes.md §4 and the source article) ---


def test_article_two_hours_of_email_at_100_an_hour_cost_200_a_day():
    cost = task_cost(100, 2)
    assert cost.per_day == 200
    assert cost.per_week == 200 * 5
    assert cost.per_year == 200 * 5 * 50


def test_ferriss_hourly_value_from_yearly_income():
    assert hourly_value(50_000, 50 * 40) == 25


def test_ferriss_assistant_costs_more_than_the_time_it_frees():
    assistant_day = 30 * 8
    owner_day = hourly_value(50_000, 50 * 40) * 8
    assert (assistant_day, owner_day) == (240, 200)
    assert weekly_gain(25, 30, 8) == owner_day - assistant_day


def test_martell_buyback_rate_is_a_quarter_of_the_hourly_value():
    value = hourly_value(200_000)
    assert value == 100
    assert buyback_rate(value) == 25


@pytest.mark.parametrize(
    ("share", "gain", "weeks"),
    [(1, 650, 1.9), (0.5, 150, 8.3)],
)
def test_domain_notes_delegation_example(share, gain, weeks):
    result = evaluate_delegation(
        hourly_value=100,
        delegate_rate=25,
        hours_delegated=10,
        management_hours=1,
        share_reinvested=share,
        onboarding_owner_hours=10,
        onboarding_delegate_hours=10,
    )
    assert result.onboarding_cost == 10 * 100 + 10 * 25
    assert result.weekly_gain == pytest.approx(gain)
    assert round(result.payback_weeks, 1) == weeks


def test_a_slower_delegate_bills_more_hours():
    same_speed = weekly_gain(100, 25, 10, delegate_speed=1)
    half_speed = weekly_gain(100, 25, 10, delegate_speed=2)
    assert same_speed - half_speed == 10 * 25


def test_no_payback_when_the_gain_is_not_positive():
    assert payback_weeks(1_000, 0) is None
    assert payback_weeks(1_000, -5) is None
    assert evaluate_delegation(25, 30, 8).payback_weeks is None


def test_no_onboarding_pays_back_at_once():
    assert payback_weeks(0, 10) == 0


def test_cumulative_benefit_crosses_zero_at_the_payback_week():
    result = evaluate_delegation(100, 25, 10, 1, onboarding_owner_hours=10, onboarding_delegate_hours=10)
    frame = result.cumulative_net_benefit(10)
    assert list(frame.columns) == ["week", "cumulative_net_benefit"]
    assert len(frame) == 11
    first_positive = frame.loc[frame.cumulative_net_benefit >= 0, "week"].iloc[0]
    assert first_positive == math.ceil(result.payback_weeks)


# --- invariants ---

money = st.floats(min_value=0.01, max_value=10_000, allow_nan=False)
rate = st.floats(min_value=0, max_value=10_000, allow_nan=False)
hours = st.floats(min_value=0, max_value=168, allow_nan=False)
share = st.floats(min_value=0, max_value=1, allow_nan=False)
speed = st.floats(min_value=0.01, max_value=10, allow_nan=False)


@given(money, rate, hours, hours, hours, share, speed)
def test_more_management_hours_never_raise_the_gain(value, r, h, m, extra, p, s):
    assert weekly_gain(value, r, h, min(m + extra, 168), p, s) <= weekly_gain(value, r, h, m, p, s)


@given(money, rate, hours, hours, share, share, speed)
def test_putting_more_freed_hours_to_use_never_lowers_the_gain(value, r, h, m, p1, p2, s):
    low, high = sorted((p1, p2))
    assert weekly_gain(value, r, h, m, high, s) >= weekly_gain(value, r, h, m, low, s)


@given(money, rate, rate, hours, hours, share, speed)
def test_a_dearer_delegate_never_raises_the_gain(value, r1, r2, h, m, p, s):
    cheap, dear = sorted((r1, r2))
    assert weekly_gain(value, dear, h, m, p, s) <= weekly_gain(value, cheap, h, m, p, s)


@given(money, rate, hours, hours, share, speed, hours, hours)
@settings(max_examples=200)
def test_payback_exists_exactly_when_the_gain_is_positive(value, r, h, m, p, s, t_owner, t_va):
    result = evaluate_delegation(value, r, h, m, p, s, t_owner, t_va)
    if result.weekly_gain > 0:
        assert result.payback_weeks is not None
        assert result.payback_weeks * result.weekly_gain == pytest.approx(result.onboarding_cost)
    else:
        assert result.payback_weeks is None


@given(money, hours)
def test_task_cost_scales_with_the_hours(value, h):
    h = min(h, 24)
    assert task_cost(value, h).per_day == pytest.approx(value * h)
    assert task_cost(value, h).per_year == pytest.approx(task_cost(value, h).per_week * 50)


@given(money)
def test_buyback_rate_is_below_the_hourly_value(value):
    assert 0 < buyback_rate(value) < value


# --- bad input: one ValueError that names the field and its range ---

BAD_VALUES = [-1, float("nan"), float("inf"), float("-inf"), 1e12, "10", None, True, [1]]


def _call_with(field_name, bad):
    """Evaluate the delegation case with one field replaced by a bad value."""
    good = dict(
        hourly_value=100,
        delegate_rate=25,
        hours_delegated=10,
        management_hours=1,
        share_reinvested=1,
        delegate_speed=1,
        onboarding_owner_hours=10,
        onboarding_delegate_hours=10,
    )
    good[field_name] = bad
    return evaluate_delegation(**good)


@pytest.mark.parametrize("field", DELEGATION_FIELDS, ids=lambda f: f.name)
@pytest.mark.parametrize("bad", BAD_VALUES, ids=repr)
def test_every_bad_input_names_its_field_and_range(field, bad):
    try:
        _call_with(field.name, bad)
    except InputError as error:
        assert isinstance(error, ValueError)
        assert error.field is field
        assert field.name in str(error)
        assert field.valid_range() in str(error)
    else:
        pytest.fail(f"{field.name}={bad!r} was accepted")


@pytest.mark.parametrize(
    "call",
    [
        lambda: hourly_value(50_000, 0),
        lambda: task_cost(0, 2),
        lambda: task_cost(100, 2, days_per_week=0),
        lambda: task_cost(100, 2, weeks_per_year=0),
        lambda: task_cost(100, 25),
        lambda: weekly_gain(100, 25, 10, delegate_speed=0),
        lambda: buyback_rate(0),
        lambda: payback_weeks(-1, 10),
        lambda: payback_weeks(100, float("nan")),
    ],
    ids=["hours_zero", "value_zero", "days_zero", "weeks_zero", "day_over_24h", "speed_zero", "buyback_zero",
         "negative_onboarding", "nan_gain"],
)
def test_zero_where_it_divides_and_impossible_values_are_rejected(call):
    with pytest.raises(ValueError, match=r"must be a .*number"):
        call()


@pytest.mark.parametrize("weeks", [0, 2.5, 10_000, "26"])
def test_chart_horizon_is_checked(weeks):
    result = evaluate_delegation(100, 25, 10)
    with pytest.raises(InputError, match="weeks"):
        result.cumulative_net_benefit(weeks)


def test_the_model_imports_no_widgets_ipython_or_matplotlib():
    code = (
        "import sys, widgets, widgets.delegation, widgets.fields, widgets.formatting\n"
        "print(sorted(m for m in ('ipywidgets', 'IPython', 'matplotlib') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
