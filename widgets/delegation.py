"""The math of delegation: what an hour of the owner's time is worth, and when handing work off pays.

Pure functions and frozen dataclasses; no widgets, no plotting. Every public
function validates its inputs at the edge and raises :class:`~widgets.fields.InputError`
(a ``ValueError``) that names the field and its valid range.

Sources of the worked examples (see ``course/03-value-of-an-hour.ipynb``):
the source article (100 EUR/h and two hours of email a day cost 200 EUR a day),
Tim Ferriss, *The 4-Hour Workweek* (USD 50,000 over 2,000 hours is USD 25/h),
and Dan Martell, *Buy Back Your Time* (the buyback rate is a quarter of the hourly value).

>>> result = evaluate_delegation(hourly_value=100, delegate_rate=25, hours_delegated=10,
...                              management_hours=1, onboarding_owner_hours=10,
...                              onboarding_delegate_hours=10)
>>> result.weekly_gain
650.0
>>> round(result.payback_weeks, 1)
1.9
"""

from __future__ import annotations

from dataclasses import dataclass

from widgets.fields import Field
from widgets.lazy_modules import LazyModule

pd = LazyModule("pandas")

HOURLY_VALUE = Field(
    "hourly_value", "Owner's hourly value", "{currency}/h", 0, 10_000, min_exclusive=True,
    labels={"it": "Valore orario del titolare"},
)
YEARLY_INCOME = Field(
    "yearly_income", "Owner's yearly income", "{currency}", 0, 100_000_000,
    labels={"it": "Reddito annuo del titolare"},
)
HOURS_PER_YEAR = Field(
    "hours_per_year", "Hours worked per year", "h", 0, 8_760, min_exclusive=True,
    labels={"it": "Ore lavorate all'anno"},
)
HOURS_PER_DAY = Field(
    "hours_per_day", "Hours a day on the task", "h", 0, 24,
    labels={"it": "Ore al giorno sull'attività"},
)
DAYS_PER_WEEK = Field(
    "days_per_week", "Working days per week", "days", 0, 7, min_exclusive=True,
    labels={"it": "Giorni lavorativi a settimana"},
)
WEEKS_PER_YEAR = Field(
    "weeks_per_year", "Working weeks per year", "weeks", 0, 52, min_exclusive=True,
    labels={"it": "Settimane lavorative all'anno"},
)
DELEGATE_RATE = Field(
    "delegate_rate", "Delegate's hourly rate", "{currency}/h", 0, 10_000,
    labels={"it": "Tariffa oraria del delegato"},
)
HOURS_DELEGATED = Field(
    "hours_delegated", "Owner's hours delegated per week", "h", 0, 168,
    labels={"it": "Ore del titolare delegate a settimana"},
)
MANAGEMENT_HOURS = Field(
    "management_hours", "Owner's management hours per week", "h", 0, 168,
    labels={"it": "Ore di gestione del titolare a settimana"},
)
SHARE_REINVESTED = Field(
    "share_reinvested", "Share of freed hours put to valuable use", "", 0, 1,
    labels={"it": "Quota delle ore liberate usata bene"},
)
DELEGATE_SPEED = Field(
    "delegate_speed", "Delegate's hours per owner hour", "", 0, 10, min_exclusive=True,
    labels={"it": "Ore del delegato per ogni ora del titolare"},
)
ONBOARDING_OWNER_HOURS = Field(
    "onboarding_owner_hours", "Owner's onboarding hours", "h", 0, 2_000,
    labels={"it": "Ore di inserimento del titolare"},
)
ONBOARDING_DELEGATE_HOURS = Field(
    "onboarding_delegate_hours", "Delegate's onboarding hours", "h", 0, 2_000,
    labels={"it": "Ore di inserimento del delegato"},
)
ONBOARDING_COST = Field(
    "onboarding_cost", "One-off onboarding cost", "{currency}", 0, 100_000_000,
    labels={"it": "Costo una tantum dell'inserimento"},
)
WEEKLY_GAIN = Field(
    "weekly_gain", "Net weekly gain", "{currency}", -100_000_000, 100_000_000,
    labels={"it": "Guadagno netto settimanale"},
)
HORIZON_WEEKS = Field(
    "weeks", "Weeks to chart", "weeks", 1, 520, integer=True,
    labels={"it": "Settimane nel grafico"},
)

#: The inputs of :func:`evaluate_delegation`, in the order a view shows them.
DELEGATION_FIELDS = (
    HOURLY_VALUE,
    DELEGATE_RATE,
    HOURS_DELEGATED,
    MANAGEMENT_HOURS,
    SHARE_REINVESTED,
    DELEGATE_SPEED,
    ONBOARDING_OWNER_HOURS,
    ONBOARDING_DELEGATE_HOURS,
)

#: Martell's rule of thumb: work counts as one year of 2,000 hours.
MARTELL_HOURS_PER_YEAR = 2_000


def hourly_value(yearly_income: float, hours_per_year: float = MARTELL_HOURS_PER_YEAR) -> float:
    """What one hour of the owner's work earns: yearly income over hours worked.

    Ferriss's example, USD 50,000 over 50 weeks of 40 hours:

    >>> hourly_value(50_000, 50 * 40)
    25.0

    Martell's, USD 200,000 over his standard 2,000-hour year:

    >>> hourly_value(200_000)
    100.0
    """
    income = YEARLY_INCOME.check(yearly_income)
    hours = HOURS_PER_YEAR.check(hours_per_year)
    return income / hours


@dataclass(frozen=True)
class TaskCost:
    """What doing a task yourself costs, in the owner's time valued at the hourly value."""

    per_day: float
    per_week: float
    per_year: float


def task_cost(
    hourly_value: float,
    hours_per_day: float,
    days_per_week: float = 5,
    weeks_per_year: float = 50,
) -> TaskCost:
    """The cost of spending ``hours_per_day`` on a task yourself, per day, week and year.

    The article's example: at 100 EUR/h, two hours a day of email cost 200 EUR a day.

    >>> task_cost(100, 2)
    TaskCost(per_day=200.0, per_week=1000.0, per_year=50000.0)
    """
    value = HOURLY_VALUE.check(hourly_value)
    hours = HOURS_PER_DAY.check(hours_per_day)
    days = DAYS_PER_WEEK.check(days_per_week)
    weeks = WEEKS_PER_YEAR.check(weeks_per_year)
    per_day = value * hours
    return TaskCost(per_day=per_day, per_week=per_day * days, per_year=per_day * days * weeks)


def weekly_gain(
    hourly_value: float,
    delegate_rate: float,
    hours_delegated: float,
    management_hours: float = 0,
    share_reinvested: float = 1,
    delegate_speed: float = 1,
) -> float:
    """The net weekly gain of delegating: ``G = p*h*V - h*s*r - m*V``.

    ``h`` of the owner's hours a week are handed off; the delegate needs ``s``
    hours for each of them (``s`` above 1: slower than the owner) at rate ``r``.
    The owner puts a share ``p`` of the freed hours to work worth ``V`` an hour
    and spends ``m`` hours a week managing the delegate.

    >>> weekly_gain(100, 25, 10, management_hours=1)
    650.0
    >>> weekly_gain(100, 25, 10, management_hours=1, share_reinvested=0.5)
    150.0

    Ferriss's USD 25/h owner who hands an 8-hour day to a USD 30/h assistant
    buys time, not savings: on cost alone the week is USD 40 down.

    >>> weekly_gain(25, 30, 8)
    -40.0
    """
    value = HOURLY_VALUE.check(hourly_value)
    rate = DELEGATE_RATE.check(delegate_rate)
    hours = HOURS_DELEGATED.check(hours_delegated)
    managing = MANAGEMENT_HOURS.check(management_hours)
    share = SHARE_REINVESTED.check(share_reinvested)
    speed = DELEGATE_SPEED.check(delegate_speed)
    return share * hours * value - hours * speed * rate - managing * value


def onboarding_cost(
    hourly_value: float,
    delegate_rate: float,
    onboarding_owner_hours: float,
    onboarding_delegate_hours: float,
) -> float:
    """The one-off cost of onboarding: the owner's hours at ``V`` plus the delegate's at ``r``.

    >>> onboarding_cost(100, 25, 10, 10)
    1250.0
    """
    value = HOURLY_VALUE.check(hourly_value)
    rate = DELEGATE_RATE.check(delegate_rate)
    owner = ONBOARDING_OWNER_HOURS.check(onboarding_owner_hours)
    delegate = ONBOARDING_DELEGATE_HOURS.check(onboarding_delegate_hours)
    return owner * value + delegate * rate


def payback_weeks(onboarding_cost: float, weekly_gain: float) -> float | None:
    """Weeks until the weekly gain repays the onboarding; ``None`` (never) when the gain is not positive.

    >>> round(payback_weeks(1250, 650), 2)
    1.92
    >>> round(payback_weeks(1250, 150), 2)
    8.33
    >>> payback_weeks(1250, 0) is None
    True
    """
    cost = ONBOARDING_COST.check(onboarding_cost)
    gain = WEEKLY_GAIN.check(weekly_gain)
    if gain <= 0:
        return None
    return cost / gain


def buyback_rate(hourly_value: float) -> float:
    """Martell's buyback rate: a quarter of the hourly value; delegate what costs less.

    >>> buyback_rate(100)
    25.0
    """
    return HOURLY_VALUE.check(hourly_value) / 4


@dataclass(frozen=True)
class DelegationResult:
    """Everything the delegation calculator shows, computed from one set of inputs."""

    hourly_value: float
    delegate_rate: float
    hours_delegated: float
    management_hours: float
    share_reinvested: float
    delegate_speed: float
    onboarding_owner_hours: float
    onboarding_delegate_hours: float
    value_freed: float
    delegate_cost: float
    management_cost: float
    weekly_gain: float
    onboarding_cost: float
    payback_weeks: float | None
    buyback_rate: float

    @property
    def cost_per_hour_freed(self) -> float:
        """What one of the owner's hours costs when bought from the delegate: ``s*r``."""
        return self.delegate_speed * self.delegate_rate

    @property
    def below_buyback_rate(self) -> bool:
        """True when an hour bought from the delegate costs no more than the buyback rate."""
        return self.cost_per_hour_freed <= self.buyback_rate

    def net_benefit_curve(self, weeks: int = 26) -> tuple[list[int], list[float]]:
        """Weeks 0 to ``weeks`` and the net benefit after each, onboarding paid up front: ``week * G - onboarding``.

        Plain lists, for the chart (which needs no pandas); :meth:`cumulative_net_benefit` is the same as a table.

        >>> result = evaluate_delegation(100, 25, 10, 1, onboarding_owner_hours=10,
        ...                              onboarding_delegate_hours=10)
        >>> result.net_benefit_curve(3)
        ([0, 1, 2, 3], [-1250.0, -600.0, 50.0, 700.0])
        """
        horizon = int(HORIZON_WEEKS.check(weeks))
        week_numbers = list(range(horizon + 1))
        return week_numbers, [float(week * self.weekly_gain - self.onboarding_cost) for week in week_numbers]

    def cumulative_net_benefit(self, weeks: int = 26) -> pd.DataFrame:
        """Net benefit after each week, onboarding paid up front: ``week * G - onboarding``.

        >>> result = evaluate_delegation(100, 25, 10, 1, onboarding_owner_hours=10,
        ...                              onboarding_delegate_hours=10)
        >>> result.cumulative_net_benefit(3)
           week  cumulative_net_benefit
        0     0                 -1250.0
        1     1                  -600.0
        2     2                    50.0
        3     3                   700.0
        """
        week_numbers, benefits = self.net_benefit_curve(weeks)
        return pd.DataFrame({"week": pd.Series(week_numbers, name="week", dtype="int64"),
                             "cumulative_net_benefit": pd.Series(benefits, dtype="float64")})


def evaluate_delegation(
    hourly_value: float,
    delegate_rate: float,
    hours_delegated: float,
    management_hours: float = 0,
    share_reinvested: float = 1,
    delegate_speed: float = 1,
    onboarding_owner_hours: float = 0,
    onboarding_delegate_hours: float = 0,
) -> DelegationResult:
    """Compute the whole delegation case at once; the calculator's single call into the model.

    The domain notes' example with half of the freed hours put to good use:

    >>> result = evaluate_delegation(100, 25, 10, 1, share_reinvested=0.5,
    ...                              onboarding_owner_hours=10, onboarding_delegate_hours=10)
    >>> result.weekly_gain, round(result.payback_weeks, 1), result.buyback_rate
    (150.0, 8.3, 25.0)
    >>> result.below_buyback_rate
    True
    """
    gain = weekly_gain(
        hourly_value, delegate_rate, hours_delegated, management_hours, share_reinvested, delegate_speed
    )
    onboarding = onboarding_cost(hourly_value, delegate_rate, onboarding_owner_hours, onboarding_delegate_hours)
    value, rate, hours = float(hourly_value), float(delegate_rate), float(hours_delegated)
    return DelegationResult(
        hourly_value=value,
        delegate_rate=rate,
        hours_delegated=hours,
        management_hours=float(management_hours),
        share_reinvested=float(share_reinvested),
        delegate_speed=float(delegate_speed),
        onboarding_owner_hours=float(onboarding_owner_hours),
        onboarding_delegate_hours=float(onboarding_delegate_hours),
        value_freed=float(share_reinvested) * hours * value,
        delegate_cost=hours * float(delegate_speed) * rate,
        management_cost=float(management_hours) * value,
        weekly_gain=gain,
        onboarding_cost=onboarding,
        payback_weeks=payback_weeks(onboarding, gain),
        buyback_rate=buyback_rate(hourly_value),
    )
