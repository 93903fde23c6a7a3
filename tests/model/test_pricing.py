"""The pricing model against the domain notes' worked examples, its invariants and bad input."""

import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from widgets.fields import InputError
from widgets.pricing import (
    MONTH_HOURS,
    MONTHS,
    PRICING_FIELDS,
    PRICING_MODELS,
    REAL_HOURS,
    ROLLOVER_MONTHS,
    breakeven_hours,
    compare_pricing,
    effective_hourly_rate,
    hourly_revenue,
    package_price,
    retainer_covered_hours,
    retainer_fee,
    retainer_months,
    retainer_revenue,
    scope_creep_rate,
    value_based_price,
    who_carries_the_risk,
    yearly_value_created,
)

#: The domain notes' examples put together: a 10,000 package (80 h at 125), the same hours on a
#: retainer with a 15% buffer, and 15% of 76,800 of yearly value; the job takes 120 hours.
EXAMPLE = dict(
    hourly_rate=125,
    estimated_hours=80,
    package_markup=0,
    retainer_hours=80,
    retainer_rate=125,
    retainer_buffer=0.15,
    value_created=76_800,
    value_share=0.15,
    real_hours=120,
)
KEYS = [model.key for model in PRICING_MODELS]

# --- worked examples (shared/domain/domain-notes.md §1 and §2) ---


def test_package_quoted_at_10000_for_80_hours_that_took_120_pays_83_33_an_hour():
    assert package_price(125, 80) == 10_000
    assert effective_hourly_rate(10_000, 120) == pytest.approx(83.33, abs=0.005)
    assert effective_hourly_rate(10_000, 80) == 125


def test_scope_creep_of_half_the_estimate_cuts_the_rate_by_a_third():
    assert scope_creep_rate(10_000, 80, 0.5) == pytest.approx(effective_hourly_rate(10_000, 120))
    assert scope_creep_rate(10_000, 80, 0.5) / scope_creep_rate(10_000, 80, 0) == pytest.approx(2 / 3)
    assert scope_creep_rate(10_000, 80, 0) == 125


@pytest.mark.parametrize("buffer", [0.10, 0.15, 0.20])
def test_retainer_is_hours_times_rate_times_one_plus_the_buffer(buffer):
    assert retainer_fee(20, 100, buffer) == pytest.approx(20 * 100 * (1 + buffer))
    assert retainer_covered_hours(20, buffer) == pytest.approx(20 * (1 + buffer))


def test_value_based_price_is_a_share_of_the_yearly_value_created():
    value = yearly_value_created(people=5, hours_saved_per_week=8, hourly_cost=40, weeks_per_year=48)
    assert value == 76_800
    assert value_based_price(value, 0.15) == pytest.approx(11_520)
    assert (value_based_price(value, 0.10), value_based_price(value, 0.20)) == pytest.approx((7_680, 15_360))


def test_weeks_default_to_48_as_in_the_example():
    assert yearly_value_created(5, 8, 40) == 76_800


@pytest.mark.parametrize(("fee", "hours", "rate"), [(600, 24, 25), (2_400, 30, 80)])
def test_va_retainers_in_the_quoted_ranges_pay_25_to_80_an_hour(fee, hours, rate):
    assert 600 <= fee <= 2_500 and 10 <= hours <= 30
    assert effective_hourly_rate(fee, hours) == rate


def test_obm_example_terms_20_hours_3_month_minimum_no_rollover():
    months = retainer_months(20, 60, 0, [14, 20, 26])
    assert list(months.fee) == [1_200] * 3
    assert months.fee.sum() == 3 * retainer_fee(20, 60) == 3_600
    assert list(months.expired_hours) == [6, 0, 0]
    assert list(months.overage_hours) == [0, 0, 6]
    assert months.revenue.sum() == 3_960
    assert effective_hourly_rate(months.revenue.sum(), months.hours_worked.sum()) == 66


def test_rolling_unused_hours_over_absorbs_the_busy_month():
    months = retainer_months(20, 60, 0, [14, 20, 26], rollover_months=2)
    assert list(months.banked_hours) == [6, 6, 0]
    assert list(months.hours_available) == [20, 26, 26]
    assert months.overage_hours.sum() == 0
    assert months.revenue.sum() == 3_600


def test_rolled_over_hours_expire_after_their_months_oldest_first():
    months = retainer_months(10, 50, 0, [4, 10, 10, 10], rollover_months=1)
    # 6 hours unused in month 1 are usable in month 2 only; month 2 uses them first, and its own 6 left over
    # are usable in month 3, and so on.
    assert list(months.hours_available) == [10, 16, 16, 16]
    assert list(months.expired_hours) == [0, 0, 0, 0]
    assert list(months.banked_hours) == [6, 6, 6, 6]
    late = retainer_months(10, 50, 0, [4, 10, 10, 30], rollover_months=1)
    assert list(late.overage_hours) == [0, 0, 0, 14]
    idle = retainer_months(10, 50, 0, [0, 0, 0], rollover_months=1)
    assert list(idle.expired_hours) == [0, 10, 10]
    assert list(idle.banked_hours) == [10, 10, 10]
    assert idle.effective_hourly_rate.isna().all()


def test_retainer_month_bills_overage_beyond_the_buffered_block():
    assert retainer_revenue(80, 125, 0.15, 60) == 11_500
    assert retainer_revenue(80, 125, 0.15, 92) == 11_500
    assert retainer_revenue(80, 125, 0.15, 120) == 11_500 + 28 * 125


def test_breakeven_hours_of_a_package():
    assert breakeven_hours(10_000, 125) == 80
    assert breakeven_hours(package_price(125, 80, 0.2), 125) == pytest.approx(96)


def test_who_carries_the_risk():
    assert [who_carries_the_risk(key) for key in KEYS] == ["client", "freelancer", "shared", "freelancer"]


def test_the_combined_example_at_120_hours():
    result = compare_pricing(**EXAMPLE)
    assert [result.revenue(key) for key in KEYS] == pytest.approx([15_000, 10_000, 15_000, 11_520])
    assert [result.effective_rate(key) for key in KEYS] == pytest.approx([125, 10_000 / 120, 125, 96])
    outcomes = result.outcomes
    assert list(outcomes.index) == KEYS
    assert list(outcomes.risk) == ["client", "freelancer", "shared", "freelancer"]
    assert outcomes.loc["package", "vs_hourly_rate"] == pytest.approx(2 / 3)


def test_comparison_table_default_hours_and_columns():
    table = compare_pricing(**EXAMPLE).comparison_table()
    assert list(table.columns) == ["real_hours", *KEYS]
    assert list(table.real_hours) == [40, 60, 80, 100, 120, 140, 160]
    row = table.set_index("real_hours").loc[80]
    assert list(row) == pytest.approx([125, 125, 11_500 / 80, 11_520 / 80])


def test_comparison_table_agrees_with_the_single_point_model():
    for hours in (1, 33.3, 80, 92, 120, 500):
        single = compare_pricing(**{**EXAMPLE, "real_hours": hours})
        rates = compare_pricing(**EXAMPLE).comparison_table([hours]).iloc[0]
        revenues = compare_pricing(**EXAMPLE).comparison_table([hours], values="revenue").iloc[0]
        for key in KEYS:
            assert rates[key] == pytest.approx(single.effective_rate(key))
            assert revenues[key] == pytest.approx(single.revenue(key))


def test_comparison_table_accepts_numpy_and_pandas_hours():
    result = compare_pricing(**EXAMPLE)
    expected = result.comparison_table([40.0, 80.0])
    pd.testing.assert_frame_equal(result.comparison_table(np.array([40, 80])), expected)
    pd.testing.assert_frame_equal(result.comparison_table(pd.Series([40.0, 80.0])), expected)


# --- invariants ---

rates = st.floats(min_value=0.01, max_value=10_000, allow_nan=False)
hours = st.floats(min_value=0.01, max_value=10_000, allow_nan=False)
month_hours = st.floats(min_value=0, max_value=744, allow_nan=False)
shares = st.floats(min_value=0, max_value=1, allow_nan=False)
markups = st.floats(min_value=0, max_value=5, allow_nan=False)
retainer_blocks = st.floats(min_value=0, max_value=744, allow_nan=False)
values = st.floats(min_value=0, max_value=1e9, allow_nan=False)


@st.composite
def any_terms(draw):
    return dict(
        hourly_rate=draw(rates),
        estimated_hours=draw(hours),
        package_markup=draw(markups),
        retainer_hours=draw(retainer_blocks),
        retainer_rate=draw(rates),
        retainer_buffer=draw(shares),
        value_created=draw(values),
        value_share=draw(shares),
        real_hours=draw(hours),
    )


@given(any_terms())
def test_revenue_is_effective_rate_times_real_hours(terms):
    result = compare_pricing(**terms)
    for key in KEYS:
        assert result.effective_rate(key) * result.real_hours == pytest.approx(result.revenue(key), rel=1e-9)


@given(any_terms())
def test_hourly_pays_its_rate_at_any_hours(terms):
    assert compare_pricing(**terms).effective_rate("hourly") == pytest.approx(terms["hourly_rate"])


@given(any_terms(), hours)
def test_more_real_hours_never_raise_the_effective_rate_of_a_fixed_price(terms, more):
    few, many = sorted((terms["real_hours"], more))
    table = compare_pricing(**terms).comparison_table([few, many])
    for key in ("package", "value_based", "retainer"):
        assert table[key].iloc[1] <= table[key].iloc[0] * (1 + 1e-12)


@given(any_terms(), hours)
def test_more_real_hours_never_lower_the_revenue(terms, more):
    few, many = sorted((terms["real_hours"], more))
    table = compare_pricing(**terms).comparison_table([few, many], values="revenue")
    for key in KEYS:
        assert table[key].iloc[1] >= table[key].iloc[0] * (1 - 1e-12)


@given(any_terms())
def test_a_package_pays_the_hourly_rate_exactly_at_its_breakeven_hours(terms):
    result = compare_pricing(**terms)
    assume(REAL_HOURS.minimum < result.breakeven_hours <= REAL_HOURS.maximum)
    assert result.breakeven_hours == pytest.approx(result.estimated_hours * (1 + result.package_markup))
    at_breakeven = result.comparison_table([result.breakeven_hours]).iloc[0]
    assert at_breakeven["package"] == pytest.approx(result.hourly_rate)


@given(any_terms())
def test_a_retainer_never_pays_less_than_its_rate(terms):
    result = compare_pricing(**terms)
    assert result.effective_rate("retainer") >= result.retainer_rate * (1 - 1e-12)


@given(rates, hours, markups, st.floats(min_value=0, max_value=10, allow_nan=False))
def test_scope_creep_divides_the_rate_by_one_plus_the_creep(rate, estimate, markup, creep):
    price = package_price(rate, estimate, markup)
    assume(price <= 1e9)
    assert scope_creep_rate(price, estimate, creep) * (1 + creep) == pytest.approx(rate * (1 + markup))


@given(values, shares, shares)
def test_value_price_grows_with_the_share_and_never_exceeds_the_value(value, s1, s2):
    low, high = sorted((s1, s2))
    assert value_based_price(value, low) <= value_based_price(value, high) <= value


@st.composite
def retainer_histories(draw):
    return dict(
        retainer_hours=draw(st.floats(min_value=0, max_value=200, allow_nan=False)),
        retainer_rate=draw(st.floats(min_value=0.01, max_value=500, allow_nan=False)),
        retainer_buffer=draw(shares),
        hours_by_month=draw(st.lists(st.floats(min_value=0, max_value=400, allow_nan=False), min_size=1,
                                     max_size=14)),
    )


@given(retainer_histories())
def test_without_rollover_every_month_stands_alone(history):
    months = retainer_months(**history)
    fee = retainer_fee(history["retainer_hours"], history["retainer_rate"], history["retainer_buffer"])
    covered = retainer_covered_hours(history["retainer_hours"], history["retainer_buffer"])
    for worked, revenue in zip(history["hours_by_month"], months.revenue):
        if worked >= REAL_HOURS.minimum:
            expected = retainer_revenue(history["retainer_hours"], history["retainer_rate"],
                                        history["retainer_buffer"], worked)
        else:  # too little for a job, but a month may see (almost) no work
            expected = fee + max(0.0, worked - covered) * history["retainer_rate"]
        assert revenue == pytest.approx(expected)
    assert (months.banked_hours == 0).all()


@given(retainer_histories(), st.integers(0, 12), st.integers(0, 12))
@settings(max_examples=200)
def test_longer_rollover_never_raises_the_revenue_and_hours_are_conserved(history, r1, r2):
    short, long = sorted((r1, r2))
    few = retainer_months(**history, rollover_months=short)
    many = retainer_months(**history, rollover_months=long)
    assert many.revenue.sum() <= few.revenue.sum() * (1 + 1e-9) + 1e-6
    assert many.overage_hours.sum() <= few.overage_hours.sum() + 1e-6
    covered = retainer_covered_hours(history["retainer_hours"], history["retainer_buffer"])
    for months in (few, many):
        bought = covered * len(months)
        used = (months.hours_worked - months.overage_hours).sum()
        left = months.expired_hours.sum() + months.banked_hours.iloc[-1]
        assert bought == pytest.approx(used + left, abs=1e-6)
        assert (months.fee == months.fee.iloc[0]).all()


# --- bad input: one ValueError that names the field and its range ---

BAD_VALUES = [-1, float("nan"), float("inf"), float("-inf"), 1e12, "10", None, True, [1]]


@pytest.mark.parametrize("field", PRICING_FIELDS, ids=lambda f: f.name)
@pytest.mark.parametrize("bad", BAD_VALUES, ids=repr)
def test_every_bad_input_of_compare_pricing_names_its_field_and_range(field, bad):
    with pytest.raises(InputError) as caught:
        compare_pricing(**{**EXAMPLE, field.name: bad})
    error = caught.value
    assert isinstance(error, ValueError)
    assert error.field is field
    assert field.name in str(error)
    assert field.valid_range() in str(error)


CALLS = {
    "hourly_revenue": (hourly_revenue, dict(hourly_rate=125, real_hours=120)),
    "package_price": (package_price, dict(hourly_rate=125, estimated_hours=80, package_markup=0.2)),
    "effective_hourly_rate": (effective_hourly_rate, dict(price=10_000, real_hours=120)),
    "scope_creep_rate": (scope_creep_rate, dict(price=10_000, estimated_hours=80, scope_creep=0.5)),
    "breakeven_hours": (breakeven_hours, dict(price=10_000, hourly_rate=125)),
    "retainer_covered_hours": (retainer_covered_hours, dict(retainer_hours=80, retainer_buffer=0.15)),
    "retainer_fee": (retainer_fee, dict(retainer_hours=80, retainer_rate=125, retainer_buffer=0.15)),
    "retainer_revenue": (
        retainer_revenue, dict(retainer_hours=80, retainer_rate=125, retainer_buffer=0.15, real_hours=120)
    ),
    "retainer_months": (
        retainer_months,
        dict(retainer_hours=20, retainer_rate=60, retainer_buffer=0, hours_by_month=[14, 20], rollover_months=1),
    ),
    "yearly_value_created": (
        yearly_value_created, dict(people=5, hours_saved_per_week=8, hourly_cost=40, weeks_per_year=48)
    ),
    "value_based_price": (value_based_price, dict(value_created=76_800, value_share=0.15)),
}
ARGUMENTS = [(name, argument) for name, (_, arguments) in CALLS.items() for argument in arguments
             if argument != "hours_by_month"]


@pytest.mark.parametrize(("function", "argument"), ARGUMENTS, ids=[f"{f}-{a}" for f, a in ARGUMENTS])
@pytest.mark.parametrize("bad", BAD_VALUES, ids=repr)
def test_every_public_function_rejects_bad_numbers_naming_the_argument(function, argument, bad):
    call, good = CALLS[function]
    call(**good)  # the good arguments are fine
    with pytest.raises(InputError) as caught:
        call(**{**good, argument: bad})
    assert caught.value.field.name == argument
    assert "must be" in str(caught.value)


@pytest.mark.parametrize(
    "call",
    [
        lambda: effective_hourly_rate(10_000, 0),
        lambda: breakeven_hours(10_000, 0),
        lambda: package_price(125, 0),
        lambda: compare_pricing(**{**EXAMPLE, "retainer_rate": 0}),
        lambda: yearly_value_created(5, 8, 40, weeks_per_year=0),
        lambda: yearly_value_created(2.5, 8, 40),
        lambda: yearly_value_created(5, 200, 40),
        lambda: retainer_months(20, 60, 0, [14], rollover_months=1.5),
        lambda: value_based_price(76_800, 15),
        lambda: retainer_fee(800, 60),
    ],
    ids=["zero_hours", "zero_rate", "zero_estimate", "zero_retainer_rate", "zero_weeks", "half_a_person",
         "week_over_168h", "half_a_month_of_rollover", "share_as_percent", "month_over_744h"],
)
def test_zero_where_it_divides_and_impossible_values_are_rejected(call):
    with pytest.raises(InputError, match=r"must be a .*number"):
        call()


@pytest.mark.parametrize(
    ("hours_by_month", "field"),
    [
        ([], MONTHS),
        ([10] * 121, MONTHS),
        ([10, -1], MONTH_HOURS),
        ([10, float("nan")], MONTH_HOURS),
        ([10, 800], MONTH_HOURS),
        ([10, "5"], MONTH_HOURS),
        ("10, 20", MONTH_HOURS),
        (20, MONTH_HOURS),
        (None, MONTH_HOURS),
        ({1: 10}, MONTH_HOURS),
    ],
    ids=["empty", "too_many_months", "negative", "nan", "over_744", "text_in_list", "a_string", "a_number",
         "none", "a_dict"],
)
def test_bad_monthly_hours_are_named(hours_by_month, field):
    with pytest.raises(InputError) as caught:
        retainer_months(20, 60, 0, hours_by_month)
    assert caught.value.field is field


def test_rollover_months_range():
    with pytest.raises(InputError) as caught:
        retainer_months(20, 60, 0, [10], rollover_months=-1)
    assert caught.value.field is ROLLOVER_MONTHS


@pytest.mark.parametrize("hours", [[], [0], [40, -1], [float("inf")], "40", 40, [None]])
def test_comparison_table_hours_are_checked(hours):
    with pytest.raises(InputError, match="hours"):
        compare_pricing(**EXAMPLE).comparison_table(hours)


def test_comparison_table_values_are_checked():
    with pytest.raises(ValueError, match="values must be"):
        compare_pricing(**EXAMPLE).comparison_table([40], values="profit")


@pytest.mark.parametrize("model", ["daily", "", None, 3, "Hourly"])
def test_unknown_pricing_models_are_refused(model):
    with pytest.raises(ValueError, match="model must be one of"):
        who_carries_the_risk(model)
    with pytest.raises(ValueError, match="model must be one of"):
        compare_pricing(**EXAMPLE).effective_rate(model)


def test_every_field_has_an_italian_label():
    import widgets.pricing as pricing

    fields = [value for value in vars(pricing).values() if isinstance(value, type(REAL_HOURS))]
    assert len(fields) >= len(PRICING_FIELDS)
    for field in fields:
        assert field.label_in("it") != field.label, field.name
    for model in PRICING_MODELS:
        assert model.label_in("it") != model.label


def test_results_are_plain_floats():
    result = compare_pricing(**EXAMPLE)
    assert all(type(getattr(result, name)) is float for name in result.__dataclass_fields__)
    assert not math.isnan(result.effective_rate("retainer"))


def test_the_model_imports_no_widgets_ipython_or_matplotlib():
    code = (
        "import sys, widgets, widgets.pricing\n"
        "print(sorted(m for m in ('ipywidgets', 'IPython', 'matplotlib') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_monthly_table_columns_are_whole_months_and_float_amounts():
    for rollover in (0, 2):
        months = retainer_months(20, 60, 0, [14, 20, 26], rollover_months=rollover)
        assert months.month.dtype.kind == "i"
        assert (months.drop(columns="month").dtypes == "float64").all()
