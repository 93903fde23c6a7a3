"""The KPI model: the domain notes' formulas and rule, their invariants, and every kind of bad input."""

import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from widgets.fields import InputError
from widgets.kpis import (
    ANOMALY_THRESHOLD,
    ANOMALY_WINDOW,
    HOURS_INCLUDED,
    HOURS_USED,
    LOW_USE_SHARE,
    LOW_USE_THRESHOLD,
    MONTHLY_FEE,
    OVERAGE_RATE,
    PREVIOUS_HOURS_USED,
    RETAINER_ADVICE,
    RETAINER_FIELDS,
    WINDOW_DAYS,
    Z_THRESHOLD,
    anomaly_flags,
    anomaly_report,
    churn_rate,
    flagged_days,
    monthly_recurring_revenue,
    monthly_summary,
    retainer_health,
    retainer_review,
    retention_rate,
    rolling_baseline,
    rolling_z_scores,
    weekly_revenue,
)

DATES = pd.date_range("2025-01-01", periods=60, name="date")


def daily(values, start="2025-01-01", name="revenue"):
    return pd.Series(values, index=pd.date_range(start, periods=len(values), name="date"), name=name, dtype=float)


def shop(days=60, seed=1):
    """A small consistent daily table, like the lesson's dataset."""
    rng = np.random.default_rng(seed)
    new = rng.poisson(2, days)
    cancelled = rng.binomial(1, 0.3, days)
    members = 100 + np.cumsum(new - cancelled)
    orders = rng.poisson(20, days)
    return pd.DataFrame(
        {
            "revenue": orders * 40.0,
            "orders": orders,
            "new_members": new,
            "cancelled_members": cancelled,
            "members": members,
            "support_emails": rng.poisson(6, days),
            "obm_hours": np.where(pd.date_range("2025-01-01", periods=days).day_of_week < 5, 1.0, 0.0),
        },
        index=pd.date_range("2025-01-01", periods=days, name="date"),
    )


# --- the formulas (domain notes §5) ---


def test_retention_is_end_minus_new_over_start():
    assert retention_rate(200, 210, 30) == (210 - 30) / 200 == 0.9


def test_churn_is_lost_over_start_and_the_complement_of_retention():
    start, new, end = 400, 66, 436
    lost = start + new - end
    assert churn_rate(start, lost) == 30 / 400
    assert churn_rate(start, lost) == pytest.approx(1 - retention_rate(start, end, new))


def test_mrr_is_subscribers_times_price():
    assert monthly_recurring_revenue(436, 25) == 10_900
    assert monthly_recurring_revenue(0, 25) == 0


def test_retainer_health_of_a_busy_month():
    health = retainer_health(hours_included=25, hours_used=30.5, monthly_fee=1250, overage_rate=60)
    assert health.used_share == 30.5 / 25
    assert health.overage_hours == 5.5
    assert health.unused_hours == 0
    assert health.overage_cost == 5.5 * 60
    assert health.invoice == 1250 + 330
    assert health.included_rate == 50
    assert health.effective_rate == pytest.approx(1580 / 30.5)
    assert health.advice == "over"


def test_an_underused_retainer_costs_the_client_more_per_hour():
    health = retainer_health(25, 12.5, 1250, overage_rate=60, previous_hours_used=20)
    assert (health.used_share, health.unused_hours, health.overage_hours) == (0.5, 12.5, 0)
    assert health.invoice == 1250
    assert health.effective_rate == 100 == 2 * health.included_rate
    assert health.advice == "watch"
    assert health.low_use


@pytest.mark.parametrize(
    ("used", "previous", "advice"),
    [
        (14.9, 14.9, "resize_down"),  # under 60% two months running: the domain notes' rule
        (14.9, 15, "watch"),  # exactly 60% last month is not under 60%
        (15, 14.9, "healthy"),
        (14.9, None, "watch"),  # no history: one month is all we know
        (0, 0, "resize_down"),
        (20, 30, "healthy"),
        (25, 30, "healthy"),  # all hours used, none over
        (26, 20, "over"),
        (26, 26, "resize_up"),
        (26, None, "over"),
        (26, 10, "over"),
        (10, 30, "watch"),
    ],
)
def test_the_advice_follows_the_sixty_percent_rule(used, previous, advice):
    assert retainer_health(25, used, 1250, 60, previous).advice == advice


def test_no_hours_used_has_no_effective_rate():
    assert retainer_health(25, 0, 1250).effective_rate is None


def test_the_threshold_can_be_changed():
    assert retainer_health(25, 16, 1250, previous_hours_used=16).advice == "healthy"
    assert retainer_health(25, 16, 1250, previous_hours_used=16, threshold=0.7).advice == "resize_down"
    assert LOW_USE_SHARE == 0.6


def test_retainer_review_compares_each_month_with_the_one_before():
    hours = pd.Series([30.5, 21, 13.5, 12.75], index=pd.period_range("2025-01", periods=4, freq="M"))
    review = retainer_review(hours, 25, 1250, 60)
    assert list(review["advice"]) == ["over", "healthy", "watch", "resize_down"]
    assert list(review.index) == list(hours.index)
    for (month, row), used, previous in zip(review.iterrows(), hours, [None, *hours[:-1]]):
        expected = retainer_health(25, used, 1250, 60, previous)
        assert row["invoice"] == expected.invoice
        assert row["effective_rate"] == expected.effective_rate
        assert row["used_share"] == expected.used_share


def test_retainer_review_of_a_month_without_hours():
    review = retainer_review(pd.Series([0.0]), 25, 1250)
    assert math.isnan(review["effective_rate"].iloc[0])


# --- anomaly flags ---


def test_z_uses_the_28_days_before_today():
    values = list(range(1, 31)) + [100]
    z = rolling_z_scores(daily(values))
    before = pd.Series(values[2:30], dtype=float)  # the 28 days before the last one
    assert z.iloc[-1] == pytest.approx((100 - before.mean()) / before.std())
    assert z.iloc[:ANOMALY_WINDOW].isna().all()
    assert z.iloc[ANOMALY_WINDOW:].notna().all()


def test_a_spike_is_flagged_and_ordinary_days_are_not():
    values = [100.0, 110.0, 90.0, 105.0, 95.0, 100.0, 100.0] * 6
    values[35] = 400.0
    flags = anomaly_flags(daily(values))
    assert list(flags[flags].index) == [DATES[35]]
    assert (ANOMALY_WINDOW, ANOMALY_THRESHOLD) == (28, 3.0)


def test_a_drop_is_flagged_too():
    values = [100.0, 110.0, 90.0, 105.0, 95.0, 100.0, 100.0] * 6
    values[40] = 5.0
    baseline = rolling_baseline(daily(values))
    assert baseline.loc[DATES[40], "z"] < -ANOMALY_THRESHOLD
    assert baseline["anomaly"].sum() == 1


def test_a_flat_baseline_makes_any_change_infinitely_unusual():
    baseline = rolling_baseline(daily([5.0] * 29 + [6.0]))
    assert baseline["z"].iloc[-2] != baseline["z"].iloc[-2]  # 0 / 0: no verdict
    assert baseline["z"].iloc[-1] == math.inf
    assert list(baseline["anomaly"].iloc[-2:]) == [False, True]


def test_dataframes_give_one_column_per_metric_and_take_a_date_column():
    table = shop()
    z = rolling_z_scores(table, ["revenue", "orders"])
    assert list(z.columns) == ["revenue", "orders"]
    assert z["revenue"].equals(rolling_z_scores(table["revenue"]))
    with_dates = table.reset_index().assign(date=lambda t: t["date"].dt.strftime("%Y-%m-%d"))
    assert rolling_z_scores(with_dates, "orders").equals(rolling_z_scores(table, "orders"))
    assert anomaly_flags(table, "orders").equals(rolling_z_scores(table, "orders").abs() >= 3)
    assert list(rolling_z_scores(table).columns) == list(table.columns)


def test_rows_without_dates_are_taken_as_consecutive_days():
    values = [10.0, 12.0] * 14 + [30.0]
    assert np.array_equal(rolling_z_scores(pd.Series(values)), rolling_z_scores(daily(values)), equal_nan=True)


def test_the_report_lists_every_flagged_day_by_date():
    table = shop(70)
    table.loc[DATES[40], "revenue"] = 20_000.0
    table.loc[DATES[35], "support_emails"] = 80
    report = anomaly_report(table, ["revenue", "support_emails"])
    assert list(report.columns) == ["date", "metric", "value", "rolling_mean", "z"]
    assert report["date"].is_monotonic_increasing
    flagged = anomaly_flags(table, ["revenue", "support_emails"])
    assert len(report) == int(flagged.to_numpy().sum())
    assert {(DATES[35], "support_emails"), (DATES[40], "revenue")} <= set(zip(report["date"], report["metric"]))
    assert (report["z"].abs() >= 3).all()


def test_flagged_days_of_the_baselines_is_the_report():
    table = shop(70)
    table.loc[DATES[40], "revenue"] = 20_000.0
    table.loc[DATES[40], "support_emails"] = 80
    table.loc[DATES[35], "support_emails"] = 90
    metrics = ["support_emails", "revenue"]
    baselines = {metric: rolling_baseline(table, metric) for metric in metrics}
    report = flagged_days(baselines)
    pd.testing.assert_frame_equal(report, anomaly_report(table, metrics))
    on_the_same_day = report[report["date"] == DATES[40]]
    assert list(on_the_same_day["metric"]) == metrics, "on one date, the metrics keep the order asked for"
    calm = pd.DataFrame({"orders": [10.0, 11.0] * 20}, index=DATES[:40])
    assert flagged_days({"orders": rolling_baseline(calm, "orders")}).empty


def test_an_empty_report_when_nothing_stands_out():
    report = anomaly_report(pd.DataFrame({"orders": [10.0, 11.0] * 20}, index=DATES[:40]))
    assert report.empty and list(report.columns) == ["date", "metric", "value", "rolling_mean", "z"]


series_values = st.lists(
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False), min_size=ANOMALY_WINDOW + 1, max_size=80
)


@settings(max_examples=60, deadline=None)
@given(series_values, st.floats(min_value=0.5, max_value=10))
def test_flags_are_exactly_the_days_with_a_large_z(values, threshold):
    series = daily(values)
    baseline = rolling_baseline(series, threshold=threshold)
    assert baseline["anomaly"].equals(baseline["z"].abs() >= threshold)
    assert baseline["anomaly"].equals(anomaly_flags(series, threshold=threshold))
    assert not baseline["anomaly"].iloc[:ANOMALY_WINDOW].any()


@settings(max_examples=60, deadline=None)
@given(series_values, st.floats(min_value=0.01, max_value=100), st.floats(min_value=-1e3, max_value=1e3))
def test_z_does_not_change_with_units_or_an_offset(values, scale, offset):
    series = daily(values)
    assume(series.iloc[:-1].std() > 1e-3)
    plain = rolling_z_scores(series)
    moved = rolling_z_scores(series * scale + offset)
    finite = plain.notna() & np.isfinite(plain) & (rolling_baseline(series)["rolling_std"] > 1e-3 * series.abs().max())
    assert np.allclose(plain[finite], moved[finite], rtol=1e-6, atol=1e-6)


@settings(max_examples=60, deadline=None)
@given(series_values)
def test_the_last_day_is_compared_with_the_28_before_it(values):
    baseline = rolling_baseline(daily(values))
    before = pd.Series(values[-29:-1], dtype=float)
    assert baseline["rolling_mean"].iloc[-1] == pytest.approx(before.mean(), rel=1e-9, abs=1e-6)


# --- weekly and monthly reports ---


def test_weekly_revenue_marks_partial_weeks():
    table = weekly_revenue(shop(20))  # Wednesday 1 January to Monday 20 January
    assert list(table["days"]) == [5, 7, 7, 1]
    assert list(table["complete"]) == [False, True, True, False]
    assert table["revenue"].sum() == shop(20)["revenue"].sum()
    assert all(day.day_of_week == 0 for day in table.index)


def test_monthly_summary_of_a_consistent_table():
    table = shop(60)
    summary = monthly_summary(table, monthly_price=25)
    assert list(summary.index.astype(str)) == ["2025-01", "2025-02", "2025-03"]
    assert list(summary["days"]) == [31, 28, 1]
    january = table.loc["2025-01"]
    row = summary.loc[pd.Period("2025-01", "M")]
    assert row["revenue"] == january["revenue"].sum()
    assert row["revenue_per_week"] == pytest.approx(january["revenue"].sum() / 31 * 7)
    assert row["average_order_value"] == pytest.approx(40)
    start = 100
    assert row["members_start"] == start
    assert row["members_end"] == january["members"].iloc[-1]
    assert row["retention"] == pytest.approx(
        retention_rate(start, january["members"].iloc[-1], january["new_members"].sum())
    )
    assert row["churn"] == pytest.approx(churn_rate(start, january["cancelled_members"].sum()))
    assert row["retention"] + row["churn"] == pytest.approx(1)
    assert row["mrr"] == january["members"].iloc[-1] * 25
    assert row["obm_hours"] == january["obm_hours"].sum() == 23  # January 2025 has 23 working days
    assert pd.api.types.is_integer_dtype(summary["support_emails"])  # counts stay whole numbers
    assert pd.api.types.is_float_dtype(summary["obm_hours"])
    # each month starts where the one before ended
    assert list(summary["members_start"].iloc[1:]) == list(summary["members_end"].iloc[:-1])


def test_monthly_summary_without_the_optional_columns():
    summary = monthly_summary(shop().drop(columns=["support_emails", "obm_hours"]), 25)
    assert "support_emails" not in summary and "obm_hours" not in summary


# --- bad input: a ValueError that names the field, the column or the day ---

BAD_SCALARS = [-1, math.nan, math.inf, -math.inf, 1e12, "10", None, True, [1]]
GOOD_RETAINER = dict(hours_included=25, hours_used=20, monthly_fee=1250, overage_rate=60, previous_hours_used=20)


@pytest.mark.parametrize("field", RETAINER_FIELDS, ids=lambda field: field.name)
@pytest.mark.parametrize("bad", BAD_SCALARS, ids=repr)
def test_every_bad_retainer_input_names_its_field_and_range(field, bad):
    if field is PREVIOUS_HOURS_USED and bad is None:
        return  # None means "no history", and is allowed
    with pytest.raises(InputError) as caught:
        retainer_health(**{**GOOD_RETAINER, field.name: bad})
    assert caught.value.field is field
    assert field.name in str(caught.value) and field.valid_range() in str(caught.value)


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: retainer_health(0, 10, 1000), HOURS_INCLUDED),  # divides
        (lambda: retainer_health(25, 745, 1000), HOURS_USED),  # more hours than a month holds
        (lambda: retainer_health(25, 10, 1000, threshold=0), LOW_USE_THRESHOLD),
        (lambda: retainer_health(25, 10, 1000, threshold=1.5), LOW_USE_THRESHOLD),
        (lambda: retainer_health(25, 10, -1), MONTHLY_FEE),
        (lambda: retainer_health(25, 10, 1000, overage_rate=math.nan), OVERAGE_RATE),
    ],
)
def test_impossible_retainers_are_rejected(call, field):
    with pytest.raises(InputError) as caught:
        call()
    assert caught.value.field is field


@pytest.mark.parametrize(
    ("call", "named"),
    [
        (lambda: retention_rate(0, 10, 2), "customers_start"),  # divides
        (lambda: retention_rate(100, 10, 20), "new_customers"),  # more new ones than at the end
        (lambda: retention_rate(100, 150, 20), "customers_end"),  # more kept than there were
        (lambda: retention_rate(100.5, 90, 10), "customers_start"),  # customers are whole
        (lambda: retention_rate(100, math.nan, 10), "customers_end"),
        (lambda: retention_rate(100, 90, -1), "new_customers"),
        (lambda: retention_rate("100", 90, 10), "customers_start"),
        (lambda: churn_rate(0, 0), "customers_start"),
        (lambda: churn_rate(100, 101), "customers_lost"),
        (lambda: churn_rate(100, math.inf), "customers_lost"),
        (lambda: churn_rate(1e12, 1), "customers_start"),
        (lambda: monthly_recurring_revenue(-1, 25), "subscribers"),
        (lambda: monthly_recurring_revenue(10.5, 25), "subscribers"),
        (lambda: monthly_recurring_revenue(10, -25), "monthly_price"),
        (lambda: monthly_recurring_revenue(10, None), "monthly_price"),
    ],
)
def test_bad_customer_counts_name_the_field(call, named):
    with pytest.raises(InputError, match=named):
        call()


@pytest.mark.parametrize(
    ("data", "columns", "message"),
    [
        ([1.0] * 40, None, "Series or DataFrame"),
        (daily([1.0] * 40), "revenue", "leave columns out"),
        (shop(), "profit", "missing column.*'profit'"),
        (shop(), ["orders", "refunds"], "missing column.*'refunds'"),
        (shop().assign(note="ok"), None, "column 'note' .* numeric"),
        (shop().assign(flag=True), "flag", "column 'flag' .* numeric"),
        (shop().assign(orders=lambda t: t["orders"].astype(str)), "orders", "column 'orders' .* numeric"),
        (shop().astype({"revenue": float}).assign(revenue=lambda t: t["revenue"].where(t.index != DATES[9])),
         "revenue", "column 'revenue' .* missing .* 2025-01-10"),
        (daily([1.0] * 39 + [math.inf]), None, "infinite value on 2025-02-09"),
        (daily([1.0] * 28), None, "too few days: 28.*at least 29"),
        (shop().drop(index=DATES[5]), "orders", "one day at a time.*2025-01-05 is followed by 2025-01-07"),
        (shop().iloc[::-1], "orders", "one day at a time"),
        (pd.concat([shop().iloc[:3], shop().iloc[2:40]]), "orders", "one day at a time"),
        (shop().reset_index().assign(date="soon"), "orders", "column 'date' .* dates"),
        (shop(), [], "no columns"),
    ],
    ids=["list", "series-with-columns", "missing", "missing-in-list", "text", "bool", "strings", "nan", "inf",
         "too-few", "gap", "backwards", "duplicate", "bad-dates", "no-columns"],
)
def test_bad_tables_raise_a_value_error_naming_the_problem(data, columns, message):
    for call in (
        lambda: rolling_z_scores(data, columns),
        lambda: anomaly_flags(data, columns),
        lambda: anomaly_report(data, columns),
    ):
        with pytest.raises(ValueError, match=message):
            call()


@pytest.mark.parametrize(
    ("arguments", "field"),
    [({"window": 1}, WINDOW_DAYS), ({"window": 2.5}, WINDOW_DAYS), ({"window": "28"}, WINDOW_DAYS),
     ({"threshold": 0}, Z_THRESHOLD), ({"threshold": math.nan}, Z_THRESHOLD), ({"threshold": 1e6}, Z_THRESHOLD)],
)
def test_bad_window_or_threshold_names_the_field(arguments, field):
    with pytest.raises(InputError) as caught:
        rolling_baseline(shop(), "orders", **arguments)
    assert caught.value.field is field
    if "window" in arguments:
        with pytest.raises(InputError):
            rolling_z_scores(shop(), "orders", **arguments)
    else:
        with pytest.raises(InputError):
            anomaly_flags(shop(), "orders", **arguments)


def test_a_window_longer_than_the_data_is_too_few_days():
    with pytest.raises(ValueError, match="too few days: 60; a 60-day window"):
        rolling_z_scores(shop(60), "orders", window=60)


@pytest.mark.parametrize("column", [None, 3, ["orders"]])
def test_rolling_baseline_needs_one_column_name(column):
    with pytest.raises(ValueError, match="column"):
        rolling_baseline(shop(), column)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (shop().drop(columns="members"), "missing column.*'members'"),
        (shop().assign(members=lambda t: t["members"] + (t.index == DATES[20])),
         "'members' on 2025-01-21 is .* but the day before's"),
        (shop().assign(orders=lambda t: t["orders"] - 100), "'orders' must hold whole numbers of at least 0"),
        (shop().reset_index(drop=True), "needs dates"),
        (shop()["revenue"], "DataFrame"),
        (shop().assign(obm_hours="many"), "'obm_hours' .* numeric"),
    ],
)
def test_monthly_summary_rejects_bad_tables(table, message):
    with pytest.raises(ValueError, match=message):
        monthly_summary(table, 25)


def test_monthly_summary_checks_the_price_and_a_month_without_members():
    with pytest.raises(InputError, match="monthly_price"):
        monthly_summary(shop(), -5)
    empty_start = shop().assign(members=0, new_members=0, cancelled_members=0)
    with pytest.raises(InputError, match="customers_start"):
        monthly_summary(empty_start, 25)


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ([20, 30], "pandas Series"),
        (pd.Series([], dtype=float), "empty"),
        (pd.Series(["20"]), "numbers of hours"),
        (pd.Series([20.0, -1.0], index=["Jan", "Feb"]), "hours_used .* in Feb must be"),
        (pd.Series([20.0, math.nan], index=["Jan", "Feb"]), "in Feb"),
    ],
)
def test_retainer_review_rejects_bad_hours(hours, message):
    with pytest.raises(ValueError, match=message):
        retainer_review(hours, 25, 1250)


def test_retainer_review_names_a_bad_term():
    with pytest.raises(InputError, match="hours_included"):
        retainer_review(pd.Series([10.0]), 0, 1250)


def test_weekly_revenue_needs_dates_and_the_column():
    with pytest.raises(ValueError, match="needs dates"):
        weekly_revenue(pd.Series([1.0, 2.0]))
    with pytest.raises(ValueError, match="missing column.*'sales'"):
        weekly_revenue(shop(), "sales")


# --- invariants of the retainer ---

hours = st.floats(min_value=0, max_value=744, allow_nan=False)
included = st.floats(min_value=0.25, max_value=744, allow_nan=False)
fee = st.floats(min_value=0, max_value=1e6, allow_nan=False)
rate = st.floats(min_value=0, max_value=1e4, allow_nan=False)


@given(included, hours, fee, rate, st.one_of(st.none(), hours))
def test_the_invoice_is_the_fee_plus_the_overage(included_hours, used, monthly_fee, overage_rate, previous):
    health = retainer_health(included_hours, used, monthly_fee, overage_rate, previous)
    assert health.advice in RETAINER_ADVICE
    assert health.overage_hours >= 0 and health.unused_hours >= 0
    assert health.overage_hours * health.unused_hours == 0  # never both
    assert health.hours_used == pytest.approx(health.hours_included + health.overage_hours - health.unused_hours)
    assert health.invoice == pytest.approx(monthly_fee + health.overage_hours * overage_rate)
    if used >= 1 / 60:
        assert health.effective_rate * used == pytest.approx(health.invoice)
    else:
        assert health.effective_rate is None


@given(included, hours, hours, fee, rate)
def test_resize_down_exactly_when_both_months_are_under_the_threshold(included_hours, used, previous, f, r):
    health = retainer_health(included_hours, used, f, r, previous)
    both_low = used / included_hours < LOW_USE_SHARE and previous / included_hours < LOW_USE_SHARE
    assert (health.advice == "resize_down") == both_low
    assert (health.advice == "resize_up") == (used > included_hours and previous > included_hours)


@given(included, hours, fee)
def test_within_the_included_hours_the_invoice_is_the_fee_and_more_use_lowers_the_effective_rate(i, used, f):
    assume(1 / 60 <= used / 2 and used <= i)
    lower = retainer_health(i, used / 2, f)
    health = retainer_health(i, used, f)
    assert health.invoice == f
    assert health.effective_rate <= lower.effective_rate
    assert health.effective_rate >= health.included_rate * (1 - 1e-12)


@given(st.integers(1, 10_000), st.integers(0, 10_000), st.integers(0, 10_000))
def test_retention_and_churn_are_shares_that_add_up_to_one(start, new, lost):
    assume(lost <= start)
    end = start + new - lost
    retention, churn = retention_rate(start, end, new), churn_rate(start, lost)
    assert 0 <= retention <= 1 and 0 <= churn <= 1
    assert retention + churn == pytest.approx(1)


def test_the_model_imports_no_widgets_ipython_or_matplotlib():
    code = (
        "import sys, widgets.kpis\n"
        "print(sorted(m for m in ('ipywidgets', 'IPython', 'matplotlib') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
