"""Net and gross under Italy's *regime forfettario*: what a freelancer keeps of what they invoice, and the reverse.

Pure functions and frozen dataclasses; no widgets, no plotting. Every public
function validates its inputs at the edge and raises
:class:`~widgets.fields.InputError` (a ``ValueError``) that names the field and
its valid range, or, for the rates the law fixes, the values allowed.

The rules (confirmed for 2025 and 2026; see ``course/05-net-and-gross-italy.ipynb``
for the sources). On a year's revenue ``R`` (everything invoiced, the optional
4% INPS *rivalsa* included):

- only a fixed share ``c`` of it counts as income, the *coefficient of
  profitability*: 78% for the professional ATECO codes, 67% for "other
  activities" such as office support (which one applies to a VA is for the
  learner, and a *commercialista*, to decide);
- INPS Gestione Separata contributions are ``a`` = 26.07% of that income (24%
  for someone already insured elsewhere);
- the substitute tax is ``t`` = 15% (5% in the first five years of a genuinely
  new activity) of that income less the contributions paid in the year.

In a **steady state** the contributions paid in a year are about those due, so

    net = R - a*c*R - t*(c*R - a*c*R) = R * k,    k = 1 - a*c - t*c*(1 - a)

In **year one** nothing has been paid yet, so nothing is deducted and
``k = 1 - a*c - t*c``. *Net* here is before business expenses, which the
regime does not let you deduct: the take-home pay is ``net - expenses``, and
the revenue that leaves a take-home ``N`` after expenses ``E`` is
``R = (N + E) / k``.

The domain notes' worked example: 30,000 EUR to take home, 3,000 EUR of
expenses, coefficient 78%, tax 5%, over 46 weeks of 35 hours billed at 65%:

>>> result = evaluate_forfettario(target_take_home=30_000, expenses=3_000, hourly_rate=40,
...                               weeks_per_year=46, hours_per_week=35, utilization=0.65,
...                               coefficient=0.78, tax_rate=0.05)
>>> round(result.keep_share, 3), round(result.revenue_needed), result.billable_hours
(0.768, 42979, 1046.5)
>>> round(result.rate_needed, 2)
41.07

It is a simplified model, not tax advice: check with a *commercialista*.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

from widgets.fields import Field, InputError

# --- the rates the law fixes: the learner picks one of the allowed values ---

#: Coefficient of profitability: professional ATECO codes, then "other activities" (office support).
FORFETTARIO_COEFFICIENTS = (0.78, 0.67)
#: Substitute tax: the start-up rate of the first five years, then the ordinary rate.
FORFETTARIO_TAX_RATES = (0.05, 0.15)
#: INPS Gestione Separata (INPS circulars 27/2025 and 8/2026), then the rate for those insured elsewhere.
FORFETTARIO_INPS_RATES = (0.2607, 0.24)
#: The INPS rivalsa a freelancer may add to invoices: none, or 4%.
FORFETTARIO_RIVALSA_RATES = (0.0, 0.04)
#: Revenue above this leaves the regime from the next year.
FORFETTARIO_CEILING = 85_000.0
#: Revenue above this leaves the regime at once, in the same year.
FORFETTARIO_EXIT_NOW = 100_000.0
#: Stamp duty on an invoice without VAT above :data:`STAMP_DUTY_THRESHOLD`.
STAMP_DUTY = 2.0
STAMP_DUTY_THRESHOLD = 77.47

#: What :func:`forfettario_ceiling_status` answers.
WITHIN_CEILING, LEAVE_NEXT_YEAR, LEAVE_NOW = "within", "leave_next_year", "leave_now"

COEFFICIENT = Field(
    "coefficient", "Coefficient of profitability", "", min(FORFETTARIO_COEFFICIENTS),
    max(FORFETTARIO_COEFFICIENTS), labels={"it": "Coefficiente di redditività"},
)
TAX_RATE = Field(
    "tax_rate", "Substitute tax rate", "", min(FORFETTARIO_TAX_RATES), max(FORFETTARIO_TAX_RATES),
    labels={"it": "Aliquota dell'imposta sostitutiva"},
)
INPS_RATE = Field(
    "inps_rate", "INPS Gestione Separata rate", "", min(FORFETTARIO_INPS_RATES), max(FORFETTARIO_INPS_RATES),
    labels={"it": "Aliquota INPS Gestione Separata"},
)
RIVALSA_RATE = Field(
    "rivalsa_rate", "INPS rivalsa added to invoices", "", min(FORFETTARIO_RIVALSA_RATES),
    max(FORFETTARIO_RIVALSA_RATES), labels={"it": "Rivalsa INPS in fattura"},
)

# --- the numbers a learner types ---

TARGET_TAKE_HOME = Field(
    "target_take_home", "Take-home pay you aim for, per year", "{currency}", 0, 1_000_000,
    labels={"it": "Netto in tasca che vuoi, all'anno"},
)
EXPENSES = Field(
    "expenses", "Business expenses per year", "{currency}", 0, 1_000_000,
    labels={"it": "Spese dell'attività all'anno"},
)
HOURLY_RATE = Field(
    "hourly_rate", "Your hourly rate, before rivalsa", "{currency}/h", 0, 10_000,
    labels={"it": "La tua tariffa oraria, senza rivalsa"},
)
WEEKS_PER_YEAR = Field(
    "weeks_per_year", "Working weeks per year", "weeks", 1, 52,
    labels={"it": "Settimane lavorative all'anno"},
)
HOURS_PER_WEEK = Field(
    "hours_per_week", "Working hours per week", "h", 1, 168,
    labels={"it": "Ore di lavoro a settimana"},
)
UTILIZATION = Field(
    "utilization", "Share of working hours you bill", "", 0.01, 1,
    labels={"it": "Quota delle ore che fatturi"},
)
REVENUE = Field(
    "revenue", "Revenue per year", "{currency}", 0, 100_000_000,
    labels={"it": "Fatturato annuo"},
)
BILLABLE_HOURS = Field(
    "billable_hours", "Billable hours per year", "h", 0, 8_760, min_exclusive=True,
    labels={"it": "Ore fatturabili all'anno"},
)
INVOICE_AMOUNT = Field(
    "invoice_amount", "Invoice amount", "{currency}", 0, 10_000_000,
    labels={"it": "Importo della fattura"},
)

#: The numeric inputs of :func:`evaluate_forfettario`, in the order a view shows them.
FORFETTARIO_FIELDS = (
    TARGET_TAKE_HOME,
    EXPENSES,
    HOURLY_RATE,
    WEEKS_PER_YEAR,
    HOURS_PER_WEEK,
    UTILIZATION,
)
#: The inputs the law fixes, each with its allowed values (first: the usual starting choice).
FORFETTARIO_CHOICES = {
    COEFFICIENT.name: (COEFFICIENT, FORFETTARIO_COEFFICIENTS),
    TAX_RATE.name: (TAX_RATE, FORFETTARIO_TAX_RATES),
    INPS_RATE.name: (INPS_RATE, FORFETTARIO_INPS_RATES),
    RIVALSA_RATE.name: (RIVALSA_RATE, FORFETTARIO_RIVALSA_RATES),
}


def _percent(share: float) -> str:
    return f"{share * 100:g}%"


def check_choice(field: Field, allowed: tuple[float, ...], value: object) -> float:
    """Return the allowed value ``value`` stands for, or raise :class:`InputError` listing the allowed ones.

    >>> check_choice(COEFFICIENT, FORFETTARIO_COEFFICIENTS, 78 / 100)
    0.78
    >>> check_choice(COEFFICIENT, FORFETTARIO_COEFFICIENTS, 0.7)
    Traceback (most recent call last):
    ...
    widgets.fields.InputError: coefficient (Coefficient of profitability) must be one of 78%, 67%; got 0.7.
    """
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        for choice in allowed:
            if math.isclose(float(value), choice, rel_tol=0, abs_tol=1e-9):
                return choice
    raise InputError(field, value, f"must be one of {', '.join(_percent(choice) for choice in allowed)}")


def _rates(coefficient: object, tax_rate: object, inps_rate: object) -> tuple[float, float, float]:
    return (
        check_choice(COEFFICIENT, FORFETTARIO_COEFFICIENTS, coefficient),
        check_choice(TAX_RATE, FORFETTARIO_TAX_RATES, tax_rate),
        check_choice(INPS_RATE, FORFETTARIO_INPS_RATES, inps_rate),
    )


def _check_year_one(year_one: object) -> bool:
    if not isinstance(year_one, bool):
        raise ValueError(f"year_one must be True or False; got {year_one!r}.")
    return year_one


def forfettario_keep_share(
    coefficient: float,
    tax_rate: float,
    inps_rate: float = FORFETTARIO_INPS_RATES[0],
    year_one: bool = False,
) -> float:
    """The share ``k`` of each euro of revenue left after INPS and the substitute tax.

    Steady state ``k = 1 - a*c - t*c*(1 - a)``; year one ``k = 1 - a*c - t*c``.
    The domain notes' four cases, with INPS at 26.07%:

    >>> [round(forfettario_keep_share(c, t), 3) for c in (0.78, 0.67) for t in (0.05, 0.15)]
    [0.768, 0.71, 0.801, 0.751]

    Year one keeps less, since no contributions paid yet reduce the taxed income:

    >>> round(forfettario_keep_share(0.78, 0.05, year_one=True), 3)
    0.758
    """
    c, t, a = _rates(coefficient, tax_rate, inps_rate)
    if _check_year_one(year_one):
        return 1 - a * c - t * c
    return 1 - a * c - t * c * (1 - a)


@dataclass(frozen=True)
class ForfettarioBreakdown:
    """Where a year's revenue goes: INPS, the substitute tax, and the net left (before expenses)."""

    revenue: float
    taxable: float
    inps: float
    tax: float
    net: float

    @property
    def keep_share(self) -> float:
        """The net as a share of the revenue (``k``); 0 when there is no revenue."""
        return self.net / self.revenue if self.revenue else 0.0

    def take_home(self, expenses: float) -> float:
        """What is left once the business expenses are paid too: ``net - expenses`` (negative: a loss).

        >>> forfettario_breakdown(42_000, 0.78, 0.05).take_home(3_000) > 29_000
        True
        """
        return self.net - EXPENSES.check(expenses)


def forfettario_breakdown(
    revenue: float,
    coefficient: float,
    tax_rate: float,
    inps_rate: float = FORFETTARIO_INPS_RATES[0],
    year_one: bool = False,
) -> ForfettarioBreakdown:
    """Split a year's revenue into INPS, tax and net.

    ``taxable = c*R``; ``inps = a*taxable``; ``tax = t*(taxable - inps)``, or
    ``t*taxable`` in year one; ``net = R - inps - tax``.

    >>> split = forfettario_breakdown(100_000, 0.78, 0.15)
    >>> round(split.taxable), round(split.inps), round(split.tax), round(split.net)
    (78000, 20335, 8650, 71016)
    >>> round(forfettario_breakdown(100_000, 0.78, 0.15, year_one=True).tax)
    11700
    """
    amount = REVENUE.check(revenue)
    c, t, a = _rates(coefficient, tax_rate, inps_rate)
    first_year = _check_year_one(year_one)
    taxable = c * amount
    inps = a * taxable
    tax = t * taxable if first_year else t * (taxable - inps)
    return ForfettarioBreakdown(revenue=amount, taxable=taxable, inps=inps, tax=tax, net=amount - inps - tax)


def forfettario_revenue_needed(
    target_take_home: float,
    expenses: float,
    coefficient: float,
    tax_rate: float,
    inps_rate: float = FORFETTARIO_INPS_RATES[0],
    year_one: bool = False,
) -> float:
    """The revenue that leaves ``target_take_home`` once INPS, tax and expenses are paid: ``(N + E) / k``.

    >>> round(forfettario_revenue_needed(30_000, 3_000, 0.78, 0.05))
    42979
    """
    target = TARGET_TAKE_HOME.check(target_take_home)
    costs = EXPENSES.check(expenses)
    return (target + costs) / forfettario_keep_share(coefficient, tax_rate, inps_rate, year_one)


def forfettario_billable_hours(weeks_per_year: float, hours_per_week: float, utilization: float) -> float:
    """The hours a year you can invoice: weeks times hours a week times the share you bill.

    >>> forfettario_billable_hours(46, 35, 0.65)
    1046.5
    """
    weeks = WEEKS_PER_YEAR.check(weeks_per_year)
    hours = HOURS_PER_WEEK.check(hours_per_week)
    share = UTILIZATION.check(utilization)
    return weeks * hours * share


def forfettario_revenue_at_rate(hourly_rate: float, billable_hours: float, rivalsa_rate: float = 0.0) -> float:
    """A year's revenue at an hourly rate: ``rate * hours``, plus the rivalsa if you add it to invoices.

    >>> forfettario_revenue_at_rate(40, 1_000), forfettario_revenue_at_rate(40, 1_000, 0.04)
    (40000.0, 41600.0)
    """
    rate = HOURLY_RATE.check(hourly_rate)
    hours = BILLABLE_HOURS.check(billable_hours)
    rivalsa = check_choice(RIVALSA_RATE, FORFETTARIO_RIVALSA_RATES, rivalsa_rate)
    return rate * hours * (1 + rivalsa)


def forfettario_rate_for_revenue(revenue: float, billable_hours: float, rivalsa_rate: float = 0.0) -> float:
    """The hourly rate (before rivalsa) that brings in ``revenue`` over the billable hours.

    >>> round(forfettario_rate_for_revenue(42_978.82, 1_046.5), 2)
    41.07

    With the 4% rivalsa on top, the rate you quote can be 4% lower for the same revenue:

    >>> round(forfettario_rate_for_revenue(41_600, 1_000, 0.04), 2)
    40.0
    """
    amount = REVENUE.check(revenue)
    hours = BILLABLE_HOURS.check(billable_hours)
    rivalsa = check_choice(RIVALSA_RATE, FORFETTARIO_RIVALSA_RATES, rivalsa_rate)
    return amount / (hours * (1 + rivalsa))


def forfettario_ceiling_rate(billable_hours: float, rivalsa_rate: float = 0.0) -> float:
    """The hourly rate at which your billable hours bring in exactly the 85,000 EUR ceiling.

    >>> round(forfettario_ceiling_rate(1_046.5), 2)
    81.22
    """
    return forfettario_rate_for_revenue(FORFETTARIO_CEILING, billable_hours, rivalsa_rate)


def forfettario_ceiling_status(revenue: float) -> str:
    """Where a year's revenue stands against the ceiling.

    ``"within"`` up to 85,000 EUR; ``"leave_next_year"`` above it up to 100,000 EUR
    (the regime ends the next year); ``"leave_now"`` above 100,000 EUR (it ends at once).

    >>> [forfettario_ceiling_status(r) for r in (85_000, 85_000.01, 100_000, 100_000.01)]
    ['within', 'leave_next_year', 'leave_next_year', 'leave_now']
    """
    amount = REVENUE.check(revenue)
    if amount <= FORFETTARIO_CEILING:
        return WITHIN_CEILING
    if amount <= FORFETTARIO_EXIT_NOW:
        return LEAVE_NEXT_YEAR
    return LEAVE_NOW


def stamp_duty(invoice_amount: float) -> float:
    """The stamp duty (*imposta di bollo*) on an invoice without VAT: 2 EUR above 77.47 EUR, else nothing.

    >>> stamp_duty(77.47), stamp_duty(77.48)
    (0.0, 2.0)
    """
    amount = INVOICE_AMOUNT.check(invoice_amount)
    return STAMP_DUTY if amount > STAMP_DUTY_THRESHOLD else 0.0


@dataclass(frozen=True)
class ForfettarioResult:
    """Everything the forfettario calculator shows, both ways, for year one and for a steady state.

    From a target: ``revenue_needed`` and ``rate_needed`` (and their
    ``_year_one`` twins). From a rate: ``at_rate`` and ``at_rate_year_one``,
    the breakdowns of the revenue that rate brings in. ``ceiling_rate`` is the
    rate at which the billable hours reach the 85,000 EUR ceiling.
    """

    target_take_home: float
    expenses: float
    hourly_rate: float
    weeks_per_year: float
    hours_per_week: float
    utilization: float
    coefficient: float
    tax_rate: float
    inps_rate: float
    rivalsa_rate: float
    billable_hours: float
    keep_share: float
    keep_share_year_one: float
    revenue_needed: float
    revenue_needed_year_one: float
    rate_needed: float
    rate_needed_year_one: float
    at_rate: ForfettarioBreakdown
    at_rate_year_one: ForfettarioBreakdown
    ceiling_rate: float

    @property
    def revenue_at_rate(self) -> float:
        """The year's revenue at ``hourly_rate``, rivalsa included."""
        return self.at_rate.revenue

    @property
    def rivalsa_at_rate(self) -> float:
        """The part of that revenue that is rivalsa (0 without it)."""
        return self.hourly_rate * self.billable_hours * self.rivalsa_rate

    @property
    def take_home_at_rate(self) -> float:
        """What is left at ``hourly_rate`` after INPS, tax and expenses, in a steady state."""
        return self.at_rate.net - self.expenses

    @property
    def take_home_at_rate_year_one(self) -> float:
        """The same in year one."""
        return self.at_rate_year_one.net - self.expenses

    @property
    def ceiling_status_needed(self) -> str:
        """The ceiling status of the revenue needed for the target, in a steady state."""
        return forfettario_ceiling_status(self.revenue_needed)

    @property
    def ceiling_status_needed_year_one(self) -> str:
        """The ceiling status of the revenue needed for the target in year one."""
        return forfettario_ceiling_status(self.revenue_needed_year_one)

    @property
    def ceiling_status_at_rate(self) -> str:
        """The ceiling status of the revenue at ``hourly_rate``."""
        return forfettario_ceiling_status(self.revenue_at_rate)


def evaluate_forfettario(
    target_take_home: float,
    expenses: float,
    hourly_rate: float,
    weeks_per_year: float = 46,
    hours_per_week: float = 35,
    utilization: float = 0.65,
    coefficient: float = FORFETTARIO_COEFFICIENTS[0],
    tax_rate: float = FORFETTARIO_TAX_RATES[0],
    inps_rate: float = FORFETTARIO_INPS_RATES[0],
    rivalsa_rate: float = 0.0,
) -> ForfettarioResult:
    """Compute the whole case at once, both ways; the calculator's single call into the model.

    At 40 EUR/h the worked example's VA falls a little short of the 30,000 EUR target:

    >>> result = evaluate_forfettario(30_000, 3_000, 40, coefficient=0.78, tax_rate=0.05)
    >>> result.revenue_at_rate, round(result.take_home_at_rate)
    (41860.0, 29141)
    >>> result.ceiling_status_at_rate
    'within'
    """
    hours = forfettario_billable_hours(weeks_per_year, hours_per_week, utilization)
    keep = forfettario_keep_share(coefficient, tax_rate, inps_rate)
    keep_year_one = forfettario_keep_share(coefficient, tax_rate, inps_rate, year_one=True)
    needed = forfettario_revenue_needed(target_take_home, expenses, coefficient, tax_rate, inps_rate)
    needed_year_one = forfettario_revenue_needed(
        target_take_home, expenses, coefficient, tax_rate, inps_rate, year_one=True
    )
    rivalsa = check_choice(RIVALSA_RATE, FORFETTARIO_RIVALSA_RATES, rivalsa_rate)
    revenue = forfettario_revenue_at_rate(hourly_rate, hours, rivalsa)
    c, t, a = _rates(coefficient, tax_rate, inps_rate)
    return ForfettarioResult(
        target_take_home=float(target_take_home),
        expenses=float(expenses),
        hourly_rate=float(hourly_rate),
        weeks_per_year=float(weeks_per_year),
        hours_per_week=float(hours_per_week),
        utilization=float(utilization),
        coefficient=c,
        tax_rate=t,
        inps_rate=a,
        rivalsa_rate=rivalsa,
        billable_hours=hours,
        keep_share=keep,
        keep_share_year_one=keep_year_one,
        revenue_needed=needed,
        revenue_needed_year_one=needed_year_one,
        rate_needed=forfettario_rate_for_revenue(needed, hours, rivalsa),
        rate_needed_year_one=forfettario_rate_for_revenue(needed_year_one, hours, rivalsa),
        at_rate=forfettario_breakdown(revenue, c, t, a),
        at_rate_year_one=forfettario_breakdown(revenue, c, t, a, year_one=True),
        ceiling_rate=forfettario_ceiling_rate(hours, rivalsa),
    )
