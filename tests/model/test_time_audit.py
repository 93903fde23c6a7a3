"""The time audit model against the domain notes' worked examples (§4), its invariants and bad input."""

import math
import subprocess
import sys

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from widgets.delegation import DELEGATE_RATE, HOURLY_VALUE, SHARE_REINVESTED, WEEKS_PER_YEAR, hourly_value, task_cost
from widgets.delegation import buyback_rate, weekly_gain
from widgets.fields import InputError
from widgets.time_audit import (
    AUDIT_COLUMNS,
    DEFAULT_LOG_PATH,
    FOUR_DS,
    HANDOFF_ORDER,
    MINUTES,
    RANKING_COLUMNS,
    TASK_COLUMNS,
    TIME_AUDIT_FIELDS,
    TIME_LOG_COLUMNS,
    WEEKS_LOGGED,
    TimeLogSummary,
    audit_time,
    check_time_log,
    classify_blocks,
    delegation_ranking,
    eisenhower_quadrant,
    four_d_action,
    handoff_rung,
    hours_by_action,
    hours_by_category,
    load_time_log,
    summarize_log,
    task_hours,
    weeks_in_log,
)

MONDAY = pd.Timestamp("2025-03-03")


def make_log(*rows, start=MONDAY):
    """A time log from (day offset, minutes, task, category, urgent, important, who, rate) tuples."""
    records = []
    for day, minutes, task, category, urgent, important, who, rate in rows:
        records.append(
            {
                "date": (start + pd.Timedelta(days=day)).strftime("%Y-%m-%d"),
                "start": "09:00",
                "end": "09:30",
                "minutes": minutes,
                "task": task,
                "category": category,
                "urgent": urgent,
                "important": important,
                "who_could_do_it": who,
                "delegate_rate": rate,
            }
        )
    log = pd.DataFrame(records, columns=list(TIME_LOG_COLUMNS))
    log["delegate_rate"] = log["delegate_rate"].astype(float)
    return log


def small_log():
    """One week: 2 h of inbox triage at 22/h, 1 h of proposals at 45/h, 2 h of strategy only the owner can do."""
    return make_log(
        (0, 60, "Inbox triage", "email", True, False, "VA", 22),
        (1, 60, "Inbox triage", "email", True, False, "VA", 22),
        (1, 60, "Proposals", "sales", False, True, "OBM", 45),
        (2, 120, "Strategy", "leadership", False, True, "only the owner", None),
        (3, 30, "Scrolling", "marketing", False, False, "nobody", None),
        (4, 30, "Client calls", "delivery", True, True, "only the owner", None),
    )


@pytest.fixture(scope="module")
def course_log():
    return load_time_log()


# --- worked examples (shared/domain/domain-notes.md §4 and the source article) ---


def test_eisenhower_do_schedule_delegate_delete():
    assert [four_d_action(urgent, important) for urgent, important in
            [(True, True), (False, True), (True, False), (False, False)]] == ["Do", "Defer", "Delegate", "Delete"]
    assert eisenhower_quadrant(True, True) == "urgent and important"
    assert eisenhower_quadrant(False, True) == "important, not urgent"
    assert eisenhower_quadrant(True, False) == "urgent, not important"
    assert eisenhower_quadrant(False, False) == "neither"
    assert FOUR_DS == ("Do", "Defer", "Delegate", "Delete")


def test_numpy_bools_are_flags_too():
    import numpy

    assert four_d_action(numpy.bool_(True), numpy.bool_(False)) == "Delegate"


def test_martells_order_of_handing_off_with_email_as_admin():
    assert HANDOFF_ORDER == ("admin", "delivery", "marketing", "sales", "leadership")
    assert [handoff_rung(name) for name in HANDOFF_ORDER] == [1, 2, 3, 4, 5]
    assert handoff_rung("email") == 1
    assert handoff_rung(" Sales ") == 4
    assert handoff_rung("family") is None


def test_martell_200k_gives_a_buyback_rate_of_25_and_a_25_task_is_at_it():
    value = hourly_value(200_000)
    log = make_log(
        (0, 60, "Invoices", "admin", True, False, "VA", 25),
        (0, 60, "Follow-ups", "sales", True, False, "VA", 25.01),
    )
    audit = audit_time(log, hourly_value=value)
    assert (value, audit.buyback_rate) == (100, 25)
    assert list(audit.worth_delegating["task"]) == ["Invoices"]  # at the buyback rate counts; a cent above does not


def test_the_articles_two_hours_of_email_a_day_cost_50000_a_year():
    # Five days of two hours of email at 100 EUR/h: the article's 200 EUR a day, over 50 weeks of 5 days.
    log = make_log(*[(day, 120, "Email", "email", True, False, "VA", 25) for day in range(5)])
    ranking = delegation_ranking(log, hourly_value=100, weeks_per_year=50)
    assert ranking.loc[0, "hours_per_week"] == 10
    assert ranking.loc[0, "owner_cost_per_year"] == task_cost(100, 2).per_year == 50_000
    assert ranking.loc[0, "delegate_cost_per_year"] == 25 * 10 * 50
    assert ranking.loc[0, "yearly_saving"] == (100 - 25) * 10 * 50


def test_ferriss_assistant_dearer_than_the_owner_saves_nothing():
    log = make_log(*[(day, 480 // 5, "Errands", "admin", True, False, "assistant", 30) for day in range(5)])
    row = delegation_ranking(log, hourly_value=hourly_value(50_000, 50 * 40), weeks_per_year=50).iloc[0]
    assert row["hours_per_week"] == 8
    assert row["yearly_saving"] == (25 - 30) * 8 * 50 == weekly_gain(25, 30, 8) * 50
    assert not row["below_buyback"]


def test_yearly_saving_is_value_minus_rate_times_hours_a_year():
    ranking = delegation_ranking(small_log(), hourly_value=100, weeks_per_year=48)
    assert list(ranking.columns) == list(RANKING_COLUMNS)
    assert list(ranking["task"]) == ["Inbox triage", "Proposals"]  # owner-only and nobody's tasks are left out
    triage, proposals = ranking.iloc[0], ranking.iloc[1]
    assert (triage["hours_per_week"], triage["hours_per_year"]) == (2, 96)
    assert triage["yearly_saving"] == (100 - 22) * 96 == 7488
    assert proposals["yearly_saving"] == (100 - 45) * 48 == 2640
    assert (triage["below_buyback"], proposals["below_buyback"]) == (True, False)
    assert (triage["rung"], proposals["rung"]) == (1, 4)
    assert (triage["action"], proposals["action"]) == ("Delegate", "Defer")


def test_only_half_of_the_freed_hours_well_used():
    row = delegation_ranking(small_log(), 100, 48, share_reinvested=0.5).iloc[0]
    assert row["yearly_saving"] == (0.5 * 100 - 22) * 96


def test_the_audit_adds_up_the_tasks_at_or_below_the_buyback_rate():
    audit = audit_time(small_log(), hourly_value=100, weeks_per_year=48)
    assert audit.buyback_rate == 25
    assert list(audit.worth_delegating["task"]) == ["Inbox triage"]
    assert audit.hours_to_delegate_per_week == 2
    assert audit.yearly_saving == 7488
    assert audit.hours_per_week == 6
    assert audit.share_to_delegate == pytest.approx(2 / 6)
    assert isinstance(audit.summary, TimeLogSummary)


def test_hours_by_category_and_action_of_the_small_log():
    by_category = hours_by_category(small_log())
    assert list(by_category.columns) == ["category", "hours", "hours_per_week", "share", "rung"]
    assert by_category.set_index("category")["hours"].to_dict() == {
        "email": 2, "leadership": 2, "sales": 1, "marketing": 0.5, "delivery": 0.5,
    }
    assert list(by_category["category"][:2]) == ["email", "leadership"]  # a tie: the earlier rung first
    by_action = hours_by_action(small_log()).set_index("action")
    assert list(by_action.index) == list(FOUR_DS)
    assert by_action["hours"].to_dict() == {"Do": 0.5, "Defer": 3, "Delegate": 2, "Delete": 0.5}
    assert by_action["share"].sum() == pytest.approx(1)


def test_classify_blocks_adds_hours_quadrant_and_action_without_touching_the_log():
    log = small_log()
    before = log.copy()
    blocks = classify_blocks(log)
    pd.testing.assert_frame_equal(log, before)
    assert list(blocks.columns) == [*TIME_LOG_COLUMNS, "hours", "quadrant", "action"]
    assert list(blocks["action"]) == ["Delegate", "Delegate", "Defer", "Defer", "Delete", "Do"]
    assert blocks["hours"].sum() == 6


def test_task_hours_keeps_every_task_and_splits_a_task_whose_blocks_disagree():
    log = make_log(
        (0, 60, "Inbox triage", "email", True, False, "VA", 22),
        (1, 30, "Inbox triage", "email", True, True, "VA", 22),
        (2, 90, "Strategy", "leadership", False, True, "only the owner", None),
    )
    tasks = task_hours(log)
    assert list(tasks.columns) == list(TASK_COLUMNS)
    assert list(zip(tasks["task"], tasks["action"], tasks["hours"])) == [
        ("Strategy", "Defer", 1.5), ("Inbox triage", "Delegate", 1.0), ("Inbox triage", "Do", 0.5),
    ]
    assert math.isnan(tasks.loc[0, "delegate_rate"])


def test_weeks_are_counted_by_calendar_week_or_given():
    two_weeks = make_log((0, 60, "A", "admin", True, False, "VA", 20), (7, 60, "A", "admin", True, False, "VA", 20))
    assert weeks_in_log(two_weeks) == 2
    assert weeks_in_log(make_log((5, 60, "A", "admin", True, False, "VA", 20))) == 1  # a Saturday alone
    assert hours_by_category(two_weeks)["hours_per_week"].iloc[0] == 1
    assert hours_by_category(two_weeks, weeks_logged=4)["hours_per_week"].iloc[0] == 0.5
    # With the weeks given, the dates are not needed.
    assert hours_by_category(two_weeks.drop(columns="date"), weeks_logged=1)["hours_per_week"].iloc[0] == 2


def test_a_summary_is_reused_and_gives_the_same_audit(course_log):
    summary = summarize_log(course_log)
    direct, reused = audit_time(course_log, 80, 46, 0.8), audit_time(summary, 80, 46, 0.8)
    pd.testing.assert_frame_equal(direct.ranking, reused.ranking)
    pd.testing.assert_frame_equal(direct.summary.by_category, summary.by_category)
    assert direct.yearly_saving == reused.yearly_saving
    pd.testing.assert_frame_equal(delegation_ranking(summary, 80, 46, 0.8), direct.ranking)


def test_the_course_log_two_weeks_and_seven_tasks_worth_handing_off_at_100_an_hour(course_log):
    audit = audit_time(course_log, hourly_value=100, weeks_per_year=48)
    assert audit.summary.weeks_logged == 2
    assert audit.summary.hours_logged == course_log["minutes"].sum() / 60
    assert set(audit.worth_delegating["delegate_rate"]) <= {20, 22, 25}
    assert len(audit.worth_delegating) == 7
    assert audit.worth_delegating["who_could_do_it"].eq("VA").all()
    expected = sum(
        (100 - rate) * minutes / 60 / 2 * 48
        for rate, minutes in course_log[course_log["delegate_rate"] <= 25]
        .groupby("delegate_rate")["minutes"].sum().items()
    )
    assert audit.yearly_saving == pytest.approx(expected)
    assert set(audit.summary.by_category["category"]) == {"admin", "email", "delivery", "marketing", "sales",
                                                         "leadership"}


# --- invariants ---

TASK_NAMES = ["Inbox", "Invoices", "Calls", "Posts", "Proposals", "Strategy"]
CATEGORIES = ["email", "admin", "delivery", "marketing", "sales", "leadership", "personal"]


@st.composite
def logs(draw):
    """Random but valid logs: one to three weeks of blocks, each task with its own category, flags and rate."""
    catalogue = {}
    for name in draw(st.lists(st.sampled_from(TASK_NAMES), min_size=1, max_size=6, unique=True)):
        rate = draw(st.one_of(st.none(), st.integers(min_value=0, max_value=200)))
        catalogue[name] = (draw(st.sampled_from(CATEGORIES)), draw(st.booleans()), draw(st.booleans()),
                           "owner" if rate is None else "VA", rate)
    blocks = draw(
        st.lists(
            st.tuples(st.integers(min_value=0, max_value=20), st.sampled_from([15, 30, 45, 60]),
                      st.sampled_from(sorted(catalogue))),
            min_size=1, max_size=40,
        )
    )
    return make_log(*[(day, minutes, name, *catalogue[name]) for day, minutes, name in blocks])


values = st.floats(min_value=0.01, max_value=10_000, allow_nan=False)
weeks = st.floats(min_value=0.5, max_value=52, allow_nan=False)
shares = st.floats(min_value=0, max_value=1, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(logs(), values, weeks, shares)
def test_each_tasks_yearly_saving_is_the_delegation_models_weekly_gain_times_the_weeks(log, value, year, share):
    for row in delegation_ranking(log, value, year, share).itertuples():
        gain = weekly_gain(value, row.delegate_rate, row.hours_per_week, share_reinvested=share)
        assert row.yearly_saving == pytest.approx(gain * year, rel=1e-9, abs=1e-6)
        assert row.below_buyback == (row.delegate_rate <= buyback_rate(value))


@settings(max_examples=60, deadline=None)
@given(logs(), values, values, weeks)
def test_a_higher_hourly_value_never_drops_a_task_or_lowers_the_saving(log, first, second, year):
    low, high = sorted((first, second))
    cheap, dear = audit_time(log, low, year), audit_time(log, high, year)
    assert set(cheap.worth_delegating["task"]) <= set(dear.worth_delegating["task"])
    assert dear.yearly_saving >= cheap.yearly_saving - 1e-6 * max(1.0, abs(cheap.yearly_saving))


@settings(max_examples=60, deadline=None)
@given(logs())
def test_every_total_adds_up_to_the_hours_logged(log):
    total = log["minutes"].sum() / 60
    summary = summarize_log(log)
    for table in (summary.by_category, summary.by_action, summary.tasks):
        assert table["hours"].sum() == pytest.approx(total)
    assert summary.by_category["share"].sum() == pytest.approx(1)
    assert summary.by_action["share"].sum() == pytest.approx(1)
    assert (summary.by_category["hours"].diff().dropna() <= 0).all(), "most hours first"


@settings(max_examples=40, deadline=None)
@given(logs(), st.randoms(use_true_random=False), values)
def test_the_order_of_the_rows_does_not_matter(log, random, value):
    shuffled = log.sample(frac=1, random_state=random.randint(0, 2**31)).reset_index(drop=True)
    original, other = audit_time(log, value), audit_time(shuffled, value)
    columns = ["task", "yearly_saving", "below_buyback"]
    key = ["task", "yearly_saving"]
    pd.testing.assert_frame_equal(
        original.ranking[columns].sort_values(key).reset_index(drop=True),
        other.ranking[columns].sort_values(key).reset_index(drop=True),
    )
    assert other.yearly_saving == pytest.approx(original.yearly_saving)


@settings(max_examples=40, deadline=None)
@given(logs(), st.floats(min_value=0.5, max_value=100))
def test_more_weeks_logged_mean_fewer_hours_a_week(log, factor):
    counted = summarize_log(log)
    stretched = summarize_log(log, weeks_logged=counted.weeks_logged * factor)
    assert stretched.hours_per_week == pytest.approx(counted.hours_per_week / factor)


@settings(max_examples=40, deadline=None)
@given(logs(), values, weeks)
def test_the_ranking_is_sorted_and_the_worth_list_is_its_below_buyback_part(log, value, year):
    audit = audit_time(log, value, year)
    assert (audit.ranking["yearly_saving"].diff().dropna() <= 0).all()
    pd.testing.assert_frame_equal(
        audit.worth_delegating, audit.ranking[audit.ranking["below_buyback"]].reset_index(drop=True)
    )
    assert audit.ranking["delegate_rate"].notna().all()


# --- bad input: one ValueError that names the field (or column) and its range ---

BAD_VALUES = [-1, float("nan"), float("inf"), float("-inf"), 1e12, "10", None, True, [1]]
GOOD = {"hourly_value": 100, "weeks_per_year": 48, "share_reinvested": 1, "weeks_logged": 2}
FIELDS = {field.name: field for field in (*TIME_AUDIT_FIELDS, WEEKS_LOGGED)}


def test_the_calculator_fields_are_the_delegation_models():
    assert TIME_AUDIT_FIELDS == (HOURLY_VALUE, WEEKS_PER_YEAR, SHARE_REINVESTED)
    for field in (*TIME_AUDIT_FIELDS, WEEKS_LOGGED, MINUTES):
        assert field.label_in("it") != field.label, f"{field.name} has no Italian label"


# weeks_logged=None is valid: it means "count the weeks from the dates".
BAD_INPUTS = [
    pytest.param(name, bad, id=f"{name}-{bad!r}")
    for name in sorted(FIELDS)
    for bad in BAD_VALUES
    if not (name == "weeks_logged" and bad is None)
]


@pytest.mark.parametrize("function", [audit_time, delegation_ranking], ids=lambda f: f.__name__)
@pytest.mark.parametrize(("name", "bad"), BAD_INPUTS)
def test_every_bad_input_names_its_field_and_range(function, name, bad):
    field = FIELDS[name]
    with pytest.raises(InputError) as caught:
        function(small_log(), **{**GOOD, name: bad})
    assert isinstance(caught.value, ValueError)
    assert caught.value.field is field
    assert field.name in str(caught.value) and field.valid_range() in str(caught.value)


@pytest.mark.parametrize(
    "call",
    [
        lambda: audit_time(small_log(), 0),
        lambda: audit_time(small_log(), 100, weeks_per_year=0),
        lambda: audit_time(small_log(), 100, share_reinvested=1.5),
        lambda: summarize_log(small_log(), weeks_logged=0),
        lambda: hours_by_category(small_log(), weeks_logged=0),
        lambda: hours_by_action(small_log(), weeks_logged=-2),
        lambda: task_hours(small_log(), weeks_logged=math.inf),
    ],
    ids=["value_zero", "weeks_zero", "share_over_one", "summary_weeks_zero", "category_weeks_zero",
         "action_weeks_negative", "task_weeks_inf"],
)
def test_zero_where_it_divides_and_impossible_values_are_rejected(call):
    with pytest.raises(InputError, match=r"must be a .*number"):
        call()


NEEDS = {
    check_time_log: AUDIT_COLUMNS,
    classify_blocks: ("minutes", "urgent", "important"),
    hours_by_category: ("date", "minutes", "category"),
    hours_by_action: ("date", "minutes", "urgent", "important"),
    task_hours: ("date", "minutes", "task", "category", "urgent", "important", "who_could_do_it", "delegate_rate"),
    summarize_log: ("date", "minutes", "task", "category", "urgent", "important", "who_could_do_it",
                    "delegate_rate"),
    weeks_in_log: ("date",),
    delegation_ranking: ("date", "minutes", "task", "category", "urgent", "important", "who_could_do_it",
                         "delegate_rate"),
    audit_time: ("date", "minutes", "task", "category", "urgent", "important", "who_could_do_it", "delegate_rate"),
}
CALLS = {
    delegation_ranking: lambda log: delegation_ranking(log, 100),
    audit_time: lambda log: audit_time(log, 100),
}
MISSING = [(function, column) for function, columns in NEEDS.items() for column in columns]


@pytest.mark.parametrize(
    ("function", "column"), MISSING, ids=[f"{function.__name__}-{column}" for function, column in MISSING]
)
def test_a_missing_column_is_named(function, column):
    call = CALLS.get(function, function)
    with pytest.raises(ValueError, match=f"no column '{column}'"):
        call(small_log().drop(columns=column))


@pytest.mark.parametrize("function", list(NEEDS), ids=lambda f: f.__name__)
@pytest.mark.parametrize("log", [None, [1, 2], "time_log.csv", {"minutes": [15]}], ids=repr)
def test_a_log_that_is_not_a_dataframe_is_refused(function, log):
    with pytest.raises(ValueError, match="must be a pandas DataFrame"):
        CALLS.get(function, function)(log)


@pytest.mark.parametrize("function", list(NEEDS), ids=lambda f: f.__name__)
def test_an_empty_log_is_refused(function):
    with pytest.raises(ValueError, match="no rows"):
        CALLS.get(function, function)(small_log().iloc[0:0])


def with_value(column, value, row=1):
    """The small log with one cell replaced; the column becomes float for a number, object for anything else."""
    log = small_log()
    numeric = column in ("minutes", "delegate_rate") and isinstance(value, (int, float)) and not isinstance(value, bool)
    log[column] = log[column].astype(float if numeric else object)
    log.loc[row, column] = value
    return log


@pytest.mark.parametrize(
    ("column", "value", "field"),
    [
        ("minutes", -15, MINUTES),
        ("minutes", 0, MINUTES),
        ("minutes", math.inf, MINUTES),
        ("minutes", 2_000, MINUTES),
        ("delegate_rate", -5, DELEGATE_RATE),
        ("delegate_rate", math.inf, DELEGATE_RATE),
        ("delegate_rate", 1e12, DELEGATE_RATE),
    ],
    ids=lambda value: repr(value) if not hasattr(value, "name") else value.name,
)
def test_a_bad_number_in_the_log_names_its_field_row_and_range(column, value, field):
    with pytest.raises(InputError) as caught:
        audit_time(with_value(column, value), 100)
    assert caught.value.field is field
    assert "in row 1" in str(caught.value) and field.valid_range() in str(caught.value)


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("minutes", math.nan, "'minutes' of the time log is empty in row 1"),
        ("minutes", "thirty", "'minutes' of the time log must hold numbers"),
        ("delegate_rate", "cheap", "'delegate_rate' of the time log must hold numbers"),
        ("urgent", "yes", "'urgent' of the time log must hold True or False"),
        ("important", None, "'important' of the time log is empty in row 1"),
        ("task", None, "'task' of the time log is empty in row 1"),
        ("category", 7, "'category' of the time log must hold text"),
        ("who_could_do_it", None, "'who_could_do_it' of the time log is empty in row 1"),
        ("date", "next Tuesday", "'date' of the time log must hold dates"),
        ("date", None, "'date' of the time log is empty in row 1"),
    ],
)
def test_a_malformed_column_is_named(column, value, message):
    with pytest.raises(ValueError, match=message):
        audit_time(with_value(column, value), 100)


def test_flags_written_as_numbers_are_refused():
    log = small_log()
    log["urgent"] = log["urgent"].astype(int)
    with pytest.raises(ValueError, match="'urgent' of the time log must hold True or False"):
        classify_blocks(log)


@pytest.mark.parametrize("bad", ["yes", 1, None, "True"], ids=repr)
def test_a_single_flag_must_be_a_bool(bad):
    with pytest.raises(ValueError, match="urgent must be True or False"):
        eisenhower_quadrant(bad, True)
    with pytest.raises(ValueError, match="important must be True or False"):
        four_d_action(True, bad)


@pytest.mark.parametrize("bad", [None, 3, ["admin"]], ids=repr)
def test_a_category_must_be_text(bad):
    with pytest.raises(ValueError, match="category must be a text"):
        handoff_rung(bad)


def test_weeks_logged_cannot_be_changed_on_a_summary():
    summary = summarize_log(small_log())
    with pytest.raises(ValueError, match="weeks_logged is fixed"):
        audit_time(summary, 100, weeks_logged=3)


def test_a_missing_file_says_where_it_looked(tmp_path):
    missing = tmp_path / "nowhere.csv"
    with pytest.raises(FileNotFoundError, match="No time log at .*nowhere.csv"):
        load_time_log(missing)


def test_a_missing_default_log_says_how_to_make_it(monkeypatch, tmp_path):
    import widgets.time_audit as model

    monkeypatch.setattr(model, "DEFAULT_LOG_PATH", tmp_path / "time_log.csv")
    with pytest.raises(FileNotFoundError, match="tools.make_time_log"):
        load_time_log()


def test_the_default_log_is_found_from_any_working_directory(tmp_path):
    code = "from widgets.time_audit import load_time_log; print(len(load_time_log()))"
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert int(out.stdout) == len(pd.read_csv(DEFAULT_LOG_PATH))


def test_load_time_log_checks_what_it_reads(tmp_path):
    broken = tmp_path / "broken.csv"
    small_log().drop(columns="minutes").to_csv(broken, index=False)
    with pytest.raises(ValueError, match="no column 'minutes'"):
        load_time_log(broken)


def test_the_model_imports_no_widgets_ipython_or_matplotlib():
    code = (
        "import sys, widgets.time_audit\n"
        "print(sorted(m for m in ('ipywidgets', 'IPython', 'matplotlib') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
