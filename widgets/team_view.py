"""Two calculators for running a team: a weekly team planner and a margin calculator.

:class:`TeamPlanner` is a thin view over :func:`widgets.team.plan_team` with
fixed slots: three people (hours available, cost rate) and three projects
(each person's hours on it, its price for the week), plus a target margin.
It shows each person's utilization, each project's margin, the totals and the
warnings an OBM acts on (over-allocation, a margin below target, a margin that
was added to the cost as a markup), and a chart of utilization against the
healthy 70-80% band and of margins against the target.

:class:`MarginCalculator` is a thin view over :func:`widgets.team.evaluate_margin`:
a subcontractor's cost rate and a target margin in, the client rate out, beside
what the same percentage added as a markup would really earn.

Both follow :class:`~widgets.calculator_view.CalculatorView`: the model
validates, an :class:`~widgets.fields.InputError` becomes an inline message
naming the field (and, in the planner, its person or project), and the last
valid results stay on screen. Charts are drawn on one reused
``matplotlib.figure.Figure`` with an Agg canvas: a change redraws only the
bars and the target line over a cached background.

>>> planner = TeamPlanner()
>>> [round(load.utilization, 2) for load in planner.result.people]
[0.85, 0.6, 0.8]
>>> planner.inputs["project3_hours_person1"].value = 10
>>> [warning.subject for warning in planner.result.warnings if warning.kind == "over_allocated"]
['Sara']
>>> planner.inputs["person2_cost_rate"].value = -1
>>> planner.last_error.field.label
'Luca: cost rate'
>>> round(MarginCalculator().result.client_rate, 2)
41.67
"""

from __future__ import annotations

import decimal
import functools
import html

import ipywidgets as w
from babel.numbers import format_percent as babel_format_percent
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MultipleLocator

from widgets.calculator_view import ERROR_COLOR, CalculatorView, with_common_strings
from widgets.charts import canvas_png, round_up
from widgets.formatting import check_locale, format_money, format_number
from widgets.team import (
    HEALTHY_UTILIZATION,
    MARGIN_FIELDS,
    MarginResult,
    TeamMember,
    TeamPlan,
    TeamProject,
    evaluate_margin,
    person_fields,
    plan_team,
    planner_fields,
    project_fields,
)

#: The planner's fixed slots: three people and three projects (the third left empty to start with).
SLOTS = 3
DEFAULT_PEOPLE = ("Sara", "Luca", "Marta")
DEFAULT_PROJECTS = ("Website", "Newsletter", "Launch")

#: The lesson's example week: Sara books 34 of her 40 hours (85%); the newsletter's price adds
#: the 40% target to its cost as a markup (710 * 1.4 = 994), which is only a 28.6% margin.
PLANNER_DEFAULTS = {
    "person1_available_hours": 40,
    "person1_cost_rate": 25,
    "person2_available_hours": 20,
    "person2_cost_rate": 35,
    "person3_available_hours": 15,
    "person3_cost_rate": 30,
    "project1_hours_person1": 20,
    "project1_hours_person2": 12,
    "project1_hours_person3": 0,
    "project1_price": 1600,
    "project2_hours_person1": 14,
    "project2_hours_person2": 0,
    "project2_hours_person3": 12,
    "project2_price": 994,
    "project3_hours_person1": 0,
    "project3_hours_person2": 0,
    "project3_hours_person3": 0,
    "project3_price": 0,
    "target_margin": 0.4,
}

#: The part of each kind of field's range a slider covers, and its step; the text box takes any number.
_SLIDER_BY_KIND = {
    "available_hours": (60, 0.5),
    "cost_rate": (150, 0.5),
    "price": (5_000, 10),
    "target_margin": (0.9, 0.01),
}


def _slider_range(name: str) -> tuple[float, float]:
    """A field's slider range by the kind its name ends with; hours on a project by default."""
    return next((span for kind, span in _SLIDER_BY_KIND.items() if name.endswith(kind)), (60, 0.5))


PLANNER_SLIDER_RANGES = {name: _slider_range(name) for name in PLANNER_DEFAULTS}

MARGIN_DEFAULTS = {"cost_rate": 25, "target_margin": 0.4}
MARGIN_SLIDER_RANGES = {"cost_rate": (150, 0.5), "target_margin": (0.9, 0.01)}

#: Everything the planner writes in words, per locale. Field labels, units and ranges come from the model.
PLANNER_STRINGS = with_common_strings({
    "en": {
        "team_inputs": "Your team: hours each person can work this week, and what an hour of theirs costs you",
        "project_inputs": "This week's projects: hours booked from each person, and the price the client pays",
        "target_inputs": "Your target",
        "people_title": "Team this week",
        "person": "Person",
        "booked": "Booked",
        "utilization": "Utilization",
        "hours_of": "{booked} of {available} h",
        "team": "Team",
        "band_low": "spare capacity",
        "band_healthy": "healthy",
        "band_high": "above the healthy band",
        "band_over": "over-allocated",
        "projects_title": "Projects this week",
        "project": "Project",
        "hours": "Hours",
        "cost": "Cost",
        "price": "Price",
        "margin": "Margin",
        "price_for_target": "Price for a {target} margin",
        "unused": "not used",
        "none": "–",
        "warnings_title": "What to act on",
        "all_clear": "Nobody is over-allocated and every project reaches the {target} target margin.",
        "over_allocated": "{name} is booked for {booked} h but has only {available} h: move {extra} h to "
        "someone else or to a later week.",
        "markup_as_margin": "{name}: the price adds {target} to the cost, a markup, and that is only a {margin} "
        "margin. For a {target} margin, charge {price}.",
        "below_target_margin": "{name}: a {margin} margin is below your {target} target. For the target, "
        "charge {price}.",
        "unpriced": "{name}: {cost} of work has no price.",
        "chart_utilization": "Utilization per person",
        "chart_margin": "Margin per project",
        "healthy_band": "healthy utilization ({low}–{high})",
        "full_line": "full capacity (100%)",
        "target_line": "target margin",
        "chart_alt": "Utilization per person and margin per project",
    },
    "it": {
        "team_inputs": "Il tuo team: ore che ogni persona può lavorare questa settimana e quanto ti costa un'ora",
        "project_inputs": "I progetti della settimana: ore prenotate per ogni persona e prezzo pagato dal cliente",
        "target_inputs": "Il tuo obiettivo",
        "people_title": "Il team questa settimana",
        "person": "Persona",
        "booked": "Prenotate",
        "utilization": "Utilizzo",
        "hours_of": "{booked} su {available} h",
        "team": "Totale",
        "band_low": "capacità libera",
        "band_healthy": "sano",
        "band_high": "sopra la fascia sana",
        "band_over": "sovraccarico",
        "projects_title": "I progetti questa settimana",
        "project": "Progetto",
        "hours": "Ore",
        "cost": "Costo",
        "price": "Prezzo",
        "margin": "Margine",
        "price_for_target": "Prezzo per un margine del {target}",
        "unused": "non usato",
        "none": "–",
        "warnings_title": "Su cosa intervenire",
        "all_clear": "Nessuno è sovraccarico e ogni progetto raggiunge il margine obiettivo del {target}.",
        "over_allocated": "{name} ha {booked} h prenotate ma solo {available} h disponibili: sposta {extra} h "
        "su qualcun altro o a una settimana successiva.",
        "markup_as_margin": "{name}: il prezzo aggiunge il {target} al costo, un ricarico, che è solo un margine "
        "del {margin}. Per un margine del {target}, chiedi {price}.",
        "below_target_margin": "{name}: un margine del {margin} è sotto il tuo obiettivo del {target}. Per "
        "raggiungerlo, chiedi {price}.",
        "unpriced": "{name}: {cost} di lavoro senza prezzo.",
        "chart_utilization": "Utilizzo per persona",
        "chart_margin": "Margine per progetto",
        "healthy_band": "utilizzo sano ({low}–{high})",
        "full_line": "capacità piena (100%)",
        "target_line": "margine obiettivo",
        "chart_alt": "Utilizzo per persona e margine per progetto",
    },
})

#: Everything the margin calculator writes in words, per locale.
MARGIN_STRINGS = with_common_strings({
    "en": {
        "client_rate": "Client rate for a {margin} margin",
        "profit_per_hour": "Profit per hour",
        "markup_needed": "The markup on cost that gives this margin",
        "markup_rate": "If you add {margin} to the cost as a markup",
        "markup_result": "{rate}, a margin of only {real}: {shortfall} less per hour",
        "per_hour": "{amount}/h",
        "chart_title": "What the client pays per hour",
        "for_margin": "priced for\nthe margin",
        "as_markup": "margin added\nas a markup",
        "cost": "cost",
        "margin_label": "margin {margin}",
    },
    "it": {
        "client_rate": "Tariffa al cliente per un margine del {margin}",
        "profit_per_hour": "Profitto per ora",
        "markup_needed": "Il ricarico sul costo che dà questo margine",
        "markup_rate": "Se aggiungi il {margin} al costo come ricarico",
        "markup_result": "{rate}, un margine di solo il {real}: {shortfall} in meno per ora",
        "per_hour": "{amount}/h",
        "chart_title": "Quanto paga il cliente per ora",
        "for_margin": "prezzo per\nil margine",
        "as_markup": "margine aggiunto\ncome ricarico",
        "cost": "costo",
        "margin_label": "margine {margin}",
    },
})

GOOD_COLOR = "#2e7d32"
TEAM_GOOD_COLOR = "#1b5e20"
BAD_COLOR = "#e53935"
TEAM_BAD_COLOR = ERROR_COLOR
BAND_COLORS = {"low": "#64b5f6", "healthy": GOOD_COLOR, "high": "#fb8c00", "over": BAD_COLOR}
BAND_SHADE = "#c8e6c9"
_ENOUGH_DIGITS = 400
COST_COLOR = "#9e9e9e"
LINE_COLOR = "#b71c1c"
TARGET_COLOR = "#1565c0"


@functools.lru_cache(maxsize=1024)
def percent(share: float, locale: str = "en", digits: int = 1) -> str:
    """A share as a percentage with ``digits`` decimals, in the locale's style (Babel).

    >>> percent(0.2857, "en"), percent(0.2857, "it"), percent(0.85, "en", digits=0)
    ('28.6%', '28,6%', '85%')
    >>> percent(-1e300, "en")[:12]
    '-100,000,000'
    """
    pattern = "#,##0" + ("." + "0" * digits if digits else "") + "%"
    locale = check_locale(locale)
    # Babel rounds through the decimal module; a margin of a near-zero price has hundreds of digits.
    with decimal.localcontext(prec=_ENOUGH_DIGITS):
        return babel_format_percent(share, format=pattern, locale=locale)


def _hours(amount: float, locale: str) -> str:
    """Hours with at most one decimal: 34 or 34.5."""
    return format_number(amount, locale, digits=0 if amount == round(amount) else 1)


# --- the team planner ---


class TeamPlanner(CalculatorView):
    """A small weekly team planner: three people and three projects, ready to display in a notebook.

    ``TeamPlanner(locale="en", currency="EUR", people=DEFAULT_PEOPLE, projects=DEFAULT_PROJECTS, **initial)``;
    ``people`` and ``projects`` are three names each (they label the inputs
    and the chart); ``initial`` gives starting values by field name, e.g.
    ``person1_available_hours=40``, ``project2_hours_person3=12``,
    ``project1_price=1600`` or ``target_margin=0.4`` (defaults:
    :data:`PLANNER_DEFAULTS`). Bad names, locales, currencies, field names or
    starting values raise a ``ValueError`` at once.

    Besides what every :class:`~widgets.calculator_view.CalculatorView` has:
    ``chart``, an ``Image`` (PNG) drawn by ``team_chart`` (a :class:`TeamChart`).
    """

    chart_alt_key = "chart_alt"
    fields = planner_fields(DEFAULT_PEOPLE, DEFAULT_PROJECTS)
    defaults = PLANNER_DEFAULTS
    slider_ranges = PLANNER_SLIDER_RANGES
    strings = PLANNER_STRINGS

    def __init__(
        self,
        locale: str = "en",
        currency: str = "EUR",
        people=DEFAULT_PEOPLE,
        projects=DEFAULT_PROJECTS,
        **initial: float,
    ):
        people, projects = _three_names(people, "people"), _three_names(projects, "projects")
        self.fields = planner_fields(people, projects)  # checks the names: present, short, different
        self.people, self.projects = people, projects
        self._people_slots = [(name, person_fields(row, name)) for row, name in enumerate(people, start=1)]
        self._project_slots = [
            (name, project_fields(row, name, people)) for row, name in enumerate(projects, start=1)
        ]
        self.chart = w.Image(format="png")
        self.team_chart = TeamChart(people, projects)
        self._headings = {key: w.HTML() for key in ("team_inputs", "project_inputs", "target_inputs")}
        super().__init__(locale, currency, **initial)
        self._group_controls()

    def compute(self, values: dict[str, float]) -> TeamPlan:
        team = [
            TeamMember(name, values[available.name], values[cost_rate.name])
            for name, (available, cost_rate) in self._people_slots
        ]
        work = [
            TeamProject(name, values[price.name], {person: values[field.name] for person, field in
                                                   zip(self.people, hours)})
            for name, (price, hours) in self._project_slots
        ]
        return plan_team(team, work, values["target_margin"])


    def render(self, result: TeamPlan) -> None:
        png = self.team_chart.draw(result, self.locale)
        self.results.value = planner_results(result, self.locale, self.currency)
        self.chart.value = png
        for key, heading in self._headings.items():
            heading.value = f"<b>{html.escape(self.strings[self.locale][key])}</b>"


    def _group_controls(self) -> None:
        """Show the inputs in three titled groups: the team, the projects (one row of inputs each), the target."""
        controls = self.controls
        team = [controls[field.name].widget for _, pair in self._people_slots for field in pair]
        projects = [
            controls[field.name].widget for _, (price, hours) in self._project_slots for field in (*hours, price)
        ]
        inputs_box = self.widget.children[2]
        inputs_box.children = [
            self._headings["team_inputs"], *team,
            self._headings["project_inputs"], *projects,
            self._headings["target_inputs"], controls["target_margin"].widget,
        ]


def _three_names(names, what: str) -> tuple:
    if isinstance(names, (str, bytes)) or not hasattr(names, "__len__") or len(names) != SLOTS:
        raise ValueError(f"{what} must be {SLOTS} names, one per slot of the planner; got {names!r}.")
    return tuple(names)



def _table(header: list[str], rows: list[list[str]], footer: list[str] | None = None) -> str:
    """An HTML table; the first column left-aligned, the others right-aligned; cells are already escaped."""
    def row(cells, tag="td", style=""):
        return "<tr>" + "".join(
            f"<{tag} style='{'text-align:left' if index == 0 else 'text-align:right'};padding:0 0.5em;{style}'>"
            f"{cell}</{tag}>"
            for index, cell in enumerate(cells)
        ) + "</tr>"

    body = row(header, "th") + "".join(row(cells) for cells in rows)
    if footer:
        body += row(footer, style="border-top:1px solid #999;font-weight:bold")
    return f"<table class='obm-results'>{body}</table>"


def planner_results(plan: TeamPlan, locale: str, currency: str) -> str:
    """The plan as HTML: the team's load, the projects' margins and the warnings; every amount written by Babel."""
    strings = PLANNER_STRINGS[locale]
    escape = html.escape

    def money(amount: float) -> str:
        return escape(format_money(amount, locale, currency))

    def margin_cell(margin: float | None, below: bool) -> str:
        if margin is None:
            return escape(strings["none"])
        color = BAD_COLOR if below else GOOD_COLOR
        return f'<span style="color:{color}">{escape(percent(margin, locale))}</span>'

    def load_cell(load) -> str:
        return escape(strings["hours_of"].format(booked=_hours(load.booked_hours, locale),
                                                 available=_hours(load.available_hours, locale)))

    people_rows = [
        [
            escape(load.name),
            load_cell(load),
            f'<span style="color:{BAND_COLORS[load.band]}">{escape(percent(load.utilization, locale, 0))}</span>',
            escape(strings[f"band_{load.band}"]),
        ]
        for load in plan.people
    ]
    totals = plan.totals
    people_footer = [escape(strings["team"]), load_cell(totals), escape(percent(totals.utilization, locale, 0)), ""]
    people = _table(
        [escape(strings["person"]), escape(strings["booked"]), escape(strings["utilization"]), ""],
        people_rows, people_footer,
    )

    target = percent(plan.target_margin, locale)
    project_rows = []
    for project in plan.projects:
        if project.empty:
            project_rows.append([escape(project.name), "", "", "", f"<i>{escape(strings['unused'])}</i>", ""])
            continue
        project_rows.append([
            escape(project.name),
            escape(_hours(project.hours, locale)),
            money(project.cost),
            money(project.price),
            margin_cell(project.margin, project.below_target),
            money(project.price_for_target),
        ])
    team_below = totals.margin is not None and totals.margin < plan.target_margin
    projects_footer = [
        escape(strings["team"]), escape(_hours(totals.booked_hours, locale)), money(totals.cost),
        money(totals.price), margin_cell(totals.margin, team_below), "",
    ]
    projects = _table(
        [escape(strings[key]) for key in ("project", "hours", "cost", "price", "margin")]
        + [escape(strings["price_for_target"].format(target=target))],
        project_rows, projects_footer,
    )

    by_project = {project.name: project for project in plan.projects}
    items = []
    for warning in plan.warnings:
        if warning.kind == "over_allocated":
            text = strings["over_allocated"].format(
                name=warning.subject, booked=_hours(warning.value, locale), available=_hours(warning.limit, locale),
                extra=_hours(warning.value - warning.limit, locale),
            )
        elif warning.kind == "unpriced":
            text = strings["unpriced"].format(name=warning.subject, cost=format_money(warning.value, locale, currency))
        else:
            text = strings[warning.kind].format(
                name=warning.subject, margin=percent(warning.value, locale), target=target,
                price=format_money(by_project[warning.subject].price_for_target, locale, currency),
            )
        items.append(f'<li style="color:{ERROR_COLOR}">&#9888; {escape(text)}</li>')
    if not items:
        items.append(f'<li style="color:{GOOD_COLOR}">&#10004; {escape(strings["all_clear"].format(target=target))}</li>')
    warnings = f"<b>{escape(strings['warnings_title'])}</b><ul class='obm-warnings'>{''.join(items)}</ul>"

    return (
        f'<div class="obm-team-plan"><b>{escape(strings["people_title"])}</b>{people}'
        f"<br><b>{escape(strings['projects_title'])}</b>{projects}<br>{warnings}</div>"
    )


class TeamChart:
    """Utilization per person (against 100% and the healthy band) and margin per project (against the target).

    One reused Agg figure. The static parts (titles, axes, ticks, names, the
    healthy band) are rendered once per locale and pair of axis limits and kept
    as a background; each update restores it and draws only the ``animated``
    artists: the bars, the 100% line and the target line, all above
    every static artist in z-order, so the pixels are those of a full draw.
    """

    def __init__(self, people, projects, width: float = 6.4, height: float = 3.2, dpi: int = 80):
        self.people, self.projects = tuple(people), tuple(projects)
        self.figure = Figure(figsize=(width, height), dpi=dpi)
        self.canvas = FigureCanvasAgg(self.figure)
        self.figure.subplots_adjust(left=0.1, right=0.98, top=0.88, bottom=0.22, wspace=0.3)
        self.utilization_axes, self.margin_axes = self.figure.subplots(1, 2, width_ratios=[3, 4])
        self.utilization_title = self.figure.text(0.29, 0.98, "", ha="center", va="top", fontsize=10)
        self.margin_title = self.figure.text(0.72, 0.98, "", ha="center", va="top", fontsize=10)
        self._locale = "en"
        self._legend = None

        axes = self.utilization_axes
        low, high = HEALTHY_UTILIZATION
        axes.axhspan(low, high, color=BAND_SHADE, zorder=1)
        positions = list(range(len(self.people)))
        self.utilization_bars = list(axes.bar(positions, [0] * len(positions), width=0.6, zorder=3, animated=True))
        self.full_line = axes.axhline(1.0, color=LINE_COLOR, linestyle="--", linewidth=1, zorder=3.1, animated=True)
        axes.set_xticks(positions, self.people, fontsize=8)
        axes.set_xlim(-0.6, len(positions) - 0.4)

        axes = self.margin_axes
        axes.axhline(0, color="0.5", linewidth=0.8, zorder=1)
        positions = list(range(len(self.projects) + 1))
        self.margin_bars = list(axes.bar(positions, [0] * len(positions), width=0.6, zorder=3, animated=True))
        self.target_line = axes.axhline(0, color=TARGET_COLOR, linestyle="-.", linewidth=1.2, zorder=3.1,
                                        animated=True)
        axes.set_xlim(-0.6, len(positions) - 0.4)

        for axes in (self.utilization_axes, self.margin_axes):
            axes.grid(True, axis="y", color="0.92", zorder=0)
            axes.set_axisbelow(True)
            axes.tick_params(labelsize=8)
            axes.yaxis.set_major_formatter(FuncFormatter(lambda y, _: percent(y, self._locale, 0)))

        self._background = None
        self._background_key: tuple | None = None
        #: How many times the background had to be rendered (a benchmark and test hook).
        self.background_renders = 0

    @property
    def animated_artists(self) -> list:
        """The artists drawn on every update, in the order a full draw paints them."""
        return [*self.utilization_bars, *self.margin_bars, self.full_line, self.target_line]

    def draw(self, plan: TeamPlan, locale: str) -> bytes:
        """Update the bars and the target line for ``plan`` and return the figure as PNG bytes."""
        top = max(1.2, round_up(max(0.01, *(load.utilization for load in plan.people)) * 1.1))
        margins = [project.margin for project in plan.projects] + [plan.totals.margin]
        lowest = min([margin for margin in margins if margin is not None] + [0.0])
        bottom = 0.0 if lowest >= 0 else -0.5 if lowest >= -0.45 else -1.0
        key = (locale, top, bottom)
        if key != self._background_key:
            self._render_background(key)

        for bar, load in zip(self.utilization_bars, plan.people):
            bar.set_height(load.utilization)
            bar.set_facecolor(BAND_COLORS[load.band])

        below = [project.below_target for project in plan.projects]
        below.append(plan.totals.margin is not None and plan.totals.margin < plan.target_margin)
        colors = [BAD_COLOR if under else GOOD_COLOR for under in below[:-1]]
        colors.append(TEAM_BAD_COLOR if below[-1] else TEAM_GOOD_COLOR)
        for bar, margin, color in zip(self.margin_bars, margins, colors):
            # No price, no margin: no bar. A margin below the axis is drawn down to its bottom.
            bar.set_height(0.0 if margin is None else max(margin, bottom))
            bar.set_facecolor(color)
        self.target_line.set_ydata([plan.target_margin, plan.target_margin])

        self.canvas.restore_region(self._background)
        for artist in self.animated_artists:
            artist.axes.draw_artist(artist)
        return canvas_png(self.canvas)

    def _render_background(self, key: tuple) -> None:
        locale, top, bottom = key
        strings = PLANNER_STRINGS[locale]
        self._locale = locale
        self.utilization_axes.set_ylim(0, top)
        self.utilization_axes.yaxis.set_major_locator(MultipleLocator(0.2 if top <= 1.5 else top / 5))
        self.margin_axes.set_ylim(bottom, 1.0)
        self.margin_axes.yaxis.set_major_locator(MultipleLocator(0.2 if bottom > -1 else 0.5))
        self.margin_axes.set_xticks(range(len(self.projects) + 1), [*self.projects, strings["team"]], fontsize=8)
        self.utilization_title.set_text(strings["chart_utilization"])
        self.margin_title.set_text(strings["chart_margin"])
        if self._legend is not None:
            self._legend.remove()
        low, high = (percent(share, locale, 0) for share in HEALTHY_UTILIZATION)
        self._legend = self.figure.legend(
            handles=[
                Patch(color=BAND_SHADE, label=strings["healthy_band"].format(low=low, high=high)),
                Line2D([], [], color=LINE_COLOR, linestyle="--", linewidth=1, label=strings["full_line"]),
                Line2D([], [], color=TARGET_COLOR, linestyle="-.", linewidth=1.2, label=strings["target_line"]),
            ],
            loc="lower center", ncols=3, fontsize=7, frameon=False,
        )
        self.canvas.draw()  # animated artists are left out
        self._background = self.canvas.copy_from_bbox(self.figure.bbox)
        self._background_key = key
        self.background_renders += 1


# --- the margin calculator ---


class MarginCalculator(CalculatorView):
    """A subcontractor's cost rate and your target margin in; the client rate, and the markup mistake, out.

    ``MarginCalculator(locale="en", currency="EUR", **initial)``; ``initial``
    gives starting values for ``cost_rate`` and ``target_margin`` (defaults:
    25 an hour and 40%, the domain notes' example: 41.67 an hour).

    Besides what every :class:`~widgets.calculator_view.CalculatorView` has:
    ``chart``, an ``Image`` (PNG) drawn by ``margin_chart`` (a :class:`MarginChart`).
    """

    fields = MARGIN_FIELDS
    defaults = MARGIN_DEFAULTS
    slider_ranges = MARGIN_SLIDER_RANGES
    strings = MARGIN_STRINGS

    def __init__(self, locale: str = "en", currency: str = "EUR", **initial: float):
        self.chart = w.Image(format="png")
        self.margin_chart = MarginChart()
        super().__init__(locale, currency, **initial)

    def compute(self, values: dict[str, float]) -> MarginResult:
        return evaluate_margin(**values)


    def render(self, result: MarginResult) -> None:
        png = self.margin_chart.draw(result, self.locale, self.currency)
        self.results.value = margin_results(result, self.locale, self.currency)
        self.chart.value = png



def margin_results(result: MarginResult, locale: str, currency: str) -> str:
    """The margin calculator's results as a small HTML table, every amount written by Babel."""
    strings = MARGIN_STRINGS[locale]

    def per_hour(amount: float) -> str:
        return strings["per_hour"].format(amount=format_money(amount, locale, currency))

    margin = percent(result.target_margin, locale)
    rows = [
        (strings["client_rate"].format(margin=margin), f"<b>{html.escape(per_hour(result.client_rate))}</b>"),
        (strings["profit_per_hour"], html.escape(format_money(result.profit_per_hour, locale, currency))),
        (strings["markup_needed"], html.escape(percent(result.markup_needed, locale))),
        (
            strings["markup_rate"].format(margin=margin),
            f'<span style="color:{ERROR_COLOR if result.shortfall_per_hour > 0 else GOOD_COLOR}">'
            + html.escape(strings["markup_result"].format(
                rate=per_hour(result.markup_rate), real=percent(result.markup_rate_margin, locale),
                shortfall=format_money(result.shortfall_per_hour, locale, currency),
            ))
            + "</span>",
        ),
    ]
    body = "".join(
        f"<tr><td style='padding-right:1em'>{html.escape(label)}</td><td style='text-align:right'>{value}</td></tr>"
        for label, value in rows
    )
    return f'<table class="obm-results">{body}</table>'


class MarginChart:
    """Two stacked bars: the client rate priced for the margin, and the rate of the same percentage as a markup.

    Each bar is the cost (grey) plus the profit on top; one reused Agg figure,
    with the static parts kept as a background per locale, currency and y-axis limit.
    """

    def __init__(self, width: float = 4.2, height: float = 3.2, dpi: int = 80):
        self.figure = Figure(figsize=(width, height), dpi=dpi)
        self.canvas = FigureCanvasAgg(self.figure)
        self.figure.subplots_adjust(left=0.2, right=0.97, top=0.88, bottom=0.2)
        self.title = self.figure.text(0.58, 0.98, "", ha="center", va="top", fontsize=10)
        self.axes = self.figure.add_subplot()
        self.axes.grid(True, axis="y", color="0.92", zorder=0)
        self.axes.set_axisbelow(True)
        self.axes.tick_params(labelsize=8)
        self.axes.set_xlim(-0.6, 1.6)
        self.cost_bars = list(self.axes.bar([0, 1], [0, 0], width=0.55, color=COST_COLOR, zorder=3, animated=True))
        self.profit_bars = list(self.axes.bar([0, 1], [0, 0], width=0.55, zorder=3, animated=True))
        self.rate_labels = [
            self.axes.text(x, 0, "", ha="center", va="bottom", fontsize=8, zorder=3.2, animated=True) for x in (0, 1)
        ]
        self.margin_labels = [
            self.axes.text(x, 0, "", ha="center", va="center", fontsize=7, color="white", zorder=3.2, animated=True)
            for x in (0, 1)
        ]
        # A static key: grey is the subcontractor's cost, the coloured part on top is your profit.
        self.cost_key = self.axes.bar([0], [0], color=COST_COLOR, label=" ")[0]
        self._locale, self._currency = "en", "EUR"
        self.axes.yaxis.set_major_formatter(FuncFormatter(lambda y, _: format_number(y, self._locale)))
        self._background = None
        self._background_key: tuple | None = None
        self.background_renders = 0

    @property
    def animated_artists(self) -> list:
        return [*self.cost_bars, *self.profit_bars, *self.rate_labels, *self.margin_labels]

    def draw(self, result: MarginResult, locale: str, currency: str) -> bytes:
        """Update the bars for ``result`` and return the figure as PNG bytes."""
        strings = MARGIN_STRINGS[locale]
        top = self._top(result.client_rate)
        key = (locale, currency, top)
        if key != self._background_key:
            self._render_background(key)
        rates = (result.client_rate, result.markup_rate)
        real_margins = (result.target_margin, result.markup_rate_margin)
        for index, (rate, margin) in enumerate(zip(rates, real_margins)):
            self.cost_bars[index].set_height(result.cost_rate)
            self.profit_bars[index].set_y(result.cost_rate)
            self.profit_bars[index].set_height(rate - result.cost_rate)
            self.profit_bars[index].set_facecolor(GOOD_COLOR if index == 0 else BAD_COLOR)
            self.rate_labels[index].set_text(strings["per_hour"].format(amount=format_money(rate, locale, currency)))
            self.rate_labels[index].set_y(rate + top * 0.01)
            self.margin_labels[index].set_text(strings["margin_label"].format(margin=percent(margin, locale)))
            self.margin_labels[index].set_y((result.cost_rate + rate) / 2)
            # Too thin a slice for its label: leave the label out.
            self.margin_labels[index].set_visible(rate - result.cost_rate > top * 0.07)

        self.canvas.restore_region(self._background)
        for artist in self.animated_artists:
            if artist.get_visible():
                self.axes.draw_artist(artist)
        return canvas_png(self.canvas)

    def _top(self, rate: float) -> float:
        """The y-axis limit: kept while the highest bar fits well in it, so the background is reused."""
        if self._background_key is not None:
            top = self._background_key[2]
            if rate * 1.1 <= top <= max(rate, 1.0) * 3:
                return top
        return round_up(max(rate, 1.0) * 1.5)

    def _render_background(self, key: tuple) -> None:
        locale, currency, top = key
        strings = MARGIN_STRINGS[locale]
        self._locale, self._currency = locale, currency
        self.axes.set_ylim(0, top)
        self.axes.set_xticks([0, 1], [strings["for_margin"], strings["as_markup"]], fontsize=8)
        self.axes.set_ylabel(f"{currency}/h", fontsize=8)
        self.cost_key.set_label(strings["cost"])
        self.axes.legend(handles=[self.cost_key], loc="upper right", fontsize=7, frameon=False)
        self.title.set_text(strings["chart_title"])
        self.canvas.draw()
        self._background = self.canvas.copy_from_bbox(self.figure.bbox)
        self._background_key = key
        self.background_renders += 1


__all__ = [
    "DEFAULT_PEOPLE",
    "DEFAULT_PROJECTS",
    "MARGIN_DEFAULTS",
    "MARGIN_STRINGS",
    "PLANNER_DEFAULTS",
    "PLANNER_STRINGS",
    "MarginCalculator",
    "MarginChart",
    "TeamChart",
    "TeamPlanner",
    "margin_results",
    "percent",
    "planner_results",
]
