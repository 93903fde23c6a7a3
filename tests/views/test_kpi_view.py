"""Headless tests of lesson 09's views: the retainer health calculator and the KPI dashboard.

Set the widgets' values in Python and read what the front end would show.
Expected amounts are written by Babel or computed by the model here, never by
hand, so a wrong format or a wrong number in the view fails.
"""

import base64
import html
import io
import math
import re
import subprocess
import sys

import numpy
import pandas as pd
import pytest
from babel.numbers import format_currency, format_decimal, format_percent
from hypothesis import given, settings
from hypothesis import strategies as st
from IPython.core.formatters import DisplayFormatter
from PIL import Image as PILImage

import widgets
from tools.make_client_metrics import OUTPUT as CLIENT_METRICS
from widgets.formatting import LOCALES
from widgets.kpi_view import (
    DASHBOARD_STRINGS,
    DEFAULTS,
    UI_STRINGS,
    HoursChart,
    KpiDashboard,
    RetainerHealthCalculator,
)
from widgets.kpis import RETAINER_ADVICE, RETAINER_FIELDS, anomaly_report, monthly_summary, retainer_health

FIELDS = {field.name: field for field in RETAINER_FIELDS}
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def visible_text(markup: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def money(amount: float, locale: str = "en", currency: str = "EUR") -> str:
    return " ".join(format_currency(amount, currency, locale=locale).split())


def percent(share: float, locale: str = "en") -> str:
    return format_percent(share, locale=locale)


def png(widget) -> bytes:
    return bytes(widget.value)


@pytest.fixture
def calculator():
    view = RetainerHealthCalculator()
    yield view
    view.close()


@pytest.fixture(scope="module")
def data():
    return pd.read_csv(CLIENT_METRICS, parse_dates=["date"], index_col="date")


@pytest.fixture
def dashboard(data):
    view = KpiDashboard(data, monthly_price=25)
    yield view
    view.close()


# --- the retainer health calculator ---


@pytest.mark.parametrize("locale", sorted(LOCALES))
def test_default_is_casa_ceramicas_april_resize_or_drop(locale):
    view = RetainerHealthCalculator(locale=locale)
    expected = retainer_health(**DEFAULTS)
    assert view.result == expected
    assert expected.advice == "resize_down"
    shown = visible_text(view.results.value)
    assert percent(12.75 / 25, locale) in shown and percent(13.5 / 25, locale) in shown
    assert money(1250, locale) in shown
    assert money(1250 / 12.75, locale) in shown  # the effective rate
    assert money(50, locale) in shown  # the rate the terms promise
    advice = UI_STRINGS[locale]["resize_down"].format(threshold=percent(0.6, locale))
    assert advice in shown
    assert png(view.chart).startswith(b"\x89PNG")
    assert view.message.value == ""
    view.close()


@pytest.mark.parametrize(
    ("values", "advice"),
    [
        ({"hours_used": 20}, "healthy"),
        ({"hours_used": 14, "previous_hours_used": 20}, "watch"),
        ({"hours_used": 30}, "over"),
        ({"hours_used": 30, "previous_hours_used": 28}, "resize_up"),
        ({"hours_used": 14, "previous_hours_used": 14}, "resize_down"),
    ],
)
def test_every_advice_is_shown_in_words_in_both_locales(calculator, values, advice):
    calculator.set_values(**values)
    assert calculator.result.advice == advice
    for locale in sorted(LOCALES):
        calculator.locale_picker.value = locale
        words = UI_STRINGS[locale][advice].format(threshold=percent(0.6, locale))
        assert words in visible_text(calculator.results.value)


def test_every_advice_has_words_in_every_locale():
    for locale in LOCALES:
        assert set(RETAINER_ADVICE) <= set(UI_STRINGS[locale])
        assert set(DASHBOARD_STRINGS[locale]) == set(DASHBOARD_STRINGS["en"])


def test_an_overage_is_billed_and_shown(calculator):
    calculator.set_values(hours_used=30.5, previous_hours_used=20)
    shown = visible_text(calculator.results.value)
    assert money(5.5 * 60) in shown
    assert money(1250 + 330) in shown
    assert "5.50 h" in shown


def test_no_hours_used_shows_no_effective_rate(calculator):
    calculator.inputs["hours_used"].value = 0
    assert calculator.result.effective_rate is None
    assert UI_STRINGS["en"]["no_hours"] in visible_text(calculator.results.value)


def test_switching_locale_rewrites_results_labels_and_chart(calculator):
    english = png(calculator.chart)
    calculator.locale_picker.value = "it"
    shown = visible_text(calculator.results.value)
    assert money(1250, "it") in shown and money(1250, "en") not in shown
    assert FIELDS["hours_used"].label_in("it") in visible_text(calculator.controls["hours_used"].label.value)
    assert png(calculator.chart) != english
    assert [label.get_text() for label in calculator.hours_chart.axes.get_xticklabels()] == [
        UI_STRINGS["it"]["last_month"], UI_STRINGS["it"]["this_month"]
    ]


def test_currency_reaches_amounts_and_labels():
    view = RetainerHealthCalculator(currency="USD")
    assert money(1250, "en", "USD") in visible_text(view.results.value)
    assert "USD" in visible_text(view.controls["monthly_fee"].label.value)
    view.close()


def test_a_bad_input_keeps_the_last_results_and_names_the_field(calculator):
    before, before_png = calculator.results.value, png(calculator.chart)
    calculator.inputs["hours_included"].value = 0
    shown = visible_text(calculator.message.value)
    assert FIELDS["hours_included"].label in shown
    assert FIELDS["hours_included"].valid_range() in shown
    assert (calculator.results.value, png(calculator.chart)) == (before, before_png)
    calculator.inputs["hours_included"].value = 20
    assert calculator.message.value == ""
    assert calculator.result.hours_included == 20


def test_the_threshold_is_a_checked_constructor_argument():
    view = RetainerHealthCalculator(threshold=0.5)
    assert view.result.advice == "healthy"  # 51% and 54% are not under 50%
    assert percent(0.5) in view.hours_chart.threshold_line.get_label()
    view.close()
    for bad in (0, 1.5, math.nan, "0.6"):
        with pytest.raises(ValueError, match="threshold"):
            RetainerHealthCalculator(threshold=bad)


@pytest.mark.parametrize(
    "arguments", [{"locale": "fr"}, {"currency": "EURO"}, {"hours_left": 3}, {"hours_used": -1}]
)
def test_bad_constructor_arguments_raise(arguments):
    with pytest.raises(ValueError):
        RetainerHealthCalculator(**arguments)


# --- the hours chart ---


def test_the_bars_lines_and_colors_follow_the_result(calculator):
    chart = calculator.hours_chart
    assert [bar.get_height() for bar in chart.bars] == [13.5, 12.75]
    assert chart.included_line.get_ydata()[0] == 25
    assert chart.threshold_line.get_ydata()[0] == pytest.approx(25 * 0.6)
    red = chart.bars[1].get_facecolor()
    calculator.set_values(hours_used=20)
    assert chart.bars[1].get_height() == 20
    assert chart.bars[1].get_facecolor() != red
    assert [label.get_text() for label in chart.labels] == [percent(0.54), percent(0.8)]
    calculator.set_values(hours_used=60)
    assert chart.axes.get_ylim()[1] >= 60


def test_a_chart_on_a_reused_background_is_a_full_draw_pixel_for_pixel():
    chart = HoursChart()
    chart.draw(retainer_health(**DEFAULTS), "en")
    image = chart.draw(retainer_health(**{**DEFAULTS, "hours_used": 14}), "en")
    assert chart.background_renders == 1
    for artist in (*chart.bars, chart.included_line, chart.threshold_line, *chart.labels):
        artist.set_animated(False)
    chart.canvas.draw()
    full = numpy.asarray(chart.canvas.buffer_rgba())[..., :3]
    assert numpy.array_equal(numpy.asarray(PILImage.open(io.BytesIO(image)).convert("RGB")), full)


def test_the_chart_background_follows_locale_and_scale():
    result = retainer_health(**DEFAULTS)
    chart = HoursChart()
    for locale in ("en", "it", "en"):
        assert chart.draw(result, locale) == HoursChart().draw(result, locale)
    bigger = retainer_health(**{**DEFAULTS, "hours_used": 70})
    assert chart.draw(bigger, "en") == HoursChart().draw(bigger, "en")
    assert chart.background_renders == 3  # the second English chart reused the first background


# --- display ---


def test_the_display_bundle_holds_the_widget_and_a_snapshot(calculator):
    data, _ = DisplayFormatter().format(calculator)
    assert data[WIDGET_VIEW]["model_id"] == calculator.widget.model_id
    snapshot = data["text/html"]
    assert money(1250) in visible_text(snapshot)
    encoded = re.search(r'src="data:image/png;base64,([^"]+)"', snapshot).group(1)
    assert base64.b64decode(encoded) == png(calculator.chart)


def test_the_package_exports_both_views_lazily():
    code = (
        "import sys, widgets\n"
        "assert 'ipywidgets' not in sys.modules and 'matplotlib' not in sys.modules\n"
        "from widgets import RetainerHealthCalculator, KpiDashboard\n"
        "import widgets.kpi_view as view\n"
        "assert RetainerHealthCalculator is view.RetainerHealthCalculator and KpiDashboard is view.KpiDashboard\n"
        "assert 'matplotlib.pyplot' not in sys.modules, 'the view must not use pyplot'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    assert widgets.RetainerHealthCalculator is RetainerHealthCalculator


ANY_RETAINER = st.fixed_dictionaries(
    {
        field.name: st.floats(
            min_value=field.minimum, max_value=field.maximum, exclude_min=field.min_exclusive,
            allow_nan=False, allow_infinity=False,
        )
        for field in RETAINER_FIELDS
    }
)


@pytest.fixture(scope="module")
def shared_calculator():
    view = RetainerHealthCalculator()
    yield view
    view.close()


@settings(max_examples=40, deadline=None)
@given(values=ANY_RETAINER, locale=st.sampled_from(sorted(LOCALES)))
def test_any_valid_retainer_shows_the_models_result(shared_calculator, values, locale):
    view = shared_calculator
    view.locale_picker.value = locale
    view.set_values(**values)
    expected = retainer_health(**values)
    shown = visible_text(view.results.value)
    assert view.message.value == ""
    assert view.result == expected
    assert money(expected.invoice, locale) in shown
    assert percent(expected.used_share, locale) in shown
    assert UI_STRINGS[locale][expected.advice].format(threshold=percent(0.6, locale)) in shown


# --- the dashboard ---


def test_the_dashboard_opens_on_the_last_month_with_the_models_numbers(dashboard, data):
    summary = monthly_summary(data, 25)
    assert dashboard.months == ["2025-01", "2025-02", "2025-03", "2025-04"]
    assert dashboard.month == "2025-04"
    assert dashboard.summary.equals(summary)
    shown = visible_text(dashboard.results.value)
    april, march = summary.iloc[3], summary.iloc[2]
    for row in (april, march):
        assert money(row["revenue"]) in shown
        assert money(row["mrr"]) in shown
        assert format_decimal(row["retention"] * 100, format="#,##0.0", locale="en") + "%" in shown
    assert "April 2025" in shown and "March 2025" in shown
    assert png(dashboard.chart).startswith(b"\x89PNG")


def test_choosing_a_month_lists_its_flagged_days(dashboard, data):
    dashboard.month_picker.value = "2025-03"
    flags = visible_text(dashboard.flags.value)
    report = anomaly_report(data, dashboard.metrics)
    march = report[report["date"].dt.strftime("%Y-%m") == "2025-03"]
    assert len(march) > 0
    assert flags.count("March") == len(march)
    assert "11 March: revenue €82.55" in flags
    assert money(march.iloc[0]["rolling_mean"]) in flags
    dashboard.month_picker.value = "2025-02"
    assert DASHBOARD_STRINGS["en"]["no_flags"] in visible_text(dashboard.flags.value)
    assert "no month before" not in visible_text(dashboard.results.value)
    dashboard.month_picker.value = "2025-01"
    assert "no month before" in visible_text(dashboard.results.value)


def test_the_chart_shades_the_chosen_month_and_marks_the_flagged_days(dashboard):
    chart = dashboard.baseline_chart
    before = png(dashboard.chart)
    dashboard.month_picker.value = "2025-03"
    assert chart.month == "2025-03"
    start = list(chart.days.strftime("%Y-%m")).index("2025-03")
    assert chart.month_span.get_x() == start - 0.5 and chart.month_span.get_width() == 31
    assert png(dashboard.chart) != before
    flagged_x = list(chart.flagged.get_xdata())
    baseline = dashboard.baselines["revenue"]
    assert flagged_x == [position for position, flag in enumerate(baseline["anomaly"]) if flag]
    assert list(chart.mean_line.get_ydata()[28:]) == pytest.approx(list(baseline["rolling_mean"][28:]))


def test_choosing_a_metric_redraws_and_coming_back_reuses_the_picture(dashboard):
    revenue = png(dashboard.chart)
    dashboard.metric_picker.value = "support_emails"
    assert dashboard.baseline_chart.metric == "support_emails"
    emails = png(dashboard.chart)
    assert emails != revenue
    renders = dashboard.baseline_chart.background_renders
    dashboard.metric_picker.value = "revenue"
    assert png(dashboard.chart) == revenue
    assert dashboard.baseline_chart.background_renders == renders


def test_each_metric_background_is_drawn_once_when_first_chosen(dashboard):
    # Drawing every metric up front cost the lesson most of a second; the first choice pays instead.
    chart = dashboard.baseline_chart
    assert chart.background_renders == 1
    for metric in dashboard.metrics:
        dashboard.metric_picker.value = metric
        assert chart.metric == metric
    dashboard.month_picker.value = dashboard.months[0]
    for metric in dashboard.metrics:
        dashboard.metric_picker.value = metric
    assert chart.background_renders == len(dashboard.metrics)
    dashboard.locale_picker.value = "it"
    assert chart.background_renders == len(dashboard.metrics) + 1


def test_a_dashboard_chart_on_a_kept_background_is_a_full_draw_pixel_for_pixel(dashboard):
    dashboard.metric_picker.value = "orders"
    dashboard.month_picker.value = "2025-02"
    dashboard.metric_picker.value = "revenue"  # a kept background, the figure set back to revenue
    chart = dashboard.baseline_chart
    image = png(dashboard.chart)
    chart.month_span.set_animated(False)
    chart.canvas.draw()
    full = numpy.asarray(chart.canvas.buffer_rgba())[..., :3]
    assert numpy.array_equal(numpy.asarray(PILImage.open(io.BytesIO(image)).convert("RGB")), full)


def test_a_fresh_chart_of_a_state_matches_the_cached_one(data):
    first = KpiDashboard(data, 25)
    first.metric_picker.value = "orders"
    first.month_picker.value = "2025-02"
    first.metric_picker.value = "revenue"  # back to a cached background, another month
    second = KpiDashboard(data, 25)
    second.month_picker.value = "2025-02"
    assert png(first.chart) == png(second.chart)
    first.close(), second.close()


def test_the_dashboard_speaks_italian(dashboard):
    dashboard.metric_picker.value = "orders"
    dashboard.locale_picker.value = "it"
    assert dashboard.metric_picker.value == "orders"
    assert dict(dashboard.metric_picker.options)[DASHBOARD_STRINGS["it"]["orders"]] == "orders"
    shown = visible_text(dashboard.results.value)
    assert "aprile 2025" in shown and DASHBOARD_STRINGS["it"]["retention"] in shown
    assert money(dashboard.summary.iloc[3]["revenue"], "it") in shown
    assert dashboard.month_picker.description == DASHBOARD_STRINGS["it"]["month"]
    assert DASHBOARD_STRINGS["it"]["orders"] in dashboard.baseline_chart.title.get_text()


def test_the_dashboard_snapshot_holds_the_table_the_flags_and_the_chart(dashboard):
    data, _ = DisplayFormatter().format(dashboard)
    snapshot = data["text/html"]
    assert dashboard.results.value in snapshot and dashboard.flags.value in snapshot
    encoded = re.search(r'src="data:image/png;base64,([^"]+)"', snapshot).group(1)
    assert base64.b64decode(encoded) == png(dashboard.chart)


def test_the_dashboard_takes_a_date_column(data):
    view = KpiDashboard(data.reset_index().assign(date=lambda t: t["date"].dt.strftime("%Y-%m-%d")), 25)
    assert view.months == ["2025-01", "2025-02", "2025-03", "2025-04"]
    view.close()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"monthly_price": -1}, "monthly_price"),
        ({"window": 1}, "window"),
        ({"threshold": 0}, "threshold"),
        ({"locale": "fr"}, "locale"),
        ({"currency": "EURO"}, "currency"),
    ],
)
def test_bad_dashboard_arguments_raise(data, change, message):
    arguments = {"monthly_price": 25, **change}
    with pytest.raises(ValueError, match=message):
        KpiDashboard(data, **arguments)


def test_bad_dashboard_data_raise_naming_the_problem(data):
    with pytest.raises(ValueError, match="missing column.*'members'"):
        KpiDashboard(data.drop(columns="members"), 25)
    with pytest.raises(ValueError, match="too few days"):
        KpiDashboard(data.iloc[:20], 25)
