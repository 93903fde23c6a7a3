"""The regime forfettario model against the domain notes' worked examples, its invariants and bad input."""

import math
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from widgets.fields import InputError
from widgets.forfettario import (
    COEFFICIENT,
    FORFETTARIO_CEILING,
    FORFETTARIO_CHOICES,
    FORFETTARIO_COEFFICIENTS,
    FORFETTARIO_EXIT_NOW,
    FORFETTARIO_FIELDS,
    FORFETTARIO_INPS_RATES,
    FORFETTARIO_RIVALSA_RATES,
    FORFETTARIO_TAX_RATES,
    INPS_RATE,
    LEAVE_NEXT_YEAR,
    LEAVE_NOW,
    RIVALSA_RATE,
    TAX_RATE,
    WITHIN_CEILING,
    evaluate_forfettario,
    forfettario_billable_hours,
    forfettario_breakdown,
    forfettario_ceiling_rate,
    forfettario_ceiling_status,
    forfettario_keep_share,
    forfettario_rate_for_revenue,
    forfettario_revenue_at_rate,
    forfettario_revenue_needed,
    stamp_duty,
)

# --- worked examples (shared/domain/domain-notes.md §3) ---


@pytest.mark.parametrize(
    ("coefficient", "tax_rate", "keep"),
    [(0.78, 0.05, 0.768), (0.78, 0.15, 0.710), (0.67, 0.05, 0.801), (0.67, 0.15, 0.751)],
)
def test_domain_notes_keep_shares_to_three_decimals(coefficient, tax_rate, keep):
    assert round(forfettario_keep_share(coefficient, tax_rate), 3) == keep
    assert forfettario_keep_share(coefficient, tax_rate) == forfettario_keep_share(coefficient, tax_rate, 0.2607)


def test_domain_notes_worked_example_revenue_and_rate():
    revenue = forfettario_revenue_needed(30_000, 3_000, 0.78, 0.05)
    assert round(revenue) == 42_979
    hours = forfettario_billable_hours(46, 35, 0.65)
    assert hours == pytest.approx(1_046.5)
    assert round(forfettario_rate_for_revenue(revenue, hours), 2) == 41.07


def test_the_whole_calculation_gives_the_worked_example():
    result = evaluate_forfettario(30_000, 3_000, 40, 46, 35, 0.65, coefficient=0.78, tax_rate=0.05)
    assert round(result.keep_share, 3) == 0.768
    assert round(result.revenue_needed) == 42_979
    assert result.billable_hours == pytest.approx(1_046.5)
    assert round(result.rate_needed, 2) == 41.07
    assert result.ceiling_status_needed == WITHIN_CEILING


def test_steady_state_deducts_the_contributions_and_year_one_does_not():
    steady = forfettario_breakdown(50_000, 0.78, 0.15)
    first = forfettario_breakdown(50_000, 0.78, 0.15, year_one=True)
    assert steady.taxable == first.taxable == pytest.approx(39_000)
    assert steady.inps == first.inps == pytest.approx(0.2607 * 39_000)
    assert steady.tax == pytest.approx(0.15 * (39_000 - 0.2607 * 39_000))
    assert first.tax == pytest.approx(0.15 * 39_000)
    assert forfettario_keep_share(0.78, 0.15, year_one=True) == pytest.approx(1 - 0.2607 * 0.78 - 0.15 * 0.78)


def test_insured_elsewhere_pays_24_percent():
    split = forfettario_breakdown(10_000, 0.67, 0.15, inps_rate=0.24)
    assert split.inps == pytest.approx(0.24 * 6_700)
    assert forfettario_keep_share(0.67, 0.15, 0.24) > forfettario_keep_share(0.67, 0.15, 0.2607)


def test_the_rivalsa_is_revenue_so_it_is_taxed_and_counts_towards_the_ceiling():
    without = evaluate_forfettario(30_000, 3_000, 40)
    with_rivalsa = evaluate_forfettario(30_000, 3_000, 40, rivalsa_rate=0.04)
    assert with_rivalsa.revenue_at_rate == pytest.approx(without.revenue_at_rate * 1.04)
    assert with_rivalsa.rivalsa_at_rate == pytest.approx(without.revenue_at_rate * 0.04)
    assert with_rivalsa.at_rate.inps == pytest.approx(without.at_rate.inps * 1.04)
    # The same revenue is needed for the target; the quoted rate can be 4% lower.
    assert with_rivalsa.revenue_needed == without.revenue_needed
    assert with_rivalsa.rate_needed == pytest.approx(without.rate_needed / 1.04)
    assert with_rivalsa.ceiling_rate == pytest.approx(without.ceiling_rate / 1.04)


def test_the_ceiling_rate_brings_in_exactly_85000():
    hours = forfettario_billable_hours(46, 35, 0.65)
    rate = forfettario_ceiling_rate(hours)
    assert round(rate, 2) == 81.22
    assert forfettario_revenue_at_rate(rate, hours) == pytest.approx(85_000)
    assert forfettario_revenue_at_rate(rate, hours, 0.04) > 85_000


@pytest.mark.parametrize(
    ("revenue", "status"),
    [(0, WITHIN_CEILING), (85_000, WITHIN_CEILING), (85_000.01, LEAVE_NEXT_YEAR), (100_000, LEAVE_NEXT_YEAR),
     (100_000.01, LEAVE_NOW), (1_000_000, LEAVE_NOW)],
)
def test_ceiling_status(revenue, status):
    assert forfettario_ceiling_status(revenue) == status


def test_a_high_rate_is_flagged_while_the_target_is_not():
    result = evaluate_forfettario(30_000, 3_000, 90)
    assert result.revenue_at_rate > FORFETTARIO_CEILING
    assert result.ceiling_status_at_rate == LEAVE_NEXT_YEAR
    assert result.ceiling_status_needed == WITHIN_CEILING
    assert evaluate_forfettario(30_000, 3_000, 120).ceiling_status_at_rate == LEAVE_NOW


def test_a_target_beyond_the_regime_is_flagged():
    result = evaluate_forfettario(70_000, 5_000, 40, coefficient=0.78, tax_rate=0.15)
    assert result.revenue_needed > FORFETTARIO_EXIT_NOW
    assert result.ceiling_status_needed == LEAVE_NOW


def test_stamp_duty_above_77_47():
    assert [stamp_duty(amount) for amount in (0, 50, 77.47, 77.48, 1_000)] == [0, 0, 0, 2, 2]


def test_expenses_the_net_cannot_cover_give_a_negative_take_home():
    result = evaluate_forfettario(0, 20_000, 10)
    assert result.take_home_at_rate < 0
    assert result.take_home_at_rate == pytest.approx(result.at_rate.net - 20_000)


def test_no_revenue_keeps_nothing_and_owes_nothing():
    split = forfettario_breakdown(0, 0.67, 0.05)
    assert (split.inps, split.tax, split.net, split.keep_share) == (0, 0, 0, 0)


# --- invariants ---

COEFFICIENTS = st.sampled_from(FORFETTARIO_COEFFICIENTS)
TAX_RATES = st.sampled_from(FORFETTARIO_TAX_RATES)
INPS_RATES = st.sampled_from(FORFETTARIO_INPS_RATES)
RIVALSAS = st.sampled_from(FORFETTARIO_RIVALSA_RATES)
YEAR_ONE = st.booleans()
REVENUES = st.floats(min_value=0, max_value=10_000_000, allow_nan=False)
AMOUNTS = st.floats(min_value=0, max_value=1_000_000, allow_nan=False)
HOURS = st.floats(min_value=1, max_value=8_760, allow_nan=False)


@given(REVENUES, COEFFICIENTS, TAX_RATES, INPS_RATES, YEAR_ONE)
def test_inps_tax_and_net_add_up_to_the_revenue_and_net_is_revenue_times_k(revenue, c, t, a, year_one):
    split = forfettario_breakdown(revenue, c, t, a, year_one)
    assert split.inps + split.tax + split.net == pytest.approx(revenue)
    assert split.net == pytest.approx(revenue * forfettario_keep_share(c, t, a, year_one))
    assert 0 <= split.inps and 0 <= split.tax and 0 <= split.net <= revenue


@given(COEFFICIENTS, TAX_RATES, INPS_RATES)
def test_year_one_keeps_less_than_the_steady_state(c, t, a):
    first, steady = forfettario_keep_share(c, t, a, True), forfettario_keep_share(c, t, a)
    assert 0 < first < steady < 1
    assert steady - first == pytest.approx(t * c * a)


@given(TAX_RATES, INPS_RATES, YEAR_ONE)
def test_the_lower_coefficient_keeps_more(t, a, year_one):
    assert forfettario_keep_share(0.67, t, a, year_one) > forfettario_keep_share(0.78, t, a, year_one)


@given(COEFFICIENTS, INPS_RATES, YEAR_ONE)
def test_the_start_up_tax_keeps_more(c, a, year_one):
    assert forfettario_keep_share(c, 0.05, a, year_one) > forfettario_keep_share(c, 0.15, a, year_one)


@given(AMOUNTS, AMOUNTS, COEFFICIENTS, TAX_RATES, INPS_RATES, YEAR_ONE)
def test_the_revenue_needed_leaves_exactly_the_target_after_expenses(target, expenses, c, t, a, year_one):
    revenue = forfettario_revenue_needed(target, expenses, c, t, a, year_one)
    split = forfettario_breakdown(revenue, c, t, a, year_one)
    assert split.take_home(expenses) == pytest.approx(target, abs=1e-6)
    assert revenue >= target + expenses


@given(st.floats(min_value=0, max_value=10_000, allow_nan=False), HOURS, RIVALSAS)
def test_rate_and_revenue_are_inverse(rate, hours, rivalsa):
    revenue = forfettario_revenue_at_rate(rate, hours, rivalsa)
    assert forfettario_rate_for_revenue(revenue, hours, rivalsa) == pytest.approx(rate)


@given(HOURS, RIVALSAS)
def test_more_hours_lower_the_ceiling_rate(hours, rivalsa):
    more = min(hours * 1.5, 8_760)
    assert forfettario_ceiling_rate(more, rivalsa) <= forfettario_ceiling_rate(hours, rivalsa)
    assert forfettario_ceiling_rate(hours, rivalsa) * hours * (1 + rivalsa) == pytest.approx(85_000)


@given(REVENUES, REVENUES)
def test_ceiling_status_never_improves_with_more_revenue(low, high):
    order = [WITHIN_CEILING, LEAVE_NEXT_YEAR, LEAVE_NOW]
    low, high = sorted((low, high))
    assert order.index(forfettario_ceiling_status(low)) <= order.index(forfettario_ceiling_status(high))


valid = {
    "target_take_home": AMOUNTS,
    "expenses": AMOUNTS,
    "hourly_rate": st.floats(min_value=0, max_value=10_000, allow_nan=False),
    "weeks_per_year": st.floats(min_value=1, max_value=52, allow_nan=False),
    "hours_per_week": st.floats(min_value=1, max_value=168, allow_nan=False),
    "utilization": st.floats(min_value=0.01, max_value=1, allow_nan=False),
    "coefficient": COEFFICIENTS,
    "tax_rate": TAX_RATES,
    "inps_rate": INPS_RATES,
    "rivalsa_rate": RIVALSAS,
}


@settings(max_examples=200)
@given(st.fixed_dictionaries(valid))
def test_both_directions_agree(values):
    result = evaluate_forfettario(**values)
    # Charging the rate the target needs brings in the revenue it needs and leaves the target.
    at_needed_rate = evaluate_forfettario(**{**values, "hourly_rate": min(result.rate_needed, 10_000)})
    if result.rate_needed <= 10_000:
        assert at_needed_rate.revenue_at_rate == pytest.approx(result.revenue_needed)
        assert at_needed_rate.take_home_at_rate == pytest.approx(values["target_take_home"], abs=1e-6)
    assert result.rate_needed_year_one >= result.rate_needed
    assert result.take_home_at_rate_year_one <= result.take_home_at_rate
    assert result.at_rate.net == pytest.approx(result.revenue_at_rate * result.keep_share)


# --- bad input: one ValueError that names the field and its range (or its allowed values) ---

BAD_VALUES = [-1, float("nan"), float("inf"), float("-inf"), 1e12, "10", None, True, [1]]
GOOD = dict(target_take_home=30_000, expenses=3_000, hourly_rate=40, weeks_per_year=46, hours_per_week=35,
            utilization=0.65)


@pytest.mark.parametrize("field", FORFETTARIO_FIELDS, ids=lambda f: f.name)
@pytest.mark.parametrize("bad", BAD_VALUES, ids=repr)
def test_every_bad_number_names_its_field_and_range(field, bad):
    with pytest.raises(InputError) as caught:
        evaluate_forfettario(**{**GOOD, field.name: bad})
    assert caught.value.field is field
    assert field.name in str(caught.value)
    assert field.valid_range() in str(caught.value)


@pytest.mark.parametrize("name", ["weeks_per_year", "hours_per_week", "utilization"])
def test_zero_where_it_divides_is_rejected(name):
    with pytest.raises(InputError, match=name):
        evaluate_forfettario(**{**GOOD, name: 0})


def _disallowed_rates():
    """Each choice field with each candidate value that the law does not allow for it."""
    for name in sorted(FORFETTARIO_CHOICES):
        allowed = FORFETTARIO_CHOICES[name][1]
        for bad in [0.7, 0.1, 0.2623, 0.5, *BAD_VALUES]:
            if not any(isinstance(bad, float) and math.isclose(bad, choice) for choice in allowed):
                yield pytest.param(name, bad, id=f"{name}-{bad!r}")


@pytest.mark.parametrize(("name", "bad"), list(_disallowed_rates()))
def test_a_rate_the_law_does_not_allow_is_rejected_with_the_allowed_values(name, bad):
    field, allowed = FORFETTARIO_CHOICES[name]
    with pytest.raises(InputError) as caught:
        evaluate_forfettario(**GOOD, **{name: bad})
    assert caught.value.field is field
    assert "must be one of" in str(caught.value)
    for choice in allowed:
        assert f"{choice * 100:g}%" in str(caught.value)


def test_the_wrong_26_23_percent_some_calculators_use_is_refused():
    with pytest.raises(InputError, match="26.07%, 24%"):
        forfettario_keep_share(0.78, 0.15, 0.2623)


def test_choices_are_checked_by_value_not_by_spelling():
    assert forfettario_keep_share(78 / 100, 15 / 100) == forfettario_keep_share(0.78, 0.15)
    assert evaluate_forfettario(**GOOD, coefficient=0.67).coefficient == 0.67


@pytest.mark.parametrize(
    "call",
    [
        lambda: forfettario_keep_share(0.78, 0.15, year_one="yes"),
        lambda: forfettario_breakdown(-1, 0.78, 0.15),
        lambda: forfettario_breakdown(1e12, 0.78, 0.15),
        lambda: forfettario_breakdown(100, 0.78, 0.15, year_one=1),
        lambda: forfettario_breakdown(100, 0.78, 0.15).take_home(-5),
        lambda: forfettario_revenue_needed(-1, 0, 0.78, 0.15),
        lambda: forfettario_revenue_needed(1, float("nan"), 0.78, 0.15),
        lambda: forfettario_billable_hours(0, 35, 0.65),
        lambda: forfettario_billable_hours(46, 35, 1.5),
        lambda: forfettario_billable_hours(46, 0.5, 0.65),
        lambda: forfettario_billable_hours(46, 35, 0.001),
        lambda: forfettario_revenue_at_rate(-1, 1_000),
        lambda: forfettario_revenue_at_rate(40, 0),
        lambda: forfettario_revenue_at_rate(40, 1_000, 0.1),
        lambda: forfettario_rate_for_revenue(1_000, 0),
        lambda: forfettario_rate_for_revenue(float("inf"), 1_000),
        lambda: forfettario_ceiling_rate(0),
        lambda: forfettario_ceiling_rate(-10),
        lambda: forfettario_ceiling_status(float("nan")),
        lambda: forfettario_ceiling_status(-1),
        lambda: stamp_duty(-1),
        lambda: stamp_duty("100"),
    ],
)
def test_every_public_function_rejects_bad_input(call):
    with pytest.raises(ValueError, match=r"must be"):
        call()


def test_the_choice_fields_have_italian_labels():
    for field in (COEFFICIENT, TAX_RATE, INPS_RATE, RIVALSA_RATE, *FORFETTARIO_FIELDS):
        assert field.label_in("it") != field.label, field.name


def test_the_model_imports_no_widgets_ipython_or_matplotlib():
    code = (
        "import sys, widgets, widgets.forfettario\n"
        "print(sorted(m for m in ('ipywidgets', 'IPython', 'matplotlib') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
