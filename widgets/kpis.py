"""The numbers an OBM reports: retention and churn, recurring revenue, retainer health and anomaly flags.

Pure functions and frozen dataclasses; no widgets, no plotting. Scalar inputs
are validated by :class:`~widgets.fields.Field` at the edge and a bad one
raises :class:`~widgets.fields.InputError` (a ``ValueError``) naming the field
and its valid range. Functions that take a table (a pandas ``Series`` or
``DataFrame`` of daily metrics) raise a ``ValueError`` that names the missing
column, the non-numeric column, the missing value or the gap in the dates.

The formulas (domain notes §5; see ``course/09-results-not-hours.ipynb``):

- retention = (customers at the end - new customers) / customers at the start;
- churn = customers lost / customers at the start;
- MRR (monthly recurring revenue) = active subscribers * monthly price;
- retainer health: hours used against hours included, overage, effective rate;
  resize or drop a retainer used under 60% two months running;
- anomaly flag: z = (today - 28-day rolling mean) / 28-day rolling standard
  deviation, with the mean and deviation of the 28 days *before* today.

A client who started a month with 200 customers, gained 30 and ended with 210
kept 180 of the first 200 and lost 20:

>>> retention_rate(customers_start=200, customers_end=210, new_customers=30)
0.9
>>> churn_rate(customers_start=200, customers_lost=20)
0.1

A 25-hour retainer used for 13.5 hours, after a month of 14: under 60% two
months running, so the advice is to resize it or drop it.

>>> health = retainer_health(hours_included=25, hours_used=13.5, monthly_fee=1250,
...                          overage_rate=60, previous_hours_used=14)
>>> health.used_share, health.previous_used_share, health.advice
(0.54, 0.56, 'resize_down')
>>> round(health.effective_rate, 2)
92.59
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from widgets.fields import Field, InputError
from widgets.lazy_modules import LazyModule

pd = LazyModule("pandas")

#: Counts of customers are whole numbers; this bound only guards against absurd magnitudes.
_MANY = 100_000_000
#: The most hours one month can hold (31 days of 24 hours).
_MONTH_HOURS = 744

CUSTOMERS_START = Field(
    "customers_start", "Customers at the start of the period", "", 0, _MANY, min_exclusive=True, integer=True,
    labels={"it": "Clienti a inizio periodo"},
)
CUSTOMERS_END = Field(
    "customers_end", "Customers at the end of the period", "", 0, _MANY, integer=True,
    labels={"it": "Clienti a fine periodo"},
)
NEW_CUSTOMERS = Field(
    "new_customers", "New customers in the period", "", 0, _MANY, integer=True,
    labels={"it": "Nuovi clienti nel periodo"},
)
CUSTOMERS_LOST = Field(
    "customers_lost", "Customers lost in the period", "", 0, _MANY, integer=True,
    labels={"it": "Clienti persi nel periodo"},
)
SUBSCRIBERS = Field(
    "subscribers", "Active subscribers", "", 0, _MANY, integer=True,
    labels={"it": "Abbonati attivi"},
)
MONTHLY_PRICE = Field(
    "monthly_price", "Monthly subscription price", "{currency}", 0, 1_000_000,
    labels={"it": "Prezzo mensile dell'abbonamento"},
)
#: At least a quarter hour, the unit hours are logged in: the used share divides by it.
HOURS_INCLUDED = Field(
    "hours_included", "Hours included per month", "h", 0.25, _MONTH_HOURS,
    labels={"it": "Ore incluse al mese"},
)
HOURS_USED = Field(
    "hours_used", "Hours used this month", "h", 0, _MONTH_HOURS,
    labels={"it": "Ore usate questo mese"},
)
PREVIOUS_HOURS_USED = Field(
    "previous_hours_used", "Hours used last month", "h", 0, _MONTH_HOURS,
    labels={"it": "Ore usate il mese scorso"},
)
MONTHLY_FEE = Field(
    "monthly_fee", "Monthly retainer fee", "{currency}", 0, 10_000_000,
    labels={"it": "Canone mensile del retainer"},
)
OVERAGE_RATE = Field(
    "overage_rate", "Rate for hours over the retainer", "{currency}/h", 0, 10_000,
    labels={"it": "Tariffa per le ore oltre il retainer"},
)
LOW_USE_THRESHOLD = Field(
    "threshold", "Low-use threshold (share of hours included)", "", 0, 1, min_exclusive=True,
    labels={"it": "Soglia di basso utilizzo (quota delle ore incluse)"},
)
WINDOW_DAYS = Field(
    "window", "Rolling window", "days", 2, 366, integer=True,
    labels={"it": "Finestra mobile"},
)
Z_THRESHOLD = Field(
    "threshold", "Anomaly threshold (size of z)", "", 0, 100, min_exclusive=True,
    labels={"it": "Soglia di anomalia (valore assoluto di z)"},
)

#: The inputs of :func:`retainer_health`, in the order a view shows them.
RETAINER_FIELDS = (HOURS_INCLUDED, HOURS_USED, MONTHLY_FEE, OVERAGE_RATE, PREVIOUS_HOURS_USED)

#: Under this share of the included hours two months running, resize or drop the retainer (domain notes §5).
LOW_USE_SHARE = 0.6
#: The window of the anomaly flag, in days, and how far from the mean (in standard deviations) a day is flagged.
ANOMALY_WINDOW = 28
ANOMALY_THRESHOLD = 3.0

#: What :attr:`RetainerHealth.advice` can say, from the calmest to the most urgent.
HEALTHY, WATCH, OVER, RESIZE_UP, RESIZE_DOWN = "healthy", "watch", "over", "resize_up", "resize_down"
RETAINER_ADVICE = (HEALTHY, WATCH, OVER, RESIZE_UP, RESIZE_DOWN)

#: The daily columns :func:`monthly_summary` needs, and those it adds up when they are there.
SUMMARY_COLUMNS = ("revenue", "orders", "new_members", "cancelled_members", "members")
SUMMED_IF_PRESENT = ("support_emails", "obm_hours")


# --- customers and recurring revenue ---


def retention_rate(customers_start: int, customers_end: int, new_customers: int) -> float:
    """The share of the period's first customers still there at its end: ``(end - new) / start``.

    The formula counts every customer lost as one of those at the start, so
    it needs ``new <= end`` (new customers cannot have left already) and
    ``end - new <= start``.

    >>> retention_rate(400, 436, 66)
    0.925
    >>> retention_rate(200, 20, 30)  # doctest: +NORMALIZE_WHITESPACE
    Traceback (most recent call last):
    ...
    widgets.fields.InputError: new_customers (New customers in the period) must be at most the customers at the end
    of the period (20); got 30.
    """
    start = CUSTOMERS_START.check(customers_start)
    end = CUSTOMERS_END.check(customers_end)
    new = NEW_CUSTOMERS.check(new_customers)
    if new > end:
        raise InputError(
            NEW_CUSTOMERS, new_customers, f"must be at most the customers at the end of the period ({int(end)})"
        )
    if end - new > start:
        raise InputError(
            CUSTOMERS_END, customers_end,
            f"must be at most the customers at the start plus the new ones ({int(start + new)})",
        )
    return (end - new) / start


def churn_rate(customers_start: int, customers_lost: int) -> float:
    """The share of the period's first customers who left: ``lost / start``.

    When the lost customers are ``start + new - end``, churn is ``1 - retention``:

    >>> churn_rate(400, 30), round(1 - retention_rate(400, 436, 66), 10)
    (0.075, 0.075)
    """
    start = CUSTOMERS_START.check(customers_start)
    lost = CUSTOMERS_LOST.check(customers_lost)
    if lost > start:
        raise InputError(CUSTOMERS_LOST, customers_lost, f"must be at most the customers at the start ({int(start)})")
    return lost / start


def monthly_recurring_revenue(subscribers: int, monthly_price: float) -> float:
    """MRR: what the active subscriptions bring in every month, ``subscribers * price``.

    >>> monthly_recurring_revenue(436, 25)
    10900.0
    """
    return SUBSCRIBERS.check(subscribers) * MONTHLY_PRICE.check(monthly_price)


# --- retainer health ---


@dataclass(frozen=True)
class RetainerHealth:
    """One month of a retainer: hours used against hours included, what the client pays, and the advice.

    ``advice`` is one of :data:`RETAINER_ADVICE`:

    - ``"resize_down"``: used under the threshold this month and last month,
      so propose a smaller retainer, or end it (the domain notes' rule);
    - ``"watch"``: under the threshold this month only;
    - ``"resize_up"``: over the included hours this month and last month, so
      propose a bigger retainer (the same rule turned round: a course rule of thumb);
    - ``"over"``: over the included hours this month only: bill the overage;
    - ``"healthy"``: none of these.
    """

    hours_included: float
    hours_used: float
    monthly_fee: float
    overage_rate: float
    previous_hours_used: float | None
    threshold: float
    used_share: float
    previous_used_share: float | None
    unused_hours: float
    overage_hours: float
    overage_cost: float
    invoice: float
    included_rate: float
    effective_rate: float | None
    advice: str

    @property
    def low_use(self) -> bool:
        """True when this month's use is under the threshold."""
        return self.used_share < self.threshold


#: The smallest amount of work a timesheet records, in hours.
ONE_MINUTE = 1 / 60


def retainer_health(
    hours_included: float,
    hours_used: float,
    monthly_fee: float,
    overage_rate: float = 0,
    previous_hours_used: float | None = None,
    threshold: float = LOW_USE_SHARE,
) -> RetainerHealth:
    """Check one month of a retainer against its terms and the month before.

    - used share = hours used / hours included;
    - overage = the hours used beyond those included, billed at ``overage_rate``;
    - invoice = monthly fee + overage cost;
    - included rate = monthly fee / hours included (the rate the terms promise);
    - effective rate = invoice / hours used (what an hour of work really cost the
      client; ``None`` when less than a minute was used, which no timesheet can bill).

    ``previous_hours_used`` is last month's use; without it the two-month rules
    cannot fire.

    A busy month of 30.5 hours on a 25-hour retainer at 1,250 EUR, extra hours
    at 60 EUR:

    >>> busy = retainer_health(25, 30.5, 1250, overage_rate=60)
    >>> busy.used_share, busy.overage_hours, busy.overage_cost, busy.invoice, busy.advice
    (1.22, 5.5, 330.0, 1580.0, 'over')
    >>> round(busy.effective_rate, 2), busy.included_rate
    (51.8, 50.0)

    Used at exactly 60% is not *under* 60%:

    >>> retainer_health(25, 15, 1250, previous_hours_used=14).advice
    'healthy'
    >>> retainer_health(25, 14, 1250, previous_hours_used=15).advice
    'watch'
    >>> retainer_health(25, 14, 1250, previous_hours_used=14.9).advice
    'resize_down'
    """
    included = HOURS_INCLUDED.check(hours_included)
    used = HOURS_USED.check(hours_used)
    fee = MONTHLY_FEE.check(monthly_fee)
    rate = OVERAGE_RATE.check(overage_rate)
    previous = None if previous_hours_used is None else PREVIOUS_HOURS_USED.check(previous_hours_used)
    low = LOW_USE_THRESHOLD.check(threshold)

    share = used / included
    previous_share = None if previous is None else previous / included
    overage_hours = max(0.0, used - included)
    overage_cost = overage_hours * rate
    invoice = fee + overage_cost
    return RetainerHealth(
        hours_included=included,
        hours_used=used,
        monthly_fee=fee,
        overage_rate=rate,
        previous_hours_used=previous,
        threshold=low,
        used_share=share,
        previous_used_share=previous_share,
        unused_hours=max(0.0, included - used),
        overage_hours=overage_hours,
        overage_cost=overage_cost,
        invoice=invoice,
        included_rate=fee / included,
        effective_rate=invoice / used if used >= ONE_MINUTE else None,
        advice=_advice(share, previous_share, low),
    )


def _advice(share: float, previous_share: float | None, threshold: float) -> str:
    if share < threshold:
        return RESIZE_DOWN if previous_share is not None and previous_share < threshold else WATCH
    if share > 1:
        return RESIZE_UP if previous_share is not None and previous_share > 1 else OVER
    return HEALTHY


def retainer_review(
    hours_by_month: pd.Series,
    hours_included: float,
    monthly_fee: float,
    overage_rate: float = 0,
    threshold: float = LOW_USE_SHARE,
) -> pd.DataFrame:
    """Apply :func:`retainer_health` to a run of months, each compared with the month before.

    ``hours_by_month`` holds the hours used, one value per month in order (its
    index, e.g. the months, labels the rows). The first month has no month
    before it, so its advice is at most ``"watch"`` or ``"over"``.

    >>> hours = pd.Series([30.5, 21, 13.5, 12.75], index=["Jan", "Feb", "Mar", "Apr"])
    >>> review = retainer_review(hours, hours_included=25, monthly_fee=1250, overage_rate=60)
    >>> review[["hours_used", "used_share", "invoice", "advice"]]
         hours_used  used_share  invoice       advice
    Jan       30.50        1.22   1580.0         over
    Feb       21.00        0.84   1250.0      healthy
    Mar       13.50        0.54   1250.0        watch
    Apr       12.75        0.51   1250.0  resize_down
    """
    if not isinstance(hours_by_month, pd.Series):
        kind = type(hours_by_month).__name__
        raise ValueError(f"hours_by_month must be a pandas Series of hours, one per month; got {kind}.")
    if hours_by_month.empty:
        raise ValueError("hours_by_month is empty: give at least one month of hours.")
    if not _is_numeric(hours_by_month):
        raise ValueError(f"hours_by_month must hold numbers of hours; its type is {hours_by_month.dtype}.")
    rows, previous = [], None
    for month, used in hours_by_month.items():
        try:
            health = retainer_health(hours_included, used, monthly_fee, overage_rate, previous, threshold)
        except InputError as error:
            if error.field is not HOURS_USED:
                raise
            raise InputError(HOURS_USED, used, f"in {month} must be {HOURS_USED.valid_range()}") from None
        rows.append(
            {
                "hours_used": health.hours_used,
                "used_share": health.used_share,
                "overage_hours": health.overage_hours,
                "overage_cost": health.overage_cost,
                "invoice": health.invoice,
                "effective_rate": math.nan if health.effective_rate is None else health.effective_rate,
                "advice": health.advice,
            }
        )
        previous = health.hours_used
    return pd.DataFrame(rows, index=hours_by_month.index)


# --- daily tables: checks shared by the functions below ---


def _is_numeric(values: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)


def _daily(data: pd.Series | pd.DataFrame, name: str = "data") -> pd.Series | pd.DataFrame:
    """The table with its days as a DatetimeIndex, checked to run one day at a time.

    A DataFrame may carry its days in a ``date`` column instead of the index;
    a table whose index holds no dates is taken as consecutive days, in order.
    """
    if not isinstance(data, (pd.Series, pd.DataFrame)):
        raise ValueError(f"{name} must be a pandas Series or DataFrame; got {type(data).__name__}.")
    if isinstance(data, pd.DataFrame) and "date" in data.columns and not isinstance(data.index, pd.DatetimeIndex):
        try:
            dates = pd.to_datetime(data["date"])
        except (ValueError, TypeError) as error:
            raise ValueError(f"column 'date' of {name} must hold dates: {error}") from None
        data = data.drop(columns="date").set_index(pd.DatetimeIndex(dates, name="date"))
    if isinstance(data.index, pd.DatetimeIndex) and len(data.index) > 1:
        steps = data.index[1:] - data.index[:-1]
        wrong = steps != pd.Timedelta(days=1)
        if wrong.any():
            where = int(wrong.argmax())
            raise ValueError(
                f"the dates of {name} must run one day at a time, in order; "
                f"{data.index[where].date()} is followed by {data.index[where + 1].date()}."
            )
    return data


def _columns(data: pd.Series | pd.DataFrame, columns, name: str = "data") -> pd.DataFrame:
    """The chosen columns as a DataFrame of finite numbers, or a ValueError naming what is wrong."""
    if isinstance(data, pd.Series):
        if columns is not None:
            raise ValueError(f"{name} is a single Series; leave columns out (got {columns!r}).")
        frame = data.to_frame(name=data.name if data.name is not None else "value")
    else:
        if columns is None:
            columns = list(data.columns)
        elif isinstance(columns, str):
            columns = [columns]
        else:
            columns = list(columns)
        if not columns:
            raise ValueError(f"{name} has no columns to score.")
        missing = [column for column in columns if column not in data.columns]
        if missing:
            have = ", ".join(repr(column) for column in data.columns)
            raise ValueError(f"{name} is missing column(s) {', '.join(repr(c) for c in missing)}; it has {have}.")
        frame = data[columns]
    for column in frame.columns:
        values = frame[column]
        if not _is_numeric(values):
            raise ValueError(f"column {column!r} of {name} must be numeric; its type is {values.dtype}.")
        bad = ~values.astype(float).map(math.isfinite)
        if bad.any():
            day = values.index[bad.to_numpy().argmax()]
            day = day.date() if isinstance(day, pd.Timestamp) else day
            raise ValueError(f"column {column!r} of {name} has a missing or infinite value on {day}.")
    return frame.astype(float)


def _enough_days(frame: pd.DataFrame, window: int, name: str = "data") -> None:
    if len(frame) < window + 1:
        raise ValueError(
            f"{name} has too few days: {len(frame)}; a {window}-day window needs at least {window + 1} "
            "to score one day."
        )


# --- anomaly flags ---


def rolling_baseline(
    data: pd.Series | pd.DataFrame,
    column: str | None = None,
    window: int = ANOMALY_WINDOW,
    threshold: float = ANOMALY_THRESHOLD,
) -> pd.DataFrame:
    """One metric day by day beside its baseline: the mean and deviation of the ``window`` days before.

    Columns: ``value``, ``rolling_mean``, ``rolling_std`` (sample standard
    deviation), ``z = (value - rolling_mean) / rolling_std`` and ``anomaly``
    (``|z| >= threshold``). The first ``window`` days have no baseline yet: their
    ``z`` is missing (NaN) and they are never flagged. A day is compared with
    the days before it only, so a spike does not hide itself by raising its own
    baseline. A flat baseline (deviation 0) gives an infinite ``z`` to any change.

    >>> days = pd.Series([10.0, 12.0] * 14 + [30.0], index=pd.date_range("2025-01-01", periods=29))
    >>> rolling_baseline(days, window=28).tail(2).round(2)
                value  rolling_mean  rolling_std      z  anomaly
    2025-01-28   12.0           NaN          NaN    NaN    False
    2025-01-29   30.0          11.0         1.02  18.66     True
    """
    frame = _columns(_daily(data), None if isinstance(data, pd.Series) else _one(column))
    days = int(WINDOW_DAYS.check(window))
    limit = Z_THRESHOLD.check(threshold)
    _enough_days(frame, days)
    values = frame.iloc[:, 0]
    before = values.shift(1).rolling(days, min_periods=days)
    mean, std = before.mean(), before.std()
    z = (values - mean) / std
    return pd.DataFrame(
        {"value": values, "rolling_mean": mean, "rolling_std": std, "z": z, "anomaly": z.abs() >= limit}
    )


def _one(column) -> str:
    if not isinstance(column, str):
        raise ValueError(f"column must name one column of the DataFrame; got {column!r}.")
    return column


def rolling_z_scores(
    data: pd.Series | pd.DataFrame, columns=None, window: int = ANOMALY_WINDOW
) -> pd.Series | pd.DataFrame:
    """``z = (today - rolling mean) / rolling std`` of each day, against the ``window`` days before it.

    A Series gives a Series; a DataFrame gives one column of z per chosen
    column (every column when ``columns`` is None; a ``date`` column is used
    as the days). See :func:`rolling_baseline` for the details.

    >>> frame = pd.DataFrame({"date": pd.date_range("2025-01-01", periods=4).strftime("%Y-%m-%d"),
    ...                       "orders": [10, 12, 11, 30]})
    >>> rolling_z_scores(frame, window=2).round(2)  # doctest: +NORMALIZE_WHITESPACE
                orders
    date
    2025-01-01     NaN
    2025-01-02     NaN
    2025-01-03    0.00
    2025-01-04   26.16
    """
    days = int(WINDOW_DAYS.check(window))
    daily = _daily(data)
    frame = _columns(daily, columns)
    _enough_days(frame, days)
    before = frame.shift(1).rolling(days, min_periods=days)
    z = (frame - before.mean()) / before.std()
    if isinstance(data, pd.Series):
        return z.iloc[:, 0].rename(data.name)
    return z


def anomaly_flags(
    data: pd.Series | pd.DataFrame,
    columns=None,
    window: int = ANOMALY_WINDOW,
    threshold: float = ANOMALY_THRESHOLD,
) -> pd.Series | pd.DataFrame:
    """True on the days whose ``|z|`` is at least ``threshold``; the same shape as :func:`rolling_z_scores`.

    >>> days = pd.Series([10.0, 12.0] * 14 + [30.0], index=pd.date_range("2025-01-01", periods=29))
    >>> flags = anomaly_flags(days)
    >>> list(flags[flags].index.strftime("%Y-%m-%d"))
    ['2025-01-29']
    """
    limit = Z_THRESHOLD.check(threshold)
    return rolling_z_scores(data, columns, window).abs() >= limit


def anomaly_report(
    data: pd.DataFrame,
    columns=None,
    window: int = ANOMALY_WINDOW,
    threshold: float = ANOMALY_THRESHOLD,
) -> pd.DataFrame:
    """Every flagged day of every chosen metric, one row each, by date: the list an OBM looks into.

    Columns: ``date``, ``metric``, ``value``, ``rolling_mean`` and ``z``.

    >>> frame = pd.DataFrame({"orders": [10, 12] * 14 + [11, 30], "emails": [5, 6] * 14 + [1, 6]},
    ...                      index=pd.date_range("2025-01-01", periods=30, name="date"))
    >>> anomaly_report(frame).round({"rolling_mean": 2, "z": 2})
            date  metric  value  rolling_mean      z
    0 2025-01-29  emails    1.0          5.50  -8.84
    1 2025-01-30  orders   30.0         11.04  18.98
    """
    limit = Z_THRESHOLD.check(threshold)
    days = int(WINDOW_DAYS.check(window))
    daily = _daily(data)
    frame = _columns(daily, columns)
    _enough_days(frame, days)
    return flagged_days(
        {metric: rolling_baseline(frame[metric], window=days, threshold=limit) for metric in frame.columns}
    )


def flagged_days(baselines: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The :func:`anomaly_report` of baselines already made: metric name to its :func:`rolling_baseline`.

    One row per flagged day, by date; on the same date, metrics in the order
    of ``baselines``. A dashboard that draws the baselines lists their flagged
    days from them, without working them out a second time.

    >>> days = pd.Series([10.0, 12.0] * 14 + [30.0], index=pd.date_range("2025-01-01", periods=29, name="date"))
    >>> flagged_days({"orders": rolling_baseline(days)}).round({"z": 2})
            date  metric  value  rolling_mean      z
    0 2025-01-29  orders   30.0          11.0  18.66
    """
    columns = ["date", "metric", "value", "rolling_mean", "z"]
    parts = []
    for metric, baseline in baselines.items():
        flagged = baseline[baseline["anomaly"]]
        if len(flagged):
            parts.append(pd.DataFrame({
                "date": flagged.index, "metric": metric, "value": flagged["value"].to_numpy(),
                "rolling_mean": flagged["rolling_mean"].to_numpy(), "z": flagged["z"].to_numpy(),
            }))
    if not parts:
        return pd.DataFrame([], columns=columns)
    report = pd.concat(parts, ignore_index=True)
    order = {metric: position for position, metric in enumerate(baselines)}
    report = report.sort_values(["date", "metric"], key=lambda s: s.map(order) if s.name == "metric" else s)
    return report.reset_index(drop=True)


# --- reports by week and by month ---


def weekly_revenue(data: pd.Series | pd.DataFrame, column: str = "revenue") -> pd.DataFrame:
    """Revenue per calendar week (Monday to Sunday), with the days each week holds.

    Columns: ``days``, ``revenue`` and ``complete`` (all seven days are in the
    data; the first and last weeks of a dataset are often partial, and should
    not be compared with full ones). The index is the Monday of each week.

    >>> days = pd.Series(100.0, index=pd.date_range("2025-01-01", periods=12, name="date"))  # a Wednesday
    >>> weekly_revenue(days)  # doctest: +NORMALIZE_WHITESPACE
                days  revenue  complete
    week
    2024-12-30     5    500.0     False
    2025-01-06     7    700.0      True
    """
    daily = _daily(data)
    if not isinstance(daily.index, pd.DatetimeIndex):
        raise ValueError("weekly_revenue needs dates: a DatetimeIndex or a 'date' column.")
    values = _columns(daily, None if isinstance(daily, pd.Series) else column).iloc[:, 0]
    week = (values.index - pd.to_timedelta(values.index.day_of_week, unit="D")).rename("week")
    grouped = values.groupby(week)
    table = pd.DataFrame({"days": grouped.size(), "revenue": grouped.sum()})
    table["complete"] = table["days"] == 7
    return table


def monthly_summary(data: pd.DataFrame, monthly_price: float) -> pd.DataFrame:
    """The month-by-month KPI report of a daily table, one row per calendar month.

    The table needs the columns of :data:`SUMMARY_COLUMNS` (``members`` are the
    subscribers at the end of each day) and dates; :data:`SUMMED_IF_PRESENT`
    columns are added up too when present. Columns of the report:

    - ``days``; ``revenue``; ``revenue_per_week`` (revenue / days * 7, so that
      partial months compare fairly); ``orders``; ``average_order_value``;
    - ``members_start``, ``new_members``, ``cancelled_members``, ``members_end``;
    - ``retention`` (:func:`retention_rate`), ``churn`` (:func:`churn_rate` of
      the cancellations) and ``mrr`` (:func:`monthly_recurring_revenue` of the
      members at the month's end at ``monthly_price``);
    - ``support_emails`` and ``obm_hours`` when the table has them.

    >>> days = pd.DataFrame({"date": ["2025-01-30", "2025-01-31", "2025-02-01"], "revenue": [100.0, 300.0, 50.0],
    ...                      "orders": [2, 6, 1], "new_members": [1, 0, 2], "cancelled_members": [0, 1, 0],
    ...                      "members": [11, 10, 12]})
    >>> summary = monthly_summary(days, monthly_price=25)
    >>> summary[["days", "revenue", "members_start", "members_end", "churn", "mrr"]]  # doctest: +NORMALIZE_WHITESPACE
             days  revenue  members_start  members_end  churn    mrr
    month
    2025-01     2    400.0             10           10    0.1  250.0
    2025-02     1     50.0             10           12    0.0  300.0
    """
    price = MONTHLY_PRICE.check(monthly_price)
    daily = _daily(data)
    if not isinstance(daily, pd.DataFrame):
        raise ValueError("monthly_summary needs a DataFrame of daily metrics, not a Series.")
    if not isinstance(daily.index, pd.DatetimeIndex):
        raise ValueError("monthly_summary needs dates: a DatetimeIndex or a 'date' column.")
    present = [column for column in SUMMED_IF_PRESENT if column in daily.columns]
    frame = _columns(daily, [*SUMMARY_COLUMNS, *present])
    _check_members(frame)

    month = frame.index.to_period("M").rename("month")
    rows, months = [], []
    for label, days in frame.groupby(month):
        months.append(label)
        first = days.iloc[0]
        start = int(first["members"] - first["new_members"] + first["cancelled_members"])
        end = int(days["members"].iloc[-1])
        new, cancelled = int(days["new_members"].sum()), int(days["cancelled_members"].sum())
        revenue, orders = days["revenue"].sum(), days["orders"].sum()
        row = {
            "days": len(days),
            "revenue": revenue,
            "revenue_per_week": revenue / len(days) * 7,
            "orders": int(orders),
            "average_order_value": revenue / orders if orders else math.nan,
            "members_start": start,
            "new_members": new,
            "cancelled_members": cancelled,
            "members_end": end,
            "retention": retention_rate(start, end, new),
            "churn": churn_rate(start, cancelled),
            "mrr": monthly_recurring_revenue(end, price),
        }
        row.update({column: _total(days[column], daily[column]) for column in present})
        rows.append(row)
    return pd.DataFrame(rows, index=pd.PeriodIndex(months, name="month"))


def _total(values: pd.Series, original: pd.Series) -> float | int:
    """The sum of a month's values, a whole number when the column held whole numbers."""
    total = values.sum()
    return int(total) if pd.api.types.is_integer_dtype(original) else float(total)


def _check_members(frame: pd.DataFrame) -> None:
    """Each day's members must be the day before's, plus the new ones, minus the cancelled ones."""
    expected = frame["members"].shift(1) + frame["new_members"] - frame["cancelled_members"]
    wrong = (expected != frame["members"]) & expected.notna()
    if wrong.any():
        day = frame.index[wrong.to_numpy().argmax()]
        raise ValueError(
            f"column 'members' on {day.date()} is {frame['members'][day]:g}, but the day before's members "
            f"plus new_members minus cancelled_members give {expected[day]:g}."
        )
    for column in ("new_members", "cancelled_members", "members", "orders"):
        if (frame[column] < 0).any() or (frame[column] != frame[column].round()).any():
            raise ValueError(f"column {column!r} must hold whole numbers of at least 0.")
