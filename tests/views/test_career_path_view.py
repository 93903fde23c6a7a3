"""Headless tests of the career-path self-assessment: set its widgets' values, read what it shows.

Expected numbers are written by Babel (or taken from the model) here, never by
hand, so a wrong format or a wrong position in the view fails.
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
from babel.numbers import format_percent as babel_percent
from hypothesis import given, settings
from hypothesis import strategies as st
from IPython.core.formatters import DisplayFormatter
from PIL import Image as PILImage

import widgets
from widgets.career_path import CAREER_DIMENSIONS, CAREER_FIELDS, CAREER_STAGES, place_on_path
from widgets.career_path_view import DEFAULTS, UI_STRINGS, CareerPathAssessment, PathChart
from widgets.controls import INVALID_CLASS
from widgets.formatting import LOCALES

FIELDS = {field.name: field for field in CAREER_FIELDS}
DIMENSIONS = {dimension.name: dimension for dimension in CAREER_DIMENSIONS}
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
MARCO = {"decides": 4, "projects": 4, "coordinates": 3, "results": 3,
         "project_management": 4, "operations": 4, "metrics": 3, "people": 1}


def visible_text(markup: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def chart_png(assessment) -> bytes:
    return bytes(assessment.chart.value)


@pytest.fixture
def assessment():
    view = CareerPathAssessment()
    yield view
    view.close()


# --- the lesson's example and the locales ---


@pytest.mark.parametrize("locale", sorted(LOCALES))
def test_default_is_giulia_a_senior_va_with_her_next_steps(locale):
    view = CareerPathAssessment(locale=locale)
    expected = place_on_path(**DEFAULTS)
    assert view.result == expected
    assert expected.stage.name == "Senior VA"

    shown = visible_text(view.results.value)
    assert expected.stage.name_in(locale) in shown
    assert babel_percent(13 / 32, locale=locale) in shown
    assert babel_percent(6 / 16, locale=locale) in shown and babel_percent(7 / 16, locale=locale) in shown
    assert UI_STRINGS[locale]["more_points"].format(stage=expected.next_stage.name_in(locale), points=7) in shown
    for dimension in expected.next_steps:
        assert dimension.label_in(locale) in shown
        assert " ".join(dimension.advice_in(locale).split()) in shown
    assert DIMENSIONS["people"].advice_in(locale) not in shown  # a fourth tie, beyond the three steps
    assert view.message.value == ""
    assert chart_png(view).startswith(b"\x89PNG")
    view.close()


def test_switching_locale_rewrites_results_labels_and_chart(assessment):
    english_chart = chart_png(assessment)
    assessment.locale_picker.value = "it"
    shown = visible_text(assessment.results.value)
    assert "VA senior" in shown and "Senior VA" not in shown
    assert UI_STRINGS["it"]["next_steps"] in shown
    assert chart_png(assessment) != english_chart
    assert assessment.path_chart.title.get_text() == UI_STRINGS["it"]["chart_title"]
    for name, control in assessment.controls.items():
        assert FIELDS[name].label_in("it") in visible_text(control.label.value)
    assessment.locale_picker.value = "en"
    assert chart_png(assessment) == english_chart
    assert assessment.path_chart.background_renders == 2  # one per locale, then reused


def test_a_bad_score_is_reported_in_italian_and_the_last_results_stay(assessment):
    assessment.locale_picker.value = "it"
    before = assessment.results.value
    assessment.inputs["operations"].value = 2.5
    shown = visible_text(assessment.message.value)
    assert FIELDS["operations"].label_in("it") in shown
    assert "un numero intero almeno 0 e al massimo 4" in shown
    assert assessment.results.value == before
    assert assessment.result.scores["operations"] == 3


# --- what the results say ---


@pytest.mark.parametrize("locale", sorted(LOCALES))
def test_a_gap_holds_marco_back_and_the_view_says_why(locale):
    view = CareerPathAssessment(locale=locale, **MARCO)
    shown = visible_text(view.results.value)
    assert view.result.stage.name == "OBM in the making" and view.result.band.name == "OBM"
    note = UI_STRINGS[locale]["held_back"].format(band="OBM", score=2, names=FIELDS["people"].label_in(locale))
    assert " ".join(note.split()) in shown
    assert UI_STRINGS[locale]["one_more_point"].format(stage="OBM") in shown
    view.close()


def test_the_last_stage_shows_no_next_stage_and_no_steps():
    view = CareerPathAssessment(**{name: 4 for name in DEFAULTS})
    shown = visible_text(view.results.value)
    assert view.result.stage.name == "OBM"
    assert UI_STRINGS["en"]["top"] in shown and UI_STRINGS["en"]["all_max"] in shown
    assert UI_STRINGS["en"]["next_steps"] not in shown
    view.close()


def test_raising_the_weakest_scores_moves_the_stage_and_the_steps(assessment):
    assessment.set_values(coordinates=3, results=3, metrics=3, people=3)
    assert assessment.result == place_on_path(**{**DEFAULTS, "coordinates": 3, "results": 3, "metrics": 3,
                                                 "people": 3})
    assert assessment.result.stage.name == "OBM in the making"
    shown = visible_text(assessment.results.value)
    assert "OBM in the making" in shown
    assert DIMENSIONS["decides"].label_in("en") in shown  # now among the weakest


# --- the chart ---


def test_the_marker_stands_at_the_share_and_the_frame_around_the_stage(assessment):
    chart = assessment.path_chart
    assert chart.marked_share == pytest.approx(13 / 32)
    assert chart.frame.get_x() == CAREER_STAGES[1].min_share
    assert chart.frame.get_width() == pytest.approx(CAREER_STAGES[2].min_share - CAREER_STAGES[1].min_share)
    assert chart.label.get_text() == "You: " + babel_percent(13 / 32, locale="en")

    assessment.set_values(**MARCO)
    assert chart.marked_share == pytest.approx(26 / 32)
    assert chart.frame.get_x() == CAREER_STAGES[2].min_share  # framed where he is, not where his total points
    assessment.set_values(**{name: 4 for name in DEFAULTS})
    assert chart.marked_share == 1
    assert chart.frame.get_x() + chart.frame.get_width() == pytest.approx(1)


def test_a_chart_drawn_on_the_cached_background_is_a_full_draw_pixel_for_pixel():
    chart = PathChart()
    chart.draw(place_on_path(**DEFAULTS), "it")
    png = chart.draw(place_on_path(**MARCO), "it")
    assert chart.background_renders == 1
    for artist in (chart.frame, chart.line, chart.marker, chart.label):
        artist.set_animated(False)
    chart.canvas.draw()
    full_draw = numpy.asarray(chart.canvas.buffer_rgba())[..., :3]
    assert numpy.array_equal(numpy.asarray(PILImage.open(io.BytesIO(png)).convert("RGB")), full_draw)


def test_the_chart_does_not_depend_on_its_history():
    result = place_on_path(**MARCO)
    used = PathChart()
    used.draw(place_on_path(**DEFAULTS), "en")
    used.draw(place_on_path(*[0] * 8), "it")
    for locale in sorted(LOCALES):
        assert used.draw(result, locale) == PathChart().draw(result, locale)


# --- bad input and controls ---


def bad_values(field):
    return [field.minimum - 1, field.maximum + 1, 0.5, math.nan, math.inf, -math.inf]


BAD_CASES = [(field.name, bad) for field in CAREER_FIELDS for bad in bad_values(field)]


@pytest.mark.parametrize(("name", "bad"), BAD_CASES, ids=[f"{name}={bad}" for name, bad in BAD_CASES])
def test_a_bad_score_gives_an_inline_message_and_keeps_the_last_results(assessment, name, bad):
    last_result, last_chart, last_results = assessment.result, chart_png(assessment), assessment.results.value
    assessment.inputs[name].value = bad
    message = visible_text(assessment.message.value)
    assert FIELDS[name].label in message and FIELDS[name].valid_range() in message
    assert assessment.result is last_result
    assert (assessment.results.value, chart_png(assessment)) == (last_results, last_chart)
    assert [other for other in FIELDS if INVALID_CLASS in assessment.inputs[other]._dom_classes] == [name]

    assessment.inputs[name].value = 4
    assert assessment.message.value == ""
    assert assessment.result == place_on_path(**{**DEFAULTS, name: 4})


@pytest.mark.parametrize("field", CAREER_FIELDS, ids=lambda field: field.name)
def test_sliders_step_through_whole_scores_inside_the_range(assessment, field):
    slider = assessment.sliders[field.name]
    assert (slider.min, slider.max, slider.step) == (0, 4, 1)
    slider.value = 4
    assert assessment.inputs[field.name].value == 4
    assert assessment.result.scores[field.name] == 4


@pytest.mark.parametrize(
    ("arguments", "named"),
    [({"locale": "fr"}, "locale"), ({"currency": "EURO"}, "currency"), ({"skill": 2}, "skill"),
     ({"metrics": 5}, "metrics"), ({"people": 1.5}, "people")],
)
def test_bad_constructor_arguments_raise_a_value_error_naming_them(arguments, named):
    with pytest.raises(ValueError, match=named):
        CareerPathAssessment(**arguments)


def test_the_package_exports_the_view_lazily():
    code = (
        "import sys, widgets\n"
        "assert 'ipywidgets' not in sys.modules and 'matplotlib' not in sys.modules\n"
        "from widgets import CareerPathAssessment\n"
        "import widgets.career_path_view as view\n"
        "assert CareerPathAssessment is view.CareerPathAssessment\n"
        "assert 'matplotlib.pyplot' not in sys.modules, 'the view must not use pyplot'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    assert widgets.CareerPathAssessment is CareerPathAssessment


def test_the_display_bundle_holds_the_live_widget_and_a_static_snapshot(assessment):
    data, _ = DisplayFormatter().format(assessment)
    assert data[WIDGET_VIEW]["model_id"] == assessment.widget.model_id
    snapshot = data["text/html"]
    assert "Senior VA" in visible_text(snapshot)
    png = re.search(r'src="data:image/png;base64,([^"]+)"', snapshot).group(1)
    assert base64.b64decode(png) == chart_png(assessment)


# --- properties ---

ANY_SCORES = st.fixed_dictionaries({field.name: st.integers(0, 4) for field in CAREER_FIELDS})


@pytest.fixture(scope="module")
def shared_assessment():
    view = CareerPathAssessment()
    yield view
    view.close()


@settings(max_examples=40, deadline=None)
@given(values=ANY_SCORES, locale=st.sampled_from(sorted(LOCALES)))
def test_any_valid_scores_show_the_models_position(shared_assessment, values, locale):
    view = shared_assessment
    view.locale_picker.value = locale
    view.set_values(**values)
    expected = place_on_path(**values)
    shown = visible_text(view.results.value)
    assert view.message.value == ""
    assert view.result == expected
    assert expected.stage.name_in(locale) in shown
    assert babel_percent(expected.share, locale=locale) in shown
    assert view.path_chart.marked_share == pytest.approx(expected.share)
    assert len(re.findall("<li>", view.results.value)) == len(expected.next_steps)
