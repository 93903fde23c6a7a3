"""The math of pricing models: hourly, package (fixed price), retainer and value-based.

Pure functions and frozen dataclasses; no widgets, no plotting. Every public
function validates its inputs at the edge and raises :class:`~widgets.fields.InputError`
(a ``ValueError``) that names the field and its valid range.

One number ties the four models together: the **effective hourly rate**, what
the work really paid per hour once the real hours are known,
``effective rate = revenue / hours actually worked``.

- **Hourly**: revenue = rate * real hours. The effective rate is always the
  rate; when the job takes longer, the client pays more (the client carries the risk).
- **Package** (fixed price): price = rate * estimated hours * (1 + markup). The
  client pays the price whatever the hours; when the job takes longer, the
  effective rate falls (the freelancer carries the risk).
- **Retainer**: the monthly block holds ``hours * (1 + buffer)`` hours and costs
  ``hours * rate * (1 + buffer)``; the buffer (commonly 10-20%) pays for the
  small unplanned requests. Hours beyond the block are billed at the retainer
  rate; hours left over are lost, or stay usable for a few months if the
  contract lets them roll over. The client pays for unused hours, the
  freelancer keeps the time free: the risk is shared.
- **Value-based**: price = a share (commonly 10-20%) of the yearly value the
  work creates for the client; like a package, the freelancer carries the
  risk of the hours.

The domain notes' worked examples, all in USD: a package quoted at 10,000 for
80 hours that took 120 hours paid 83.33 an hour; 5 people saving 8 hours a
week at 40 an hour over 48 weeks is 76,800 a year, and 15% of it is 11,520.

>>> result = compare_pricing(hourly_rate=125, estimated_hours=80, package_markup=0,
...                          retainer_hours=80, retainer_rate=125, retainer_buffer=0.15,
...                          value_created=76_800, value_share=0.15, real_hours=120)
>>> result.package_price, round(result.effective_rate("package"), 2)
(10000.0, 83.33)
>>> result.value_price, result.effective_rate("value_based")
(11520.0, 96.0)
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field as dataclass_field

from widgets.fields import Field, InputError
from widgets.lazy_modules import LazyModule

np = LazyModule("numpy")
pd = LazyModule("pandas")

# Prices are divided by hours (effective rates) and by rates (breakeven hours), so both start at 0.01:
# 36 seconds, a cent an hour. Less is no job, and would overflow a rate or squash a chart to nothing.
HOURLY_RATE = Field(
    "hourly_rate", "Hourly rate", "{currency}/h", 0.01, 10_000,
    labels={"it": "Tariffa oraria"},
)
ESTIMATED_HOURS = Field(
    "estimated_hours", "Estimated hours for the job", "h", 0.01, 10_000,
    labels={"it": "Ore stimate per il lavoro"},
)
PACKAGE_MARKUP = Field(
    "package_markup", "Package markup over the estimate", "", 0, 5,
    labels={"it": "Ricarico del pacchetto sulla stima"},
)
REAL_HOURS = Field(
    "real_hours", "Hours the job really takes", "h", 0.01, 10_000,
    labels={"it": "Ore che il lavoro richiede davvero"},
)
PRICE = Field(
    "price", "Price paid", "{currency}", 0, 1_000_000_000,
    labels={"it": "Prezzo pagato"},
)
SCOPE_CREEP = Field(
    "scope_creep", "Extra hours as a share of the estimate", "", 0, 10,
    labels={"it": "Ore in più rispetto alla stima, in quota"},
)
RETAINER_HOURS = Field(
    "retainer_hours", "Retainer: hours a month before the buffer", "h", 0, 744,
    labels={"it": "Retainer: ore al mese prima del margine"},
)
RETAINER_RATE = Field(
    "retainer_rate", "Retainer: hourly rate", "{currency}/h", 0.01, 10_000,
    labels={"it": "Retainer: tariffa oraria"},
)
RETAINER_BUFFER = Field(
    "retainer_buffer", "Retainer: scope buffer", "", 0, 1,
    labels={"it": "Retainer: margine per le richieste extra"},
)
VALUE_CREATED = Field(
    "value_created", "Yearly value created for the client", "{currency}", 0, 1_000_000_000,
    labels={"it": "Valore annuo creato per il cliente"},
)
VALUE_SHARE = Field(
    "value_share", "Share of the value you charge", "", 0, 1,
    labels={"it": "Quota del valore che chiedi"},
)
PEOPLE = Field(
    "people", "People whose time is saved", "", 0, 100_000, integer=True,
    labels={"it": "Persone a cui fai risparmiare tempo"},
)
HOURS_SAVED_PER_WEEK = Field(
    "hours_saved_per_week", "Hours saved per person per week", "h", 0, 168,
    labels={"it": "Ore risparmiate a persona a settimana"},
)
HOURLY_COST = Field(
    "hourly_cost", "What one of their hours costs the client", "{currency}/h", 0, 10_000,
    labels={"it": "Quanto costa al cliente una loro ora"},
)
WEEKS_PER_YEAR = Field(
    "weeks_per_year", "Working weeks per year", "weeks", 0, 52, min_exclusive=True,
    labels={"it": "Settimane lavorative all'anno"},
)
MONTH_HOURS = Field(
    "hours_by_month", "Hours worked in a month", "h", 0, 744,
    labels={"it": "Ore lavorate in un mese"},
)
MONTHS = Field(
    "months", "Number of months", "", 1, 120, integer=True,
    labels={"it": "Numero di mesi"},
)
ROLLOVER_MONTHS = Field(
    "rollover_months", "Months unused hours stay usable", "", 0, 120, integer=True,
    labels={"it": "Mesi in cui le ore non usate restano valide"},
)
TABLE_POINTS = Field(
    "hours", "Number of real-hour values in the table", "", 1, 100_000, integer=True,
    labels={"it": "Numero di valori di ore reali nella tabella"},
)

#: The inputs of :func:`compare_pricing`, in the order a view shows them.
PRICING_FIELDS = (
    HOURLY_RATE,
    ESTIMATED_HOURS,
    PACKAGE_MARKUP,
    RETAINER_HOURS,
    RETAINER_RATE,
    RETAINER_BUFFER,
    VALUE_CREATED,
    VALUE_SHARE,
    REAL_HOURS,
)

#: Who pays when the real hours differ from the plan.
CLIENT, FREELANCER, SHARED = "client", "freelancer", "shared"


@dataclass(frozen=True)
class PricingModel:
    """One way to set a price: its key, its name (``labels`` in other locales) and who carries the risk."""

    key: str
    label: str
    risk: str
    labels: dict[str, str] = dataclass_field(default_factory=dict, compare=False, hash=False)

    def label_in(self, locale: str = "en") -> str:
        """The name in ``locale``, falling back to English."""
        return self.labels.get(locale, self.label)


#: The four pricing models, in the order the course compares them.
PRICING_MODELS = (
    PricingModel("hourly", "Hourly", CLIENT, {"it": "A ore"}),
    PricingModel("package", "Package (fixed price)", FREELANCER, {"it": "Pacchetto (prezzo fisso)"}),
    PricingModel("retainer", "Retainer", SHARED, {"it": "Retainer (canone mensile)"}),
    PricingModel("value_based", "Value-based", FREELANCER, {"it": "Basato sul valore"}),
)
_MODELS_BY_KEY = {model.key: model for model in PRICING_MODELS}


def _check_model(model: str) -> PricingModel:
    if not isinstance(model, str) or model not in _MODELS_BY_KEY:
        choices = ", ".join(repr(key) for key in _MODELS_BY_KEY)
        raise ValueError(f"model must be one of {choices}; got {model!r}.")
    return _MODELS_BY_KEY[model]


def who_carries_the_risk(model: str) -> str:
    """Who pays when the job takes more (or fewer) hours than planned: ``client``, ``freelancer`` or ``shared``.

    >>> [who_carries_the_risk(model) for model in ("hourly", "package", "retainer", "value_based")]
    ['client', 'freelancer', 'shared', 'freelancer']
    >>> who_carries_the_risk("daily")
    Traceback (most recent call last):
    ...
    ValueError: model must be one of 'hourly', 'package', 'retainer', 'value_based'; got 'daily'.
    """
    return _check_model(model).risk


def hourly_revenue(hourly_rate: float, real_hours: float) -> float:
    """What billing by the hour brings in: every real hour is paid at the rate.

    >>> hourly_revenue(125, 120)
    15000.0
    """
    return HOURLY_RATE.check(hourly_rate) * REAL_HOURS.check(real_hours)


def package_price(hourly_rate: float, estimated_hours: float, package_markup: float = 0) -> float:
    """A fixed price from an estimate: ``rate * estimated hours * (1 + markup)``.

    The markup is the premium for carrying the risk of the hours. The domain
    notes' package, 80 estimated hours at 125 an hour:

    >>> package_price(125, 80)
    10000.0
    >>> package_price(125, 80, package_markup=0.2)
    12000.0
    """
    rate = HOURLY_RATE.check(hourly_rate)
    hours = ESTIMATED_HOURS.check(estimated_hours)
    markup = PACKAGE_MARKUP.check(package_markup)
    return rate * hours * (1 + markup)


def effective_hourly_rate(price: float, real_hours: float) -> float:
    """What the work really paid per hour: the price over the hours actually worked.

    The domain notes' example: 10,000 quoted for 80 hours that took 120.

    >>> round(effective_hourly_rate(10_000, 120), 2)
    83.33

    VA retainers of 600 to 2,500 a month for 10 to 30 hours pay 25 to 80 an hour,
    for instance:

    >>> effective_hourly_rate(600, 24), effective_hourly_rate(2_400, 30)
    (25.0, 80.0)
    """
    return PRICE.check(price) / REAL_HOURS.check(real_hours)


def scope_creep_rate(price: float, estimated_hours: float, scope_creep: float) -> float:
    """The effective rate of a fixed price when the hours grow by ``scope_creep`` (0.5: half as many again).

    The rate is divided by ``1 + scope_creep``: 50% more hours cut it by a third.

    >>> round(scope_creep_rate(10_000, 80, 0.5), 2)
    83.33
    """
    amount = PRICE.check(price)
    hours = ESTIMATED_HOURS.check(estimated_hours)
    creep = SCOPE_CREEP.check(scope_creep)
    return amount / (hours * (1 + creep))


def breakeven_hours(price: float, hourly_rate: float) -> float:
    """How many hours a fixed price covers at the hourly rate; more hours pay less than billing by the hour.

    >>> breakeven_hours(10_000, 125), breakeven_hours(12_000, 125)
    (80.0, 96.0)
    """
    return PRICE.check(price) / HOURLY_RATE.check(hourly_rate)


def retainer_covered_hours(retainer_hours: float, retainer_buffer: float = 0) -> float:
    """The hours a month the retainer's fee covers: the planned hours plus the buffer.

    >>> retainer_covered_hours(80, 0.15)
    92.0
    """
    hours = RETAINER_HOURS.check(retainer_hours)
    buffer = RETAINER_BUFFER.check(retainer_buffer)
    return hours * (1 + buffer)


def retainer_fee(retainer_hours: float, retainer_rate: float, retainer_buffer: float = 0) -> float:
    """The monthly fee of a retainer: ``hours * rate * (1 + scope buffer)``.

    20 hours a month at 100 an hour with a 15% buffer (commonly 10-20%):

    >>> retainer_fee(20, 100, 0.15)
    2300.0

    The example terms of an OBM's public FAQ, a minimum of 20 hours a month for
    at least 3 months, commit a client at 60 an hour to:

    >>> 3 * retainer_fee(20, 60)
    3600.0
    """
    covered = retainer_covered_hours(retainer_hours, retainer_buffer)
    return covered * RETAINER_RATE.check(retainer_rate)


def retainer_revenue(
    retainer_hours: float, retainer_rate: float, retainer_buffer: float, real_hours: float
) -> float:
    """One month of a retainer: the fee, plus the hours beyond the block billed at the retainer rate.

    With a block of 80 hours plus a 15% buffer (92 hours, 11,500 at 125 an hour):

    >>> retainer_revenue(80, 125, 0.15, 60), retainer_revenue(80, 125, 0.15, 120)
    (11500.0, 15000.0)
    """
    fee = retainer_fee(retainer_hours, retainer_rate, retainer_buffer)
    covered = retainer_covered_hours(retainer_hours, retainer_buffer)
    hours = REAL_HOURS.check(real_hours)
    return fee + max(0.0, hours - covered) * float(retainer_rate)


def _check_hours_list(hours: object, field: Field) -> list[float]:
    """A list of hours, each checked with ``field``; its length checked with :data:`MONTHS` or :data:`TABLE_POINTS`."""
    if isinstance(hours, (str, bytes, Mapping)) or not isinstance(hours, Iterable):
        raise InputError(field, hours, f"must be a list of numbers, each {field.valid_range()}")
    values = [field.check(value) for value in hours]
    length_field = MONTHS if field is MONTH_HOURS else TABLE_POINTS
    length_field.check(len(values))
    return values


def retainer_months(
    retainer_hours: float,
    retainer_rate: float,
    retainer_buffer: float,
    hours_by_month: Iterable[float],
    rollover_months: int = 0,
) -> pd.DataFrame:
    """A retainer month by month: hours, overage, unused hours lost or banked, revenue and effective rate.

    Each month the fee buys a block of ``retainer_hours * (1 + buffer)`` hours.
    Hours unused in a month stay usable for ``rollover_months`` more months
    (0: they do not roll over; the oldest are used first) and are lost after
    that. Hours beyond what is available are billed at the retainer rate.
    The effective rate of a month without work is NaN; the banked hours left
    after the last month are still owed to the client.

    A quarter of the OBM example terms (20 hours a month, learner's rate 60):
    a quiet month then a busy one.

    >>> months = retainer_months(20, 60, 0, [14, 20, 26])
    >>> months[["month", "hours_worked", "overage_hours", "expired_hours", "revenue"]]
       month  hours_worked  overage_hours  expired_hours  revenue
    0      1          14.0            0.0            6.0   1200.0
    1      2          20.0            0.0            0.0   1200.0
    2      3          26.0            6.0            0.0   1560.0
    >>> effective_hourly_rate(months.revenue.sum(), months.hours_worked.sum())
    66.0

    If unused hours roll over for two months, the six quiet hours absorb the busy month:

    >>> rolled = retainer_months(20, 60, 0, [14, 20, 26], rollover_months=2)
    >>> rolled[["month", "hours_available", "overage_hours", "banked_hours", "revenue"]]
       month  hours_available  overage_hours  banked_hours  revenue
    0      1             20.0            0.0           6.0   1200.0
    1      2             26.0            0.0           6.0   1200.0
    2      3             26.0            0.0           0.0   1200.0
    """
    covered = retainer_covered_hours(retainer_hours, retainer_buffer)
    fee = retainer_fee(retainer_hours, retainer_rate, retainer_buffer)
    rate = float(retainer_rate)
    worked_by_month = _check_hours_list(hours_by_month, MONTH_HOURS)
    keep = int(ROLLOVER_MONTHS.check(rollover_months))

    bank: list[list[float]] = []  # [month the hours were bought, hours left], oldest first
    rows = []
    for month, worked in enumerate(worked_by_month, start=1):
        bank.append([month, covered])
        available = float(sum(hours for _, hours in bank))
        to_cover = worked
        for entry in bank:
            used = min(entry[1], to_cover)
            entry[1] -= used
            to_cover -= used
        overage_hours = to_cover
        expired = float(sum(hours for bought, hours in bank if bought <= month - keep))
        bank = [entry for entry in bank if entry[0] > month - keep and entry[1] > 0]
        banked = float(sum(hours for _, hours in bank))
        revenue = fee + overage_hours * rate
        rows.append(
            {
                "month": month,
                "hours_worked": worked,
                "hours_available": available,
                "overage_hours": overage_hours,
                "expired_hours": expired,
                "banked_hours": banked,
                "fee": fee,
                "overage": overage_hours * rate,
                "revenue": revenue,
                "effective_hourly_rate": revenue / worked if worked > 0 else math.nan,
            }
        )
    return pd.DataFrame(rows)


def yearly_value_created(
    people: int, hours_saved_per_week: float, hourly_cost: float, weeks_per_year: float = 48
) -> float:
    """The yearly value of the hours your work saves the client's team.

    The domain notes' example: 5 people each save 8 hours a week, worth 40 an
    hour, over 48 working weeks.

    >>> yearly_value_created(5, 8, 40, 48)
    76800.0
    """
    count = PEOPLE.check(people)
    hours = HOURS_SAVED_PER_WEEK.check(hours_saved_per_week)
    cost = HOURLY_COST.check(hourly_cost)
    weeks = WEEKS_PER_YEAR.check(weeks_per_year)
    return count * hours * cost * weeks


def value_based_price(value_created: float, value_share: float) -> float:
    """A price set as a share of the yearly value created for the client (commonly 10-20%).

    >>> value_based_price(76_800, 0.15)
    11520.0
    >>> value_based_price(76_800, 0.10), value_based_price(76_800, 0.20)
    (7680.0, 15360.0)
    """
    return VALUE_CREATED.check(value_created) * VALUE_SHARE.check(value_share)


@dataclass(frozen=True)
class PricingResult:
    """The four pricing models of one job, at the hours it really takes."""

    hourly_rate: float
    estimated_hours: float
    package_markup: float
    retainer_hours: float
    retainer_rate: float
    retainer_buffer: float
    value_created: float
    value_share: float
    real_hours: float
    package_price: float
    breakeven_hours: float
    retainer_fee: float
    retainer_covered_hours: float
    value_price: float
    hourly_revenue: float
    retainer_revenue: float

    def revenue(self, model: str) -> float:
        """What the job brings in under ``model`` (``hourly``, ``package``, ``retainer``, ``value_based``)."""
        key = _check_model(model).key
        return {
            "hourly": self.hourly_revenue,
            "package": self.package_price,
            "retainer": self.retainer_revenue,
            "value_based": self.value_price,
        }[key]

    def effective_rate(self, model: str) -> float:
        """What the job pays per real hour under ``model``.

        >>> result = compare_pricing(125, 80, 0, 80, 125, 0.15, 76_800, 0.15, real_hours=80)
        >>> [result.effective_rate(model.key) for model in PRICING_MODELS]
        [125.0, 125.0, 143.75, 144.0]
        """
        return self.revenue(model) / self.real_hours

    @property
    def outcomes(self) -> pd.DataFrame:
        """One row per model: revenue, effective hourly rate, its ratio to the hourly rate, and who carries the risk.

        >>> compare_pricing(125, 80, 0, 80, 125, 0.15, 76_800, 0.15, real_hours=120).outcomes.round(2)
                     revenue  effective_hourly_rate  vs_hourly_rate        risk
        model                                                                  
        hourly       15000.0                 125.00            1.00      client
        package      10000.0                  83.33            0.67  freelancer
        retainer     15000.0                 125.00            1.00      shared
        value_based  11520.0                  96.00            0.77  freelancer
        """
        rows = [
            {
                "model": model.key,
                "revenue": self.revenue(model.key),
                "effective_hourly_rate": self.effective_rate(model.key),
                "vs_hourly_rate": self.effective_rate(model.key) / self.hourly_rate,
                "risk": model.risk,
            }
            for model in PRICING_MODELS
        ]
        return pd.DataFrame(rows).set_index("model")

    def comparison_table(self, hours: Iterable[float] | None = None, values: str = "rate") -> pd.DataFrame:
        """The four models side by side as the real hours vary: effective rates (or ``values="revenue"``).

        By default the hours run from half the estimate to twice it, in quarters.

        >>> result = compare_pricing(125, 80, 0, 80, 125, 0.15, 76_800, 0.15, real_hours=120)
        >>> result.comparison_table([40, 80, 120, 160]).round(2)
           real_hours  hourly  package  retainer  value_based
        0        40.0   125.0   250.00    287.50        288.0
        1        80.0   125.0   125.00    143.75        144.0
        2       120.0   125.0    83.33    125.00         96.0
        3       160.0   125.0    62.50    125.00         72.0
        >>> result.comparison_table([40, 120], values="revenue")
           real_hours   hourly  package  retainer  value_based
        0        40.0   5000.0  10000.0   11500.0      11520.0
        1       120.0  15000.0  10000.0   15000.0      11520.0
        """
        if values not in ("rate", "revenue"):
            raise ValueError(f"values must be 'rate' or 'revenue'; got {values!r}.")
        if hours is None:
            hours = [self.estimated_hours * quarter / 4 for quarter in range(2, 9)]
        real = np.array(_check_hours_list(hours, REAL_HOURS))
        overage = np.maximum(real - self.retainer_covered_hours, 0.0) * self.retainer_rate
        revenue = {
            "hourly": self.hourly_rate * real,
            "package": np.full_like(real, self.package_price),
            "retainer": self.retainer_fee + overage,
            "value_based": np.full_like(real, self.value_price),
        }
        columns = {key: amount / real if values == "rate" else amount for key, amount in revenue.items()}
        return pd.DataFrame({"real_hours": real, **columns})


def compare_pricing(
    hourly_rate: float,
    estimated_hours: float,
    package_markup: float,
    retainer_hours: float,
    retainer_rate: float,
    retainer_buffer: float,
    value_created: float,
    value_share: float,
    real_hours: float,
) -> PricingResult:
    """Price one job four ways and see what each pays at the real hours; the calculator's single call.

    The domain notes' package, 80 hours estimated at 125 an hour, that took 120:

    >>> result = compare_pricing(hourly_rate=125, estimated_hours=80, package_markup=0,
    ...                          retainer_hours=80, retainer_rate=125, retainer_buffer=0.15,
    ...                          value_created=76_800, value_share=0.15, real_hours=120)
    >>> result.hourly_revenue, result.package_price, result.retainer_revenue, result.value_price
    (15000.0, 10000.0, 15000.0, 11520.0)
    >>> result.retainer_fee, result.retainer_covered_hours, result.breakeven_hours
    (11500.0, 92.0, 80.0)
    """
    values = {
        "hourly_rate": hourly_rate,
        "estimated_hours": estimated_hours,
        "package_markup": package_markup,
        "retainer_hours": retainer_hours,
        "retainer_rate": retainer_rate,
        "retainer_buffer": retainer_buffer,
        "value_created": value_created,
        "value_share": value_share,
        "real_hours": real_hours,
    }
    # Every input checked first, in the order a view shows them: the first bad one is the one named.
    checked = {field.name: field.check(values[field.name]) for field in PRICING_FIELDS}
    price = package_price(hourly_rate, estimated_hours, package_markup)
    return PricingResult(
        **checked,
        package_price=price,
        breakeven_hours=breakeven_hours(price, hourly_rate),
        retainer_fee=retainer_fee(retainer_hours, retainer_rate, retainer_buffer),
        retainer_covered_hours=retainer_covered_hours(retainer_hours, retainer_buffer),
        value_price=value_based_price(value_created, value_share),
        hourly_revenue=hourly_revenue(hourly_rate, real_hours),
        retainer_revenue=retainer_revenue(retainer_hours, retainer_rate, retainer_buffer, real_hours),
    )
