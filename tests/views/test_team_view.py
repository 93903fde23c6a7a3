"""Headless tests of the team planner and the margin calculator: set their widgets' values, read what they show.

Expected amounts are written by Babel (or computed by the model) here, never by
hand, so a wrong format or a wrong number in a view fails.
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
from babel.numbers import format_currency, format_percent
from hypothesis import given, settings
from hypothesis import strategies as st
from IPython.core.formatters import DisplayFormatter
from PIL import Image as PILImage

import widgets
from widgets.controls import INVALID_CLASS
from widgets.team import MARGIN_FIELDS, TeamMember, TeamProject, evaluate_margin, plan_team
from widgets.team_view import (
    DEFAULT_PEOPLE,
    DEFAULT_PROJECTS,
    MARGIN_DEFAULTS,
    MARGIN_STRINGS,
    PLANNER_DEFAULTS,
    PLANNER_STRINGS,
    BAND_COLORS,
    MarginCalculator,
    MarginChart,
    TeamChart,
    TeamPlanner,
)
from widgets.formatting import LOCALES

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def visible_text(markup: str) -> str:
    """What a reader sees of an HTML fragment: tags dropped, entities decoded, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def money(amount: float, locale: str = "en", currency: str = "EUR") -> str:
    return " ".join(format_currency(amount, currency, locale=locale).split())


def pct(share: float, locale: str = "en", digits: int = 1) -> str:
    pattern = "#,##0" + ("." + "0" * digits if digits else "") + "%"
    return format_percent(share, format=pattern, locale=locale)


def plan_from(values: dict, people=DEFAULT_PEOPLE, projects=DEFAULT_PROJECTS):
    """The model's plan for the planner's flat inputs, built here independently of the view."""
    team = [
        TeamMember(name, values[f"person{i}_available_hours"], values[f"person{i}_cost_rate"])
        for i, name in enumerate(people, start=1)
    ]
    work = [
        TeamProject(name, values[f"project{j}_price"],
                    {person: values[f"project{j}_hours_person{i}"] for i, person in enumerate(people, start=1)})
        for j, name in enumerate(projects, start=1)
    ]
    return plan_team(team, work, values["target_margin"])


def png_of(view) -> bytes:
    return bytes(view.chart.value)


def is_marked(view, name: str) -> bool:
    return INVALID_CLASS in view.inputs[name]._dom_classes


@pytest.fixture
def planner():
    view = TeamPlanner()
    yield view
    view.close()


@pytest.fixture
def margin_calculator():
    view = MarginCalculator()
    yield view
    view.close()


# --- the planner: the lesson's week ---


@pytest.mark.parametrize("locale", sorted(LOCALES))
def test_the_default_week_shows_utilization_margins_and_the_markup_warning(locale):
    planner = TeamPlanner(locale=locale)
    expected = plan_from(PLANNER_DEFAULTS)
    assert planner.result == expected
    assert [round(load.utilization, 3) for load in expected.people] == [0.85, 0.6, 0.8]

    shown = visible_text(planner.results.value)
    for load in expected.people:
        assert pct(load.utilization, locale, 0) in shown
    assert pct(0.85, locale, 0) in shown
    for project in expected.projects[:2]:
        assert money(project.cost, locale) in shown
        assert money(project.price, locale) in shown
        assert pct(project.margin, locale) in shown
        assert money(project.price_for_target, locale) in shown
    assert pct(0.4 / 1.4, locale) in shown  # the newsletter: 28.6%
    assert money(1183.33, locale) in shown  # what the newsletter should cost for 40%
    assert money(expected.totals.price, locale) in shown and pct(expected.totals.margin, locale) in shown
    assert PLANNER_STRINGS[locale]["unused"] in shown  # the empty third project
    assert PLANNER_STRINGS[locale]["band_high"] in shown  # Sara at 85%
    assert planner.message.value == ""
    assert png_of(planner).startswith(b"\x89PNG")
    planner.close()


def test_money_differs_by_locale():
    assert money(994, "en") != money(994, "it") and pct(0.286, "en") != pct(0.286, "it")


def test_a_third_project_for_sara_over_allocates_her(planner):
    planner.set_values(project3_hours_person1=10, project3_price=600)
    shown = visible_text(planner.results.value)
    assert planner.result.people[0].over_allocated
    assert "Sara is booked for 44 h but has only 40 h: move 4 h" in shown
    assert PLANNER_STRINGS["en"]["band_over"] in shown
    assert planner.team_chart.utilization_bars[0].get_height() == pytest.approx(1.1)
    assert planner.team_chart.utilization_bars[0].get_facecolor()[:3] == pytest.approx(
        tuple(int(BAND_COLORS["over"][i:i + 2], 16) / 255 for i in (1, 3, 5)))

    planner.set_values(project3_hours_person1=0, project3_hours_person2=8)  # Luca has 8 spare hours
    assert not any(load.over_allocated for load in planner.result.people)
    assert "over-allocated" not in visible_text(planner.results.value)
    assert planner.result.people[1].utilization == pytest.approx(1.0)


def test_pricing_the_newsletter_for_the_target_clears_every_warning(planner):
    assert "only a 28.6% margin" in visible_text(planner.results.value)
    planner.inputs["project2_price"].value = 710 / 0.6
    shown = visible_text(planner.results.value)
    assert "28.6%" not in shown
    assert PLANNER_STRINGS["en"]["all_clear"].format(target="40.0%") in shown
    assert planner.result.warnings == ()


def test_a_low_price_that_is_not_the_markup_mistake_gets_the_plain_warning(planner):
    planner.inputs["project1_price"].value = 1200
    shown = visible_text(planner.results.value)
    assert "Website: a 23.3% margin is below your 40.0% target. For the target, charge €1,533.33." in shown


def test_work_without_a_price_is_called_out(planner):
    planner.set_values(project3_hours_person2=2)
    assert "Launch: €70.00 of work has no price." in visible_text(planner.results.value)
    assert planner.team_chart.margin_bars[2].get_height() == 0


def test_the_chart_bars_are_the_models_numbers(planner):
    chart, plan = planner.team_chart, planner.result
    assert [bar.get_height() for bar in chart.utilization_bars] == [load.utilization for load in plan.people]
    margins = [project.margin or 0.0 for project in plan.projects] + [plan.totals.margin]
    assert [bar.get_height() for bar in chart.margin_bars] == pytest.approx(margins)
    assert list(chart.target_line.get_ydata()) == [0.4, 0.4]
    planner.inputs["target_margin"].value = 0.3
    assert list(chart.target_line.get_ydata()) == [0.3, 0.3]
    assert chart.utilization_axes.get_ylim() == (0, 1.2)
    assert [label.get_text() for label in chart.utilization_axes.get_xticklabels()] == list(DEFAULT_PEOPLE)


def test_a_loss_drops_the_margin_axis_below_zero_and_a_huge_load_raises_the_utilization_axis(planner):
    planner.set_values(project1_price=800, person3_available_hours=2)
    chart = planner.team_chart
    assert planner.result.projects[0].margin == pytest.approx(-0.15)
    assert chart.margin_axes.get_ylim()[0] == -0.5
    assert chart.utilization_axes.get_ylim()[1] >= planner.result.people[2].utilization
    planner.inputs["project1_price"].value = 100
    assert chart.margin_axes.get_ylim()[0] == -1.0
    assert chart.margin_bars[0].get_height() == -1.0  # clipped at the axis; the table shows the real margin
    assert pct(planner.result.projects[0].margin) in visible_text(planner.results.value)


def test_switching_locale_rewrites_results_headings_and_chart(planner):
    english = png_of(planner)
    planner.locale_picker.value = "it"
    shown = visible_text(planner.results.value)
    assert money(994, "it") in shown and money(994, "en") not in shown
    assert PLANNER_STRINGS["it"]["projects_title"] in shown
    assert png_of(planner) != english
    headings = visible_text("".join(heading.value for heading in planner._headings.values()))
    assert PLANNER_STRINGS["it"]["team_inputs"] in headings
    assert "Sara: ore disponibili a settimana" in visible_text(planner.controls["person1_available_hours"].label.value)
    planner.locale_picker.value = "en"
    assert money(994, "en") in visible_text(planner.results.value)


def test_the_inputs_are_grouped_under_headings(planner):
    inputs_box = planner.widget.children[2]
    children = list(inputs_box.children)
    assert len(children) == len(planner.fields) + 3
    assert children[0] is planner._headings["team_inputs"]
    assert children[7] is planner._headings["project_inputs"]
    assert children[-2] is planner._headings["target_inputs"]
    shown = {id(child) for child in children}
    assert all(id(control.widget) in shown for control in planner.controls.values())


def test_custom_names_label_the_inputs_results_and_chart():
    planner = TeamPlanner(people=["Ada", "Bea", "Cris"], projects=["Shop", "Blog", "Ads"], person1_available_hours=30)
    assert planner.fields[0].label == "Ada: available hours per week"
    assert "Shop: Bea's hours per week" in visible_text(planner.controls["project1_hours_person2"].label.value)
    assert planner.result == plan_from({**PLANNER_DEFAULTS, "person1_available_hours": 30},
                                       ("Ada", "Bea", "Cris"), ("Shop", "Blog", "Ads"))
    assert "Blog: the price adds" in visible_text(planner.results.value)
    assert [t.get_text() for t in planner.team_chart.margin_axes.get_xticklabels()] == ["Shop", "Blog", "Ads", "Team"]
    planner.inputs["person2_cost_rate"].value = -1
    assert "Bea: cost rate" in visible_text(planner.message.value)
    planner.close()


@pytest.mark.parametrize(
    ("arguments", "named"),
    [
        ({"people": ["A", "B"]}, "people"),
        ({"people": "ABC"}, "people"),
        ({"projects": ["A", "B", "C", "D"]}, "projects"),
        ({"people": ["A", "A", "B"]}, "'A'"),
        ({"projects": ["A", "", "C"]}, "project 2"),
        ({"locale": "fr"}, "locale"),
        ({"currency": "EURO"}, "currency"),
        ({"person4_available_hours": 10}, "person4_available_hours"),
        ({"person1_available_hours": 0}, "person1_available_hours"),
        ({"target_margin": 1}, "target_margin"),
    ],
)
def test_bad_planner_arguments_raise_a_value_error_naming_them(arguments, named):
    with pytest.raises(ValueError, match=re.escape(named)):
        TeamPlanner(**arguments)


# --- the planner: bad input on every field ---


def bad_values(field):
    values = [field.minimum - 1, math.nan, math.inf, -math.inf, field.maximum * 2 + 1]
    if field.min_exclusive:
        values.append(field.minimum)
    return values


PLANNER_FIELDS = TeamPlanner.fields
BAD_CASES = [(field, bad) for field in PLANNER_FIELDS for bad in bad_values(field)]


@pytest.fixture(scope="module")
def shared_planner():
    view = TeamPlanner()
    yield view
    view.close()


@pytest.mark.parametrize(("field", "bad"), BAD_CASES, ids=[f"{field.name}={bad}" for field, bad in BAD_CASES])
def test_a_bad_input_marks_its_own_box_names_its_row_and_keeps_the_results(shared_planner, field, bad):
    planner = shared_planner
    planner.set_values(**PLANNER_DEFAULTS)
    last_result, last_png, last_html = planner.result, png_of(planner), planner.results.value

    planner.inputs[field.name].value = bad

    message = visible_text(planner.message.value)
    assert field.label in message  # e.g. "Newsletter: Marta's hours per week"
    assert field.valid_range(planner.currency) in message
    assert planner.last_error.field.name == field.name
    assert planner.result is last_result
    assert (png_of(planner), planner.results.value) == (last_png, last_html)
    assert [name for name in planner.inputs if is_marked(planner, name)] == [field.name]

    planner.inputs[field.name].value = PLANNER_DEFAULTS[field.name]
    assert planner.message.value == ""
    assert not any(is_marked(planner, name) for name in planner.inputs)
    assert planner.result == last_result


def test_every_field_has_an_italian_label_naming_its_row():
    for field in PLANNER_FIELDS:
        assert field.label_in("it") != field.label, field.name
    names = [field.label_in("it") for field in PLANNER_FIELDS]
    assert len(set(names)) == len(names)


# --- the planner: any valid inputs ---


def in_range(field, top=None):
    return st.floats(min_value=field.minimum, max_value=top if top is not None else field.maximum,
                     exclude_min=field.min_exclusive, allow_nan=False, allow_infinity=False)


ANY_WEEK = st.fixed_dictionaries({field.name: in_range(field) for field in PLANNER_FIELDS})


@settings(max_examples=40, deadline=None)
@given(values=ANY_WEEK, locale=st.sampled_from(sorted(LOCALES)))
def test_any_valid_week_shows_the_models_plan_and_no_message(shared_planner, values, locale):
    planner = shared_planner
    planner.locale_picker.value = locale
    planner.set_values(**values)
    expected = plan_from(values)
    assert planner.message.value == "", repr(planner.last_error)
    assert planner.result == expected
    shown = visible_text(planner.results.value)
    assert money(expected.totals.cost, locale) in shown
    assert money(expected.totals.price, locale) in shown
    for load in expected.people:
        assert pct(load.utilization, locale, 0) in shown
    over = [w for w in expected.warnings if w.kind == "over_allocated"]
    booked_beyond = PLANNER_STRINGS[locale]["over_allocated"].split("{booked}")[0].replace("{name}", "")
    assert (booked_beyond in shown) == bool(over)
    assert all(w.subject + booked_beyond in shown for w in over)
    ylim = planner.team_chart.utilization_axes.get_ylim()
    assert max(load.utilization for load in expected.people) <= ylim[1]


# --- the margin calculator ---


@pytest.mark.parametrize("locale", sorted(LOCALES))
def test_25_an_hour_at_40_percent_is_41_67_and_the_markup_gives_28_6(locale):
    calculator = MarginCalculator(locale=locale)
    assert calculator.result == evaluate_margin(25, 0.4)
    shown = visible_text(calculator.results.value)
    assert money(25 / 0.6, locale) in shown and money(41.67, locale) in shown
    assert money(35, locale) in shown
    assert pct(0.4 / 1.4, locale) in shown
    assert pct(2 / 3, locale) in shown  # the markup that gives a 40% margin
    assert money(25 / 0.6 - 35, locale) in shown
    chart = calculator.margin_chart
    assert [bar.get_height() for bar in chart.cost_bars] == [25, 25]
    assert [bar.get_y() + bar.get_height() for bar in chart.profit_bars] == pytest.approx([25 / 0.6, 35])
    assert [label.get_text() for label in chart.margin_labels] == [
        MARGIN_STRINGS[locale]["margin_label"].format(margin=pct(share, locale)) for share in (0.4, 0.4 / 1.4)
    ]
    calculator.close()


def test_a_zero_margin_prices_at_cost_and_shows_no_shortfall(margin_calculator):
    margin_calculator.inputs["target_margin"].value = 0
    assert margin_calculator.result.client_rate == 25 == margin_calculator.result.markup_rate
    assert not any(label.get_visible() for label in margin_calculator.margin_chart.margin_labels)
    assert money(0) in visible_text(margin_calculator.results.value)


def test_a_zero_cost_rate_draws_without_error(margin_calculator):
    margin_calculator.inputs["cost_rate"].value = 0
    assert margin_calculator.message.value == "" and margin_calculator.result.client_rate == 0


@pytest.mark.parametrize("field", MARGIN_FIELDS, ids=lambda field: field.name)
def test_the_margin_calculator_rejects_bad_input_inline(margin_calculator, field):
    for bad in bad_values(field):
        margin_calculator.inputs[field.name].value = bad
        assert field.label in visible_text(margin_calculator.message.value)
        assert margin_calculator.result == evaluate_margin(**MARGIN_DEFAULTS)
    margin_calculator.inputs[field.name].value = MARGIN_DEFAULTS[field.name]
    assert margin_calculator.message.value == ""


@settings(max_examples=40, deadline=None)
@given(cost=in_range(MARGIN_FIELDS[0], 2_000), margin=in_range(MARGIN_FIELDS[1]))
def test_any_valid_margin_inputs_fit_the_chart(cost, margin):
    chart = MarginChart()
    result = evaluate_margin(cost, margin)
    chart.draw(result, "en", "EUR")
    assert chart.axes.get_ylim()[1] >= result.client_rate
    assert chart.axes.get_ylim()[1] <= max(result.client_rate, 1) * 3


def test_the_margin_axis_is_kept_while_the_bars_fit():
    chart = MarginChart()
    for cost in (25, 27.5, 25, 30, 22):
        chart.draw(evaluate_margin(cost, 0.4), "en", "EUR")
    assert chart.background_renders == 1
    chart.draw(evaluate_margin(200, 0.4), "en", "EUR")
    assert chart.background_renders == 2 and chart.axes.get_ylim()[1] >= 200 / 0.6


# --- both charts: a blitted draw is a full draw ---


def _full_draw(chart) -> numpy.ndarray:
    for artist in chart.animated_artists:
        artist.set_animated(False)
    chart.canvas.draw()
    return numpy.asarray(chart.canvas.buffer_rgba())[..., :3]


def _pixels(png: bytes) -> numpy.ndarray:
    return numpy.asarray(PILImage.open(io.BytesIO(png)).convert("RGB"))


def test_the_team_chart_on_a_reused_background_is_a_full_draw_pixel_for_pixel():
    chart = TeamChart(DEFAULT_PEOPLE, DEFAULT_PROJECTS)
    chart.draw(plan_from(PLANNER_DEFAULTS), "en")
    png = chart.draw(plan_from({**PLANNER_DEFAULTS, "person1_available_hours": 44, "target_margin": 0.3}), "en")
    assert chart.background_renders == 1
    assert numpy.array_equal(_pixels(png), _full_draw(chart))


def test_the_margin_chart_on_a_reused_background_is_a_full_draw_pixel_for_pixel():
    chart = MarginChart()
    chart.draw(evaluate_margin(25, 0.4), "it", "EUR")
    png = chart.draw(evaluate_margin(27.5, 0.5), "it", "EUR")
    assert chart.background_renders == 1
    assert numpy.array_equal(_pixels(png), _full_draw(chart))


def test_the_backgrounds_follow_the_locale():
    plan = plan_from(PLANNER_DEFAULTS)
    chart = TeamChart(DEFAULT_PEOPLE, DEFAULT_PROJECTS)
    for locale in ("en", "it", "en"):
        assert chart.draw(plan, locale) == TeamChart(DEFAULT_PEOPLE, DEFAULT_PROJECTS).draw(plan, locale)
    assert chart.background_renders == 3


# --- display and packaging ---


@pytest.mark.parametrize("view_class", [TeamPlanner, MarginCalculator])
def test_the_display_bundle_holds_the_live_widget_and_a_snapshot_with_the_chart(view_class):
    view = view_class()
    data, _ = DisplayFormatter().format(view)
    assert data[WIDGET_VIEW]["model_id"] == view.widget.model_id
    snapshot = data["text/html"]
    png = re.search(r'src="data:image/png;base64,([^"]+)"', snapshot).group(1)
    assert base64.b64decode(png) == png_of(view)
    assert visible_text(view.results.value) in visible_text(snapshot)
    view.close()


def test_the_package_exports_both_views_lazily():
    code = (
        "import sys, widgets\n"
        "assert 'ipywidgets' not in sys.modules and 'matplotlib' not in sys.modules\n"
        "from widgets import TeamPlanner, MarginCalculator\n"
        "import widgets.team_view as view\n"
        "assert TeamPlanner is view.TeamPlanner and MarginCalculator is view.MarginCalculator\n"
        "assert 'matplotlib.pyplot' not in sys.modules, 'the views must not use pyplot'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    assert widgets.TeamPlanner is TeamPlanner and "MarginCalculator" in widgets.__all__
