"""Running a team: utilization per person, markup versus margin, and a small weekly team plan.

Pure functions and frozen dataclasses; no widgets, no plotting. Every public
function validates its inputs at the edge and raises :class:`~widgets.fields.InputError`
(a ``ValueError``) that names the field and its valid range; in a team plan the
field also names its row (``person2_available_hours (Luca: available hours per week) ...``).

The formulas (see ``course/08-running-a-team.ipynb``)::

    utilization = billable hours / available hours
    markup      = profit / cost           margin = profit / price
    margin      = markup / (1 + markup)   markup = margin / (1 - margin)
    client rate for a target margin = cost rate / (1 - margin)

The domain notes' worked examples: 34 billable hours out of 40 is 85% utilization;
a 50% markup is a 33.3% margin and a 100% markup a 50% margin; a subcontractor
who costs 25 EUR/h must be billed at 41.67 EUR/h for a 40% margin, while a 40%
markup (35 EUR/h) gives only a 28.6% margin.

>>> utilization(34, 40)
0.85
>>> round(markup_to_margin(0.5), 3), markup_to_margin(1)
(0.333, 0.5)
>>> round(rate_for_margin(25, 0.4), 2), round(markup_to_margin(0.4), 3)
(41.67, 0.286)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from widgets.fields import Field
from widgets.lazy_modules import LazyModule

pd = LazyModule("pandas")

#: The utilization commonly cited as healthy: 70% to 80% of the available hours billed.
HEALTHY_UTILIZATION = (0.70, 0.80)
#: The margins agencies commonly aim for on their work.
AGENCY_MARGIN = (0.30, 0.50)
#: The margins commonly aimed for on white-label work (delivered under the client's name).
WHITE_LABEL_MARGIN = (0.40, 0.60)
#: How close a project's markup must come to the target margin to look like the target was used as a markup.
MARKUP_MISTAKE_TOLERANCE = 0.005
#: The most people and projects a plan takes, and the longest name: guards against absurd input.
MAX_PEOPLE = 50
MAX_PROJECTS = 50
MAX_NAME_LENGTH = 40

# Sums of hours in floating point (0.1 + 0.2 > 0.3) must not make a full person over-allocated.
_EPSILON = 1e-9

# A markup range a little wider than the margin range, so every valid margin converts to a valid markup.
MARKUP = Field(
    "markup", "Markup on cost", "", 0, 10,
    labels={"it": "Ricarico sul costo"},
)
MARGIN = Field(
    "margin", "Margin on price", "", 0, 0.9,
    labels={"it": "Margine sul prezzo"},
)
TARGET_MARGIN = Field(
    "target_margin", "Target margin on price", "", 0, 0.9,
    labels={"it": "Margine obiettivo sul prezzo"},
)
COST_RATE = Field(
    "cost_rate", "Cost rate", "{currency}/h", 0, 10_000,
    labels={"it": "Costo orario"},
)
COST = Field(
    "cost", "Cost", "{currency}", 0, 100_000_000,
    labels={"it": "Costo"},
)
PRICE = Field(
    "price", "Price", "{currency}", 0, 100_000_000, min_exclusive=True,
    labels={"it": "Prezzo"},
)
BILLABLE_HOURS = Field(
    "billable_hours", "Billable hours per week", "h", 0, 168,
    labels={"it": "Ore fatturabili a settimana"},
)
# Less than an hour a week is no one's capacity; the floor also keeps every utilization finite.
AVAILABLE_HOURS = Field(
    "available_hours", "Available hours per week", "h", 1, 168,
    labels={"it": "Ore disponibili a settimana"},
)
UTILIZATION = Field(
    "utilization", "Utilization (billable over available hours)", "", 0, 168,
    labels={"it": "Utilizzo (ore fatturabili su ore disponibili)"},
)
PROJECT_PRICE = Field(
    "price", "Price per week", "{currency}", 0, 10_000_000,
    labels={"it": "Prezzo a settimana"},
)
PROJECT_HOURS = Field(
    "hours", "Hours per week", "h", 0, 168,
    labels={"it": "Ore a settimana"},
)

#: The inputs of :func:`evaluate_margin`, in the order a view shows them.
MARGIN_FIELDS = (COST_RATE, TARGET_MARGIN)


# --- the pure functions ---


def utilization(billable_hours: float, available_hours: float) -> float:
    """The share of the available hours that is billed: ``billable / available``.

    The domain notes' example, 34 billable hours in a 40-hour week:

    >>> utilization(34, 40)
    0.85

    Above 1 the person is booked for more hours than they have:

    >>> utilization(44, 40)
    1.1
    """
    billable = BILLABLE_HOURS.check(billable_hours)
    available = AVAILABLE_HOURS.check(available_hours)
    return billable / available


def utilization_band(share: float) -> str:
    """Where a utilization stands: ``"low"``, ``"healthy"`` (70-80%), ``"high"`` or ``"over"`` (above 100%).

    >>> [utilization_band(u) for u in (0.6, 0.7, 0.8, 0.85, 1.0, 1.1)]
    ['low', 'healthy', 'healthy', 'high', 'high', 'over']
    """
    value = UTILIZATION.check(share)
    low, high = HEALTHY_UTILIZATION
    if value > 1 + _EPSILON:
        return "over"
    if value > high:
        return "high"
    if value >= low:
        return "healthy"
    return "low"


def markup_to_margin(markup: float) -> float:
    """The margin on price that a markup on cost gives: ``markup / (1 + markup)``.

    >>> round(markup_to_margin(0.5), 4), markup_to_margin(1.0)
    (0.3333, 0.5)
    >>> round(markup_to_margin(0.4), 4)
    0.2857
    """
    value = MARKUP.check(markup)
    return value / (1 + value)


def margin_to_markup(margin: float) -> float:
    """The markup on cost that gives a margin on price: ``margin / (1 - margin)``.

    >>> margin_to_markup(0.5), round(margin_to_markup(1 / 3), 4)
    (1.0, 0.5)
    >>> round(margin_to_markup(0.4), 4)
    0.6667
    """
    value = MARGIN.check(margin)
    return value / (1 - value)


def rate_for_margin(cost_rate: float, margin: float) -> float:
    """The hourly rate to bill a client for a target margin on work that costs ``cost_rate``: ``cost / (1 - margin)``.

    The domain notes' example, a 25 EUR/h subcontractor billed for a 40% margin:

    >>> round(rate_for_margin(25, 0.4), 2)
    41.67
    """
    cost = COST_RATE.check(cost_rate)
    value = MARGIN.check(margin)
    return cost / (1 - value)


def rate_for_markup(cost_rate: float, markup: float) -> float:
    """The hourly rate a markup on cost gives: ``cost * (1 + markup)``.

    Adding 40% to a 25 EUR/h cost gives 35 EUR/h, which is only a 28.6% margin:

    >>> rate_for_markup(25, 0.4)
    35.0
    >>> round(margin_on_price(35, 25), 3)
    0.286
    """
    cost = COST_RATE.check(cost_rate)
    value = MARKUP.check(markup)
    return cost * (1 + value)


def price_for_margin(cost: float, margin: float) -> float:
    """The price of a whole job for a target margin: ``cost / (1 - margin)``.

    >>> round(price_for_margin(710, 0.4), 2)
    1183.33
    """
    amount = COST.check(cost)
    value = MARGIN.check(margin)
    return amount / (1 - value)


def margin_on_price(price: float, cost: float) -> float:
    """The profit as a share of the price: ``(price - cost) / price``; negative when the work loses money.

    >>> margin_on_price(1600, 920)
    0.425
    >>> margin_on_price(800, 920)
    -0.15
    """
    amount = PRICE.check(price)
    spent = COST.check(cost)
    return (amount - spent) / amount


def markup_on_cost(price: float, cost: float) -> float:
    """The profit as a share of the cost: ``(price - cost) / cost``.

    >>> markup_on_cost(35, 25)
    0.4
    """
    amount = _ANY_PRICE.check(price)
    spent = _POSITIVE_COST.check(cost)
    return (amount - spent) / spent


_ANY_PRICE = dataclasses.replace(PRICE, min_exclusive=False)
_POSITIVE_COST = dataclasses.replace(COST, min_exclusive=True)


# --- the margin calculator ---


@dataclass(frozen=True)
class MarginResult:
    """A subcontractor's cost rate priced two ways: for a target margin, and (the usual mistake) as a markup."""

    cost_rate: float
    target_margin: float
    #: The rate that earns the target margin: ``cost_rate / (1 - target_margin)``.
    client_rate: float
    #: What each billed hour leaves after paying the subcontractor.
    profit_per_hour: float
    #: The markup on cost that the client rate amounts to.
    markup_needed: float
    #: The rate you get by adding the target margin to the cost as a markup.
    markup_rate: float
    #: The margin that markup rate really earns.
    markup_rate_margin: float

    @property
    def shortfall_per_hour(self) -> float:
        """How much less each hour earns when the margin is added as a markup."""
        return self.client_rate - self.markup_rate


def evaluate_margin(cost_rate: float, target_margin: float) -> MarginResult:
    """Price a cost rate for a target margin and show what the markup mistake would cost; the margin calculator's model.

    >>> result = evaluate_margin(25, 0.4)
    >>> round(result.client_rate, 2), round(result.markup_needed, 4), result.markup_rate
    (41.67, 0.6667, 35.0)
    >>> round(result.markup_rate_margin, 3), round(result.shortfall_per_hour, 2)
    (0.286, 6.67)
    """
    cost = COST_RATE.check(cost_rate)
    margin = TARGET_MARGIN.check(target_margin)
    client_rate = rate_for_margin(cost, margin)
    return MarginResult(
        cost_rate=cost,
        target_margin=margin,
        client_rate=client_rate,
        profit_per_hour=client_rate - cost,
        markup_needed=margin_to_markup(margin),
        markup_rate=rate_for_markup(cost, margin),
        markup_rate_margin=markup_to_margin(margin),
    )


# --- the team plan ---


@dataclass(frozen=True)
class TeamMember:
    """One member of the team: a name, the hours they can work in a week and what an hour of theirs costs you.

    Checked by :func:`plan_team`, which knows the person's row.
    """

    name: str
    available_hours: float
    cost_rate: float


@dataclass(frozen=True)
class TeamProject:
    """One client project in the week: a name, the price the client pays for the week and the hours booked.

    ``hours`` maps the name of each person who works on the project to their
    hours on it this week; anyone left out does no hours on it. Checked by
    :func:`plan_team`, which knows the project's row and the team.
    """

    name: str
    price: float
    hours: Mapping[str, float] = dataclasses.field(default_factory=dict)


@dataclass(frozen=True)
class MemberLoad:
    """One person's week in the plan."""

    name: str
    available_hours: float
    cost_rate: float
    booked_hours: float
    #: Booked hours times the cost rate: what the person costs you this week.
    cost: float
    #: ``booked / available``; above 1 the person is over-allocated.
    utilization: float
    #: Available hours left; negative when over-allocated.
    spare_hours: float
    over_allocated: bool
    #: ``"low"``, ``"healthy"``, ``"high"`` or ``"over"``: see :func:`utilization_band`.
    band: str


@dataclass(frozen=True)
class ProjectMargin:
    """One project's week in the plan."""

    name: str
    price: float
    hours: float
    cost: float
    profit: float
    #: ``profit / price``; ``None`` when the project has no price.
    margin: float | None
    #: ``profit / cost``; ``None`` when the project costs nothing.
    markup: float | None
    #: The price that would earn the plan's target margin on this cost.
    price_for_target: float
    #: True when the margin is under the target (or the work has no price).
    below_target: bool
    #: True when the markup is the target margin: the price was set by adding the margin to the cost.
    priced_as_markup: bool

    @property
    def empty(self) -> bool:
        """True for a project with no hours and no price (an unused slot)."""
        return self.hours == 0 and self.price == 0


@dataclass(frozen=True)
class TeamTotals:
    """The whole team's week."""

    available_hours: float
    booked_hours: float
    utilization: float
    cost: float
    price: float
    profit: float
    margin: float | None
    markup: float | None


@dataclass(frozen=True)
class TeamWarning:
    """Something in the plan an OBM should act on.

    ``kind`` is one of ``"over_allocated"`` (``value`` booked hours against
    ``limit`` available), ``"markup_as_margin"`` and ``"below_target_margin"``
    (``value`` the margin against ``limit`` the target) and ``"unpriced"``
    (``value`` the cost of work with no price); ``subject`` names the person
    or project.
    """

    kind: str
    subject: str
    value: float
    limit: float


@dataclass(frozen=True)
class TeamPlan:
    """A week of the team's work: per person, per project, in total, and the warnings."""

    people: tuple[MemberLoad, ...]
    projects: tuple[ProjectMargin, ...]
    totals: TeamTotals
    warnings: tuple[TeamWarning, ...]
    target_margin: float

    def people_table(self) -> pd.DataFrame:
        """One row per person: hours, utilization and cost.

        >>> plan = plan_team([TeamMember("Sara", 40, 25)], [TeamProject("Website", 1000, {"Sara": 34})])
        >>> plan.people_table()[["person", "available_hours", "booked_hours", "utilization", "band"]]
          person  available_hours  booked_hours  utilization  band
        0   Sara             40.0          34.0         0.85  high
        """
        columns = ["name", "available_hours", "booked_hours", "spare_hours", "utilization", "band",
                   "over_allocated", "cost_rate", "cost"]
        frame = pd.DataFrame([{column: getattr(load, column) for column in columns} for load in self.people],
                             columns=columns)
        return frame.rename(columns={"name": "person"})

    def projects_table(self) -> pd.DataFrame:
        """One row per project: hours, cost, price, profit, margin and the price for the target margin.

        >>> plan = plan_team([TeamMember("Sara", 40, 25)], [TeamProject("Website", 1000, {"Sara": 20})])
        >>> plan.projects_table()[["project", "cost", "price", "profit", "margin", "markup"]]
           project   cost   price  profit  margin  markup
        0  Website  500.0  1000.0   500.0     0.5     1.0
        """
        columns = ["name", "hours", "cost", "price", "profit", "margin", "markup", "price_for_target",
                   "below_target", "priced_as_markup"]
        rows = [{column: getattr(result, column) for column in columns} for result in self.projects]
        frame = pd.DataFrame(rows, columns=columns)
        for column in ("hours", "cost", "price", "profit", "margin", "markup", "price_for_target"):
            frame[column] = frame[column].astype(float)
        return frame.rename(columns={"name": "project"})


def _check_name(name: object, what: str, row: int) -> str:
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"{what} {row} needs a name (a non-empty text); got {name!r}.")
    if len(name) > MAX_NAME_LENGTH:
        raise ValueError(f"{what} {row}'s name must be at most {MAX_NAME_LENGTH} characters; got {name!r}.")
    return name


def _row_field(field: Field, key: str, row_label: str, row_label_it: str) -> Field:
    """``field`` for one row of a plan: its name prefixed by the row's key, its labels by the row's name."""
    return dataclasses.replace(
        field,
        name=f"{key}_{field.name}",
        label=f"{row_label}: {field.label[0].lower()}{field.label[1:]}",
        labels={"it": f"{row_label_it}: {field.labels['it'][0].lower()}{field.labels['it'][1:]}"},
    )


def person_fields(row: int, name: str) -> tuple[Field, Field]:
    """The fields of the person in ``row`` (counted from 1): available hours and cost rate, labelled with the name.

    >>> available, cost = person_fields(2, "Luca")
    >>> available.name, available.label, available.label_in("it")
    ('person2_available_hours', 'Luca: available hours per week', 'Luca: ore disponibili a settimana')
    >>> cost.check(-1)
    Traceback (most recent call last):
    ...
    widgets.fields.InputError: person2_cost_rate (Luca: cost rate) must be a number at least 0 and at most 10,000 EUR/h; got -1.
    """
    name = _check_name(name, "person", row)
    key = f"person{row}"
    return _row_field(AVAILABLE_HOURS, key, name, name), _row_field(COST_RATE, key, name, name)


def project_fields(row: int, name: str, people: Sequence[str]) -> tuple[Field, tuple[Field, ...]]:
    """The fields of the project in ``row`` (from 1): its price, and the hours of each person in ``people``.

    >>> price, hours = project_fields(1, "Website", ["Sara", "Luca"])
    >>> price.name, price.label
    ('project1_price', 'Website: price per week')
    >>> [(field.name, field.label, field.label_in("it")) for field in hours][1]
    ('project1_hours_person2', "Website: Luca's hours per week", 'Website: ore di Luca a settimana')
    """
    name = _check_name(name, "project", row)
    key = f"project{row}"
    price = _row_field(PROJECT_PRICE, key, name, name)
    hours = tuple(
        dataclasses.replace(
            PROJECT_HOURS,
            name=f"{key}_hours_person{index}",
            label=f"{name}: {_check_name(person, 'person', index)}'s hours per week",
            labels={"it": f"{name}: ore di {person} a settimana"},
        )
        for index, person in enumerate(people, start=1)
    )
    return price, hours


def planner_fields(people: Sequence[str], projects: Sequence[str]) -> tuple[Field, ...]:
    """Every field of a plan with these people and projects, in the order a view shows them; the target margin last.

    >>> [field.name for field in planner_fields(["Sara"], ["Website"])]
    ['person1_available_hours', 'person1_cost_rate', 'project1_hours_person1', 'project1_price', 'target_margin']
    """
    _check_unique(people, "person", MAX_PEOPLE, minimum=1)
    _check_unique(projects, "project", MAX_PROJECTS)
    fields: list[Field] = []
    for row, name in enumerate(people, start=1):
        fields += person_fields(row, name)
    for row, name in enumerate(projects, start=1):
        price, hours = project_fields(row, name, people)
        fields += [*hours, price]
    return (*fields, TARGET_MARGIN)


def _check_unique(names: Sequence[str], what: str, most: int, minimum: int = 0) -> None:
    if isinstance(names, (str, bytes)) or not isinstance(names, Sequence):
        raise ValueError(f"the {what} names must be a list; got {names!r}.")
    if not minimum <= len(names) <= most:
        raise ValueError(f"a plan takes from {minimum} to {most} {what} rows; got {len(names)}.")
    for row, name in enumerate(names, start=1):
        _check_name(name, what, row)
    seen = set()
    for name in names:
        if name in seen:
            raise ValueError(f"two {what} rows are both called {name!r}; give each a different name.")
        seen.add(name)


def plan_team(
    people: Sequence[TeamMember],
    projects: Sequence[TeamProject] = (),
    target_margin: float = 0.4,
) -> TeamPlan:
    """Plan a week: each person's load and utilization, each project's cost, profit and margin, the totals, the warnings.

    The domain notes' numbers in a small team: Sara books 34 of her 40 hours
    (85%), and the newsletter is priced with a 40% *markup* on its cost, which
    is only a 28.6% margin against a 40% target.

    >>> team = [TeamMember("Sara", 40, 25), TeamMember("Luca", 20, 35), TeamMember("Marta", 15, 30)]
    >>> work = [TeamProject("Website", 1600, {"Sara": 20, "Luca": 12}),
    ...         TeamProject("Newsletter", 994, {"Sara": 14, "Marta": 12})]
    >>> plan = plan_team(team, work, target_margin=0.4)
    >>> [(load.name, load.booked_hours, round(load.utilization, 3)) for load in plan.people]
    [('Sara', 34.0, 0.85), ('Luca', 12.0, 0.6), ('Marta', 12.0, 0.8)]
    >>> [(p.name, p.cost, round(p.margin, 3), round(p.price_for_target, 2)) for p in plan.projects]
    [('Website', 920.0, 0.425, 1533.33), ('Newsletter', 710.0, 0.286, 1183.33)]
    >>> [(warning.kind, warning.subject) for warning in plan.warnings]
    [('markup_as_margin', 'Newsletter')]
    >>> plan.totals.cost, plan.totals.price, round(plan.totals.margin, 3), round(plan.totals.utilization, 3)
    (1630.0, 2594.0, 0.372, 0.773)

    Ten more hours for Sara on a launch put her over her capacity:

    >>> busier = plan_team(team, [*work, TeamProject("Launch", 600, {"Sara": 10})])
    >>> [(w.kind, w.subject, w.value, w.limit) for w in busier.warnings if w.kind == "over_allocated"]
    [('over_allocated', 'Sara', 44.0, 40.0)]

    A bad value names its row and field:

    >>> plan_team([TeamMember("Sara", 40, 25), TeamMember("Luca", -5, 35)])
    Traceback (most recent call last):
    ...
    widgets.fields.InputError: person2_available_hours (Luca: available hours per week) must be a number at least 1 and at most 168 h; got -5.
    """
    people, projects = _check_rows(people, TeamMember, "people"), _check_rows(projects, TeamProject, "projects")
    names = [person.name for person in people]
    planner_fields(names, [project.name for project in projects])  # checks the names: present, short, unique
    checked_people = []
    for row, person in enumerate(people, start=1):
        available, cost_rate = person_fields(row, person.name)
        checked_people.append(TeamMember(person.name, available.check(person.available_hours),
                                     cost_rate.check(person.cost_rate)))
    checked_projects = []
    for row, project in enumerate(projects, start=1):
        price_field, hours_fields = project_fields(row, project.name, names)
        if not isinstance(project.hours, Mapping):
            raise ValueError(f"project {row} ({project.name}): hours must map person names to hours; "
                             f"got {project.hours!r}.")
        unknown = [person for person in project.hours if person not in names]
        if unknown:
            raise ValueError(f"project {row} ({project.name}) books hours for {unknown[0]!r}, who is not in the "
                             f"team ({', '.join(names)}).")
        hours = {
            person: field.check(project.hours.get(person, 0))
            for person, field in zip(names, hours_fields)
        }
        checked_projects.append(TeamProject(project.name, price_field.check(project.price), hours))
    target = TARGET_MARGIN.check(target_margin)
    return _plan(checked_people, checked_projects, target)


def _check_rows(rows: object, kind: type, what: str) -> list:
    if isinstance(rows, (str, bytes)) or not isinstance(rows, Sequence):
        raise ValueError(f"{what} must be a list of {kind.__name__} rows; got {rows!r}.")
    for row, item in enumerate(rows, start=1):
        if not isinstance(item, kind):
            raise ValueError(f"{what} row {row} must be a {kind.__name__}; got {item!r}.")
    return list(rows)


def _plan(people: list[TeamMember], projects: list[TeamProject], target: float) -> TeamPlan:
    """The plan from checked rows."""
    booked = {person.name: 0.0 for person in people}
    rates = {person.name: person.cost_rate for person in people}
    results = []
    for project in projects:
        for name, hours in project.hours.items():
            booked[name] += hours
        results.append(_project_result(project, rates, target))

    loads = []
    for person in people:
        hours = booked[person.name]
        share = hours / person.available_hours
        over = hours > person.available_hours * (1 + _EPSILON)
        loads.append(MemberLoad(
            name=person.name,
            available_hours=person.available_hours,
            cost_rate=person.cost_rate,
            booked_hours=hours,
            cost=hours * person.cost_rate,
            utilization=share,
            spare_hours=person.available_hours - hours,
            over_allocated=over,
            band="over" if over else utilization_band(min(share, 1.0)),
        ))

    available = sum(load.available_hours for load in loads)
    hours = sum(load.booked_hours for load in loads)
    cost = sum(result.cost for result in results)
    price = sum(result.price for result in results)
    totals = TeamTotals(
        available_hours=available,
        booked_hours=hours,
        utilization=hours / available,
        cost=cost,
        price=price,
        profit=price - cost,
        margin=(price - cost) / price if price > 0 else None,
        markup=(price - cost) / cost if cost > 0 else None,
    )
    return TeamPlan(tuple(loads), tuple(results), totals, tuple(_warnings(loads, results, target)), target)


def _project_result(project: TeamProject, rates: dict[str, float], target: float) -> ProjectMargin:
    hours = sum(project.hours.values())
    cost = sum(hours_of * rates[name] for name, hours_of in project.hours.items())
    price = project.price
    margin = (price - cost) / price if price > 0 else None
    markup = (price - cost) / cost if cost > 0 else None
    below = (margin is None and cost > 0) or (margin is not None and margin < target - _EPSILON)
    as_markup = (
        below and markup is not None and margin is not None and target > 0
        and abs(markup - target) <= MARKUP_MISTAKE_TOLERANCE
    )
    return ProjectMargin(
        name=project.name,
        price=price,
        hours=hours,
        cost=cost,
        profit=price - cost,
        margin=margin,
        markup=markup,
        price_for_target=cost / (1 - target),
        below_target=below,
        priced_as_markup=as_markup,
    )


def _warnings(loads: list[MemberLoad], results: list[ProjectMargin], target: float) -> list[TeamWarning]:
    found = [
        TeamWarning("over_allocated", load.name, load.booked_hours, load.available_hours)
        for load in loads
        if load.over_allocated
    ]
    for result in results:
        if result.margin is None and result.cost > 0:
            found.append(TeamWarning("unpriced", result.name, result.cost, 0.0))
        elif result.priced_as_markup:
            found.append(TeamWarning("markup_as_margin", result.name, result.margin, target))
        elif result.below_target:
            found.append(TeamWarning("below_target_margin", result.name, result.margin, target))
    return found
