"""Setting a rate from the bottom up: from the income you want to the hourly and day rate that earn it.

Pure functions and a frozen dataclass; no widgets, no plotting. Every public
function validates its inputs at the edge and raises :class:`~widgets.fields.InputError`
(a ``ValueError``) that names the field and its valid range.

The chain of formulas (see ``course/04-setting-your-rate.ipynb``)::

    working_weeks  = 52 - vacation - public holidays - sick weeks
    billable_hours = working_weeks * hours_per_week * utilization
    revenue_needed = (target_net_income + business_expenses) / (1 - effective_tax_rate)
    hourly_rate    = revenue_needed / billable_hours
    day_rate       = hourly_rate * billable hours in a day

The domain notes' first worked example: USD 100,000 net plus USD 20,000 of
expenses at a 20% effective tax rate need USD 150,000 of revenue; over 48
weeks of 40 hours at 60% utilization (1,152 billable hours) that is USD 130.21/h.

>>> result = evaluate_rate(target_net_income=100_000, business_expenses=20_000, effective_tax_rate=0.2,
...                        vacation_weeks=2, public_holiday_weeks=1, sick_weeks=1,
...                        hours_per_week=40, utilization=0.6)
>>> result.working_weeks, result.billable_hours, result.revenue_needed
(48.0, 1152.0, 150000.0)
>>> round(result.hourly_rate, 2)
130.21

The ranges of the fields are chosen so that any valid inputs give a valid
result: the three kinds of time off add up to at most 44 weeks (at least 8
working weeks are left), and at least one hour a week at 1% utilization is
billed, so no rate is ever divided by zero.
"""

from __future__ import annotations

from dataclasses import dataclass

from widgets.fields import Field, InputError
from widgets.lazy_modules import LazyModule

pd = LazyModule("pandas")

#: Weeks in a year, before any time off.
WEEKS_IN_A_YEAR = 52
#: A full-time employee's year as commonly counted: 52 weeks of 40 hours.
EMPLOYEE_HOURS_PER_YEAR = 2_080
#: The utilization commonly cited as healthy for a freelancer: from 70% to 80% of working hours billed.
HEALTHY_UTILIZATION = (0.70, 0.80)
#: The utilizations the chart of :func:`rate_by_utilization` spans by default.
CHART_UTILIZATION = (0.30, 1.00)

TARGET_NET_INCOME = Field(
    "target_net_income", "Target net income per year", "{currency}", 0, 100_000_000,
    labels={"it": "Reddito netto annuo desiderato"},
)
BUSINESS_EXPENSES = Field(
    "business_expenses", "Business expenses per year", "{currency}", 0, 100_000_000,
    labels={"it": "Spese dell'attività all'anno"},
)
EFFECTIVE_TAX_RATE = Field(
    "effective_tax_rate", "Effective tax rate (share of revenue)", "", 0, 0.9,
    labels={"it": "Aliquota effettiva (quota del fatturato)"},
)
VACATION_WEEKS = Field(
    "vacation_weeks", "Vacation weeks per year", "weeks", 0, 26,
    labels={"it": "Settimane di ferie all'anno"},
)
PUBLIC_HOLIDAY_WEEKS = Field(
    "public_holiday_weeks", "Public holidays per year, in weeks", "weeks", 0, 6,
    labels={"it": "Festività all'anno, in settimane"},
)
SICK_WEEKS = Field(
    "sick_weeks", "Sick weeks per year", "weeks", 0, 12,
    labels={"it": "Settimane di malattia all'anno"},
)
HOURS_PER_WEEK = Field(
    "hours_per_week", "Working hours per week", "h", 1, 100,
    labels={"it": "Ore di lavoro a settimana"},
)
UTILIZATION = Field(
    "utilization", "Utilization (billable share of working hours)", "", 0.01, 1,
    labels={"it": "Utilizzo (quota fatturabile delle ore di lavoro)"},
)
BILLABLE_HOURS_PER_DAY = Field(
    "billable_hours_per_day", "Billable hours in a day you sell", "h", 0, 24, min_exclusive=True,
    labels={"it": "Ore fatturabili in una giornata venduta"},
)
WORKING_WEEKS = Field(
    "working_weeks", "Working weeks per year", "weeks", 1, WEEKS_IN_A_YEAR,
    labels={"it": "Settimane lavorative all'anno"},
)
BILLABLE_HOURS = Field(
    "billable_hours", "Billable hours per year", "h", 0.01, 8_760,
    labels={"it": "Ore fatturabili all'anno"},
)
REVENUE_NEEDED = Field(
    "revenue_needed", "Revenue needed per year", "{currency}", 0, 10_000_000_000,
    labels={"it": "Fatturato annuo necessario"},
)
HOURLY_RATE = Field(
    "hourly_rate", "Hourly rate", "{currency}/h", 0, 1_000_000_000_000,
    labels={"it": "Tariffa oraria"},
)
CHART_LOW = Field(
    "low", "Lowest utilization on the chart", "", 0.01, 1,
    labels={"it": "Utilizzo più basso nel grafico"},
)
CHART_HIGH = Field(
    "high", "Highest utilization on the chart", "", 0.01, 1,
    labels={"it": "Utilizzo più alto nel grafico"},
)
CHART_POINTS = Field(
    "points", "Points on the chart", "", 2, 1_000, integer=True,
    labels={"it": "Punti nel grafico"},
)

#: The inputs of :func:`evaluate_rate`, in the order a view shows them.
RATE_FIELDS = (
    TARGET_NET_INCOME,
    BUSINESS_EXPENSES,
    EFFECTIVE_TAX_RATE,
    VACATION_WEEKS,
    PUBLIC_HOLIDAY_WEEKS,
    SICK_WEEKS,
    HOURS_PER_WEEK,
    UTILIZATION,
    BILLABLE_HOURS_PER_DAY,
)


def working_weeks(vacation_weeks: float, public_holiday_weeks: float = 0, sick_weeks: float = 0) -> float:
    """The weeks left for work: 52 minus vacation, public holidays and sick weeks.

    Two weeks of vacation, one of public holidays and one of sickness leave 48:

    >>> working_weeks(2, 1, 1)
    48.0

    Six weeks off in all leave the 46 of the domain notes' second example:

    >>> working_weeks(4, 1.5, 0.5)
    46.0
    """
    vacation = VACATION_WEEKS.check(vacation_weeks)
    holidays = PUBLIC_HOLIDAY_WEEKS.check(public_holiday_weeks)
    sick = SICK_WEEKS.check(sick_weeks)
    return WEEKS_IN_A_YEAR - vacation - holidays - sick


def billable_hours(working_weeks: float, hours_per_week: float, utilization: float = 1) -> float:
    """The hours a year a client pays for: working weeks times hours a week times utilization.

    >>> billable_hours(48, 40, 0.6)
    1152.0

    With utilization 1 the hours a week are the billable ones, as in the second example:

    >>> billable_hours(46, 25)
    1150.0
    """
    weeks = WORKING_WEEKS.check(working_weeks)
    hours = HOURS_PER_WEEK.check(hours_per_week)
    share = UTILIZATION.check(utilization)
    return weeks * hours * share


def revenue_needed(target_net_income: float, business_expenses: float = 0, effective_tax_rate: float = 0) -> float:
    """The yearly revenue that leaves the target net income after expenses and tax.

    The tax takes ``effective_tax_rate`` of the revenue, so the business keeps
    ``1 - effective_tax_rate`` of it: ``(net + expenses) / (1 - rate)``.

    >>> revenue_needed(100_000, 20_000, 0.2)
    150000.0
    >>> revenue_needed(60_000, 8_000)
    68000.0
    """
    net = TARGET_NET_INCOME.check(target_net_income)
    expenses = BUSINESS_EXPENSES.check(business_expenses)
    tax_rate = EFFECTIVE_TAX_RATE.check(effective_tax_rate)
    return (net + expenses) / (1 - tax_rate)


def hourly_rate_needed(revenue_needed: float, billable_hours: float) -> float:
    """The hourly rate that brings in ``revenue_needed`` over ``billable_hours``.

    >>> round(hourly_rate_needed(150_000, 1_152), 2)
    130.21
    >>> round(hourly_rate_needed(68_000, 1_150), 2)
    59.13
    """
    revenue = REVENUE_NEEDED.check(revenue_needed)
    hours = BILLABLE_HOURS.check(billable_hours)
    return revenue / hours


def day_rate(hourly_rate: float, billable_hours_per_day: float) -> float:
    """The price of a day: the hourly rate times the hours billed in that day.

    >>> round(day_rate(150_000 / 1_152, 8), 2)
    1041.67
    """
    rate = HOURLY_RATE.check(hourly_rate)
    hours = BILLABLE_HOURS_PER_DAY.check(billable_hours_per_day)
    return rate * hours


def utilization_zone(utilization: float) -> str:
    """Where a utilization stands against the healthy 70-80% band: ``"low"``, ``"healthy"`` or ``"high"``.

    Below 70% much of the week goes unpaid; above 80% there is little time
    left for sales, admin and training.

    >>> utilization_zone(0.6), utilization_zone(0.75), utilization_zone(0.8), utilization_zone(0.85)
    ('low', 'healthy', 'healthy', 'high')
    """
    share = UTILIZATION.check(utilization)
    low, high = HEALTHY_UTILIZATION
    if share < low:
        return "low"
    if share > high:
        return "high"
    return "healthy"


def rate_by_utilization(
    revenue_needed: float,
    working_weeks: float,
    hours_per_week: float,
    low: float = CHART_UTILIZATION[0],
    high: float = CHART_UTILIZATION[1],
    points: int = 71,
) -> pd.DataFrame:
    """The hourly rate needed at ``points`` utilizations evenly spread from ``low`` to ``high``.

    The same revenue spread over fewer billable hours needs a higher rate:

    >>> rate_by_utilization(150_000, 48, 40, low=0.5, high=0.8, points=4).round(2)
       utilization  billable_hours  hourly_rate
    0          0.5           960.0       156.25
    1          0.6          1152.0       130.21
    2          0.7          1344.0       111.61
    3          0.8          1536.0        97.66
    """
    revenue = REVENUE_NEEDED.check(revenue_needed)
    weeks = WORKING_WEEKS.check(working_weeks)
    hours = HOURS_PER_WEEK.check(hours_per_week)
    first = CHART_LOW.check(low)
    last = CHART_HIGH.check(high)
    count = int(CHART_POINTS.check(points))
    if last <= first:
        raise InputError(CHART_HIGH, high, f"must be more than the lowest utilization on the chart ({first:g})")
    step = (last - first) / (count - 1)
    utilization = pd.Series([first + index * step for index in range(count)], name="utilization")
    utilization.iloc[-1] = last  # exactly, not after rounding errors
    hours_billed = weeks * hours * utilization
    return pd.DataFrame(
        {"utilization": utilization, "billable_hours": hours_billed, "hourly_rate": revenue / hours_billed}
    )


@dataclass(frozen=True)
class RateResult:
    """Everything the rate calculator shows, computed from one set of inputs."""

    target_net_income: float
    business_expenses: float
    effective_tax_rate: float
    vacation_weeks: float
    public_holiday_weeks: float
    sick_weeks: float
    hours_per_week: float
    utilization: float
    billable_hours_per_day: float
    working_weeks: float
    billable_hours: float
    revenue_needed: float
    hourly_rate: float
    day_rate: float

    @property
    def keep_share(self) -> float:
        """The share of revenue the business keeps after tax: ``1 - effective_tax_rate``."""
        return 1 - self.effective_tax_rate

    @property
    def tax(self) -> float:
        """The yearly tax on the revenue needed."""
        return self.revenue_needed * self.effective_tax_rate

    @property
    def billable_hours_per_week(self) -> float:
        """The hours billed in a working week: hours per week times utilization."""
        return self.hours_per_week * self.utilization

    @property
    def working_hours(self) -> float:
        """All the hours worked in a year, billed or not."""
        return self.working_weeks * self.hours_per_week

    @property
    def utilization_zone(self) -> str:
        """``"low"``, ``"healthy"`` or ``"high"``: see :func:`utilization_zone`."""
        return utilization_zone(self.utilization)

    def rate_by_utilization(
        self, low: float = CHART_UTILIZATION[0], high: float = CHART_UTILIZATION[1], points: int = 71
    ) -> pd.DataFrame:
        """The hourly rate these inputs need at other utilizations: see :func:`rate_by_utilization`."""
        return rate_by_utilization(self.revenue_needed, self.working_weeks, self.hours_per_week, low, high, points)


def evaluate_rate(
    target_net_income: float,
    business_expenses: float = 0,
    effective_tax_rate: float = 0,
    vacation_weeks: float = 0,
    public_holiday_weeks: float = 0,
    sick_weeks: float = 0,
    hours_per_week: float = 40,
    utilization: float = 1,
    billable_hours_per_day: float = 8,
) -> RateResult:
    """Compute the whole rate plan at once; the calculator's single call into the model.

    The domain notes' second example, without tax: USD 60,000 net plus USD 8,000
    of expenses over 46 weeks of 25 billable hours.

    >>> result = evaluate_rate(60_000, 8_000, vacation_weeks=4, public_holiday_weeks=1.5, sick_weeks=0.5,
    ...                        hours_per_week=25)
    >>> result.billable_hours, round(result.hourly_rate, 2), round(result.day_rate, 2)
    (1150.0, 59.13, 473.04)
    """
    weeks = working_weeks(vacation_weeks, public_holiday_weeks, sick_weeks)
    hours = billable_hours(weeks, hours_per_week, utilization)
    revenue = revenue_needed(target_net_income, business_expenses, effective_tax_rate)
    rate = hourly_rate_needed(revenue, hours)
    return RateResult(
        target_net_income=float(target_net_income),
        business_expenses=float(business_expenses),
        effective_tax_rate=float(effective_tax_rate),
        vacation_weeks=float(vacation_weeks),
        public_holiday_weeks=float(public_holiday_weeks),
        sick_weeks=float(sick_weeks),
        hours_per_week=float(hours_per_week),
        utilization=float(utilization),
        billable_hours_per_day=BILLABLE_HOURS_PER_DAY.check(billable_hours_per_day),
        working_weeks=weeks,
        billable_hours=hours,
        revenue_needed=revenue,
        hourly_rate=rate,
        day_rate=day_rate(rate, billable_hours_per_day),
    )


__all__ = [
    "RATE_FIELDS",
    "RateResult",
    "billable_hours",
    "day_rate",
    "evaluate_rate",
    "hourly_rate_needed",
    "rate_by_utilization",
    "revenue_needed",
    "utilization_zone",
    "working_weeks",
]
