"""Assignment 08, "Running a team": the model solution computes what the course teaches."""

from __future__ import annotations

import itertools
import math

import pandas as pd
import pytest

from tests.assignments.assignment_notebooks import run_cells, source_notebook
from widgets import team

ASSIGNMENT = "08-running-a-team"


@pytest.fixture(scope="module")
def solved():
    """The namespace the source's answer cells define: the model solution's functions."""
    return run_cells(source_notebook(ASSIGNMENT))


RATES = {"Sara": 25, "Luca": 35, "Marta": 30}


def test_solutions_reproduce_the_domain_notes_worked_examples(solved):
    assert solved["utilization"](34, 40) == 0.85
    assert round(solved["markup_to_margin"](0.5), 3) == 0.333
    assert solved["markup_to_margin"](1) == 0.5
    assert solved["margin_to_markup"](0.5) == 1
    assert round(solved["rate_for_margin"](25, 0.4), 2) == 41.67
    # A 40% markup gives only a 28.6% margin.
    assert round(solved["markup_to_margin"](0.4), 3) == 0.286


def test_solutions_reproduce_the_lessons_team_week(solved):
    """Lesson 8's plan: Sara 85%, the website at 42.5%, the newsletter priced as cost plus 40%."""
    assert solved["project_margin"]({"Sara": 20, "Luca": 12}, RATES, 1600) == 0.425
    assert round(solved["project_margin"]({"Sara": 14, "Marta": 12}, RATES, 994), 3) == 0.286
    assert solved["project_margin"]({"Sara": 20, "Luca": 12}, RATES, 800) == -0.15
    week = pd.DataFrame({
        "person": ["Sara", "Luca", "Marta", "Giulia"],
        "available_hours": [40, 20, 15, 25],
        "booked_hours": [44, 12, 12, 25],
    })
    before = week.copy()
    assert solved["add_utilization"](week)["utilization"].tolist() == pytest.approx([1.1, 0.6, 0.8, 1.0])
    assert week.equals(before) and "utilization" not in week.columns
    assert solved["over_allocated"](week) == ["Sara"]


HOURS = (0, 7.5, 34, 40, 44)
AVAILABLE = (1, 12.5, 20, 40, 168)
MARKUPS = (0, 0.25, 0.4, 0.5, 1, 1.5, 3, 10)
MARGINS = (0, 0.2, 0.3, 1 / 3, 0.4, 0.5, 0.6, 0.9)
COST_RATES = (0, 12.5, 25, 30, 80)


def test_solutions_agree_with_the_course_model(solved):
    for hours, available in itertools.product(HOURS, AVAILABLE):
        assert math.isclose(solved["utilization"](hours, available), team.utilization(hours, available))
    for markup in MARKUPS:
        assert math.isclose(solved["markup_to_margin"](markup), team.markup_to_margin(markup))
    for margin in MARGINS:
        assert math.isclose(solved["margin_to_markup"](margin), team.margin_to_markup(margin))
        assert math.isclose(solved["markup_to_margin"](solved["margin_to_markup"](margin)), margin)
    for cost_rate, margin in itertools.product(COST_RATES, MARGINS):
        assert math.isclose(solved["rate_for_margin"](cost_rate, margin), team.rate_for_margin(cost_rate, margin))


def model_plan(available, booked):
    """The course's plan for people P1.. with these hours: each person's hours on one project of their own."""
    people = [team.TeamMember(f"P{row}", hours, rate) for row, (hours, rate)
              in enumerate(zip(available, itertools.cycle(RATES.values())), start=1)]
    projects = [team.TeamProject(f"Work {row}", 1000, {f"P{row}": hours})
                for row, hours in enumerate(booked, start=1)]
    return team.plan_team(people, projects)


@pytest.mark.parametrize("booked", list(itertools.product((0, 12, 20, 20.5, 44), repeat=3)))
def test_pandas_answers_agree_with_the_team_plan(solved, booked):
    available = (20, 40, 12.5)
    plan = model_plan(available, booked).people_table()
    frame = pd.DataFrame({"person": plan["person"], "available_hours": available, "booked_hours": booked})
    assert solved["add_utilization"](frame)["utilization"].tolist() == pytest.approx(plan["utilization"].tolist())
    assert solved["over_allocated"](frame) == plan.loc[plan["over_allocated"], "person"].tolist()


PROJECTS = (
    {"Sara": 20, "Luca": 12},
    {"Sara": 14, "Marta": 12},
    {"Marta": 10},
    {"Sara": 2.5, "Luca": 0.5, "Marta": 40},
)


@pytest.mark.parametrize("hours", PROJECTS)
def test_project_margin_agrees_with_the_team_plan(solved, hours):
    people = [team.TeamMember(name, 40, rate) for name, rate in RATES.items()]
    for price in (100, 800, 994, 1600, 5000):
        plan = team.plan_team(people, [team.TeamProject("Project", price, hours)])
        expected = plan.projects[0].margin
        assert math.isclose(solved["project_margin"](hours, RATES, price), expected)
        assert math.isclose(expected, team.margin_on_price(price, plan.projects[0].cost))


@pytest.mark.parametrize("margin", [1, 1.5, -0.1])
def test_solution_and_model_both_reject_an_impossible_margin(solved, margin):
    with pytest.raises(ValueError):
        solved["rate_for_margin"](25, margin)
    with pytest.raises(ValueError):
        team.rate_for_margin(25, margin)
