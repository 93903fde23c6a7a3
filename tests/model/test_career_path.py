"""The career-path model: the lesson's worked examples, the stages' rules as invariants, and bad input."""

import math
import pathlib
import subprocess
import sys

import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from widgets.career_path import (
    CAREER_DIMENSIONS,
    CAREER_FIELDS,
    CAREER_STAGES,
    GROUP_MAX_POINTS,
    MAX_POINTS,
    MAX_SCORE,
    MIN_SIGNALS,
    NEXT_STEPS,
    ROLE,
    SKILLS,
    TASK_COLUMNS,
    classify_task,
    classify_tasks,
    place_on_path,
    points_needed,
)
from widgets.fields import InputError
from widgets.formatting import LOCALES

NAMES = [dimension.name for dimension in CAREER_DIMENSIONS]
TASKS_CSV = pathlib.Path(__file__).resolve().parents[2] / "course" / "data" / "tasks.csv"
STAGE = {stage.key: stage for stage in CAREER_STAGES}


def scores_of(*values):
    return dict(zip(NAMES, values))


# --- the shape of the assessment ---


def test_four_contrasts_then_four_areas_each_scored_0_to_4():
    assert NAMES == ["decides", "projects", "coordinates", "results",
                     "project_management", "operations", "metrics", "people"]
    assert [dimension.group for dimension in CAREER_DIMENSIONS] == [ROLE] * 4 + [SKILLS] * 4
    for field in CAREER_FIELDS:
        assert (field.minimum, field.maximum, field.integer, field.min_exclusive) == (0, 4, True, False)
    assert (MAX_POINTS, GROUP_MAX_POINTS) == (32, 16)


def test_every_label_stage_and_advice_speaks_both_locales():
    for dimension in CAREER_DIMENSIONS:
        assert dimension.label_in("it") != dimension.label_in("en")
        for locale in LOCALES:
            assert dimension.advice_in(locale).strip()
        assert dimension.advice_in("it") != dimension.advice_in("en")
    assert [stage.name_in("it") for stage in CAREER_STAGES] == ["VA", "VA senior", "OBM in formazione", "OBM"]
    for choice in TASK_COLUMNS:
        assert choice.label_in("it") != choice.label_in("en")
    assert MIN_SIGNALS.label_in("it") != MIN_SIGNALS.label and NEXT_STEPS.label_in("it") != NEXT_STEPS.label


def test_stage_thresholds_in_points():
    assert [(stage.name, stage.min_points, stage.min_score) for stage in CAREER_STAGES] == [
        ("VA", 0, 0), ("Senior VA", 12, 0), ("OBM in the making", 20, 0), ("OBM", 26, 2),
    ]
    assert [stage.min_share for stage in CAREER_STAGES] == sorted(stage.min_share for stage in CAREER_STAGES)


# --- the lesson's worked examples ---


def test_giulia_is_a_senior_va_seven_points_from_the_next_stage():
    giulia = place_on_path(decides=2, projects=2, coordinates=1, results=1,
                           project_management=2, operations=3, metrics=1, people=1)
    assert (giulia.total, giulia.maximum, giulia.share) == (13, 32, 13 / 32)
    assert (giulia.role_points, giulia.skills_points) == (6, 7)
    assert (giulia.role_share, giulia.skills_share) == (6 / 16, 7 / 16)
    assert giulia.stage is STAGE["senior_va"] and giulia.band is STAGE["senior_va"]
    assert giulia.next_stage is STAGE["obm_in_the_making"]
    assert giulia.points_to_next_stage == 20 - 13
    assert giulia.held_back_by == ()
    # Four dimensions tie at 1; the first three in the assessment's order come first.
    assert [dimension.name for dimension in giulia.next_steps] == ["coordinates", "results", "metrics"]
    assert [d.name for d in place_on_path(2, 2, 1, 1, 2, 3, 1, 1, steps=5).next_steps] == [
        "coordinates", "results", "metrics", "people", "decides"]


def test_marco_reaches_the_obm_band_but_people_holds_him_back():
    marco = place_on_path(4, 4, 3, 3, 4, 4, 3, 1)
    assert marco.total == 26
    assert marco.band is STAGE["obm"]
    assert marco.stage is STAGE["obm_in_the_making"]
    assert [dimension.name for dimension in marco.held_back_by] == ["people"]
    assert marco.points_to_next_stage == 1
    assert place_on_path(4, 4, 3, 3, 4, 4, 3, 2).stage is STAGE["obm"]


def test_the_self_check_sara_needs_six_points_to_become_an_obm():
    sara = place_on_path(3, 3, 3, 3, 3, 3, 1, 1)
    assert (sara.total, sara.stage.name) == (20, "OBM in the making")
    # 26 points are needed in all (6 more), and metrics and people need 1 each to reach 2: 6 covers both.
    assert sara.points_to_next_stage == 6
    assert points_needed(sara.scores, STAGE["obm"]) == 6


def test_the_ends_of_the_path():
    start = place_on_path(*[0] * 8)
    assert (start.total, start.share, start.stage.name, start.points_to_next_stage) == (0, 0, "VA", 12)
    assert len(start.next_steps) == 3
    top = place_on_path(*[MAX_SCORE] * 8)
    assert (top.share, top.stage.name, top.next_stage, top.points_to_next_stage) == (1, "OBM", None, None)
    assert top.next_steps == ()


@pytest.mark.parametrize(
    ("total", "stage"),
    [(11, "va"), (12, "senior_va"), (19, "senior_va"), (20, "obm_in_the_making"), (25, "obm_in_the_making"),
     (26, "obm")],
)
def test_each_threshold_is_met_exactly_at_its_points(total, stage):
    scores = [2] * 8
    extra = total - 16
    index = 0
    while extra:  # spread the difference from 16 evenly, keeping every score at 1 or more
        step = 1 if extra > 0 else -1
        scores[index % 8] += step
        extra -= step
        index += 1
    assert sum(scores) == total and min(scores) >= 1
    scores = [max(score, 2) for score in scores] if stage == "obm" else scores
    assert place_on_path(*scores).stage is STAGE[stage]


# --- invariants ---

score = st.integers(min_value=0, max_value=MAX_SCORE)
profiles = st.lists(score, min_size=8, max_size=8)


@given(profiles)
def test_totals_and_shares_add_up(values):
    position = place_on_path(*values)
    assert position.total == sum(values) == position.role_points + position.skills_points
    assert 0 <= position.share <= 1
    assert position.share == pytest.approx((position.role_share + position.skills_share) / 2)
    assert position.scores == scores_of(*values)
    assert all(type(value) is int for value in position.scores.values())


@given(profiles, st.integers(min_value=0, max_value=7))
def test_raising_a_score_never_moves_you_back(values, index):
    assume(values[index] < MAX_SCORE)
    raised = list(values)
    raised[index] += 1
    assert place_on_path(*raised).stage_index >= place_on_path(*values).stage_index
    assert place_on_path(*raised).share > place_on_path(*values).share


@given(profiles)
def test_the_stage_never_passes_the_band_and_a_gap_is_named(values):
    position = place_on_path(*values)
    band_index = CAREER_STAGES.index(position.band)
    assert position.stage_index <= band_index
    assert position.total >= position.stage.min_points
    assert min(values) >= position.stage.min_score
    if position.stage is position.band:
        assert position.held_back_by == ()
    else:
        assert position.held_back_by
        assert all(position.scores[d.name] < position.band.min_score for d in position.held_back_by)


@settings(max_examples=200)
@given(profiles, st.randoms(use_true_random=False))
def test_points_to_next_stage_is_the_fewest_that_get_there(values, rng):
    position = place_on_path(*values)
    if position.next_stage is None:
        assert position.stage is CAREER_STAGES[-1]
        return
    needed = position.points_to_next_stage
    assert needed >= 1

    def add(points, lift_lowest_first):
        scores = list(values)
        for _ in range(points):
            open_ = [i for i, s in enumerate(scores) if s < MAX_SCORE]
            i = min(open_, key=lambda i: scores[i]) if lift_lowest_first else rng.choice(open_)
            scores[i] += 1
        return place_on_path(*scores)

    # Enough: lifting the lowest scores first reaches the next stage (or beyond) with exactly that many.
    assert add(needed, True).stage_index > position.stage_index
    # The fewest: one point less, placed any way, never does.
    assert add(needed - 1, True).stage_index == position.stage_index
    assert add(needed - 1, False).stage_index == position.stage_index


@given(profiles, st.integers(min_value=1, max_value=8))
def test_next_steps_are_the_weakest_dimensions_lowest_first(values, steps):
    position = place_on_path(*values, steps=steps)
    chosen = [position.scores[d.name] for d in position.next_steps]
    improvable = [name for name in NAMES if position.scores[name] < MAX_SCORE]
    assert len(chosen) == min(steps, len(improvable))
    assert chosen == sorted(chosen)
    assert all(s < MAX_SCORE for s in chosen)
    if chosen:
        left_out = [position.scores[n] for n in improvable if n not in {d.name for d in position.next_steps}]
        assert all(s >= chosen[-1] for s in left_out)


# --- the task classifier ---


def test_the_lessons_task_list_is_valid_and_splits_26_tasks_into_16_and_10():
    tasks = pd.read_csv(TASKS_CSV)
    assert 20 <= len(tasks) <= 30
    assert tasks["task"].is_unique
    classified = classify_tasks(tasks)
    assert classified["work"].value_counts().to_dict() == {"VA": 16, "OBM": 10}
    hours = classified.groupby("work")["hours_per_month"].sum()
    assert (hours["VA"], hours["OBM"]) == (69, 95)
    launch = classified.set_index("task").loc["Plan and run the spring product launch"]
    assert (launch["obm_signals"], launch["work"]) == (4, "OBM")
    inbox = classified.set_index("task").loc["Sort and answer the client's inbox"]
    assert (inbox["obm_signals"], inbox["work"]) == (0, "VA")


def test_the_articles_four_contrasts_are_the_four_signs():
    assert [(choice.name, choice.options) for choice in TASK_COLUMNS] == [
        ("who_decides", ("client", "me")),
        ("scope", ("task", "project")),
        ("coordinates_people", ("no", "yes")),
        ("paid_for", ("hours", "results")),
    ]
    assert classify_task("me", "project", "yes", "results") == "OBM"
    assert classify_task("client", "task", "no", "hours") == "VA"
    assert classify_task("client", "task", "no", "results") == "VA"  # piecework alone is not managing
    assert classify_task("me", "task", "yes", "hours") == "OBM"
    assert classify_task("me", "task", "yes", "hours", min_signals=3) == "VA"
    assert classify_task("client", "task", "no", "results", min_signals=1) == "OBM"


def test_classifying_keeps_the_table_and_adds_two_columns():
    tasks = pd.read_csv(TASKS_CSV).set_index("task")
    before = tasks.copy()
    classified = classify_tasks(tasks)
    pd.testing.assert_frame_equal(tasks, before)  # the input is not changed
    assert list(classified.columns) == list(tasks.columns) + ["obm_signals", "work"]
    assert classified.index.equals(tasks.index)
    pd.testing.assert_frame_equal(classified[tasks.columns], tasks)


def test_an_empty_table_classifies_to_an_empty_table():
    empty = pd.DataFrame({choice.name: pd.Series([], dtype=str) for choice in TASK_COLUMNS})
    classified = classify_tasks(empty)
    assert len(classified) == 0 and {"obm_signals", "work"} <= set(classified.columns)


rows = st.fixed_dictionaries({choice.name: st.sampled_from(choice.options) for choice in TASK_COLUMNS})


@settings(max_examples=50, deadline=None)
@given(st.lists(rows, min_size=1, max_size=12), st.integers(min_value=1, max_value=4))
def test_the_table_and_the_single_task_agree_and_count_the_signs(task_rows, needed):
    table = pd.DataFrame(task_rows)
    classified = classify_tasks(table, min_signals=needed)
    for index, row in enumerate(task_rows):
        signs = sum(row[choice.name] == choice.obm_value for choice in TASK_COLUMNS)
        assert classified["obm_signals"].iloc[index] == signs
        expected = "OBM" if signs >= needed else "VA"
        assert classified["work"].iloc[index] == expected == classify_task(**row, min_signals=needed)


@settings(max_examples=50, deadline=None)
@given(st.lists(rows, min_size=1, max_size=12))
def test_a_stricter_rule_never_finds_more_obm_work(task_rows):
    table = pd.DataFrame(task_rows)
    counts = [(classify_tasks(table, needed)["work"] == "OBM").sum() for needed in range(1, 5)]
    assert counts == sorted(counts, reverse=True)


# --- bad input: one ValueError that names the field and its range ---

BAD_SCORES = [-1, 5, 2.5, float("nan"), float("inf"), float("-inf"), 1e12, "2", None, True, [1]]


@pytest.mark.parametrize("field", CAREER_FIELDS, ids=lambda f: f.name)
@pytest.mark.parametrize("bad", BAD_SCORES, ids=repr)
def test_every_bad_score_names_its_dimension_and_range(field, bad):
    values = scores_of(2, 2, 1, 1, 2, 3, 1, 1)
    values[field.name] = bad
    with pytest.raises(InputError) as caught:
        place_on_path(**values)
    assert isinstance(caught.value, ValueError)
    assert caught.value.field is field
    assert field.name in str(caught.value)
    assert field.valid_range() in str(caught.value)
    assert "a whole number at least 0 and at most 4" in str(caught.value)


@pytest.mark.parametrize("bad", [0, 9, 1.5, float("nan"), "3", None])
def test_the_number_of_next_steps_is_checked(bad):
    with pytest.raises(InputError, match="steps"):
        place_on_path(2, 2, 1, 1, 2, 3, 1, 1, steps=bad)


@pytest.mark.parametrize(
    "scores",
    [None, [2] * 8, {**scores_of(*[2] * 8), "extra": 1}, {name: 2 for name in NAMES[:-1]}],
    ids=["none", "list", "unknown", "missing"],
)
def test_points_needed_wants_exactly_the_eight_scores(scores):
    with pytest.raises(ValueError, match="scores must"):
        points_needed(scores, CAREER_STAGES[-1])


def test_points_needed_checks_each_score():
    with pytest.raises(InputError, match="metrics"):
        points_needed({**scores_of(*[2] * 8), "metrics": 7}, CAREER_STAGES[-1])


@pytest.mark.parametrize("choice", TASK_COLUMNS, ids=lambda c: c.name)
@pytest.mark.parametrize("bad", ["Me", "", " yes", "maybe", None, float("nan"), 1, True], ids=repr)
def test_classify_task_names_the_column_and_its_choices(choice, bad):
    values = {"who_decides": "me", "scope": "task", "coordinates_people": "no", "paid_for": "hours"}
    values[choice.name] = bad
    with pytest.raises(InputError) as caught:
        classify_task(**values)
    assert caught.value.field is choice
    message = str(caught.value)
    assert message.startswith(f"{choice.name} ({choice.label}) must be '{choice.options[0]}' or '{choice.options[1]}'")


@pytest.mark.parametrize("bad", [0, 5, 2.5, float("nan"), "2", None, True])
def test_the_rules_threshold_is_checked(bad):
    with pytest.raises(InputError, match="min_signals"):
        classify_task("me", "task", "no", "hours", min_signals=bad)
    with pytest.raises(InputError, match="min_signals"):
        classify_tasks(pd.read_csv(TASKS_CSV), min_signals=bad)


def test_a_bad_cell_in_the_table_is_named_with_its_row_and_task():
    tasks = pd.read_csv(TASKS_CSV)
    tasks.loc[3, "scope"] = "Project"
    with pytest.raises(InputError, match=r"scope .*'task' or 'project' in row 3 \(task 'Send invoices"):
        classify_tasks(tasks)
    tasks = pd.read_csv(TASKS_CSV)
    tasks.loc[5, "paid_for"] = math.nan
    with pytest.raises(InputError, match="paid_for .* in row 5"):
        classify_tasks(tasks)


@pytest.mark.parametrize(
    ("tasks", "match"),
    [
        ([{"who_decides": "me"}], "DataFrame"),
        (None, "DataFrame"),
        (pd.DataFrame({"who_decides": ["me"], "scope": ["task"], "paid_for": ["hours"]}),
         "missing: coordinates_people"),
    ],
    ids=["list", "none", "missing-column"],
)
def test_the_table_itself_is_checked(tasks, match):
    with pytest.raises(ValueError, match=match):
        classify_tasks(tasks)


def test_the_model_imports_no_widgets_ipython_or_matplotlib():
    code = (
        "import sys, widgets, widgets.career_path\n"
        "print(sorted(m for m in ('ipywidgets', 'IPython', 'matplotlib') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
