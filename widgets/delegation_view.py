"""The delegation calculator: sliders and text boxes in, live results and a payback chart out.

A thin view over :func:`widgets.delegation.evaluate_delegation`. Every change
of an input calls the model once; the model validates, and an
:class:`~widgets.fields.InputError` becomes an inline message naming the field
and its valid range while the last valid results and chart stay on screen.
Money and numbers are written by Babel in the chosen locale.

The chart is drawn on one ``matplotlib.figure.Figure`` with an Agg canvas
(no pyplot: no global state, nothing displayed behind the view's back); a
change redraws only the curve and its break-even marker over a cached
background, which keeps an interaction far below 50 ms.

>>> calculator = DelegationCalculator()
>>> calculator.result.weekly_gain
650.0
>>> calculator.inputs["share_reinvested"].value = 0.5
>>> calculator.result.weekly_gain
150.0
>>> calculator.inputs["delegate_speed"].value = 0
>>> calculator.result.weekly_gain, calculator.last_error.field.label
(150.0, "Delegate's hours per owner hour")
"""

from __future__ import annotations

import html

import ipywidgets as w
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from widgets.calculator_view import ERROR_COLOR, CalculatorView, with_common_strings
from widgets.charts import canvas_png, round_limits, tick_label
from widgets.delegation import DELEGATION_FIELDS, HORIZON_WEEKS, DelegationResult, evaluate_delegation
from widgets.formatting import format_money, format_number

#: The domain notes' example: the calculator's starting point.
DEFAULTS = {
    "hourly_value": 100,
    "delegate_rate": 25,
    "hours_delegated": 10,
    "management_hours": 1,
    "share_reinvested": 1,
    "delegate_speed": 1,
    "onboarding_owner_hours": 10,
    "onboarding_delegate_hours": 10,
}

#: The part of each field's range a slider covers, and its step; the text box takes any number.
SLIDER_RANGES = {
    "hourly_value": (300, 1),
    "delegate_rate": (150, 1),
    "hours_delegated": (60, 0.5),
    "management_hours": (20, 0.25),
    "share_reinvested": (1, 0.05),
    "delegate_speed": (3, 0.05),
    "onboarding_owner_hours": (80, 1),
    "onboarding_delegate_hours": (80, 1),
}

#: Everything the view writes in words, per locale. Field labels, units and ranges come from the model.
UI_STRINGS = with_common_strings({
    "en": {
        "value_freed": "Value of the freed hours, per week",
        "delegate_cost": "Delegate's cost, per week",
        "management_cost": "Cost of your management time, per week",
        "weekly_gain": "Net weekly gain",
        "onboarding_cost": "One-off onboarding cost",
        "payback": "Payback",
        "payback_weeks": "{weeks} weeks",
        "never": "never",
        "buyback_rate": "Buyback rate (a quarter of your hourly value)",
        "hour_bought": "An hour bought back from the delegate costs",
        "per_hour": "{amount}/h",
        "within_buyback": "at or below the buyback rate: worth delegating",
        "above_buyback": "above the buyback rate",
        "chart_title": "Cumulative net benefit",
        "week_axis": "Week",
        "money_axis": "Net benefit ({currency})",
        "break_even": "break-even: week {week}",
        "break_even_later": "break-even in week {week}, beyond this chart",
        "no_break_even": "no break-even: the weekly gain is not positive",
    },
    "it": {
        "value_freed": "Valore delle ore liberate, a settimana",
        "delegate_cost": "Costo del delegato, a settimana",
        "management_cost": "Costo del tuo tempo di gestione, a settimana",
        "weekly_gain": "Guadagno netto settimanale",
        "onboarding_cost": "Costo una tantum dell'inserimento",
        "payback": "Rientro",
        "payback_weeks": "{weeks} settimane",
        "never": "mai",
        "buyback_rate": "Tariffa di riacquisto (un quarto del tuo valore orario)",
        "hour_bought": "Un'ora riacquistata dal delegato costa",
        "per_hour": "{amount}/h",
        "within_buyback": "pari o sotto la tariffa di riacquisto: conviene delegare",
        "above_buyback": "sopra la tariffa di riacquisto",
        "chart_title": "Beneficio netto cumulato",
        "week_axis": "Settimana",
        "money_axis": "Beneficio netto ({currency})",
        "break_even": "pareggio: settimana {week}",
        "break_even_later": "pareggio alla settimana {week}, oltre il grafico",
        "no_break_even": "nessun pareggio: il guadagno settimanale non è positivo",
    },
})

GAIN_COLOR = "#1b5e20"
LOSS_COLOR = ERROR_COLOR
LINE_COLOR = "#1565c0"
MARKER_COLOR = "#ef6c00"


class DelegationCalculator(CalculatorView):
    """The delegation calculator of lesson 3, ready to display in a notebook.

    ``DelegationCalculator(locale="en", currency="EUR", weeks=26, **initial)``;
    ``initial`` gives starting values for any of the model's delegation fields
    (defaults: :data:`DEFAULTS`). Unknown locales, currencies or field names and
    starting values the model rejects raise a ``ValueError`` here, at once.

    Besides what every :class:`~widgets.calculator_view.CalculatorView` has:
    ``chart``, an ``Image`` (PNG) of the cumulative net benefit over ``weeks``,
    drawn by ``benefit_chart`` (a :class:`BenefitChart`).
    """

    fields = DELEGATION_FIELDS
    defaults = DEFAULTS
    slider_ranges = SLIDER_RANGES
    strings = UI_STRINGS

    def __init__(self, locale: str = "en", currency: str = "EUR", weeks: int = 26, **initial: float):
        self.weeks = int(HORIZON_WEEKS.check(weeks))
        self.chart = w.Image(format="png")
        self.benefit_chart = BenefitChart()
        super().__init__(locale, currency, **initial)

    def compute(self, values: dict[str, float]) -> DelegationResult:
        return evaluate_delegation(**values)


    def render(self, result: DelegationResult) -> None:
        png = self.benefit_chart.draw(result, self.weeks, self.locale, self.currency)
        self.results.value = results_table(result, self.locale, self.currency)
        self.chart.value = png



def results_table(result: DelegationResult, locale: str, currency: str) -> str:
    """The results as a small HTML table, every amount written by Babel."""
    strings = UI_STRINGS[locale]

    def money(amount: float) -> str:
        return html.escape(format_money(amount, locale, currency))

    def per_hour(amount: float) -> str:
        return html.escape(strings["per_hour"]).format(amount=money(amount))

    if result.payback_weeks is None:
        payback = html.escape(strings["never"])
    else:
        weeks = format_number(result.payback_weeks, locale, digits=1)
        payback = html.escape(strings["payback_weeks"].format(weeks=weeks))
    gain_color = GAIN_COLOR if result.weekly_gain > 0 else LOSS_COLOR
    verdict = strings["within_buyback"] if result.below_buyback_rate else strings["above_buyback"]
    rows = [
        (strings["value_freed"], money(result.value_freed)),
        (strings["delegate_cost"], money(result.delegate_cost)),
        (strings["management_cost"], money(result.management_cost)),
        (strings["weekly_gain"], f'<b style="color:{gain_color}">{money(result.weekly_gain)}</b>'),
        (strings["onboarding_cost"], money(result.onboarding_cost)),
        (strings["payback"], payback),
        (strings["buyback_rate"], per_hour(result.buyback_rate)),
        (strings["hour_bought"], f"{per_hour(result.cost_per_hour_freed)}, {html.escape(verdict)}"),
    ]
    body = "".join(
        f"<tr><td style='padding-right:1em'>{html.escape(label)}</td><td style='text-align:right'>{value}</td></tr>"
        for label, value in rows
    )
    return f'<table class="obm-results">{body}</table>'


class BenefitChart:
    """The cumulative net benefit over the weeks, on one reused Agg figure.

    Text is what costs time in a matplotlib draw, and the texts (title, axis
    labels, ticks) only change with the locale, the currency and the y-axis
    limits. So the figure is rendered without its moving parts once per such
    combination and kept as a background; each update restores it and draws
    only the curve, the break-even line and its note (all ``animated``, and
    above everything else in z-order, so the pixels are those of a full draw).
    The y limits are rounded out to round numbers so that they, and with them
    the background, stay put while a slider is dragged a little (and the
    axis does not jitter under the learner's eyes).
    """

    def __init__(self, width: float = 6, height: float = 3, dpi: int = 80):
        self.figure = Figure(figsize=(width, height), dpi=dpi)
        self.canvas = FigureCanvasAgg(self.figure)
        self.figure.subplots_adjust(left=0.17, right=0.97, top=0.89, bottom=0.17)
        # A figure-level title: Axes.set_title re-positions itself against the ticks on every draw.
        self.title = self.figure.text(0.57, 0.98, "", ha="center", va="top", fontsize=11)
        self.axes = self.figure.add_subplot()
        self.axes.grid(True, color="0.92")
        self.axes.axhline(0, color="0.5", linewidth=0.8, zorder=1.6)
        (self.line,) = self.axes.plot([], [], color=LINE_COLOR, linewidth=2, zorder=2.6, animated=True)
        self.break_even_line = self.axes.axvline(
            0, color=MARKER_COLOR, linestyle="--", visible=False, zorder=2.7, animated=True
        )
        self.note = self.axes.text(
            0.02,
            0.95,
            "",
            transform=self.axes.transAxes,
            va="top",
            fontsize=9,
            color=MARKER_COLOR,
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1},
            zorder=3,
            animated=True,
        )
        self._locale = "en"
        self.axes.yaxis.set_major_formatter(FuncFormatter(lambda y, _: tick_label(y, self._locale)))
        self.axes.xaxis.set_major_formatter(FuncFormatter(lambda x, _: tick_label(x, self._locale)))
        self._background = None
        self._background_key: tuple | None = None
        #: How many times the background had to be rendered (a benchmark and test hook).
        self.background_renders = 0

    @property
    def marked_break_even(self) -> float | None:
        """The week at which the break-even line is drawn, or None when it is not drawn."""
        if not self.break_even_line.get_visible():
            return None
        return float(self.break_even_line.get_xdata()[0])

    def draw(self, result: DelegationResult, weeks: int, locale: str, currency: str) -> bytes:
        """Update the artists for ``result`` and return the figure as PNG bytes."""
        week_numbers, benefits = result.net_benefit_curve(weeks)
        benefit = np.array(benefits)
        self.line.set_data(np.array(week_numbers), benefit)
        self._place_break_even(result.payback_weeks, weeks, locale)

        y_limits = round_limits(min(benefit.min(), 0.0), max(benefit.max(), 0.0))
        key = (locale, currency, weeks, y_limits)
        if key != self._background_key:
            self._render_background(key, UI_STRINGS[locale], currency)
        self.canvas.restore_region(self._background)
        for artist in (self.line, self.break_even_line, self.note):
            if artist.get_visible():
                self.axes.draw_artist(artist)
        return canvas_png(self.canvas)

    def _place_break_even(self, payback: float | None, weeks: int, locale: str) -> None:
        strings = UI_STRINGS[locale]
        on_chart = payback is not None and payback <= weeks
        self.break_even_line.set_visible(on_chart)
        if payback is None:
            self.note.set_text(strings["no_break_even"])
        else:
            week = format_number(payback, locale, digits=1)
            self.note.set_text(strings["break_even" if on_chart else "break_even_later"].format(week=week))
        if on_chart:
            self.break_even_line.set_xdata([payback, payback])
            # Beside the line, on whichever side leaves room for the text.
            self.note.set_transform(self.axes.get_xaxis_transform())
            right_half = payback > weeks / 2
            self.note.set_position((payback - weeks * 0.01 if right_half else payback + weeks * 0.01, 0.95))
            self.note.set_horizontalalignment("right" if right_half else "left")
        else:
            self.note.set_transform(self.axes.transAxes)
            self.note.set_position((0.02, 0.95))
            self.note.set_horizontalalignment("left")

    def _render_background(self, key: tuple, strings: dict, currency: str) -> None:
        self._locale = key[0]
        weeks, y_limits = key[2], key[3]
        self.axes.set_xlim(0, weeks)
        self.axes.set_ylim(*y_limits)
        self.title.set_text(strings["chart_title"])
        self.axes.set_xlabel(strings["week_axis"], fontsize=9)
        self.axes.set_ylabel(strings["money_axis"].format(currency=currency), fontsize=9)
        self.canvas.draw()  # animated artists are left out
        self._background = self.canvas.copy_from_bbox(self.figure.bbox)
        self._background_key = key
        self.background_renders += 1



__all__ = ["DEFAULTS", "UI_STRINGS", "BenefitChart", "DelegationCalculator", "results_table"]
