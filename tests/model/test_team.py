"""The team model against the domain notes' worked examples (§5), its invariants and bad input."""

import math
import subprocess
import sys

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from widgets.fields import InputError
from widgets.team import (
    AGENCY_MARGIN,
    HEALTHY_UTILIZATION,
    MARGIN,
    MARGIN_FIELDS,
    MARKUP,
    TARGET_MARGIN,
    WHITE_LABEL_MARGIN,
    TeamMember,
    TeamProject,
    evaluate_margin,
    margin_on_price,
    margin_to_markup,
    markup_on_cost,
    markup_to_margin,
    person_fields,
    plan_team,
    planner_fields,
    price_for_margin,
    project_fields,
    rate_for_margin,
    rate_for_markup,
    utilization,
    utilization_band,
)

# --- worked examples (shared/domain/domain-notes.md §2 and §5) ---


def test_34_billable_hours_of_40_is_85_percent():
    assert utilization(34, 40) == pytest.approx(0.85)


@pytest.mark.parametrize(("markup", "margin"), [(0.5, 1 / 3), (1.0, 0.5)])
def test_markup_and_margin_examples(markup, margin):
    assert markup_to_margin(markup) == pytest.approx(margin)
    assert margin_to_markup(margin) == pytest.approx(markup)


def test_50_percent_markup_is_33_3_percent_margin_when_rounded():
    assert round(markup_to_margin(0.5) * 100, 1) == 33.3


def test_25_an_hour_at_40_percent_margin_is_41_67():
    rate = rate_for_margin(25, 0.4)
    assert round(rate, 2) == 41.67
    assert margin_on_price(rate, 25) == pytest.approx(0.4)


def test_a_40_percent_markup_gives_only_a_28_6_percent_margin():
    rate = rate_for_markup(25, 0.4)
    assert rate == pytest.approx(35)
    assert round(margin_on_price(rate, 25) * 100, 1) == 28.6
    assert round(markup_to_margin(0.4) * 100, 1) == 28.6
    assert markup_on_cost(rate, 25) == pytest.approx(0.4)


def test_the_margin_calculator_puts_both_prices_side_by_side():
    result = evaluate_margin(25, 0.4)
    assert round(result.client_rate, 2) == 41.67
    assert result.profit_per_hour == pytest.approx(41.67 - 25, abs=0.01)
    assert result.markup_needed == pytest.approx(2 / 3)
    assert result.markup_rate == pytest.approx(35)
    assert round(result.markup_rate_margin, 3) == 0.286
    assert result.shortfall_per_hour == pytest.approx(25 / 0.6 - 35)


def test_published_ranges_are_the_domain_notes_ones():
    assert HEALTHY_UTILIZATION == (0.70, 0.80)
    assert AGENCY_MARGIN == (0.30, 0.50)
    assert WHITE_LABEL_MARGIN == (0.40, 0.60)


@pytest.mark.parametrize(
    ("share", "band"),
    [(0.0, "low"), (0.69, "low"), (0.7, "healthy"), (0.8, "healthy"), (0.85, "high"), (1.0, "high"), (1.01, "over")],
)
def test_utilization_bands(share, band):
    assert utilization_band(share) == band


# --- the team plan: the lesson's example ---

TEAM = [TeamMember("Sara", 40, 25), TeamMember("Luca", 20, 35), TeamMember("Marta", 15, 30)]
WORK = [
    TeamProject("Website", 1600, {"Sara": 20, "Luca": 12}),
    TeamProject("Newsletter", 994, {"Sara": 14, "Marta": 12}),
]


@pytest.fixture
def plan():
    return plan_team(TEAM, WORK, target_margin=0.4)


def test_each_persons_load_and_utilization(plan):
    loads = {load.name: load for load in plan.people}
    assert [load.name for load in plan.people] == ["Sara", "Luca", "Marta"]
    assert loads["Sara"].booked_hours == 34 and loads["Sara"].utilization == pytest.approx(0.85)
    assert loads["Sara"].band == "high" and not loads["Sara"].over_allocated
    assert loads["Luca"].utilization == pytest.approx(0.6) and loads["Luca"].band == "low"
    assert loads["Marta"].utilization == pytest.approx(0.8) and loads["Marta"].band == "healthy"
    assert loads["Sara"].cost == 34 * 25
    assert loads["Luca"].spare_hours == 8


def test_each_projects_cost_profit_and_margin(plan):
    website, newsletter = plan.projects
    assert website.cost == 20 * 25 + 12 * 35
    assert website.profit == 1600 - 920
    assert website.margin == pytest.approx(0.425)
    assert not website.below_target and not website.priced_as_markup
    assert newsletter.cost == 14 * 25 + 12 * 30
    assert newsletter.price == pytest.approx(710 * 1.4)  # the margin added as a markup
    assert newsletter.markup == pytest.approx(0.4)
    assert newsletter.margin == pytest.approx(0.4 / 1.4)
    assert newsletter.below_target and newsletter.priced_as_markup
    assert newsletter.price_for_target == pytest.approx(price_for_margin(710, 0.4))


def test_team_totals(plan):
    totals = plan.totals
    assert totals.available_hours == 75
    assert totals.booked_hours == 58
    assert totals.utilization == pytest.approx(58 / 75)
    assert (totals.cost, totals.price) == (1630, 2594)
    assert totals.profit == 964
    assert totals.margin == pytest.approx(964 / 2594)
    assert totals.markup == pytest.approx(964 / 1630)


def test_the_markup_mistake_is_the_only_warning(plan):
    assert [(w.kind, w.subject) for w in plan.warnings] == [("markup_as_margin", "Newsletter")]
    warning = plan.warnings[0]
    assert warning.value == pytest.approx(0.4 / 1.4) and warning.limit == 0.4


def test_pricing_for_the_target_clears_the_warning():
    fixed = [WORK[0], TeamProject("Newsletter", price_for_margin(710, 0.4), WORK[1].hours)]
    plan = plan_team(TEAM, fixed, 0.4)
    assert plan.warnings == ()
    assert plan.projects[1].margin == pytest.approx(0.4)


def test_a_price_below_target_that_is_not_the_markup_mistake():
    plan = plan_team(TEAM, [TeamProject("Website", 1200, {"Sara": 20, "Luca": 12})], 0.4)
    assert [(w.kind, w.subject) for w in plan.warnings] == [("below_target_margin", "Website")]
    assert plan.warnings[0].value == pytest.approx(280 / 1200)


def test_over_allocation_is_flagged_with_hours_and_capacity():
    plan = plan_team(TEAM, [*WORK, TeamProject("Launch", 600, {"Sara": 10})], 0.4)
    sara = plan.people[0]
    assert sara.over_allocated and sara.band == "over"
    assert sara.utilization == pytest.approx(1.1) and sara.spare_hours == -4
    assert ("over_allocated", "Sara", 44, 40) in [(w.kind, w.subject, w.value, w.limit) for w in plan.warnings]


def test_exactly_full_is_not_over_allocated_even_with_float_sums():
    team = [TeamMember("Sara", 3.3, 25)]
    plan = plan_team(team, [TeamProject("A", 10, {"Sara": 1.1}), TeamProject("B", 10, {"Sara": 2.2})])
    assert 1.1 + 2.2 > 3.3  # the premise
    assert not plan.people[0].over_allocated
    assert plan.people[0].band == "high"


def test_work_without_a_price_is_flagged_and_has_no_margin():
    plan = plan_team(TEAM, [TeamProject("Favour", 0, {"Luca": 2})])
    project = plan.projects[0]
    assert project.margin is None and project.below_target and project.profit == -70
    assert [(w.kind, w.subject, w.value) for w in plan.warnings] == [("unpriced", "Favour", 70)]
    assert plan.totals.margin is None


def test_an_empty_project_slot_is_quiet():
    plan = plan_team(TEAM, [TeamProject("Launch", 0)])
    project = plan.projects[0]
    assert project.empty and not project.below_target and project.markup is None and project.margin is None
    assert plan.warnings == ()
    assert plan.totals.markup is None


def test_free_labour_has_a_full_margin_and_no_markup():
    plan = plan_team([TeamMember("Owner", 10, 0)], [TeamProject("Audit", 500, {"Owner": 5})])
    assert plan.projects[0].margin == 1 and plan.projects[0].markup is None


def test_a_plan_with_no_projects_has_zero_utilization():
    plan = plan_team(TEAM)
    assert plan.totals.utilization == 0 and plan.totals.margin is None
    assert {load.band for load in plan.people} == {"low"}


def test_tables(plan):
    people = plan.people_table()
    assert list(people["person"]) == ["Sara", "Luca", "Marta"]
    assert list(people["utilization"].round(3)) == [0.85, 0.6, 0.8]
    projects = plan.projects_table()
    assert list(projects["project"]) == ["Website", "Newsletter"]
    assert list(projects["cost"]) == [920, 710]
    assert projects["margin"].round(3).tolist() == [0.425, 0.286]
    empty = plan_team(TEAM, [TeamProject("Launch", 0)]).projects_table()
    assert math.isnan(empty.loc[0, "margin"]) and math.isnan(empty.loc[0, "markup"])


def test_row_fields_name_the_row_in_both_languages():
    available, cost = person_fields(3, "Marta")
    assert available.name == "person3_available_hours" and cost.name == "person3_cost_rate"
    assert available.label == "Marta: available hours per week"
    assert cost.label_in("it") == "Marta: costo orario"
    price, hours = project_fields(2, "Newsletter", ["Sara", "Luca"])
    assert price.name == "project2_price" and price.label_in("it") == "Newsletter: prezzo a settimana"
    assert [field.name for field in hours] == ["project2_hours_person1", "project2_hours_person2"]
    fields = planner_fields(["Sara", "Luca"], ["Website", "Newsletter"])
    assert len(fields) == 2 * 2 + 2 * (2 + 1) + 1
    assert len({field.name for field in fields}) == len(fields)
    assert len({field.label_in("it") for field in fields}) == len(fields)
    assert fields[-1] is TARGET_MARGIN


# --- invariants ---

markups = st.floats(min_value=0, max_value=9, allow_nan=False)  # margins up to 0.9
margins = st.floats(min_value=0, max_value=0.9, allow_nan=False)
cost_rates = st.floats(min_value=0.01, max_value=10_000, allow_nan=False)


@given(markups)
def test_markup_to_margin_and_back(markup):
    assert margin_to_markup(markup_to_margin(markup)) == pytest.approx(markup, abs=1e-9)


@given(margins)
def test_margin_to_markup_and_back(margin):
    assert markup_to_margin(margin_to_markup(margin)) == pytest.approx(margin, abs=1e-12)


@given(markups)
def test_a_margin_is_never_more_than_the_same_markup_and_always_below_one(markup):
    margin = markup_to_margin(markup)
    assert 0 <= margin <= markup and margin < 1


@given(cost_rates, margins)
def test_the_rate_for_a_margin_earns_that_margin(cost, margin):
    assert margin_on_price(rate_for_margin(cost, margin), cost) == pytest.approx(margin, abs=1e-9)


@given(cost_rates, margins)
def test_adding_the_margin_as_a_markup_never_charges_more(cost, margin):
    assert rate_for_markup(cost, margin) <= rate_for_margin(cost, margin) * (1 + 1e-12)
    result = evaluate_margin(cost, margin)
    assert result.markup_rate_margin <= result.target_margin + 1e-12
    assert result.shortfall_per_hour >= -1e-9


@given(cost_rates, margins, margins)
def test_a_higher_margin_needs_a_higher_rate(cost, first, second):
    low, high = sorted((first, second))
    assert rate_for_margin(cost, low) <= rate_for_margin(cost, high)


hours = st.floats(min_value=0, max_value=60, allow_nan=False)
capacity = st.floats(min_value=1, max_value=60, allow_nan=False)
rates = st.floats(min_value=0, max_value=200, allow_nan=False)
prices = st.floats(min_value=0, max_value=20_000, allow_nan=False)


@st.composite
def plans(draw):
    size = draw(st.integers(min_value=1, max_value=4))
    names = [f"P{index}" for index in range(size)]
    team = [TeamMember(name, draw(capacity), draw(rates)) for name in names]
    projects = [
        TeamProject(f"J{index}", draw(prices), {name: draw(hours) for name in names if draw(st.booleans())})
        for index in range(draw(st.integers(min_value=0, max_value=4)))
    ]
    return team, projects, draw(margins)


@settings(max_examples=150)
@given(plans())
def test_totals_add_up_both_ways(case):
    team, projects, target = case
    plan = plan_team(team, projects, target)
    cost_by_person = sum(load.cost for load in plan.people)
    assert plan.totals.cost == pytest.approx(cost_by_person, rel=1e-9, abs=1e-6)
    assert plan.totals.cost == pytest.approx(sum(project.cost for project in plan.projects), rel=1e-9, abs=1e-6)
    assert plan.totals.price == pytest.approx(sum(project.price for project in projects))
    assert plan.totals.booked_hours == pytest.approx(sum(sum(p.hours.values()) for p in projects), abs=1e-9)
    assert plan.totals.profit == pytest.approx(plan.totals.price - plan.totals.cost)


@settings(max_examples=150)
@given(plans())
def test_over_allocated_exactly_when_booked_beyond_capacity(case):
    team, projects, target = case
    plan = plan_team(team, projects, target)
    flagged = {w.subject for w in plan.warnings if w.kind == "over_allocated"}
    for load in plan.people:
        assert load.over_allocated == (load.name in flagged)
        assert load.utilization == pytest.approx(load.booked_hours / load.available_hours)
        if load.over_allocated:
            assert load.booked_hours > load.available_hours and load.band == "over"
        else:
            assert load.booked_hours <= load.available_hours * (1 + 1e-9)
            assert load.band != "over"


@settings(max_examples=150)
@given(plans())
def test_the_team_margin_lies_between_the_projects_margins(case):
    team, projects, target = case
    plan = plan_team(team, projects, target)
    priced = [project for project in plan.projects if project.price > 0]
    assume(priced and all(project.price > 0 or project.cost == 0 for project in plan.projects))
    margins_ = [project.margin for project in priced]
    assert min(margins_) - 1e-9 <= plan.totals.margin <= max(margins_) + 1e-9


@settings(max_examples=150)
@given(plans())
def test_warnings_match_the_projects(case):
    team, projects, target = case
    plan = plan_team(team, projects, target)
    for project in plan.projects:
        kinds = [w.kind for w in plan.warnings if w.subject == project.name]
        if project.empty or not project.below_target:
            assert kinds == []
        else:
            assert len(kinds) == 1
        if project.margin is not None and project.below_target:
            assert project.margin < target
            assert project.price < project.price_for_target


@given(cost_rates, st.floats(min_value=0, max_value=50), st.floats(min_value=0, max_value=50), prices, margins)
def test_more_hours_never_raise_a_projects_margin(rate, base, extra, price, target):
    assume(price > 0)
    team = [TeamMember("A", 100, rate)]
    fewer = plan_team(team, [TeamProject("J", price, {"A": base})], target).projects[0]
    more = plan_team(team, [TeamProject("J", price, {"A": min(base + extra, 168)})], target).projects[0]
    assert more.margin <= fewer.margin + 1e-12


# --- bad input: one ValueError that names the field (and the row) and its range ---

BAD_NUMBERS = [-1, float("nan"), float("inf"), float("-inf"), 1e12, "10", None, True, [1]]


def _bad_call(case, bad):
    if case == "utilization_billable":
        return utilization(bad, 40)
    if case == "utilization_available":
        return utilization(34, bad)
    if case == "markup_to_margin":
        return markup_to_margin(bad)
    if case == "margin_to_markup":
        return margin_to_markup(bad)
    if case == "rate_for_margin_cost":
        return rate_for_margin(bad, 0.4)
    if case == "rate_for_margin_margin":
        return rate_for_margin(25, bad)
    if case == "rate_for_markup_cost":
        return rate_for_markup(bad, 0.4)
    if case == "rate_for_markup_markup":
        return rate_for_markup(25, bad)
    if case == "price_for_margin_cost":
        return price_for_margin(bad, 0.4)
    if case == "price_for_margin_margin":
        return price_for_margin(710, bad)
    if case == "margin_on_price_price":
        return margin_on_price(bad, 25)
    if case == "margin_on_price_cost":
        return margin_on_price(35, bad)
    if case == "markup_on_cost_price":
        return markup_on_cost(bad, 25)
    if case == "markup_on_cost_cost":
        return markup_on_cost(35, bad)
    if case == "evaluate_margin_cost":
        return evaluate_margin(bad, 0.4)
    if case == "evaluate_margin_margin":
        return evaluate_margin(25, bad)
    if case == "utilization_band":
        return utilization_band(bad)
    if case == "plan_available":
        return plan_team([TEAM[0], TeamMember("Luca", bad, 35)], WORK)
    if case == "plan_cost_rate":
        return plan_team([TEAM[0], TeamMember("Luca", 20, bad), TEAM[2]], WORK)
    if case == "plan_price":
        return plan_team(TEAM, [WORK[0], TeamProject("Newsletter", bad, WORK[1].hours)])
    if case == "plan_hours":
        return plan_team(TEAM, [WORK[0], TeamProject("Newsletter", 994, {"Sara": 14, "Marta": bad})])
    if case == "plan_target":
        return plan_team(TEAM, WORK, bad)
    raise AssertionError(case)


EXPECTED_FIELD = {
    "utilization_billable": "billable_hours",
    "utilization_available": "available_hours",
    "markup_to_margin": "markup",
    "margin_to_markup": "margin",
    "rate_for_margin_cost": "cost_rate",
    "rate_for_margin_margin": "margin",
    "rate_for_markup_cost": "cost_rate",
    "rate_for_markup_markup": "markup",
    "price_for_margin_cost": "cost",
    "price_for_margin_margin": "margin",
    "margin_on_price_price": "price",
    "margin_on_price_cost": "cost",
    "markup_on_cost_price": "price",
    "markup_on_cost_cost": "cost",
    "evaluate_margin_cost": "cost_rate",
    "evaluate_margin_margin": "target_margin",
    "utilization_band": "utilization",
    "plan_available": "person2_available_hours",
    "plan_cost_rate": "person2_cost_rate",
    "plan_price": "project2_price",
    "plan_hours": "project2_hours_person3",
    "plan_target": "target_margin",
}


@pytest.mark.parametrize("case", sorted(EXPECTED_FIELD))
@pytest.mark.parametrize("bad", BAD_NUMBERS, ids=repr)
def test_every_bad_input_names_its_field_and_range(case, bad):
    with pytest.raises(InputError) as caught:
        _bad_call(case, bad)
    error = caught.value
    assert isinstance(error, ValueError)
    assert error.field.name == EXPECTED_FIELD[case]
    assert str(error).startswith(f"{EXPECTED_FIELD[case]} (")
    assert error.field.valid_range() in str(error)


@pytest.mark.parametrize(
    ("case", "named"),
    [("plan_available", "Luca"), ("plan_hours", "Newsletter: Marta's hours"), ("plan_price", "Newsletter")],
)
def test_a_bad_plan_value_names_the_row(case, named):
    with pytest.raises(InputError, match=named):
        _bad_call(case, -1)


@pytest.mark.parametrize(
    "call",
    [
        lambda: utilization(10, 0),
        lambda: utilization(10, 0.5),
        lambda: margin_on_price(0, 10),
        lambda: markup_on_cost(10, 0),
        lambda: margin_to_markup(1),
        lambda: rate_for_margin(25, 1),
        lambda: evaluate_margin(25, 0.95),
        lambda: utilization(169, 40),
    ],
    ids=["no_hours_available", "under_an_hour_available", "zero_price", "zero_cost", "margin_100", "rate_margin_100", "target_95", "over_a_week"],
)
def test_zero_where_it_divides_and_impossible_values_are_rejected(call):
    with pytest.raises(InputError, match=r"must be a .*number"):
        call()


@pytest.mark.parametrize(
    ("people", "projects", "message"),
    [
        ([], [], "from 1 to"),
        ("Sara", [], "list"),
        ([("Sara", 40, 25)], [], "row 1 must be a TeamMember"),
        ([TeamMember("", 40, 25)], [], "person 1 needs a name"),
        ([TeamMember(7, 40, 25)], [], "person 1 needs a name"),
        ([TeamMember("x" * 41, 40, 25)], [], "at most 40 characters"),
        ([TeamMember("Sara", 40, 25), TeamMember("Sara", 20, 30)], [], "both called 'Sara'"),
        (TEAM, [TeamProject("A", 10), TeamProject("A", 20)], "both called 'A'"),
        (TEAM, [TeamProject("A", 10, {"Paolo": 3})], "'Paolo', who is not in the team"),
        (TEAM, [TeamProject("A", 10, [("Sara", 3)])], "hours must map person names"),
        (TEAM, [{"name": "A"}], "row 1 must be a TeamProject"),
        (TEAM, [TeamProject(None, 10)], "project 1 needs a name"),
        ([TeamMember(f"P{i}", 1, 1) for i in range(51)], [], "from 1 to 50"),
    ],
)
def test_bad_rows_raise_a_clear_value_error(people, projects, message):
    with pytest.raises(ValueError, match=message):
        plan_team(people, projects)


def test_the_field_ranges_keep_every_division_defined():
    assert MARGIN.maximum < 1 and TARGET_MARGIN.maximum < 1
    assert margin_to_markup(MARGIN.maximum) <= MARKUP.maximum
    assert MARGIN_FIELDS == (MARGIN_FIELDS[0], TARGET_MARGIN)


def test_the_model_imports_no_widgets_ipython_or_matplotlib():
    code = (
        "import sys, widgets, widgets.team\n"
        "print(sorted(m for m in ('ipywidgets', 'IPython', 'matplotlib') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
