"""The time audit explorer of lesson 7: which logged tasks are worth buying back, and what that saves in a year.

The view only builds widgets and links them to :mod:`widgets.time_audit`: the
log is checked and totalled once (:func:`~widgets.time_audit.summarize_log`),
and every change of an input runs :func:`~widgets.time_audit.audit_time` on
that summary. Amounts are written by Babel in the chosen locale and currency.

>>> explorer = TimeAuditExplorer()
>>> explorer.result.buyback_rate, len(explorer.result.worth_delegating)
(25.0, 7)
>>> explorer.inputs["hourly_value"].value = 120
>>> explorer.result.buyback_rate
30.0
"""

from __future__ import annotations

import html
import os

import ipywidgets as w
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PolyCollection
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from widgets.calculator_view import CalculatorView, with_common_strings
from widgets.charts import canvas_png, round_limits, tick_label
from widgets.formatting import format_money, format_number, format_percent
from widgets.time_audit import (
    TIME_AUDIT_FIELDS,
    TimeAudit,
    TimeLogSummary,
    audit_time,
    load_time_log,
    summarize_log,
)

#: The calculator's starting point: Martell's USD 200,000 over 2,000 hours, here in EUR; 48 working weeks.
DEFAULTS = {"hourly_value": 100, "weeks_per_year": 48, "share_reinvested": 1}

#: The part of each field's range a slider covers, and its step; the text box takes any number.
SLIDER_RANGES = {
    "hourly_value": (300, 1),
    "weeks_per_year": (52, 1),
    "share_reinvested": (1, 0.05),
}

#: Everything the view writes in words, per locale. Field labels, units and ranges come from the model.
UI_STRINGS = with_common_strings({
    "en": {
        "hours_per_week": "Hours logged in an average week",
        "buyback_rate": "Buyback rate (a quarter of your hourly value)",
        "tasks_below": "Tasks someone else does at or below it",
        "hours_below": "Their hours a week",
        "yearly_saving": "Yearly saving if you hand them off",
        "hours_value": "{hours} h",
        "hours_share": "{hours} h ({share} of the week)",
        "per_hour": "{amount}/h",
        "ranking_title": "Worth delegating, biggest yearly saving first",
        "rank": "#",
        "task": "Task",
        "who": "Who could do it",
        "rate": "Rate",
        "hours": "h/week",
        "action": "4D",
        "saving": "Saving/year",
        "none_below": "No task in the log can be bought back at or below the buyback rate.",
        "chart_title": "Yearly saving if each task is handed off",
        "saving_axis": "Saving per year ({currency})",
        "legend": "green: at or below the buyback rate",
        "actions": {"Do": "Do", "Defer": "Defer", "Delegate": "Delegate", "Delete": "Delete"},
    },
    "it": {
        "hours_per_week": "Ore registrate in una settimana media",
        "buyback_rate": "Tariffa di riacquisto (un quarto del tuo valore orario)",
        "tasks_below": "Attività che altri fanno a questa tariffa o meno",
        "hours_below": "Le loro ore a settimana",
        "yearly_saving": "Risparmio annuo se le deleghi",
        "hours_value": "{hours} h",
        "hours_share": "{hours} h ({share} della settimana)",
        "per_hour": "{amount}/h",
        "ranking_title": "Da delegare, dal risparmio annuo più alto",
        "rank": "n.",
        "task": "Attività",
        "who": "Chi potrebbe farla",
        "rate": "Tariffa",
        "hours": "h/sett.",
        "action": "4D",
        "saving": "Risparmio/anno",
        "none_below": "Nel registro nessuna attività si può riacquistare a questa tariffa o meno.",
        "chart_title": "Risparmio annuo delegando ogni attività",
        "saving_axis": "Risparmio all'anno ({currency})",
        "legend": "verde: pari o sotto la tariffa di riacquisto",
        "actions": {"Do": "Fai", "Defer": "Rimanda", "Delegate": "Delega", "Delete": "Elimina"},
    },
})

BELOW_COLOR = "#2e7d32"
#: The chart keeps its x limits while the bars span at least this share of them.
KEEP_LIMITS_FILL = 0.5
#: Backgrounds kept for reuse (one per locale, currency and x limits; about 1 MB each). A sweep of
#: one slider across its range meets about ten.
CACHED_BACKGROUNDS = 16
#: A bar's thickness, as a share of the space between two tasks.
BAR_HEIGHT = 0.7
ABOVE_COLOR = "#b0bec5"


class TimeAuditExplorer(CalculatorView):
    """The time audit of lesson 7, ready to display in a notebook.

    ``TimeAuditExplorer(log=None, locale="en", currency="EUR", **initial)``:
    ``log`` is a time log (a DataFrame, the path of a CSV file, or a
    :class:`~widgets.time_audit.TimeLogSummary`); by default the course's
    synthetic log in ``course/data/time_log.csv``, found from wherever the
    notebook runs. ``initial`` gives starting values for the hourly value,
    the working weeks per year and the share of freed hours put to good use
    (defaults: :data:`DEFAULTS`). A bad log, locale, currency, field name or
    starting value raises a ``ValueError`` here, at once; a missing file a
    ``FileNotFoundError`` that says how to create it.

    Besides what every :class:`~widgets.calculator_view.CalculatorView` has:
    ``summary`` (the log's totals), ``chart`` (an ``Image``, PNG) drawn by
    ``savings_chart`` (a :class:`SavingsChart`).
    """

    fields = TIME_AUDIT_FIELDS
    defaults = DEFAULTS
    slider_ranges = SLIDER_RANGES
    strings = UI_STRINGS

    def __init__(
        self,
        log: pd.DataFrame | TimeLogSummary | str | os.PathLike | None = None,
        locale: str = "en",
        currency: str = "EUR",
        **initial: float,
    ):
        if isinstance(log, TimeLogSummary):
            self.summary = log
        elif log is None or isinstance(log, (str, os.PathLike)):
            self.summary = summarize_log(load_time_log(log))
        else:
            self.summary = summarize_log(log)  # a DataFrame, or a clear ValueError
        self.chart = w.Image(format="png")
        self.savings_chart = SavingsChart(self.summary)
        super().__init__(locale, currency, **initial)

    def compute(self, values: dict[str, float]) -> TimeAudit:
        return audit_time(self.summary, **values)


    def render(self, result: TimeAudit) -> None:
        png = self.savings_chart.draw(result, self.locale, self.currency)
        self.results.value = results_html(result, self.locale, self.currency)
        self.chart.value = png



def results_html(result: TimeAudit, locale: str, currency: str) -> str:
    """The totals and the ranked tasks as HTML tables, every amount written by Babel."""
    strings = UI_STRINGS[locale]

    def money(amount: float) -> str:
        return html.escape(format_money(amount, locale, currency))

    def per_hour(amount: float) -> str:
        return html.escape(strings["per_hour"]).format(amount=money(amount))

    def hours(amount: float) -> str:
        return html.escape(format_number(amount, locale, digits=1))

    worth = result.worth_delegating
    totals = [
        (strings["hours_per_week"], html.escape(strings["hours_value"]).format(hours=hours(result.hours_per_week))),
        (strings["buyback_rate"], per_hour(result.buyback_rate)),
        (strings["tasks_below"], html.escape(format_number(len(worth), locale))),
        (
            strings["hours_below"],
            html.escape(strings["hours_share"]).format(
                hours=hours(result.hours_to_delegate_per_week),
                share=html.escape(format_percent(result.share_to_delegate, locale)),
            ),
        ),
        (strings["yearly_saving"], f"<b>{money(result.yearly_saving)}</b>"),
    ]
    summary = "".join(
        f"<tr><td style='padding-right:1em'>{html.escape(label)}</td><td style='text-align:right'>{value}</td></tr>"
        for label, value in totals
    )
    parts = [f'<table class="obm-results">{summary}</table>']
    if worth.empty:
        parts.append(f"<p>{html.escape(strings['none_below'])}</p>")
    else:
        heads = ("rank", "task", "who", "rate", "hours", "action", "saving")
        header = "".join(f"<th style='padding:0 0.5em'>{html.escape(strings[key])}</th>" for key in heads)
        rows = []
        columns = zip(worth["task"], worth["who_could_do_it"], worth["delegate_rate"], worth["hours_per_week"],
                      worth["action"], worth["yearly_saving"])
        for rank, (task, who, rate, weekly, action, saving) in enumerate(columns, start=1):
            cells = (
                html.escape(format_number(rank, locale)),
                html.escape(task),
                html.escape(who),
                per_hour(rate),
                hours(weekly),
                html.escape(strings["actions"].get(action, action)),
                money(saving),
            )
            rows.append("<tr>" + "".join(
                f"<td style='padding:0 0.5em;text-align:{'left' if index in (1, 2, 5) else 'right'}'>{cell}</td>"
                for index, cell in enumerate(cells)
            ) + "</tr>")
        parts.append(
            f"<p><b>{html.escape(strings['ranking_title'])}</b></p>"
            f'<table class="obm-ranking"><tr>{header}</tr>{"".join(rows)}</table>'
        )
    return "".join(parts)


class SavingsChart:
    """One horizontal bar per task someone else could do: its yearly saving, green when at or below the buyback rate.

    The tasks and their order (cheapest delegate first) come from the log and
    never change, so the figure's text (title, task labels, ticks) only
    changes with the locale, the currency and the rounded x limits. Text is
    what costs time in a draw, so the figure without its bars is rendered
    once per such combination and kept as a background (the last
    :data:`CACHED_BACKGROUNDS` are kept); each update restores one and draws
    only the bars (one ``animated`` collection, above the grid and the zero
    line in z-order, so the pixels are those of a full draw). The x limits
    stay put while the bars fit and fill at least :data:`KEEP_LIMITS_FILL` of
    them, so small moves of a slider reuse the background.
    """

    def __init__(self, summary: TimeLogSummary, width: float = 7.2, dpi: int = 80):
        tasks = summary.tasks.loc[summary.tasks["delegate_rate"].notna()]
        tasks = tasks.sort_values(["delegate_rate", "hours"], ascending=[True, False], kind="stable")
        #: The tasks in chart order, top first, keyed as in the audit's ranking.
        self.keys = list(zip(tasks["task"], tasks["category"], tasks["who_could_do_it"], tasks["delegate_rate"],
                             tasks["action"]))
        count = max(len(self.keys), 1)
        height = 1.2 + 0.22 * count
        self.figure = Figure(figsize=(width, height), dpi=dpi)
        self.canvas = FigureCanvasAgg(self.figure)
        self.figure.subplots_adjust(left=0.47, right=0.97, top=1 - 0.55 / height, bottom=0.55 / height)
        self.title = self.figure.text(0.5, 1 - 0.12 / height, "", ha="center", va="top", fontsize=11)
        self.axes = self.figure.add_subplot()
        self.axes.grid(True, axis="x", color="0.92")
        self.axes.axvline(0, color="0.5", linewidth=0.8, zorder=1.6)
        positions = list(range(len(self.keys)))
        # One collection of rectangles, drawn in one call: much faster than a Rectangle per bar.
        self.bars = PolyCollection(
            [self._rectangle(position, 0.0) for position in positions], facecolors=ABOVE_COLOR, edgecolors="none",
            zorder=2.6, animated=True,
        )
        self.axes.add_collection(self.bars, autolim=False)
        self.axes.set_yticks(positions)
        self.axes.set_ylim(count - 0.5, -0.5)  # first task on top
        self.axes.tick_params(axis="y", labelsize=8, length=0)
        self.axes.tick_params(axis="x", labelsize=8)
        # The legend sits between the title and the axes, where no bar can cover it.
        self.note = self.figure.text(0.5, 1 - 0.32 / height, "", ha="center", va="top", fontsize=8, color=BELOW_COLOR)
        self._locale = "en"
        self.axes.xaxis.set_major_locator(MaxNLocator(nbins=5))
        self.axes.xaxis.set_major_formatter(FuncFormatter(lambda x, _: tick_label(x, self._locale)))
        self._background = None
        self._background_key: tuple | None = None
        self._backgrounds: dict[tuple, object] = {}
        #: How many times the background had to be rendered (a benchmark and test hook).
        self.background_renders = 0

    @staticmethod
    def _rectangle(position: int, width: float) -> list[tuple[float, float]]:
        top, bottom = position - BAR_HEIGHT / 2, position + BAR_HEIGHT / 2
        return [(0.0, top), (width, top), (width, bottom), (0.0, bottom)]

    @property
    def widths(self) -> list[float]:
        """The bars' lengths as drawn, in chart order (top first)."""
        return [float(path.vertices[1, 0]) for path in self.bars.get_paths()]

    @property
    def colors(self) -> list[str]:
        """The bars' colours as drawn, in chart order, as hex strings."""
        return [to_hex(color) for color in self.bars.get_facecolors()]

    def savings(self, result: TimeAudit) -> list[tuple[float, bool]]:
        """Each bar's (yearly saving, at or below the buyback rate), in chart order."""
        ranking = result.ranking
        keys = zip(ranking["task"], ranking["category"], ranking["who_could_do_it"], ranking["delegate_rate"],
                   ranking["action"])
        found = {
            key: (float(saving), bool(below))
            for key, saving, below in zip(keys, ranking["yearly_saving"], ranking["below_buyback"])
        }
        return [found[key] for key in self.keys]

    def draw(self, result: TimeAudit, locale: str, currency: str) -> bytes:
        """Update the bars for ``result`` and return the figure as PNG bytes."""
        savings = self.savings(result)
        self.bars.set_verts([self._rectangle(position, saving) for position, (saving, _) in enumerate(savings)])
        self.bars.set_facecolors([BELOW_COLOR if below else ABOVE_COLOR for _, below in savings])

        values = [saving for saving, _ in savings] or [0.0]
        key = (locale, currency, self._x_limits(min(min(values), 0.0), max(max(values), 0.0), locale, currency))
        if key != self._background_key:
            self._use_background(key, UI_STRINGS[locale], currency)
        self.canvas.restore_region(self._background)
        self.axes.draw_artist(self.bars)
        return canvas_png(self.canvas)

    def _x_limits(self, low: float, high: float, locale: str, currency: str) -> tuple[float, float]:
        """Round limits for the bars; the current ones are kept while the bars fit and fill at least half of them.

        Keeping them spares a background render (the costly part of a draw)
        while a slider moves, and keeps the axis still under the learner's eyes.
        """
        if self._background_key is not None and self._background_key[:2] == (locale, currency):
            left, right = self._background_key[2]
            if left <= low and high <= right and (high - low) >= KEEP_LIMITS_FILL * (right - left):
                return left, right
        return round_limits(low, high)

    def _use_background(self, key: tuple, strings: dict, currency: str) -> None:
        """Switch to the background of ``key``: from the cache, or rendered now (and cached)."""
        if key not in self._backgrounds:
            self._render_background(key, strings, currency)
            if len(self._backgrounds) >= CACHED_BACKGROUNDS:
                self._backgrounds.pop(next(iter(self._backgrounds)))  # the least recently used
            self._backgrounds[key] = self._background
        else:
            self._backgrounds[key] = self._backgrounds.pop(key)  # now the most recently used
            self._locale = key[0]
            self.axes.set_xlim(*key[2])  # the axes must match the pixels: bars are drawn in its coordinates
        self._background = self._backgrounds[key]
        self._background_key = key

    def _render_background(self, key: tuple, strings: dict, currency: str) -> None:
        locale, _, x_limits = key
        self._locale = locale
        self.axes.set_xlim(*x_limits)
        self.axes.set_yticklabels(
            [f"{task} ({strings['per_hour'].format(amount=format_money(rate, locale, currency))})"
             for task, _, _, rate, _ in self.keys]
        )
        self.title.set_text(strings["chart_title"])
        self.note.set_text(strings["legend"])
        self.axes.set_xlabel(strings["saving_axis"].format(currency=currency), fontsize=9)
        self.canvas.draw()  # animated artists are left out
        self._background = self.canvas.copy_from_bbox(self.figure.bbox)
        self.background_renders += 1


__all__ = ["DEFAULTS", "UI_STRINGS", "SavingsChart", "TimeAuditExplorer", "results_html"]
