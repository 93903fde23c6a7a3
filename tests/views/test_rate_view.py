"""Headless tests of the rate calculator: set its widgets' values, read what it shows.

No browser and no kernel: traits are changed in Python and the traits the front
end would render are read back. Expected amounts are written by Babel (or by
the model) here, never by hand, so a wrong format or a wrong number in the view
fails.
"""

import base64
import decimal
import html
import io
import re
import subprocess
import sys

import numpy
import pytest
from babel.numbers import format_decimal, format_percent
from hypothesis import given, settings
from hypothesis import strategies as st
from IPython.core.formatters import DisplayFormatter
from PIL import Image as PILImage

import widgets
from widgets.fields import Field
from widgets.formatting import LOCALES
from widgets.rate_view import DEFAULTS, UI_STRINGS, RateCalculator, RateChart
from widgets.rates import HEALTHY_UTILIZATION, RATE_FIELDS, evaluate_rate
from tests.views.screen import chart_png, money, visible_text

FIELDS = {field.name: field for field in RATE_FIELDS}
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def whole(number: float, locale: str = "en") -> str:
    with decimal.localcontext(prec=400):
        return format_decimal(number, format="#,##0", locale=locale)


@pytest.fixture
def calculator():
    calculator = RateCalculator()
    yield calculator
    calculator.close()


# --- the domain example and the locales ---


@pytest.mark.parametrize("locale", sorted(LOCALES))
def test_default_is_the_domain_example_130_21_an_hour(locale):
    calculator = RateCalculator(locale=locale)
    expected = evaluate_rate(**DEFAULTS)
    assert (expected.billable_hours, round(expected.hourly_rate, 2)) == (1_152, 130.21)
    assert calculator.result == expected

    shown = visible_text(calculator.results.value)
    assert money(130.21, locale) in shown
    assert money(150_000, locale) in shown
    assert money(30_000, locale) in shown
    assert money(expected.day_rate, locale) in shown
    assert whole(1_152, locale) in shown
    assert format_percent(0.6, locale=locale) in shown
    assert "70%" in shown and "80%" in shown
    assert calculator.message.value == ""
    assert chart_png(calculator).startswith(b"\x89PNG")
    calculator.close()


def test_the_two_locales_write_the_rate_differently():
    assert money(130.21, "en") != money(130.21, "it")


@pytest.mark.parametrize(
    ("utilization", "zone"), [(0.5, "zone_low"), (0.75, "zone_healthy"), (0.85, "zone_high")]
)
@pytest.mark.parametrize("locale", sorted(LOCALES))
def test_the_utilization_verdict_follows_the_model(calculator, utilization, zone, locale):
    calculator.locale_picker.value = locale
    calculator.inputs["utilization"].value = utilization
    low, high = (format_percent(share, locale=locale) for share in HEALTHY_UTILIZATION)
    verdict = UI_STRINGS[locale][zone].format(low=low, high=high)
    assert verdict in visible_text(calculator.results.value)
    assert calculator.result.utilization_zone == zone.removeprefix("zone_")


def test_switching_locale_rewrites_results_and_chart(calculator):
    english_chart = chart_png(calculator)
    calculator.locale_picker.value = "it"
    shown = visible_text(calculator.results.value)
    assert money(150_000, "it") in shown
    assert money(150_000, "en") not in shown
    assert chart_png(calculator) != english_chart
    assert calculator.rate_chart.axes.get_xlabel() == UI_STRINGS["it"]["utilization_axis"]
    assert "130,21" in calculator.rate_chart.note.get_text()

    calculator.locale_picker.value = "en"
    assert money(150_000, "en") in visible_text(calculator.results.value)


def test_italian_labels_and_ranges_come_from_the_model_in_italian(calculator):
    calculator.locale_picker.value = "it"
    for name, control in calculator.controls.items():
        label = FIELDS[name].label_in("it")
        assert label != FIELDS[name].label, f"{name} has no Italian label"
        assert label in visible_text(control.label.value)
    calculator.inputs["target_net_income"].value = 2e8
    shown = visible_text(calculator.message.value)
    assert FIELDS["target_net_income"].label_in("it") in shown
    assert FIELDS["target_net_income"].valid_range("EUR", "it") in shown
    assert "100.000.000" in shown


def test_currency_reaches_labels_amounts_and_chart_axis():
    calculator = RateCalculator(currency="USD")
    assert money(150_000, "en", "USD") in visible_text(calculator.results.value)
    assert "USD" in visible_text(calculator.controls["target_net_income"].label.value)
    assert "USD" in calculator.rate_chart.axes.get_ylabel()
    assert "$130.21" in calculator.rate_chart.note.get_text()
    calculator.close()


# --- bad input: every field and every kind of bad value is driven in test_every_calculator.py ---


def test_a_tax_rate_of_100_percent_is_refused_not_divided_by(calculator):
    calculator.inputs["effective_tax_rate"].value = 1
    assert FIELDS["effective_tax_rate"].label in visible_text(calculator.message.value)
    assert calculator.result.effective_tax_rate == 0.2


def test_the_most_time_off_allowed_still_leaves_working_weeks(calculator):
    calculator.set_values(vacation_weeks=26, public_holiday_weeks=6, sick_weeks=12)
    assert calculator.message.value == ""
    assert calculator.result.working_weeks == 8


def test_an_unexpected_error_in_the_model_becomes_a_generic_message(calculator, monkeypatch):
    import widgets.rate_view as view

    def broken(**values):
        raise ZeroDivisionError("internal detail")

    last_result = calculator.result
    monkeypatch.setattr(view, "evaluate_rate", broken)
    calculator.inputs["hours_per_week"].value = 35
    message = visible_text(calculator.message.value)
    assert UI_STRINGS["en"]["unexpected"] in message
    assert "internal detail" not in message
    assert calculator.result is last_result


# --- the chart ---


def test_the_chart_spans_30_to_100_percent_and_marks_the_current_utilization(calculator):
    chart = calculator.rate_chart
    assert chart.axes.get_xlim() == (0.3, 1.0)
    frame = calculator.result.rate_by_utilization()
    assert list(chart.line.get_xdata()) == list(frame.utilization)
    assert list(chart.line.get_ydata()) == list(frame.hourly_rate)
    assert chart.marked_utilization == 0.6
    assert list(chart.marker.get_ydata()) == [calculator.result.hourly_rate]

    calculator.inputs["utilization"].value = 0.75
    assert chart.marked_utilization == 0.75
    assert chart.marker_line.get_xdata()[0] == 0.75


def test_the_healthy_band_is_shaded_from_70_to_80_percent(calculator):
    band = calculator.rate_chart.band  # a Rectangle in data x, axes y
    left, right = band.get_x(), band.get_x() + band.get_width()
    assert (left, round(right, 9)) == HEALTHY_UTILIZATION
    assert (band.get_y(), band.get_height()) == (0, 1)


def test_a_utilization_left_of_the_chart_is_named_but_not_marked(calculator):
    calculator.inputs["utilization"].value = 0.2
    chart = calculator.rate_chart
    assert chart.marked_utilization is None
    assert "off this chart" in chart.note.get_text()
    assert money(calculator.result.hourly_rate) in chart.note.get_text()


def test_the_y_axis_holds_the_whole_curve(calculator):
    for income in (10_000, 100_000, 1_000_000):
        calculator.inputs["target_net_income"].value = income
        bottom, top = calculator.rate_chart.axes.get_ylim()
        rates = calculator.rate_chart.line.get_ydata()
        assert bottom < 0 < max(rates) <= top


def test_a_chart_drawn_on_a_reused_background_is_a_full_draw_pixel_for_pixel():
    first, second = (evaluate_rate(**{**DEFAULTS, "utilization": u}) for u in (0.6, 0.65))
    chart = RateChart()
    chart.draw(first, "en", "EUR")
    png = chart.draw(second, "en", "EUR")
    assert chart.background_renders == 1

    for artist in (chart.line, chart.marker_line, chart.marker, chart.note):
        artist.set_animated(False)
    chart.canvas.draw()
    full_draw = numpy.asarray(chart.canvas.buffer_rgba())[..., :3]
    assert numpy.array_equal(numpy.asarray(PILImage.open(io.BytesIO(png)).convert("RGB")), full_draw)


def test_the_chart_background_follows_locale_currency_and_scale():
    result = evaluate_rate(**DEFAULTS)
    chart = RateChart()
    for locale, currency in [("en", "EUR"), ("it", "EUR"), ("it", "USD")]:
        assert chart.draw(result, locale, currency) == RateChart().draw(result, locale, currency)
    bigger = evaluate_rate(**{**DEFAULTS, "target_net_income": 1_000_000})
    assert chart.draw(bigger, "it", "USD") == RateChart().draw(bigger, "it", "USD")
    assert chart.background_renders == 4


def test_dragging_a_slider_redraws_only_the_moving_parts(calculator):
    # What keeps an interaction fast (`make bench` reports the time): no full redraw while dragging.
    chart = calculator.rate_chart
    renders = chart.background_renders
    for value in (0.55, 0.6, 0.65, 0.7, 0.75, 0.8):
        calculator.sliders["utilization"].value = value
    for value in (39, 38, 40):  # the y axis stays at its round limit
        calculator.sliders["hours_per_week"].value = value
    assert chart.background_renders == renders
    assert chart.marked_utilization == 0.8


# --- construction and display ---


@pytest.mark.parametrize(
    ("arguments", "named"),
    [
        ({"locale": "fr"}, "locale"),
        ({"currency": "EURO"}, "currency"),
        ({"hourly_rate": 100}, "hourly_rate"),
        ({"utilization": 0}, "utilization"),
        ({"hours_per_week": "40"}, "hours_per_week"),
    ],
)
def test_bad_constructor_arguments_raise_a_value_error_naming_them(arguments, named):
    with pytest.raises(ValueError, match=named):
        RateCalculator(**arguments)


def test_starting_values_can_be_given():
    calculator = RateCalculator(target_net_income=60_000, business_expenses=8_000, effective_tax_rate=0,
                                vacation_weeks=4, public_holiday_weeks=1.5, sick_weeks=0.5,
                                hours_per_week=25, utilization=1)
    assert round(calculator.result.hourly_rate, 2) == 59.13
    assert money(68_000) in visible_text(calculator.results.value)
    calculator.close()


def test_the_package_exports_the_view_lazily():
    code = (
        "import sys, widgets\n"
        "assert 'ipywidgets' not in sys.modules and 'matplotlib' not in sys.modules\n"
        "from widgets import RateCalculator\n"
        "import widgets.rate_view as view\n"
        "assert RateCalculator is view.RateCalculator\n"
        "assert 'matplotlib.pyplot' not in sys.modules, 'the view must not use pyplot'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    assert widgets.RateCalculator is RateCalculator


def test_the_display_bundle_holds_the_live_widget_and_a_static_snapshot(calculator):
    data, _ = DisplayFormatter().format(calculator)
    assert data[WIDGET_VIEW]["model_id"] == calculator.widget.model_id
    snapshot = data["text/html"]
    assert money(130.21) in visible_text(snapshot)
    png = re.search(r'src="data:image/png;base64,([^"]+)"', snapshot).group(1)
    assert base64.b64decode(png) == chart_png(calculator)

    calculator.inputs["utilization"].value = 0.75
    later = visible_text(calculator.static_html())
    assert money(calculator.result.hourly_rate) in later
    calculator.inputs["utilization"].value = -3
    assert visible_text(calculator.static_html()) == later


def test_set_values_updates_once_with_all_values(calculator):
    renders = []
    calculator.results.observe(renders.append, names="value")
    calculator.set_values(hours_per_week=30, utilization=0.7)
    assert calculator.result == evaluate_rate(**{**DEFAULTS, "hours_per_week": 30, "utilization": 0.7})
    assert len(renders) == 1


# --- properties ---


def in_range(field: Field):
    return st.floats(min_value=field.minimum, max_value=field.maximum, exclude_min=field.min_exclusive,
                     allow_nan=False, allow_infinity=False)


ANY_VALID_INPUTS = st.fixed_dictionaries({field.name: in_range(field) for field in RATE_FIELDS})


@pytest.fixture(scope="module")
def shared_calculator():
    calculator = RateCalculator()
    yield calculator
    calculator.close()


@settings(max_examples=40, deadline=None)
@given(values=ANY_VALID_INPUTS, locale=st.sampled_from(sorted(LOCALES)))
def test_any_in_range_inputs_show_the_models_results_and_no_message(shared_calculator, values, locale):
    calculator = shared_calculator
    calculator.locale_picker.value = locale
    calculator.set_values(**values)

    expected = evaluate_rate(**values)
    shown = visible_text(calculator.results.value)
    assert calculator.message.value == ""
    assert calculator.result == expected
    assert money(expected.hourly_rate, locale) in shown
    assert money(expected.revenue_needed, locale) in shown
    assert money(expected.day_rate, locale) in shown
    assert whole(expected.billable_hours, locale) in shown
    assert money(expected.hourly_rate, locale) in calculator.rate_chart.note.get_text()
