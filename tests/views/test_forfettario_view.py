"""Headless tests of the regime forfettario calculator: set its widgets' values, read what it shows.

Expected amounts are computed by the model and written by Babel here, never
typed by hand, so a wrong number or a wrong format in the view fails.
"""

import base64
import decimal
import html
import io
import math
import re
import subprocess
import sys

import numpy
import pytest
from babel.numbers import format_currency
from hypothesis import given, settings
from hypothesis import strategies as st
from IPython.core.formatters import DisplayFormatter
from PIL import Image as PILImage

import widgets
from widgets.controls import INVALID_CLASS
from widgets.forfettario import (
    FORFETTARIO_CEILING,
    FORFETTARIO_CHOICES,
    FORFETTARIO_FIELDS,
    evaluate_forfettario,
)
from widgets.forfettario_view import (
    DEFAULT_CHOICES,
    DEFAULTS,
    UI_STRINGS,
    ForfettarioCalculator,
    RevenueChart,
    choice_label,
    percent_text,
    segment_widths,
)
from widgets.formatting import LOCALES
from tests.views.screen import chart_png, visible_text

FIELDS = {field.name: field for field in FORFETTARIO_FIELDS}


def money(amount: float, locale: str = "it", currency: str = "EUR") -> str:
    with decimal.localcontext(prec=400):
        return format_currency(amount, currency, locale=locale)


def shown(calculator: ForfettarioCalculator) -> str:
    return visible_text(calculator.results.value)


def expected(**changes) -> object:
    values = {**DEFAULTS, **DEFAULT_CHOICES}
    values.update(changes)
    return evaluate_forfettario(**values)


@pytest.fixture
def calculator():
    calculator = ForfettarioCalculator()
    yield calculator
    calculator.close()


# --- the worked example, in Italian by default ---


def test_default_is_the_worked_example_in_italian(calculator):
    assert calculator.locale == "it"
    assert calculator.result == expected()
    assert round(calculator.result.rate_needed, 2) == 41.07
    text = shown(calculator)
    assert "41,07 €/h" in text.replace("\xa0", " ")
    assert money(calculator.result.revenue_needed) in text
    assert money(calculator.result.rate_needed_year_one) in text
    assert "76,8%" in text
    assert UI_STRINGS["it"]["steady"] in text and UI_STRINGS["it"]["year_one"] in text
    assert calculator.message.value == ""
    assert chart_png(calculator).startswith(b"\x89PNG")


@pytest.mark.parametrize("locale", sorted(LOCALES))
def test_the_not_tax_advice_line_is_visible_and_names_a_commercialista(locale):
    calculator = ForfettarioCalculator(locale=locale)
    assert "commercialista" in shown(calculator)
    assert UI_STRINGS[locale]["not_advice"] in shown(calculator)
    assert "commercialista" in visible_text(calculator.static_html())
    calculator.close()


def test_both_directions_are_shown(calculator):
    result = calculator.result
    text = shown(calculator)
    for amount in (result.revenue_needed, result.revenue_needed_year_one, result.revenue_at_rate,
                   -result.at_rate.inps, -result.at_rate.tax, -result.at_rate_year_one.tax, -result.expenses, result.at_rate.net,
                   result.take_home_at_rate, result.take_home_at_rate_year_one,
                   result.take_home_at_rate - result.target_take_home):
        assert money(amount) in text, amount
    assert money(result.ceiling_rate) in text


def test_switching_locale_rewrites_results_pickers_and_chart(calculator):
    italian_chart = chart_png(calculator)
    calculator.locale_picker.value = "en"
    text = shown(calculator)
    assert money(calculator.result.revenue_needed, "en") in text
    assert money(calculator.result.revenue_needed, "it") not in text
    assert chart_png(calculator) != italian_chart
    labels = dict((value, label) for label, value in calculator.choice_pickers["inps_rate"].options)
    assert labels[0.2607] == choice_label("inps_rate", 0.2607, "en")
    assert "26.07%" in labels[0.2607]
    assert {name: picker.value for name, picker in calculator.choice_pickers.items()} == DEFAULT_CHOICES
    calculator.locale_picker.value = "it"
    assert "26,07%" in dict((v, k) for k, v in calculator.choice_pickers["inps_rate"].options)[0.2607]


# --- the rates the law fixes: drop-downs with the allowed values only ---


def test_each_picker_offers_exactly_the_allowed_values(calculator):
    for name, (_field, allowed) in FORFETTARIO_CHOICES.items():
        assert [value for _, value in calculator.choice_pickers[name].options] == list(allowed)
        assert calculator.choice_pickers[name].value == DEFAULT_CHOICES[name]


@pytest.mark.parametrize(
    ("name", "value"), [("coefficient", 0.67), ("tax_rate", 0.15), ("inps_rate", 0.24), ("rivalsa_rate", 0.04)]
)
def test_picking_a_rate_recomputes(calculator, name, value):
    calculator.choice_pickers[name].value = value
    assert calculator.choices[name] == value
    assert calculator.result == expected(**{name: value})
    assert money(calculator.result.revenue_needed) in shown(calculator)
    assert percent_text(value, "it") in shown(calculator)


def test_rivalsa_is_shown_only_when_added(calculator):
    label = UI_STRINGS["it"]["rivalsa_included"]
    assert label not in shown(calculator)
    calculator.choice_pickers["rivalsa_rate"].value = 0.04
    assert label in shown(calculator)
    assert money(calculator.result.rivalsa_at_rate) in shown(calculator)


def test_the_keep_shares_of_the_domain_notes_appear_for_each_choice(calculator):
    for coefficient, tax_rate, keep in [(0.78, 0.15, "71,0%"), (0.67, 0.05, "80,1%"), (0.67, 0.15, "75,1%")]:
        calculator.choice_pickers["coefficient"].value = coefficient
        calculator.choice_pickers["tax_rate"].value = tax_rate
        assert keep in shown(calculator)


def test_a_rate_picked_while_a_number_is_bad_survives_a_locale_switch(calculator):
    calculator.inputs["weeks_per_year"].value = 0
    calculator.choice_pickers["tax_rate"].value = 0.15
    calculator.locale_picker.value = "en"
    assert calculator.choice_pickers["tax_rate"].value == 0.15
    assert FIELDS["weeks_per_year"].label in visible_text(calculator.message.value)
    calculator.inputs["weeks_per_year"].value = 46
    assert calculator.message.value == ""
    assert calculator.result == expected(tax_rate=0.15)


@pytest.mark.parametrize(
    ("arguments", "named"),
    [({"coefficient": 0.7}, "coefficient"), ({"tax_rate": 0.2}, "tax_rate"), ({"inps_rate": 0.2623}, "inps_rate"),
     ({"rivalsa_rate": 0.05}, "rivalsa_rate"), ({"locale": "fr"}, "locale"), ({"currency": "EURO"}, "currency"),
     ({"hourly": 40}, "hourly"), ({"utilization": 2}, "utilization"), ({"expenses": "3000"}, "expenses")],
)
def test_bad_constructor_arguments_raise_a_value_error_naming_them(arguments, named):
    with pytest.raises(ValueError, match=named):
        ForfettarioCalculator(**arguments)


def test_starting_values_and_rates():
    calculator = ForfettarioCalculator(locale="en", coefficient=0.67, tax_rate=0.15, hourly_rate=55)
    assert calculator.result == expected(coefficient=0.67, tax_rate=0.15, hourly_rate=55)
    assert calculator.choice_pickers["coefficient"].value == 0.67
    assert calculator.inputs["hourly_rate"].value == 55
    calculator.close()


# --- the ceiling ---


def test_no_warning_within_the_ceiling(calculator):
    assert "obm-ceiling-warning" not in calculator.results.value
    assert UI_STRINGS["it"]["within"].format(ceiling=money(FORFETTARIO_CEILING)) in shown(calculator)


@pytest.mark.parametrize(("rate", "status"), [(90, "leave_next_year"), (120, "leave_now")])
def test_a_rate_over_the_ceiling_warns(calculator, rate, status):
    calculator.inputs["hourly_rate"].value = rate
    assert "obm-ceiling-warning" in calculator.results.value
    text = shown(calculator)
    assert UI_STRINGS["it"]["rate_over"].format(revenue=money(calculator.result.revenue_at_rate)) in text
    assert UI_STRINGS["it"][status].format(ceiling=money(85_000), exit=money(100_000)) in text


def test_a_target_that_needs_more_than_the_ceiling_warns(calculator):
    calculator.set_values(target_take_home=62_000, expenses=5_000)
    result = calculator.result
    assert result.revenue_needed > FORFETTARIO_CEILING
    assert money(result.revenue_needed) in shown(calculator)
    assert UI_STRINGS["it"]["needed_over"].split("(")[0] in shown(calculator)


# --- bad input ---


@pytest.mark.parametrize("name", sorted(FIELDS))
@pytest.mark.parametrize("bad", [-1, math.nan, math.inf, 1e9])
def test_a_bad_number_gives_an_inline_message_and_keeps_results_and_chart(calculator, name, bad):
    before = (calculator.result, calculator.results.value, chart_png(calculator))
    calculator.inputs[name].value = bad
    message = visible_text(calculator.message.value)
    assert FIELDS[name].label_in("it") in message
    assert FIELDS[name].valid_range("EUR", "it") in message
    assert (calculator.result, calculator.results.value, chart_png(calculator)) == before
    assert INVALID_CLASS in calculator.inputs[name]._dom_classes
    calculator.inputs[name].value = DEFAULTS[name]
    assert calculator.message.value == ""
    assert calculator.result == before[0]


# --- the chart ---


def test_the_bars_show_where_the_revenue_goes_and_mark_the_revenue_needed(calculator):
    result = calculator.result
    chart = calculator.revenue_chart
    for bar, breakdown, needed in [("steady", result.at_rate, result.revenue_needed),
                                   ("year_one", result.at_rate_year_one, result.revenue_needed_year_one)]:
        widths = chart.widths(bar)
        assert widths == pytest.approx(segment_widths(breakdown, result.expenses))
        assert widths["inps"] + widths["tax"] + widths["expenses"] + widths["take_home"] == pytest.approx(
            result.revenue_at_rate)
        assert widths["shortfall"] == 0
        assert chart.marked_revenue(bar) == pytest.approx(needed)


def test_expenses_the_net_cannot_cover_are_drawn_as_a_shortfall(calculator):
    calculator.set_values(hourly_rate=10, expenses=20_000)
    widths = calculator.revenue_chart.widths("steady")
    net = calculator.result.at_rate.net
    assert widths["take_home"] == 0
    assert widths["expenses"] == pytest.approx(net)
    assert widths["shortfall"] == pytest.approx(20_000 - net)
    assert money(calculator.result.take_home_at_rate) in shown(calculator)


def test_the_ceiling_line_appears_only_when_the_revenue_comes_near_it(calculator):
    assert not calculator.revenue_chart.shows_ceiling
    calculator.inputs["hourly_rate"].value = 90
    assert calculator.revenue_chart.shows_ceiling
    assert calculator.revenue_chart.axes.get_xlim()[1] >= FORFETTARIO_CEILING


def test_a_chart_drawn_on_a_reused_background_is_a_full_draw_pixel_for_pixel():
    first, second = expected(hourly_rate=40), expected(hourly_rate=41)
    chart = RevenueChart()
    chart.draw(first, "it", "EUR")
    png = chart.draw(second, "it", "EUR")
    assert chart.background_renders == 1  # the premise: the second draw reused the first background
    for artist in [*chart.markers.values(), *(r for bar in chart.bars.values() for r in bar.values())]:
        artist.set_animated(False)
    chart.canvas.draw()
    full_draw = numpy.asarray(chart.canvas.buffer_rgba())[..., :3]
    assert numpy.array_equal(numpy.asarray(PILImage.open(io.BytesIO(png)).convert("RGB")), full_draw)


def test_the_chart_background_follows_locale_currency_and_scale():
    result = expected()
    chart = RevenueChart()
    for locale, currency in [("it", "EUR"), ("en", "EUR"), ("en", "USD")]:
        assert chart.draw(result, locale, currency) == RevenueChart().draw(result, locale, currency)
    bigger = expected(hourly_rate=120)
    assert chart.draw(bigger, "en", "USD") == RevenueChart().draw(bigger, "en", "USD")
    assert chart.background_renders == 4


# --- display and packaging ---


def test_the_display_bundle_holds_the_widget_and_a_static_snapshot(calculator):
    data, _ = DisplayFormatter().format(calculator)
    assert data["application/vnd.jupyter.widget-view+json"]["model_id"] == calculator.widget.model_id
    snapshot = data["text/html"]
    assert money(calculator.result.revenue_needed) in visible_text(snapshot)
    png = re.search(r'src="data:image/png;base64,([^"]+)"', snapshot).group(1)
    assert base64.b64decode(png) == chart_png(calculator)


def test_the_pickers_sit_with_the_inputs(calculator):
    def all_widgets(widget):
        yield widget
        for child in getattr(widget, "children", ()):
            yield from all_widgets(child)

    inside = list(all_widgets(calculator.widget))
    assert all(picker in inside for picker in calculator.choice_pickers.values())
    assert calculator.results in inside and calculator.chart in inside


def test_the_package_exports_the_view_lazily_without_pyplot():
    code = (
        "import sys, widgets\n"
        "assert 'ipywidgets' not in sys.modules and 'matplotlib' not in sys.modules\n"
        "from widgets import ForfettarioCalculator\n"
        "ForfettarioCalculator()\n"
        "assert 'matplotlib.pyplot' not in sys.modules, 'the view must not use pyplot'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    assert widgets.ForfettarioCalculator is ForfettarioCalculator


# --- properties ---


def in_range(field):
    top = min(field.maximum, 1e6)
    return st.floats(min_value=field.minimum, max_value=top, exclude_min=field.min_exclusive, allow_nan=False)


ANY_INPUTS = st.fixed_dictionaries({field.name: in_range(field) for field in FORFETTARIO_FIELDS})
ANY_CHOICES = st.fixed_dictionaries({name: st.sampled_from(allowed) for name, (_, allowed) in FORFETTARIO_CHOICES.items()})


@pytest.fixture(scope="module")
def shared_calculator():
    calculator = ForfettarioCalculator()
    yield calculator
    calculator.close()


@settings(max_examples=40, deadline=None)
@given(values=ANY_INPUTS, choices=ANY_CHOICES, locale=st.sampled_from(sorted(LOCALES)))
def test_any_valid_inputs_show_the_models_results(shared_calculator, values, choices, locale):
    calculator = shared_calculator
    calculator.locale_picker.value = locale
    for name, value in choices.items():
        calculator.choice_pickers[name].value = value
    calculator.set_values(**values)
    result = evaluate_forfettario(**values, **choices)
    assert calculator.message.value == ""
    assert calculator.result == result
    text = shown(calculator)
    assert money(result.revenue_needed, locale) in text
    assert money(result.take_home_at_rate, locale) in text
    assert money(result.ceiling_rate, locale) in text
