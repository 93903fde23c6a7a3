"""Headless tests of the pricing comparison: set its widgets' values, read what it shows.

No browser and no kernel: traits are changed in Python and the traits the
front end would render are read back. Expected amounts are written by Babel
(or computed by the model) here, never typed by hand, so a wrong format or a
wrong number in the view fails.
"""

import base64
import html
import io
import re
import subprocess
import sys

import numpy
import pytest
from babel.numbers import format_currency, format_decimal, format_percent
from hypothesis import given, settings
from hypothesis import strategies as st
from IPython.core.formatters import DisplayFormatter
from PIL import Image as PILImage

import widgets
from widgets.fields import Field
from widgets.formatting import LOCALES
from widgets.pricing import PRICING_FIELDS, PRICING_MODELS, compare_pricing
from widgets.pricing_view import (
    DEFAULTS,
    UI_STRINGS,
    EffectiveRateChart,
    PricingComparison,
    chart_hours,
    results_table,
)
from tests.views.screen import chart_png, money, one_decimal, visible_text

FIELDS = {field.name: field for field in PRICING_FIELDS}
KEYS = [model.key for model in PRICING_MODELS]
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def rows_of(markup: str) -> dict[str, str]:
    """The results table's rows, keyed by the model's name as shown."""
    rows = re.findall(r"<tr>(.*?)</tr>", markup)
    return {visible_text(re.findall(r"<td>(.*?)</td>", row)[0]).strip(" \u25a0"): visible_text(row) for row in rows[1:]}


@pytest.fixture
def calculator():
    calculator = PricingComparison()
    yield calculator
    calculator.close()


# --- the domain example and the locales ---


@pytest.mark.parametrize("locale", sorted(LOCALES))
def test_default_is_the_domain_example_a_10000_package_that_took_120_hours(locale):
    calculator = PricingComparison(locale=locale)
    expected = compare_pricing(**DEFAULTS)
    assert (expected.package_price, round(expected.effective_rate("package"), 2)) == (10_000, 83.33)
    assert expected.value_price == pytest.approx(11_520)
    assert calculator.result == expected

    rows = rows_of(calculator.results.value)
    assert list(rows) == [model.label_in(locale) for model in PRICING_MODELS]
    for model in PRICING_MODELS:
        row = rows[model.label_in(locale)]
        assert money(expected.revenue(model.key), locale) in row
        assert money(expected.effective_rate(model.key), locale) in row
        assert UI_STRINGS[locale][f"risk_{model.risk}"] in row
    assert money(10_000 / 120, locale) == money(83.33, locale)
    assert format_percent(-1 / 3, locale=locale) in rows[PRICING_MODELS[1].label_in(locale)]
    shown = visible_text(calculator.results.value)
    assert money(expected.retainer_fee, locale) in shown
    assert one_decimal(92, locale) in shown  # the hours the retainer covers
    assert one_decimal(80, locale) in shown  # the hours the package pays for at the hourly rate
    assert calculator.message.value == ""
    assert chart_png(calculator).startswith(b"\x89PNG")
    calculator.close()


def test_the_two_locales_write_money_differently():
    assert money(11_520, "en") != money(11_520, "it")


def test_another_currency_is_shown_everywhere():
    calculator = PricingComparison(currency="USD")
    shown = visible_text(calculator.results.value)
    assert money(11_520, "en", "USD") in shown and "€" not in shown
    assert calculator.rate_chart.axes.get_ylabel() == UI_STRINGS["en"]["rate_axis"].format(currency="USD")
    calculator.close()


def test_switching_locale_rewrites_results_and_chart(calculator):
    english_chart = chart_png(calculator)
    calculator.locale_picker.value = "it"
    shown = visible_text(calculator.results.value)
    assert money(10_000, "it") in shown and money(10_000, "en") not in shown
    assert chart_png(calculator) != english_chart
    assert calculator.rate_chart.axes.get_xlabel() == UI_STRINGS["it"]["hours_axis"]
    legend = [text.get_text() for text in calculator.rate_chart.legend.get_texts()]
    assert legend == [model.label_in("it") for model in PRICING_MODELS]
    calculator.locale_picker.value = "en"
    assert money(10_000, "en") in visible_text(calculator.results.value)
    assert chart_png(calculator) == english_chart


def test_italian_labels_and_ranges_come_from_the_model_in_italian(calculator):
    calculator.locale_picker.value = "it"
    for name, control in calculator.controls.items():
        label = FIELDS[name].label_in("it")
        assert label != FIELDS[name].label, f"{name} has no Italian label"
        assert label in visible_text(control.label.value)
    calculator.inputs["value_created"].value = 2e9
    shown = visible_text(calculator.message.value)
    assert FIELDS["value_created"].label_in("it") in shown
    assert FIELDS["value_created"].valid_range("EUR", "it") in shown
    assert "1.000.000.000" in shown


# --- reacting to the learner ---


def test_scope_creep_lowers_the_package_rate_as_the_real_hours_grow(calculator):
    calculator.inputs["real_hours"].value = 80
    assert calculator.result.effective_rate("package") == 125
    rows = rows_of(calculator.results.value)
    assert money(125) in rows["Package (fixed price)"]
    calculator.inputs["real_hours"].value = 160
    assert calculator.result.effective_rate("package") == 62.5
    assert money(62.5) in rows_of(calculator.results.value)["Package (fixed price)"]
    assert calculator.result.effective_rate("hourly") == 125


def test_a_package_markup_raises_the_price_and_its_breakeven_hours(calculator):
    calculator.inputs["package_markup"].value = 0.2
    assert calculator.result.package_price == pytest.approx(12_000)
    shown = visible_text(calculator.results.value)
    assert money(12_000) in shown and one_decimal(96) in shown


def test_a_bad_value_keeps_the_last_results_and_names_the_field(calculator):
    before, chart = calculator.results.value, chart_png(calculator)
    calculator.inputs["estimated_hours"].value = 0
    shown = visible_text(calculator.message.value)
    assert FIELDS["estimated_hours"].label in shown and FIELDS["estimated_hours"].valid_range() in shown
    assert calculator.results.value == before and chart_png(calculator) == chart
    calculator.inputs["estimated_hours"].value = 100
    assert calculator.message.value == ""
    assert calculator.result.package_price == 12_500


def test_set_values_updates_once_with_all_values(calculator):
    renders = []
    calculator.results.observe(renders.append, names="value")
    calculator.set_values(hourly_rate=60, estimated_hours=20, real_hours=25)
    assert calculator.result == compare_pricing(**{**DEFAULTS, "hourly_rate": 60, "estimated_hours": 20,
                                                    "real_hours": 25})
    assert len(renders) == 1


# --- the chart ---


def test_the_curves_are_the_models_rates_and_the_dots_sit_at_the_real_hours(calculator):
    chart = calculator.rate_chart
    result = calculator.result
    for model in PRICING_MODELS:
        hours, rates = chart.lines[model.key].get_data()
        expected = result.comparison_table(hours)[model.key]
        assert numpy.allclose(rates, expected)
        assert hours.max() == chart_hours(result) == chart.axes.get_xlim()[1]
    assert result.retainer_covered_hours in chart.lines["retainer"].get_xdata()  # the kink is drawn exactly
    dots = chart.dots.get_offsets()
    assert numpy.allclose(dots, [(result.real_hours, result.effective_rate(key)) for key in KEYS])
    assert chart.marked_hours == result.real_hours == 120


def test_the_marker_follows_the_real_hours_and_the_axis_grows_past_them(calculator):
    calculator.inputs["real_hours"].value = 300
    chart = calculator.rate_chart
    assert chart.marked_hours == 300
    assert chart.axes.get_xlim()[1] >= 1.25 * 300
    assert one_decimal(300) in chart.note.get_text()
    assert chart.note.get_horizontalalignment() == "right"


def test_the_rate_axis_leaves_room_above_the_planned_rates(calculator):
    low, high = calculator.rate_chart.axes.get_ylim()
    planned = calculator.result.comparison_table([calculator.result.estimated_hours]).iloc[0]
    assert low < 0 < 1.5 * max(planned[key] for key in KEYS) <= high


def test_a_chart_drawn_on_a_reused_background_is_a_full_draw_pixel_for_pixel():
    first, second = (compare_pricing(**{**DEFAULTS, "real_hours": hours}) for hours in (120, 110))
    chart = EffectiveRateChart()
    chart.draw(first, "en", "EUR")
    png = chart.draw(second, "en", "EUR")
    assert chart.background_renders == 1  # the premise: the second draw reused the first background

    for artist in (*chart.lines.values(), chart.real_hours_line, chart.dots, chart.note):
        artist.set_animated(False)
    chart.canvas.draw()
    full_draw = numpy.asarray(chart.canvas.buffer_rgba())[..., :3]
    assert numpy.array_equal(numpy.asarray(PILImage.open(io.BytesIO(png)).convert("RGB")), full_draw)


def test_the_chart_background_follows_locale_currency_and_scale():
    result = compare_pricing(**DEFAULTS)
    chart = EffectiveRateChart()
    for locale, currency in [("en", "EUR"), ("it", "EUR"), ("it", "USD"), ("en", "EUR")]:
        assert chart.draw(result, locale, currency) == EffectiveRateChart().draw(result, locale, currency)
    bigger = compare_pricing(**{**DEFAULTS, "hourly_rate": 1_000})
    assert chart.draw(bigger, "it", "USD") == EffectiveRateChart().draw(bigger, "it", "USD")
    assert chart.background_renders == 4  # the second English draw reused its cached background


def test_small_moves_reuse_the_background(calculator):
    renders = calculator.rate_chart.background_renders
    for hours in (100, 105, 110, 115):
        calculator.inputs["real_hours"].value = hours
    calculator.inputs["value_share"].value = 0.16
    assert calculator.rate_chart.background_renders == renders


# --- display in a notebook ---


def test_the_display_bundle_holds_the_live_widget_and_a_static_snapshot(calculator):
    data, _ = DisplayFormatter().format(calculator)
    assert data[WIDGET_VIEW]["model_id"] == calculator.widget.model_id
    snapshot = data["text/html"]
    assert money(11_520) in visible_text(snapshot)
    png = re.search(r'src="data:image/png;base64,([^"]+)"', snapshot).group(1)
    assert base64.b64decode(png) == chart_png(calculator)
    calculator.inputs["real_hours"].value = -3  # the snapshot keeps agreeing with the results
    assert money(11_520) in visible_text(calculator.static_html())


def test_results_table_escapes_and_formats_huge_values():
    result = compare_pricing(**{**DEFAULTS, "value_created": 1e9, "value_share": 1, "real_hours": 0.01})
    shown = visible_text(results_table(result, "it", "EUR"))
    assert money(1e9, "it") in shown
    assert money(1e11, "it") in shown  # a billion over a hundredth of an hour


def test_the_package_exports_the_view_lazily():
    code = (
        "import sys, widgets\n"
        "assert 'ipywidgets' not in sys.modules and 'matplotlib' not in sys.modules\n"
        "from widgets import PricingComparison\n"
        "import widgets.pricing_view as view\n"
        "assert PricingComparison is view.PricingComparison\n"
        "assert 'matplotlib.pyplot' not in sys.modules, 'the view must not use pyplot'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    assert widgets.PricingComparison is PricingComparison


@pytest.mark.parametrize(
    ("arguments", "named"),
    [({"locale": "fr"}, "locale"), ({"currency": "EURO"}, "currency"), ({"markup": 1}, "markup"),
     ({"real_hours": 0}, "real_hours"), ({"value_share": 15}, "value_share")],
)
def test_bad_constructor_arguments_raise_a_value_error_naming_them(arguments, named):
    with pytest.raises(ValueError, match=named):
        PricingComparison(**arguments)


# --- properties ---


def in_range(field: Field):
    return st.floats(min_value=field.minimum, max_value=field.maximum, exclude_min=field.min_exclusive,
                     allow_nan=False, allow_infinity=False)


ANY_VALID_INPUTS = st.fixed_dictionaries({field.name: in_range(field) for field in PRICING_FIELDS})


@pytest.fixture(scope="module")
def shared_calculator():
    calculator = PricingComparison()
    yield calculator
    calculator.close()


@settings(max_examples=40, deadline=None)
@given(values=ANY_VALID_INPUTS, locale=st.sampled_from(sorted(LOCALES)))
def test_any_in_range_inputs_show_the_models_results_and_no_message(shared_calculator, values, locale):
    calculator = shared_calculator
    calculator.locale_picker.value = locale
    calculator.set_values(**values)

    expected = compare_pricing(**values)
    assert calculator.message.value == ""
    assert calculator.result == expected
    rows = rows_of(calculator.results.value)
    for model in PRICING_MODELS:
        assert money(expected.revenue(model.key), locale) in rows[model.label_in(locale)]
        assert money(expected.effective_rate(model.key), locale) in rows[model.label_in(locale)]
    assert calculator.rate_chart.marked_hours == expected.real_hours
    assert chart_png(calculator).startswith(b"\x89PNG")
