"""Headless tests of the delegation calculator: set its widgets' values, read what it shows.

No browser and no kernel: like ipywidgets' own tests, they change traits in
Python and read the traits the front end would render. Expected amounts are
written by Babel (or by the model) here, never by hand, so a wrong format or a
wrong number in the view fails.
"""

import base64
import html
import io
import math
import re
import subprocess
import sys

import numpy
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from IPython.core.formatters import DisplayFormatter
from PIL import Image as PILImage

import widgets
from widgets.controls import INVALID_CLASS, NumberControl
from widgets.delegation import DELEGATION_FIELDS, evaluate_delegation
from widgets.delegation_view import DEFAULTS, UI_STRINGS, BenefitChart, DelegationCalculator
from widgets.fields import Field
from widgets.formatting import LOCALES
from tests.views.screen import chart_png, money, one_decimal, visible_text

FIELDS = {field.name: field for field in DELEGATION_FIELDS}
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


@pytest.fixture
def calculator():
    calculator = DelegationCalculator()
    yield calculator
    calculator.close()


# --- the domain example and the locales ---


@pytest.mark.parametrize("locale", sorted(LOCALES))
def test_default_is_the_domain_example_650_a_week_paid_back_in_1_9_weeks(locale):
    calculator = DelegationCalculator(locale=locale)
    expected = evaluate_delegation(**DEFAULTS)
    assert (expected.weekly_gain, round(expected.payback_weeks, 1)) == (650, 1.9)
    assert calculator.result == expected

    shown = visible_text(calculator.results.value)
    assert money(650, locale) in shown
    assert one_decimal(1250 / 650, locale) in shown
    assert money(expected.onboarding_cost, locale) in shown
    assert money(expected.buyback_rate, locale) in shown
    assert UI_STRINGS[locale]["within_buyback"] in shown
    assert calculator.message.value == ""
    assert chart_png(calculator).startswith(b"\x89PNG")
    calculator.close()


def test_the_two_locales_write_650_differently():
    # Guards the test above against a Babel that wrote both locales alike.
    assert money(650, "en") != money(650, "it")


def test_switching_locale_rewrites_results_and_chart(calculator):
    english_chart = chart_png(calculator)
    assert sorted(value for _, value in calculator.locale_picker.options) == sorted(LOCALES)

    calculator.locale_picker.value = "it"
    shown = visible_text(calculator.results.value)
    assert money(650, "it") in shown
    assert money(650, "en") not in shown
    assert one_decimal(1250 / 650, "it") in shown
    assert chart_png(calculator) != english_chart
    assert calculator.benefit_chart.axes.get_xlabel() == UI_STRINGS["it"]["week_axis"]

    calculator.locale_picker.value = "en"
    assert money(650, "en") in visible_text(calculator.results.value)


def test_switching_locale_while_an_input_is_bad_keeps_the_message_and_old_results(calculator):
    calculator.inputs["hours_delegated"].value = -1
    calculator.locale_picker.value = "it"
    assert UI_STRINGS["it"]["invalid_input"] in visible_text(calculator.message.value)
    assert money(650, "it") in visible_text(calculator.results.value)
    assert calculator.result.weekly_gain == 650


def test_italian_labels_and_ranges_come_from_the_model_in_italian(calculator):
    calculator.locale_picker.value = "it"
    for name, control in calculator.controls.items():
        label = FIELDS[name].label_in("it")
        assert label != FIELDS[name].label, f"{name} has no Italian label"
        assert label in visible_text(control.label.value)
    calculator.inputs["hourly_value"].value = 20_000
    shown = visible_text(calculator.message.value)
    assert FIELDS["hourly_value"].label_in("it") in shown
    assert FIELDS["hourly_value"].valid_range("EUR", "it") in shown
    assert "10.000" in shown and "10,000" not in shown

    calculator.locale_picker.value = "en"
    assert FIELDS["hourly_value"].label in visible_text(calculator.controls["hourly_value"].label.value)


def test_currency_reaches_labels_amounts_and_chart_axis():
    calculator = DelegationCalculator(currency="USD")
    assert money(650, "en", "USD") in visible_text(calculator.results.value)
    assert FIELDS["hourly_value"].unit_in("USD") in visible_text(calculator.controls["hourly_value"].label.value)
    assert "USD" in calculator.benefit_chart.axes.get_ylabel()
    calculator.close()


def test_initial_values_start_the_calculator():
    initial = {"hourly_value": 50, "share_reinvested": 0.5, "onboarding_owner_hours": 0}
    calculator = DelegationCalculator(**initial)
    assert calculator.result == evaluate_delegation(**{**DEFAULTS, **initial})
    assert calculator.inputs["hourly_value"].value == 50
    assert calculator.sliders["share_reinvested"].value == 0.5
    calculator.close()


# --- bad input: every field and every kind of bad value is driven in test_every_calculator.py ---


def test_the_message_stays_until_the_bad_input_itself_is_fixed(calculator):
    calculator.inputs["delegate_speed"].value = 0
    calculator.inputs["hours_delegated"].value = 12
    assert FIELDS["delegate_speed"].label in visible_text(calculator.message.value)
    assert calculator.result.hours_delegated == 10

    calculator.inputs["delegate_speed"].value = 1
    assert calculator.message.value == ""
    assert calculator.result == evaluate_delegation(**{**DEFAULTS, "hours_delegated": 12})


def test_an_unexpected_error_in_the_model_becomes_a_generic_message(calculator, monkeypatch):
    import widgets.delegation_view as view

    def broken(**values):
        raise ZeroDivisionError("internal detail")

    last_result, last_chart = calculator.result, chart_png(calculator)
    monkeypatch.setattr(view, "evaluate_delegation", broken)
    calculator.inputs["hours_delegated"].value = 12  # must not raise

    message = visible_text(calculator.message.value)
    assert UI_STRINGS["en"]["unexpected"] in message
    assert "internal detail" not in message
    assert calculator.result is last_result
    assert chart_png(calculator) == last_chart

    monkeypatch.undo()
    calculator.inputs["hours_delegated"].value = 14
    assert calculator.message.value == ""
    assert calculator.result.hours_delegated == 14


def test_an_unexpected_error_while_drawing_keeps_results_and_chart(calculator, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("no fonts")

    last_results, last_chart = calculator.results.value, chart_png(calculator)
    monkeypatch.setattr(calculator.benefit_chart, "draw", broken)
    calculator.inputs["hours_delegated"].value = 12

    assert UI_STRINGS["en"]["unexpected"] in visible_text(calculator.message.value)
    assert (calculator.results.value, chart_png(calculator)) == (last_results, last_chart)
    assert calculator.result.hours_delegated == 10


# --- payback and the chart's break-even marker ---


def test_the_chart_marks_break_even_at_the_payback_week(calculator):
    assert calculator.benefit_chart.marked_break_even == pytest.approx(calculator.result.payback_weeks)
    calculator.inputs["share_reinvested"].value = 0.5
    assert calculator.benefit_chart.marked_break_even == pytest.approx(1250 / 150)


@pytest.mark.parametrize("change", [{"share_reinvested": 0.1}, {"management_hours": 7.5}], ids=["loss", "zero"])
@pytest.mark.parametrize("locale", sorted(LOCALES))
def test_no_positive_gain_shows_never_and_no_marker(change, locale):
    calculator = DelegationCalculator(locale=locale)
    chart_with_marker = chart_png(calculator)
    (name, value), = change.items()
    calculator.inputs[name].value = value

    assert calculator.result.weekly_gain <= 0
    assert calculator.result.payback_weeks is None
    assert UI_STRINGS[locale]["never"] in visible_text(calculator.results.value)
    assert calculator.benefit_chart.marked_break_even is None
    assert chart_png(calculator) != chart_with_marker
    calculator.close()


def test_payback_beyond_the_chart_is_shown_in_results_but_not_marked(calculator):
    calculator.inputs["share_reinvested"].value = 0.38
    payback = calculator.result.payback_weeks
    assert payback > calculator.weeks
    assert one_decimal(payback) in visible_text(calculator.results.value)
    assert calculator.benefit_chart.marked_break_even is None


def test_the_chart_spans_the_requested_weeks():
    calculator = DelegationCalculator(weeks=52)
    line = calculator.benefit_chart.line
    frame = calculator.result.cumulative_net_benefit(52)
    assert list(line.get_xdata()) == list(frame["week"])
    assert list(line.get_ydata()) == list(frame["cumulative_net_benefit"])
    assert calculator.benefit_chart.axes.get_xlim() == (0, 52)
    calculator.close()


def test_a_chart_drawn_on_a_reused_background_is_a_full_draw_pixel_for_pixel():
    first, second = (evaluate_delegation(**{**DEFAULTS, "hours_delegated": hours}) for hours in (10, 11))
    chart = BenefitChart()
    chart.draw(first, 26, "en", "EUR")
    png = chart.draw(second, 26, "en", "EUR")
    assert chart.background_renders == 1  # the premise: the second draw reused the first background

    for artist in (chart.line, chart.break_even_line, chart.note):
        artist.set_animated(False)
    chart.canvas.draw()
    full_draw = numpy.asarray(chart.canvas.buffer_rgba())[..., :3]
    assert numpy.array_equal(numpy.asarray(PILImage.open(io.BytesIO(png)).convert("RGB")), full_draw)


def test_the_chart_background_follows_locale_currency_and_scale():
    result = evaluate_delegation(**DEFAULTS)
    chart = BenefitChart()
    for locale, currency in [("en", "EUR"), ("it", "EUR"), ("it", "USD")]:
        assert chart.draw(result, 26, locale, currency) == BenefitChart().draw(result, 26, locale, currency)
    bigger = evaluate_delegation(**{**DEFAULTS, "hourly_value": 1_000})
    assert chart.draw(bigger, 26, "it", "USD") == BenefitChart().draw(bigger, 26, "it", "USD")
    assert chart.background_renders == 4


# --- slider and text box in step ---


def test_typing_inside_the_slider_range_moves_the_slider(calculator):
    calculator.inputs["hours_delegated"].value = 17.5
    assert calculator.sliders["hours_delegated"].value == 17.5
    assert calculator.result.hours_delegated == 17.5


def test_dragging_the_slider_types_its_value(calculator):
    calculator.sliders["management_hours"].value = 2.5
    assert calculator.inputs["management_hours"].value == 2.5
    assert calculator.result == evaluate_delegation(**{**DEFAULTS, "management_hours": 2.5})


def test_a_valid_value_beyond_the_slider_is_kept_and_used(calculator):
    slider = calculator.sliders["hourly_value"]
    calculator.inputs["hourly_value"].value = slider.max + 200
    assert slider.value == slider.max
    assert calculator.inputs["hourly_value"].value == slider.max + 200
    assert calculator.result.hourly_value == slider.max + 200
    assert calculator.message.value == ""


@pytest.mark.parametrize(("bad", "end"), [(20_000, "max"), (-5, "min"), (math.inf, "max"), (-math.inf, "min")])
def test_an_invalid_value_leaves_the_slider_at_its_end(calculator, bad, end):
    calculator.inputs["hourly_value"].value = bad
    slider = calculator.sliders["hourly_value"]
    assert slider.value == getattr(slider, end)
    assert calculator.inputs["hourly_value"].value == bad


def test_nan_leaves_the_slider_where_it_was(calculator):
    calculator.inputs["delegate_rate"].value = math.nan
    assert calculator.sliders["delegate_rate"].value == 25


@pytest.mark.parametrize("field", DELEGATION_FIELDS, ids=lambda field: field.name)
def test_slider_bounds_are_inside_the_fields_range(calculator, field):
    slider = calculator.sliders[field.name]
    assert field.minimum <= slider.min < slider.max <= field.maximum
    field.check(slider.min)  # never offers a value the model rejects
    field.check(slider.max)
    assert not calculator.sliders[field.name].readout


def test_a_control_alone_reads_its_label_and_bounds_from_the_field():
    field = Field("rate", "Your rate", "{currency}/h", 0, 50, min_exclusive=True)
    control = NumberControl(field, currency="USD", value=10, display_max=1_000, step=0.5)
    assert visible_text(control.label.value).strip() == "Your rate (USD/h)"
    assert (control.slider.min, control.slider.max) == (0.5, 50)
    control.text.value = 60
    assert (control.slider.value, control.value) == (50, 60)
    control.mark_invalid(True)
    assert INVALID_CLASS in control.text._dom_classes and control.text.layout.border
    control.mark_invalid(False)
    assert INVALID_CLASS not in control.text._dom_classes and not control.text.layout.border


def test_controls_share_their_label_slider_and_row_layouts_but_not_the_text_box_one():
    first, second = (NumberControl(Field(name, name.title(), "", 0, 10)) for name in ("one", "two"))
    for part in ("label", "slider", "widget"):
        assert getattr(first, part).layout is getattr(second, part).layout, part
    assert (first.label.layout.width, first.slider.layout.width) == ("19em", "13em")
    assert first.text.layout is not second.text.layout
    assert first.text.tooltip == "One" and visible_text(first.label.value).strip() == "One"
    first.mark_invalid(True)
    assert first.text.layout.border and not second.text.layout.border
    first.slider.layout.close()  # as Widget.close_all() would: the next control gets an open one
    third = NumberControl(Field("three", "Three", "", 0, 10))
    assert third.slider.layout.comm is not None and third.slider.layout.width == "13em"


# --- construction ---


@pytest.mark.parametrize(
    ("arguments", "named"),
    [
        ({"locale": "fr"}, "locale"),
        ({"currency": "EURO"}, "currency"),
        ({"currency": "XYZ"}, "currency"),
        ({"hourly_rate": 100}, "hourly_rate"),
        ({"weeks": 0}, "weeks"),
        ({"weeks": 2.5}, "weeks"),
        ({"hourly_value": -1}, "hourly_value"),
        ({"delegate_rate": "25"}, "delegate_rate"),
    ],
)
def test_bad_constructor_arguments_raise_a_value_error_naming_them(arguments, named):
    with pytest.raises(ValueError, match=named):
        DelegationCalculator(**arguments)


def test_the_package_exports_the_view_lazily():
    code = (
        "import sys, widgets\n"
        "assert 'ipywidgets' not in sys.modules and 'matplotlib' not in sys.modules\n"
        "from widgets import DelegationCalculator\n"
        "import widgets.delegation_view as view\n"
        "assert DelegationCalculator is view.DelegationCalculator\n"
        "assert 'matplotlib.pyplot' not in sys.modules, 'the view must not use pyplot'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    assert widgets.DelegationCalculator is DelegationCalculator


# --- display in a notebook ---


def test_the_display_bundle_holds_the_live_widget_and_a_static_snapshot(calculator):
    data, _ = DisplayFormatter().format(calculator)
    assert data[WIDGET_VIEW]["model_id"] == calculator.widget.model_id
    snapshot = data["text/html"]
    assert money(650) in visible_text(snapshot)
    assert "<img" in snapshot
    png = re.search(r'src="data:image/png;base64,([^"]+)"', snapshot).group(1)
    assert base64.b64decode(png) == chart_png(calculator)

    calculator.inputs["hours_delegated"].value = 12
    later = visible_text(calculator._repr_mimebundle_()["text/html"])
    assert money(calculator.result.weekly_gain) in later

    calculator.inputs["hours_delegated"].value = -3  # the snapshot keeps agreeing with the results
    assert visible_text(calculator.static_html()) == later


def test_a_static_reader_of_the_stored_notebook_sees_the_snapshot(calculator):
    # nbconvert (and nbviewer, which uses it) skips the widget view when the notebook stores
    # no widget state; the reader must then get the results and chart, not "Loading widget".
    import nbconvert
    import nbformat

    data, _ = DisplayFormatter().format(calculator)
    output = nbformat.v4.new_output("display_data", data=data)
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("calculator", outputs=[output])])
    page, _ = nbconvert.HTMLExporter().from_notebook_node(notebook)
    assert money(650) in html.unescape(page)
    assert "data:image/png;base64," in page


def test_set_values_updates_once_with_all_values(calculator):
    renders = []
    calculator.results.observe(renders.append, names="value")
    calculator.set_values(hourly_value=80, share_reinvested=0.5)
    assert calculator.result == evaluate_delegation(**{**DEFAULTS, "hourly_value": 80, "share_reinvested": 0.5})
    assert len(renders) == 1
    with pytest.raises(ValueError, match="hourly_rate"):
        calculator.set_values(hourly_rate=1)


# --- properties ---


def in_range(field: Field):
    return st.floats(
        min_value=field.minimum,
        max_value=field.maximum,
        exclude_min=field.min_exclusive,
        allow_nan=False,
        allow_infinity=False,
    )


ANY_VALID_INPUTS = st.fixed_dictionaries({field.name: in_range(field) for field in DELEGATION_FIELDS})


@pytest.fixture(scope="module")
def shared_calculator():
    calculator = DelegationCalculator()
    yield calculator
    calculator.close()


@settings(max_examples=40, deadline=None)
@given(values=ANY_VALID_INPUTS, locale=st.sampled_from(sorted(LOCALES)))
def test_any_in_range_inputs_show_the_models_results_and_no_message(shared_calculator, values, locale):
    calculator = shared_calculator
    calculator.locale_picker.value = locale
    calculator.set_values(**values)

    expected = evaluate_delegation(**values)
    shown = visible_text(calculator.results.value)
    assert calculator.message.value == ""
    assert calculator.result == expected
    assert money(expected.weekly_gain, locale) in shown
    assert money(expected.onboarding_cost, locale) in shown
    if expected.payback_weeks is None:
        assert UI_STRINGS[locale]["never"] in shown
    else:
        assert one_decimal(expected.payback_weeks, locale) in shown


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_typing_any_value_keeps_slider_and_text_in_step(shared_calculator, data):
    field = data.draw(st.sampled_from(DELEGATION_FIELDS), label="field")
    typed = data.draw(st.floats(allow_nan=False, min_value=-1e9, max_value=1e9), label="typed")
    calculator = shared_calculator
    calculator.set_values(**DEFAULTS)
    slider = calculator.sliders[field.name]

    calculator.inputs[field.name].value = typed

    assert calculator.inputs[field.name].value == typed
    assert slider.value == min(max(typed, slider.min), slider.max)
    try:
        field.check(typed)
    except ValueError:
        assert field.label_in(calculator.locale) in visible_text(calculator.message.value)
    else:
        assert calculator.message.value == ""
        assert calculator.result == evaluate_delegation(**{**DEFAULTS, field.name: typed})
