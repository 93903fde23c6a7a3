"""Every calculator the course exports answers every bad input with an inline message and keeps working.

Found from ``widgets.__all__``, so a new calculator is covered the moment a
lesson can import it.
"""

import math

import pytest

import widgets
from widgets.calculator_view import CalculatorView
from widgets.controls import INVALID_CLASS, on_grid
from tests.views.screen import visible_text

CALCULATORS = sorted(
    name
    for name in widgets.__all__
    if isinstance(getattr(widgets, name), type) and issubclass(getattr(widgets, name), CalculatorView)
)


def marked(calculator) -> list[str]:
    """The inputs the calculator shows as rejected."""
    return [name for name, box in calculator.inputs.items() if INVALID_CLASS in box._dom_classes]


def bad_values(field):
    """Values the field's range rejects: below, above, not finite, and not whole where it must be."""
    below = field.minimum if field.min_exclusive else field.minimum - max(1.0, abs(field.minimum))
    values = [below, field.maximum * 2 + 1, math.nan, math.inf, -math.inf]
    if field.integer:
        values.append(field.minimum + 0.5)
    return values


def test_the_course_has_calculators():
    assert "DelegationCalculator" in CALCULATORS


@pytest.fixture(scope="module", params=CALCULATORS)
def calculator(request):
    view = getattr(widgets, request.param)()
    yield view
    view.close()


def test_every_input_rejects_bad_values_inline_and_recovers(calculator):
    for field in calculator.fields:
        text_box = calculator.inputs[field.name]
        good = text_box.value
        for locale in ("en", "it"):
            calculator.locale_picker.value = locale
            for bad in bad_values(field):
                before_result, before_results_html = calculator.result, calculator.results.value
                before_chart = None if calculator.chart is None else bytes(calculator.chart.value)
                text_box.value = bad
                shown = visible_text(calculator.message.value)
                assert field.label_in(locale) in shown, (field.name, bad, shown)
                assert field.valid_range(calculator.currency, locale) in shown
                assert calculator.result == before_result, f"{field.name}={bad!r} replaced the last valid result"
                assert calculator.results.value == before_results_html
                if before_chart is not None:
                    assert bytes(calculator.chart.value) == before_chart, f"{field.name}={bad!r} redrew the chart"
                assert "Traceback" not in shown
                assert marked(calculator) == [field.name], f"{field.name}={bad!r} marks {marked(calculator)}"
                assert text_box.value == bad or (math.isnan(bad) and math.isnan(text_box.value))
            text_box.value = good
            assert calculator.message.value == "", f"{field.name}: a good value did not clear the message"
            assert marked(calculator) == [], f"{field.name}: a good value left inputs marked"
    calculator.locale_picker.value = "en"


def test_every_input_can_be_typed_exactly_and_dragged(calculator):
    for field in calculator.fields:
        text_box, slider = calculator.inputs[field.name], calculator.sliders[field.name]
        good = text_box.value
        halfway = round((slider.max - slider.min) / 2 / slider.step)
        slider.value = slider.min + halfway * slider.step
        assert text_box.value == on_grid(slider.value, slider.step, slider.min) == pytest.approx(slider.value)
        text_box.value = good
        assert slider.value == min(max(good, slider.min), slider.max)
        assert calculator.message.value == ""


def test_every_calculator_shows_a_static_snapshot(calculator):
    bundle = calculator._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    snapshot = visible_text(bundle["text/html"])
    for field in calculator.fields:
        assert field.label_in(calculator.locale) in snapshot


def test_bad_constructor_arguments_are_refused():
    for name in CALCULATORS:
        view_class = getattr(widgets, name)
        for bad in ({"locale": "fr"}, {"currency": "EURO"}, {"no_such_field": 1}):
            with pytest.raises(ValueError):
                view_class(**bad)


def test_a_slider_snapping_to_its_grid_leaves_the_typed_number_exact(calculator):
    # A browser sends back the slider's value on its grid, with float noise: 25 -> 24.999999999999996.
    for field in calculator.fields:
        text_box, slider = calculator.inputs[field.name], calculator.sliders[field.name]
        typed = text_box.value
        if not slider.min < typed < slider.max:
            continue
        slider.value = typed + slider.step / 3
        assert text_box.value == typed, f"{field.name}: a snap of the slider changed the typed number"


def test_a_dragged_slider_gives_a_clean_number(calculator):
    for field in calculator.fields:
        text_box, slider = calculator.inputs[field.name], calculator.sliders[field.name]
        good = text_box.value
        slider.value = slider.min + 3 * slider.step + 1e-12
        assert text_box.value == float(f"{text_box.value:.10g}"), f"{field.name}: {text_box.value!r}"
        text_box.value = good
