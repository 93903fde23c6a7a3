"""Assignment 03, "What one hour of your time is worth": the model solution computes what the course teaches."""

from __future__ import annotations

import itertools
import math

import pytest

from tests.assignments.assignment_notebooks import SOLUTIONS, cells_where, grade_id, is_answer_cell, read
from widgets import delegation

ASSIGNMENT = "03-value-of-an-hour"


@pytest.fixture(scope="module")
def solved():
    """The namespace the source's answer cells define: the model solution's functions."""
    namespace: dict = {}
    for cell in cells_where(read(SOLUTIONS / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"), is_answer_cell):
        exec(compile(cell.source, grade_id(cell), "exec"), namespace)  # noqa: S102 - our own notebook
    return namespace


def test_solutions_reproduce_the_domain_notes_worked_examples(solved):
    assert solved["hourly_value"](50_000, 2_000) == 25  # Ferriss
    assert solved["buyback_rate"](solved["hourly_value"](200_000, 2_000)) == 25  # Martell
    assert solved["daily_cost"](100, 2) == 200  # the source article's email
    assert solved["weekly_gain"](100, 25, 10, 1, 1, 1) == 650
    assert solved["weekly_gain"](100, 25, 10, 1, 0.5, 1) == 150
    assert round(solved["payback_weeks"](1250, 650), 2) == 1.92
    assert round(solved["payback_weeks"](1250, 150), 2) == 8.33
    assert solved["payback_weeks"](1250, 0) is None


VALUES = (12.5, 40, 100)
RATES = (0, 25, 130)
HOURS = (0, 2.5, 10)
SHARES = (0, 0.5, 1)
SPEEDS = (0.5, 1, 1.5)


def test_solutions_agree_with_the_course_model(solved):
    for value in VALUES:
        assert math.isclose(solved["hourly_value"](value * 2_000, 2_000), delegation.hourly_value(value * 2_000))
        assert math.isclose(solved["buyback_rate"](value), delegation.buyback_rate(value))
        for hours in HOURS:
            assert math.isclose(solved["daily_cost"](value, hours), delegation.task_cost(value, hours).per_day)
    for args in itertools.product(VALUES, RATES, HOURS, HOURS, SHARES, SPEEDS):
        assert math.isclose(solved["weekly_gain"](*args), delegation.weekly_gain(*args), abs_tol=1e-9), args
    for cost, gain in itertools.product((0, 1250), (-40, 0, 150, 650)):
        assert solved["payback_weeks"](cost, gain) == delegation.payback_weeks(cost, gain)


@pytest.mark.parametrize("hours", [0, -2_000])
def test_solution_and_model_both_reject_a_year_without_hours(solved, hours):
    with pytest.raises(ValueError):
        solved["hourly_value"](50_000, hours)
    with pytest.raises(ValueError):
        delegation.hourly_value(50_000, hours)
