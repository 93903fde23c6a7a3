"""A time audit: where an owner's hours go, what to drop or hand off, and what handing off is worth.

Pure functions on a time log, a pandas DataFrame with one row per logged block
(15 to 30 minutes of work is the usual grain). No widgets, no plotting. Every
public function checks the columns it needs and raises a ``ValueError`` naming
a missing or malformed column; a bad number becomes an
:class:`~widgets.fields.InputError` naming its field (and, for a value in the
log, its row) and the valid range.

The columns a function may need (see :data:`TIME_LOG_COLUMNS`):

- ``date`` (``YYYY-MM-DD``) and ``minutes`` (the block's length);
- ``task`` and ``category`` (admin, email, delivery, marketing, sales, leadership...);
- ``urgent`` and ``important`` (``True`` or ``False``);
- ``who_could_do_it`` and ``delegate_rate``: who else could do the task and
  their market rate per hour, empty (``NaN``) when nobody else should.

Sources (see ``course/07-time-audit.ipynb``): the Eisenhower matrix (urgent and
important: do; important: schedule; urgent: delegate; neither: delete), the
4Ds (Do, Defer, Delegate, Delete), and Dan Martell, *Buy Back Your Time* (2023):
the buyback rate is a quarter of the owner's hourly value, and work is handed
off in the order admin, delivery, marketing, sales, leadership.

>>> log = pd.DataFrame({
...     "date": ["2025-03-03"] * 4,
...     "minutes": [30, 30, 15, 45],
...     "task": ["Inbox triage", "Client calls", "Inbox triage", "Strategy"],
...     "category": ["email", "delivery", "email", "leadership"],
...     "urgent": [True, True, True, False],
...     "important": [False, True, False, True],
...     "who_could_do_it": ["VA", "only the owner", "VA", "only the owner"],
...     "delegate_rate": [22, None, 22, None],
... })
>>> audit = audit_time(log, hourly_value=100, weeks_per_year=48)
>>> audit.buyback_rate, audit.hours_to_delegate_per_week, audit.yearly_saving
(25.0, 0.75, 2808.0)
"""

from __future__ import annotations

import math
import pathlib
from dataclasses import dataclass

from widgets.delegation import DELEGATE_RATE, HOURLY_VALUE, SHARE_REINVESTED, WEEKS_PER_YEAR, buyback_rate
from widgets.fields import Field, InputError
from widgets.lazy_modules import LazyModule

np = LazyModule("numpy")
pd = LazyModule("pandas")
pd_types = LazyModule("pandas.api.types")

MINUTES = Field(
    "minutes", "Minutes of a logged block", "min", 0, 24 * 60, min_exclusive=True,
    labels={"it": "Minuti di un blocco registrato"},
)
WEEKS_LOGGED = Field(
    "weeks_logged", "Weeks the log covers", "weeks", 0, 520, min_exclusive=True,
    labels={"it": "Settimane coperte dal registro"},
)

#: The inputs of :func:`audit_time` a calculator shows, in order.
TIME_AUDIT_FIELDS = (HOURLY_VALUE, WEEKS_PER_YEAR, SHARE_REINVESTED)

#: Every column a time log has; each function needs only some of them.
TIME_LOG_COLUMNS = (
    "date", "start", "end", "minutes", "task", "category", "urgent", "important", "who_could_do_it",
    "delegate_rate",
)  # fmt: skip
#: The columns the audit reads (the clock times are for the person keeping the log).
AUDIT_COLUMNS = tuple(column for column in TIME_LOG_COLUMNS if column not in ("start", "end"))

#: Eisenhower's four boxes, keyed by (urgent, important): the box, and its action among the 4Ds.
EISENHOWER = {
    (True, True): ("urgent and important", "Do"),
    (False, True): ("important, not urgent", "Defer"),
    (True, False): ("urgent, not important", "Delegate"),
    (False, False): ("neither", "Delete"),
}
#: The 4Ds, in the order a table shows them.
FOUR_DS = ("Do", "Defer", "Delegate", "Delete")

#: Martell's order of handing work off, first rung first.
HANDOFF_ORDER = ("admin", "delivery", "marketing", "sales", "leadership")
#: Categories that sit on a rung under another name: email is admin work.
HANDOFF_ALIASES = {"email": "admin"}

#: The synthetic log lesson 07 audits, beside the notebooks (the repository's course/data folder).
DEFAULT_LOG_PATH = pathlib.Path(__file__).resolve().parent.parent / "course" / "data" / "time_log.csv"


# --- one block at a time ---


def _flag(name: str, value: object) -> bool:
    if isinstance(value, (bool, np.bool_)):  # Python's or numpy's bool
        return bool(value)
    raise ValueError(f"{name} must be True or False; got {value!r}.")


def eisenhower_quadrant(urgent: bool, important: bool) -> str:
    """The Eisenhower box of a block of work.

    >>> eisenhower_quadrant(urgent=True, important=True)
    'urgent and important'
    >>> eisenhower_quadrant(urgent=False, important=False)
    'neither'
    >>> eisenhower_quadrant("yes", True)
    Traceback (most recent call last):
    ...
    ValueError: urgent must be True or False; got 'yes'.
    """
    return EISENHOWER[_flag("urgent", urgent), _flag("important", important)][0]


def four_d_action(urgent: bool, important: bool) -> str:
    """What to do with a block of work, among the 4Ds.

    Urgent and important: do it. Important only: defer it to a time you
    schedule. Urgent only: delegate it. Neither: delete it.

    >>> [four_d_action(True, True), four_d_action(False, True), four_d_action(True, False), four_d_action(False, False)]
    ['Do', 'Defer', 'Delegate', 'Delete']
    """
    return EISENHOWER[_flag("urgent", urgent), _flag("important", important)][1]


def handoff_rung(category: str) -> int | None:
    """The rung of Martell's ladder a category sits on (1 = hand it off first); None if it is on none.

    >>> [handoff_rung(name) for name in ("admin", "Email", "delivery", "sales", "leadership")]
    [1, 1, 2, 4, 5]
    >>> handoff_rung("personal") is None
    True
    """
    if not isinstance(category, str):
        raise ValueError(f"category must be a text such as 'admin'; got {category!r}.")
    name = category.strip().lower()
    name = HANDOFF_ALIASES.get(name, name)
    return HANDOFF_ORDER.index(name) + 1 if name in HANDOFF_ORDER else None


# --- checking a log ---


def _row(series: pd.Series, mask: pd.Series) -> tuple[object, object]:
    """The index label and value of the first row where ``mask`` is true."""
    label = mask.idxmax()
    value = series.loc[label]
    return label, value.item() if hasattr(value, "item") else value  # a numpy scalar reads as a plain number


def _check_text(log: pd.DataFrame, column: str) -> None:
    series = log[column]
    missing = series.isna()
    if missing.any():
        raise ValueError(f"column {column!r} of the time log is empty in row {missing.idxmax()}.")
    if pd_types.infer_dtype(series, skipna=False) != "string":
        raise ValueError(f"column {column!r} of the time log must hold text; it holds {series.dtype} values.")


def _check_flag(log: pd.DataFrame, column: str) -> None:
    series = log[column]
    if series.isna().any():
        raise ValueError(f"column {column!r} of the time log is empty in row {series.isna().idxmax()}.")
    if not (pd_types.is_bool_dtype(series) or pd_types.infer_dtype(series, skipna=False) == "boolean"):
        raise ValueError(f"column {column!r} of the time log must hold True or False; it holds {series.dtype} values.")


def _check_number(log: pd.DataFrame, column: str, field: Field, allow_missing: bool) -> None:
    series = log[column]
    if pd_types.is_bool_dtype(series) or not pd_types.is_numeric_dtype(series):
        raise ValueError(f"column {column!r} of the time log must hold numbers; it holds {series.dtype} values.")
    values = series.astype(float)
    missing = values.isna()
    if missing.any() and not allow_missing:
        raise ValueError(f"column {column!r} of the time log is empty in row {missing.idxmax()}.")
    too_low = values <= field.minimum if field.min_exclusive else values < field.minimum
    bad = ~missing & (too_low | (values > field.maximum) | values.isin([math.inf, -math.inf]))
    if bad.any():
        label, value = _row(series, bad)
        raise InputError(field, value, f"in row {label} must be {field.valid_range()}")


def _dates(log: pd.DataFrame) -> pd.Series:
    series = log["date"]
    try:
        dates = pd.to_datetime(series, format="ISO8601")
    except (ValueError, TypeError) as error:
        raise ValueError(f"column 'date' of the time log must hold dates such as 2025-03-03: {error}") from None
    if dates.isna().any():
        raise ValueError(f"column 'date' of the time log is empty in row {dates.isna().idxmax()}.")
    return dates


_CHECKS = {
    "minutes": lambda log: _check_number(log, "minutes", MINUTES, allow_missing=False),
    "delegate_rate": lambda log: _check_number(log, "delegate_rate", DELEGATE_RATE, allow_missing=True),
    "urgent": lambda log: _check_flag(log, "urgent"),
    "important": lambda log: _check_flag(log, "important"),
    "task": lambda log: _check_text(log, "task"),
    "category": lambda log: _check_text(log, "category"),
    "who_could_do_it": lambda log: _check_text(log, "who_could_do_it"),
    "date": _dates,
}


def check_time_log(log: pd.DataFrame, columns: tuple[str, ...] = AUDIT_COLUMNS) -> pd.DataFrame:
    """Return ``log`` unchanged if it has the ``columns`` and their values make sense; else raise a ValueError.

    >>> check_time_log(pd.DataFrame({"minutes": [15]}), ("minutes", "task"))
    Traceback (most recent call last):
    ...
    ValueError: the time log has no column 'task'; it needs 'minutes', 'task'.
    >>> check_time_log(pd.DataFrame({"minutes": [15, -30]}), ("minutes",))
    Traceback (most recent call last):
    ...
    widgets.fields.InputError: minutes (Minutes of a logged block) in row 1 must be a number more than 0 and at most 1,440 min; got -30.
    """
    if not isinstance(log, pd.DataFrame):
        raise ValueError(f"the time log must be a pandas DataFrame; got {type(log).__name__}.")
    missing = [column for column in columns if column not in log.columns]
    if missing:
        needed = ", ".join(repr(column) for column in columns)
        names = ", ".join(repr(column) for column in missing)
        raise ValueError(f"the time log has no column{'s' if len(missing) > 1 else ''} {names}; it needs {needed}.")
    if log.empty:
        raise ValueError("the time log has no rows.")
    for column in columns:
        if column in _CHECKS:
            _CHECKS[column](log)
    return log


def load_time_log(path: str | pathlib.Path | None = None) -> pd.DataFrame:
    """Read a time log from a CSV file (by default the course's synthetic log) and check it.

    >>> log = load_time_log()
    >>> list(log.columns) == list(TIME_LOG_COLUMNS), len(log) > 0
    (True, True)
    """
    target = DEFAULT_LOG_PATH if path is None else pathlib.Path(path)
    if not target.is_file():
        hint = (
            " Run `python -m tools.make_time_log` in the repository folder to create it, or pass a DataFrame."
            if path is None else ""
        )
        raise FileNotFoundError(f"No time log at {target}.{hint}")
    return check_time_log(pd.read_csv(target), AUDIT_COLUMNS)


# --- totals ---


def _count_weeks(log: pd.DataFrame) -> float:
    calendar = _dates(log).dt.isocalendar()
    return float(len(calendar[["year", "week"]].drop_duplicates()))


def weeks_in_log(log: pd.DataFrame) -> float:
    """How many calendar weeks (Monday to Sunday) the log's dates fall in.

    A log of a part of a week counts as a whole week; when that is not what
    you mean, pass ``weeks_logged`` to the functions below.

    >>> weeks_in_log(pd.DataFrame({"date": ["2025-03-03", "2025-03-07", "2025-03-10"]}))
    2.0
    """
    check_time_log(log, ("date",))
    return _count_weeks(log)


def _checked_weeks(log: pd.DataFrame, columns: tuple[str, ...], weeks_logged: float | None) -> float:
    """Check the log (its dates too, unless the weeks are given) and return the weeks it covers."""
    if weeks_logged is not None:
        weeks = WEEKS_LOGGED.check(weeks_logged)
        check_time_log(log, columns)
        return weeks
    check_time_log(log, ("date", *columns))
    return _count_weeks(log)


def _classified(log: pd.DataFrame) -> pd.DataFrame:
    blocks = log.copy()
    blocks["hours"] = blocks["minutes"].astype(float) / 60
    keys = list(zip(blocks["urgent"].astype(bool), blocks["important"].astype(bool)))
    blocks["quadrant"] = [EISENHOWER[key][0] for key in keys]
    blocks["action"] = [EISENHOWER[key][1] for key in keys]
    return blocks


def classify_blocks(log: pd.DataFrame) -> pd.DataFrame:
    """A copy of the log with each block's ``hours``, Eisenhower ``quadrant`` and 4D ``action``.

    >>> log = pd.DataFrame({"minutes": [30, 15], "urgent": [True, False], "important": [False, False]})
    >>> classify_blocks(log)
       minutes  urgent  important  hours               quadrant    action
    0       30    True      False   0.50  urgent, not important  Delegate
    1       15   False      False   0.25                neither    Delete
    """
    check_time_log(log, ("minutes", "urgent", "important"))
    return _classified(log)


def _with_weekly_hours(totals: pd.DataFrame, weeks: float) -> pd.DataFrame:
    totals["hours_per_week"] = totals["hours"] / weeks
    totals["share"] = totals["hours"] / totals["hours"].sum()
    return totals


def _rungs(categories: pd.Series) -> pd.arrays.IntegerArray:
    return pd.array([handoff_rung(name) for name in categories], dtype="Int64")


def _category_totals(log: pd.DataFrame, weeks: float) -> pd.DataFrame:
    totals = (log.groupby("category", sort=False)["minutes"].sum().astype(float) / 60).rename("hours").reset_index()
    totals = _with_weekly_hours(totals, weeks)
    totals["rung"] = _rungs(totals["category"])
    return totals.sort_values(["hours", "rung"], ascending=[False, True], kind="stable").reset_index(drop=True)


def hours_by_category(log: pd.DataFrame, weeks_logged: float | None = None) -> pd.DataFrame:
    """Hours per category: in total, per week and as a share of all hours, with Martell's rung; most hours first.

    >>> log = pd.DataFrame({"date": ["2025-03-03"] * 3, "minutes": [30, 90, 60],
    ...                     "category": ["email", "delivery", "email"]})
    >>> hours_by_category(log)
       category  hours  hours_per_week  share  rung
    0     email    1.5             1.5    0.5     1
    1  delivery    1.5             1.5    0.5     2
    """
    weeks = _checked_weeks(log, ("minutes", "category"), weeks_logged)
    return _category_totals(log, weeks)


def _action_totals(log: pd.DataFrame, weeks: float) -> pd.DataFrame:
    hours = _classified(log).groupby("action")["hours"].sum()
    boxes = {action: box for box, action in EISENHOWER.values()}
    totals = pd.DataFrame(
        {
            "action": list(FOUR_DS),
            "quadrant": [boxes[action] for action in FOUR_DS],
            "hours": [float(hours.get(action, 0.0)) for action in FOUR_DS],
        }
    )
    return _with_weekly_hours(totals, weeks)


def hours_by_action(log: pd.DataFrame, weeks_logged: float | None = None) -> pd.DataFrame:
    """Hours per 4D action (and Eisenhower box), in the order Do, Defer, Delegate, Delete.

    >>> log = pd.DataFrame({"date": ["2025-03-03"] * 2, "minutes": [30, 90],
    ...                     "urgent": [True, False], "important": [True, False]})
    >>> hours_by_action(log)
         action               quadrant  hours  hours_per_week  share
    0        Do   urgent and important    0.5             0.5   0.25
    1     Defer  important, not urgent    0.0             0.0   0.00
    2  Delegate  urgent, not important    0.0             0.0   0.00
    3    Delete                neither    1.5             1.5   0.75
    """
    weeks = _checked_weeks(log, ("minutes", "urgent", "important"), weeks_logged)
    return _action_totals(log, weeks)


#: What makes two blocks the same task in :func:`task_hours`.
TASK_KEYS = ("task", "category", "urgent", "important", "who_could_do_it", "delegate_rate")
#: The columns of :func:`task_hours`, in order.
TASK_COLUMNS = ("task", "category", "rung", "action", "who_could_do_it", "delegate_rate", "hours", "hours_per_week")


def _task_totals(log: pd.DataFrame, weeks: float) -> pd.DataFrame:
    # dropna=False keeps the tasks nobody else could do (no delegate rate).
    tasks = log.groupby(list(TASK_KEYS), sort=False, dropna=False)["minutes"].sum().astype(float).reset_index()
    hours = tasks["minutes"] / 60
    table = pd.DataFrame(
        {
            "task": tasks["task"],
            "category": tasks["category"],
            "rung": _rungs(tasks["category"]),
            "action": [EISENHOWER[bool(urgent), bool(important)][1]
                       for urgent, important in zip(tasks["urgent"], tasks["important"])],
            "who_could_do_it": tasks["who_could_do_it"],
            "delegate_rate": tasks["delegate_rate"].astype(float),
            "hours": hours,
            "hours_per_week": hours / weeks,
        },
        columns=list(TASK_COLUMNS),
    )
    return table.sort_values(["hours", "task"], ascending=[False, True], kind="stable").reset_index(drop=True)


def task_hours(log: pd.DataFrame, weeks_logged: float | None = None) -> pd.DataFrame:
    """Hours per task, in total and per week, with its category's rung, its 4D action and its delegate.

    A task whose blocks disagree (two rates, or urgent in some blocks only)
    gets one row per variant. ``delegate_rate`` is NaN where nobody else
    could do the task.

    >>> log = pd.DataFrame({
    ...     "date": ["2025-03-03", "2025-03-04", "2025-03-04"], "minutes": [60, 30, 120],
    ...     "task": ["Inbox triage", "Inbox triage", "Strategy"], "category": ["email", "email", "leadership"],
    ...     "urgent": [True, True, False], "important": [False, False, True],
    ...     "who_could_do_it": ["VA", "VA", "only the owner"], "delegate_rate": [22, 22, None]})
    >>> task_hours(log)[["task", "rung", "action", "delegate_rate", "hours_per_week"]]
               task  rung    action  delegate_rate  hours_per_week
    0      Strategy     5     Defer            NaN             2.0
    1  Inbox triage     1  Delegate           22.0             1.5
    """
    weeks = _checked_weeks(log, ("minutes", *TASK_KEYS), weeks_logged)
    return _task_totals(log, weeks)


@dataclass(frozen=True, eq=False)
class TimeLogSummary:
    """What a log says by itself, before any owner's hourly value: made once, audited many times.

    ``tasks`` is :func:`task_hours`, ``by_category`` :func:`hours_by_category`
    and ``by_action`` :func:`hours_by_action`, all over ``weeks_logged`` weeks.
    """

    weeks_logged: float
    hours_logged: float
    by_category: pd.DataFrame
    by_action: pd.DataFrame
    tasks: pd.DataFrame

    @property
    def hours_per_week(self) -> float:
        """The owner's logged hours in an average week."""
        return self.hours_logged / self.weeks_logged


#: The columns of a log that :func:`summarize_log` needs (and ``date`` too, unless the weeks are given).
SUMMARY_COLUMNS = ("minutes", *TASK_KEYS)


def summarize_log(log: pd.DataFrame, weeks_logged: float | None = None) -> TimeLogSummary:
    """Check the log once and total it by category, by 4D action and by task.

    The course's synthetic log: two weeks, 87.5 hours, so 43.75 hours a week.

    >>> summary = summarize_log(load_time_log())
    >>> summary.weeks_logged, summary.hours_logged, summary.hours_per_week
    (2.0, 87.5, 43.75)
    """
    weeks = _checked_weeks(log, SUMMARY_COLUMNS, weeks_logged)
    return TimeLogSummary(
        weeks_logged=weeks,
        hours_logged=float(log["minutes"].sum()) / 60,
        by_category=_category_totals(log, weeks),
        by_action=_action_totals(log, weeks),
        tasks=_task_totals(log, weeks),
    )


def _summary(source: pd.DataFrame | TimeLogSummary, weeks_logged: float | None) -> TimeLogSummary:
    if isinstance(source, TimeLogSummary):
        if weeks_logged is not None:
            raise ValueError("weeks_logged is fixed when the log is summarized; pass it to summarize_log.")
        return source
    return summarize_log(source, weeks_logged)


# --- what is worth handing off ---

#: The columns of :func:`delegation_ranking`, in order.
RANKING_COLUMNS = (
    "task", "category", "rung", "action", "who_could_do_it", "delegate_rate", "hours_per_week", "hours_per_year",
    "owner_cost_per_year", "delegate_cost_per_year", "yearly_saving", "below_buyback",
)  # fmt: skip


def _ranking(summary: TimeLogSummary, value: float, weeks_per_year: float, share: float) -> pd.DataFrame:
    # Plain arrays and one DataFrame at the end: this runs on every move of a calculator's slider.
    tasks = summary.tasks
    rate_all = tasks["delegate_rate"].to_numpy(dtype=float)
    rows = np.flatnonzero(~np.isnan(rate_all))
    rate = rate_all[rows]
    hours_per_week = tasks["hours_per_week"].to_numpy(dtype=float)[rows]
    hours_per_year = hours_per_week * weeks_per_year
    saving = hours_per_year * (share * value - rate)
    names = tasks["task"].to_numpy()[rows]
    order = sorted(range(len(rows)), key=lambda index: (-saving[index], names[index]))
    picked = rows[order] if len(rows) else rows
    return pd.DataFrame(
        {
            "task": names[order],
            "category": tasks["category"].to_numpy()[picked],
            "rung": tasks["rung"].array[picked],
            "action": tasks["action"].to_numpy()[picked],
            "who_could_do_it": tasks["who_could_do_it"].to_numpy()[picked],
            "delegate_rate": rate[order],
            "hours_per_week": hours_per_week[order],
            "hours_per_year": hours_per_year[order],
            "owner_cost_per_year": hours_per_year[order] * value,
            "delegate_cost_per_year": hours_per_year[order] * rate[order],
            "yearly_saving": saving[order],
            "below_buyback": rate[order] <= buyback_rate(value),
        },
        columns=list(RANKING_COLUMNS),
    )


def delegation_ranking(
    log: pd.DataFrame | TimeLogSummary,
    hourly_value: float,
    weeks_per_year: float = 48,
    share_reinvested: float = 1,
    weeks_logged: float | None = None,
) -> pd.DataFrame:
    """Every task someone else could do, with what handing it off is worth in a year; biggest saving first.

    ``log`` is a time log, or its :func:`summarize_log` (faster when the
    inputs change many times). Per task: its ``hours_per_week`` in the log and
    ``hours_per_year`` over ``weeks_per_year``; the ``owner_cost_per_year``
    (those hours at the owner's ``hourly_value`` V) and the
    ``delegate_cost_per_year`` (at the task's ``delegate_rate`` r); the
    ``yearly_saving`` ``(p*V - r) * hours_per_year``, where p is the
    ``share_reinvested`` of the freed hours put to good use (with p = 1, simply
    ``(V - r) * hours_per_year``); and ``below_buyback``, true when r is at or
    below Martell's buyback rate V / 4. Tasks with no delegate rate (only the
    owner, or nobody) are left out.

    >>> log = pd.DataFrame({
    ...     "date": ["2025-03-03", "2025-03-04", "2025-03-04"], "minutes": [60, 60, 120],
    ...     "task": ["Inbox triage", "Inbox triage", "Proposals"], "category": ["email", "email", "sales"],
    ...     "urgent": [True, True, False], "important": [False, False, True],
    ...     "who_could_do_it": ["VA", "VA", "OBM"], "delegate_rate": [22, 22, 45]})
    >>> ranking = delegation_ranking(log, hourly_value=100, weeks_per_year=48)
    >>> ranking[["task", "hours_per_year", "yearly_saving", "below_buyback"]]
               task  hours_per_year  yearly_saving  below_buyback
    0  Inbox triage            96.0         7488.0           True
    1     Proposals            96.0         5280.0          False
    """
    value = HOURLY_VALUE.check(hourly_value)
    weeks_per_year = WEEKS_PER_YEAR.check(weeks_per_year)
    share = SHARE_REINVESTED.check(share_reinvested)
    return _ranking(_summary(log, weeks_logged), value, weeks_per_year, share)


@dataclass(frozen=True, eq=False)
class TimeAudit:
    """Everything the time audit shows, from one log and one set of inputs.

    ``ranking`` holds every task someone else could do (see
    :func:`delegation_ranking`); ``worth_delegating`` only those at or below
    the buyback rate, biggest yearly saving first. Results hold DataFrames, so
    two audits are equal only when they are the same object.
    """

    hourly_value: float
    weeks_per_year: float
    share_reinvested: float
    buyback_rate: float
    summary: TimeLogSummary
    ranking: pd.DataFrame
    worth_delegating: pd.DataFrame
    hours_to_delegate_per_week: float
    yearly_saving: float

    @property
    def hours_per_week(self) -> float:
        """The owner's logged hours in an average week."""
        return self.summary.hours_per_week

    @property
    def share_to_delegate(self) -> float:
        """The share of the owner's logged hours that could be bought back at or below the buyback rate."""
        return self.hours_to_delegate_per_week / self.hours_per_week


def audit_time(
    log: pd.DataFrame | TimeLogSummary,
    hourly_value: float,
    weeks_per_year: float = 48,
    share_reinvested: float = 1,
    weeks_logged: float | None = None,
) -> TimeAudit:
    """The whole time audit at once; the calculator's single call into the model.

    ``log`` is a time log or its :func:`summarize_log`. The yearly saving adds
    up the tasks at or below the buyback rate: those worth handing off on
    Martell's test.

    >>> audit = audit_time(load_time_log(), hourly_value=100)
    >>> audit.buyback_rate, bool(audit.worth_delegating["below_buyback"].all())
    (25.0, True)
    """
    value = HOURLY_VALUE.check(hourly_value)
    weeks_per_year = WEEKS_PER_YEAR.check(weeks_per_year)
    share = SHARE_REINVESTED.check(share_reinvested)
    summary = _summary(log, weeks_logged)
    ranking = _ranking(summary, value, weeks_per_year, share)
    worth = ranking.loc[ranking["below_buyback"]].reset_index(drop=True)
    return TimeAudit(
        hourly_value=value,
        weeks_per_year=weeks_per_year,
        share_reinvested=share,
        buyback_rate=buyback_rate(value),
        summary=summary,
        ranking=ranking,
        worth_delegating=worth,
        hours_to_delegate_per_week=float(worth["hours_per_week"].sum()),
        yearly_saving=float(worth["yearly_saving"].sum()),
    )
