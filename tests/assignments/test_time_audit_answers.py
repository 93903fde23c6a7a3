"""Assignment 07, "Time audit": the model solution computes what the course teaches."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest

from tests.assignments.assignment_notebooks import run_cells, source_notebook
from widgets import delegation, time_audit

ASSIGNMENT = "07-time-audit"
#: The Eisenhower box names of the model, as the assignment's lower-case words.
BOX_WORDS = {
    "urgent and important": "do",
    "important, not urgent": "schedule",
    "urgent, not important": "delegate",
    "neither": "delete",
}


@pytest.fixture(scope="module")
def notebook():
    return source_notebook(ASSIGNMENT)


@pytest.fixture(scope="module")
def solved(notebook):
    """The namespace of the source's sample cell and answer cells: the sample and the model solution's functions."""
    return run_cells(notebook, ("sample",))


@pytest.fixture(scope="module")
def log() -> pd.DataFrame:
    """Giulia's full two-week log, the course's synthetic data."""
    return time_audit.load_time_log()


def test_the_sample_is_copied_from_giulias_log(solved, log):
    sample = solved["sample"]
    columns = list(sample.columns)
    assert columns == [column for column in time_audit.TIME_LOG_COLUMNS if column not in ("start", "end")]
    full_rows = {tuple(row) for row in log[columns].astype(object).itertuples(index=False)}
    for row in sample.astype(object).itertuples(index=False):
        assert any(
            all(a == b or (isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b)) for a, b in zip(row, full))
            for full in full_rows
        ), row
    time_audit.check_time_log(sample, tuple(columns))


def test_solutions_reproduce_the_domain_notes_worked_examples(solved):
    quadrant, action = solved["eisenhower_quadrant"], solved["four_d_action"]
    # Eisenhower: urgent+important do; important schedule; urgent delegate; neither delete.
    assert [quadrant(True, True), quadrant(False, True), quadrant(True, False), quadrant(False, False)] == [
        "do", "schedule", "delegate", "delete",
    ]
    assert [action(True, True), action(False, True), action(True, False), action(False, False)] == list(
        time_audit.FOUR_DS
    )
    # Martell: 200,000 over 2,000 hours is 100 an hour; the buyback rate is 25.
    assert solved["buyback_rate"](200_000 / 2_000) == 25
    # Lesson 07: inbox triage and the calendar at 100 an hour, a VA at 22, 48 weeks.
    assert solved["yearly_saving"](100, 22, 3.875) == pytest.approx(14_508)
    assert solved["yearly_saving"](100, 22, 1.375, 48) == pytest.approx(5_148)
    # Ferriss: a 30-an-hour assistant for an owner worth 25 costs more than the hours are worth.
    assert solved["yearly_saving"](25, 30, 8) < 0


@pytest.mark.parametrize("urgent, important", list(itertools.product([True, False, np.True_, np.False_], repeat=2)))
def test_quadrant_and_action_agree_with_the_course_model(solved, urgent, important):
    box = time_audit.eisenhower_quadrant(urgent, important)
    assert solved["eisenhower_quadrant"](urgent, important) == BOX_WORDS[box]
    assert solved["four_d_action"](urgent, important) == time_audit.four_d_action(urgent, important)


@pytest.mark.parametrize("urgent, important", [("yes", True), (True, None), (1, False), (False, "no")])
def test_solution_and_model_both_reject_an_answer_that_is_not_true_or_false(solved, urgent, important):
    with pytest.raises(ValueError):
        solved["eisenhower_quadrant"](urgent, important)
    with pytest.raises(ValueError):
        time_audit.eisenhower_quadrant(urgent, important)


@pytest.mark.parametrize("weeks", [None, 0.5, 1, 2, 3.5])
def test_hours_by_category_agrees_with_the_course_model(solved, log, weeks):
    for data in (log, solved["sample"]):
        mine = solved["hours_by_category"](data) if weeks is None else solved["hours_by_category"](data, weeks)
        model = time_audit.hours_by_category(data, weeks_logged=1 if weeks is None else weeks)
        assert isinstance(mine, pd.Series)
        assert dict(zip(model["category"], model["hours_per_week"])) == pytest.approx(mine.to_dict())
        assert mine.is_monotonic_decreasing


def test_hours_by_category_per_week_matches_the_lesson(solved, log):
    """Lesson 07: about 43.75 hours a week over the two weeks of the log."""
    per_week = solved["hours_by_category"](log, time_audit.weeks_in_log(log))
    assert per_week.sum() == pytest.approx(43.75)
    assert per_week.index[0] == "delivery"


@pytest.mark.parametrize("value", [0, -100])
def test_solution_and_model_both_reject_a_value_of_no_hour(solved, value):
    with pytest.raises(ValueError):
        solved["buyback_rate"](value)
    with pytest.raises(ValueError):
        delegation.buyback_rate(value)
    with pytest.raises(ValueError):
        solved["hours_by_category"](solved["sample"], value)


VALUES = (40, 80, 88, 100, 112, 120, 160, 180, 240, 1_000)


@pytest.mark.parametrize("value", VALUES)
def test_buyback_rate_and_tasks_agree_with_the_course_model(solved, log, value):
    assert solved["buyback_rate"](value) == pytest.approx(delegation.buyback_rate(value))
    for data in (log, solved["sample"]):
        mine = solved["tasks_to_buy_back"](data, value)
        model = time_audit.audit_time(data, hourly_value=value, weeks_logged=2)
        assert isinstance(mine, list) and len(mine) == len(set(mine))
        assert set(mine) == set(model.worth_delegating["task"])
        first_seen = list(dict.fromkeys(data["task"]))
        assert mine == sorted(mine, key=first_seen.index)


def test_tasks_to_buy_back_matches_the_lesson(solved, log):
    """Lesson 07: seven tasks pass at 100 an hour, ten at 120, one at 80."""
    assert len(solved["tasks_to_buy_back"](log, 100)) == 7
    assert len(solved["tasks_to_buy_back"](log, 120)) == 10
    assert solved["tasks_to_buy_back"](log, 80) == ["Tidying the shared drive"]


@pytest.mark.parametrize("value, weeks_per_year", list(itertools.product((25, 100, 120), (44, 48, 52))))
def test_yearly_saving_agrees_with_the_course_model(solved, log, value, weeks_per_year):
    ranking = time_audit.delegation_ranking(log, hourly_value=value, weeks_per_year=weeks_per_year)
    assert len(ranking) > 0
    for row in ranking.itertuples():
        mine = solved["yearly_saving"](value, row.delegate_rate, row.hours_per_week, weeks_per_year)
        assert mine == pytest.approx(row.yearly_saving, abs=1e-9), row.task


def test_the_written_answer_names_a_first_rung_task_that_passes(solved, notebook):
    """The model answer's first hand-off sits on Martell's first rung and passes the buyback test."""
    answer = next(cell for cell in notebook.cells if cell.get("id") == "handoff_first").source
    sample = solved["sample"]
    task = "Inbox triage"
    assert f"**{task.lower()}**" in answer
    category = sample.loc[sample["task"] == task, "category"].iloc[0]
    assert time_audit.handoff_rung(category) == 1
    assert task in solved["tasks_to_buy_back"](sample, 100)
    assert "Tidying the shared drive".lower() in answer.lower()
