"""The rate calculator: the income you want and the time you have in, the hourly and day rate out.

A thin view over :func:`widgets.rates.evaluate_rate`. Every change of an input
calls the model once; the model validates, and an
:class:`~widgets.fields.InputError` becomes an inline message naming the field
and its valid range while the last valid results and chart stay on screen.
Money and numbers are written by Babel in the chosen locale.

The chart shows the hourly rate needed at every utilization from 30% to 100%,
with the healthy 70-80% band shaded and the current utilization marked. It is
drawn on one ``matplotlib.figure.Figure`` with an Agg canvas (no pyplot); a
change redraws only the curve, the marker and its note over a cached
background.

>>> calculator = RateCalculator()
>>> round(calculator.result.hourly_rate, 2)
130.21
>>> calculator.inputs["utilization"].value = 0.75
>>> calculator.result.billable_hours, round(calculator.result.hourly_rate, 2)
(1440.0, 104.17)
>>> calculator.inputs["hours_per_week"].value = 0
>>> calculator.result.hours_per_week, calculator.last_error.field.name
(40.0, 'hours_per_week')
"""

from __future__ import annotations

import html

import ipywidgets as w
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from widgets.calculator_view import ERROR_COLOR, CalculatorView, with_common_strings
from widgets.charts import canvas_png, round_limits, tick_label
from widgets.formatting import format_money, format_number, format_percent
from widgets.rates import CHART_UTILIZATION, HEALTHY_UTILIZATION, RATE_FIELDS, RateResult, evaluate_rate

#: The domain notes' first worked example: the calculator's starting point (130.21 an hour).
DEFAULTS = {
    "target_net_income": 100_000,
    "business_expenses": 20_000,
    "effective_tax_rate": 0.2,
    "vacation_weeks": 2,
    "public_holiday_weeks": 1,
    "sick_weeks": 1,
    "hours_per_week": 40,
    "utilization": 0.6,
    "billable_hours_per_day": 8,
}

#: The part of each field's range a slider covers, and its step; the text box takes any number.
SLIDER_RANGES = {
    "target_net_income": (250_000, 1_000),
    "business_expenses": (60_000, 500),
    "effective_tax_rate": (0.6, 0.01),
    "vacation_weeks": (12, 0.5),
    "public_holiday_weeks": (4, 0.2),
    "sick_weeks": (6, 0.2),
    "hours_per_week": (70, 1),
    "utilization": (1, 0.01),
    "billable_hours_per_day": (12, 0.5),
}

#: Everything the view writes in words, per locale. Field labels, units and ranges come from the model.
UI_STRINGS = with_common_strings({
    "en": {
        "working_weeks": "Working weeks per year",
        "weeks": "{weeks} weeks",
        "billable_per_week": "Billable hours per week",
        "billable_per_year": "Billable hours per year",
        "hours": "{hours} h",
        "revenue_needed": "Revenue needed per year",
        "tax": "of which tax",
        "hourly_rate": "Hourly rate needed",
        "day_rate": "Day rate ({hours} billable h)",
        "per_hour": "{amount}/h",
        "utilization": "Utilization",
        "zone_low": "below the healthy {low}–{high}: much of your week goes unbilled",
        "zone_healthy": "within the healthy {low}–{high}",
        "zone_high": "above {high}: little time is left for sales, admin and training",
        "chart_title": "Hourly rate needed at each utilization",
        "utilization_axis": "Utilization (billable share of working hours)",
        "rate_axis": "Hourly rate ({currency}/h)",
        "healthy_band": "healthy",
        "marker": "at {utilization}: {rate}/h",
        "marker_off_chart": "at {utilization} (off this chart): {rate}/h",
    },
    "it": {
        "working_weeks": "Settimane lavorative all'anno",
        "weeks": "{weeks} settimane",
        "billable_per_week": "Ore fatturabili a settimana",
        "billable_per_year": "Ore fatturabili all'anno",
        "hours": "{hours} h",
        "revenue_needed": "Fatturato annuo necessario",
        "tax": "di cui imposte",
        "hourly_rate": "Tariffa oraria necessaria",
        "day_rate": "Tariffa giornaliera ({hours} h fatturabili)",
        "per_hour": "{amount}/h",
        "utilization": "Utilizzo",
        "zone_low": "sotto la fascia sana {low}–{high}: buona parte della settimana non è fatturata",
        "zone_healthy": "nella fascia sana {low}–{high}",
        "zone_high": "sopra {high}: resta poco tempo per vendite, amministrazione e formazione",
        "chart_title": "Tariffa oraria necessaria per ogni utilizzo",
        "utilization_axis": "Utilizzo (quota fatturabile delle ore di lavoro)",
        "rate_axis": "Tariffa oraria ({currency}/h)",
        "healthy_band": "fascia sana",
        "marker": "al {utilization}: {rate}/h",
        "marker_off_chart": "al {utilization} (fuori dal grafico): {rate}/h",
    },
})

LINE_COLOR = "#1565c0"
MARKER_COLOR = "#ef6c00"
BAND_COLOR = "#2e7d32"
ZONE_COLORS = {"low": "#8a5300", "healthy": "#1b5e20", "high": ERROR_COLOR}


class RateCalculator(CalculatorView):
    """The rate calculator of lesson 4, ready to display in a notebook.

    ``RateCalculator(locale="en", currency="EUR", **initial)``; ``initial``
    gives starting values for any of the model's rate fields (defaults:
    :data:`DEFAULTS`). Unknown locales, currencies or field names and starting
    values the model rejects raise a ``ValueError`` here, at once.

    Besides what every :class:`~widgets.calculator_view.CalculatorView` has:
    ``chart``, an ``Image`` (PNG) of the hourly rate needed against
    utilization, drawn by ``rate_chart`` (a :class:`RateChart`).
    """

    fields = RATE_FIELDS
    defaults = DEFAULTS
    slider_ranges = SLIDER_RANGES
    strings = UI_STRINGS

    def __init__(self, locale: str = "en", currency: str = "EUR", **initial: float):
        self.chart = w.Image(format="png")
        self.rate_chart = RateChart()
        super().__init__(locale, currency, **initial)

    def compute(self, values: dict[str, float]) -> RateResult:
        return evaluate_rate(**values)


    def render(self, result: RateResult) -> None:
        png = self.rate_chart.draw(result, self.locale, self.currency)
        self.results.value = results_table(result, self.locale, self.currency)
        self.chart.value = png



def zone_text(result: RateResult, locale: str) -> str:
    """The verdict on the result's utilization, in words, with the healthy band's bounds."""
    low, high = (format_percent(share, locale) for share in HEALTHY_UTILIZATION)
    return UI_STRINGS[locale][f"zone_{result.utilization_zone}"].format(low=low, high=high)


def results_table(result: RateResult, locale: str, currency: str) -> str:
    """The results as a small HTML table, every amount written by Babel."""
    strings = UI_STRINGS[locale]

    def money(amount: float) -> str:
        return html.escape(format_money(amount, locale, currency))

    def hours(amount: float, digits: int) -> str:
        return html.escape(strings["hours"].format(hours=format_number(amount, locale, digits=digits)))

    per_hour = html.escape(strings["per_hour"]).format(amount=money(result.hourly_rate))
    day_hours = format_number(result.billable_hours_per_day, locale, digits=1)
    zone = (
        f'{html.escape(format_percent(result.utilization, locale))}, '
        f'<span style="color:{ZONE_COLORS[result.utilization_zone]}">{html.escape(zone_text(result, locale))}</span>'
    )
    rows = [
        (strings["working_weeks"], html.escape(strings["weeks"].format(
            weeks=format_number(result.working_weeks, locale, digits=1)))),
        (strings["utilization"], zone),
        (strings["billable_per_week"], hours(result.billable_hours_per_week, 1)),
        (strings["billable_per_year"], hours(result.billable_hours, 0)),
        (strings["revenue_needed"], money(result.revenue_needed)),
        (strings["tax"], money(result.tax)),
        (strings["hourly_rate"], f"<b>{per_hour}</b>"),
        (strings["day_rate"].format(hours=day_hours), money(result.day_rate)),
    ]
    body = "".join(
        f"<tr><td style='padding-right:1em'>{html.escape(label)}</td><td style='text-align:right'>{value}</td></tr>"
        for label, value in rows
    )
    return f'<table class="obm-results">{body}</table>'


class RateChart:
    """The hourly rate needed against utilization, on one reused Agg figure.

    Like :class:`~widgets.delegation_view.BenefitChart`: the texts, the axes
    and the healthy band change only with the locale, the currency and the
    y-axis limits (rounded out to round numbers), so they are rendered once
    per such combination and kept as a background. Each update restores it
    and draws only the curve, the marker of the current utilization and its
    note (all ``animated`` and above everything else in z-order, so the pixels
    are those of a full draw).
    """

    def __init__(self, width: float = 6, height: float = 3, dpi: int = 80):
        self.figure = Figure(figsize=(width, height), dpi=dpi)
        self.canvas = FigureCanvasAgg(self.figure)
        self.figure.subplots_adjust(left=0.15, right=0.97, top=0.89, bottom=0.17)
        # A figure-level title: Axes.set_title re-positions itself against the ticks on every draw.
        self.title = self.figure.text(0.56, 0.98, "", ha="center", va="top", fontsize=11)
        self.axes = self.figure.add_subplot()
        self.axes.grid(True, color="0.92")
        self.axes.set_xlim(*CHART_UTILIZATION)
        self.band = self.axes.axvspan(*HEALTHY_UTILIZATION, color=BAND_COLOR, alpha=0.15, linewidth=0, zorder=1.5)
        self.band_label = self.axes.text(
            sum(HEALTHY_UTILIZATION) / 2, 0.04, "", transform=self.axes.get_xaxis_transform(),
            ha="center", va="bottom", fontsize=8, color=BAND_COLOR, zorder=1.6,
        )
        (self.line,) = self.axes.plot([], [], color=LINE_COLOR, linewidth=2, zorder=2.6, animated=True)
        self.marker_line = self.axes.axvline(
            0, color=MARKER_COLOR, linestyle="--", linewidth=1, zorder=2.7, animated=True
        )
        (self.marker,) = self.axes.plot(
            [], [], marker="o", markersize=7, color=MARKER_COLOR, linestyle="none", zorder=2.8, animated=True
        )
        # Top right: the curve falls from left to right, so that corner is always free.
        self.note = self.axes.text(
            0.98, 0.95, "", transform=self.axes.transAxes, ha="right", va="top", fontsize=9, color=MARKER_COLOR,
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1}, zorder=3, animated=True,
        )
        self._locale = "en"
        self.axes.xaxis.set_major_formatter(FuncFormatter(lambda x, _: format_percent(x, self._locale)))
        self.axes.yaxis.set_major_formatter(FuncFormatter(lambda y, _: tick_label(y, self._locale)))
        self._background = None
        self._background_key: tuple | None = None
        #: How many times the background had to be rendered (a benchmark and test hook).
        self.background_renders = 0

    @property
    def marked_utilization(self) -> float | None:
        """The utilization at which the marker is drawn, or None when it is off the chart."""
        if not self.marker.get_visible():
            return None
        return float(self.marker.get_xdata()[0])

    def draw(self, result: RateResult, locale: str, currency: str) -> bytes:
        """Update the artists for ``result`` and return the figure as PNG bytes."""
        frame = result.rate_by_utilization()
        rates = frame["hourly_rate"].to_numpy()
        self.line.set_data(frame["utilization"].to_numpy(), rates)
        self._place_marker(result, locale, currency)

        y_limits = round_limits(0.0, float(rates.max()))
        key = (locale, currency, y_limits)
        if key != self._background_key:
            self._render_background(key, UI_STRINGS[locale], currency)
        self.canvas.restore_region(self._background)
        for artist in (self.line, self.marker_line, self.marker, self.note):
            if artist.get_visible():
                self.axes.draw_artist(artist)
        return canvas_png(self.canvas)

    def _place_marker(self, result: RateResult, locale: str, currency: str) -> None:
        strings = UI_STRINGS[locale]
        low, high = CHART_UTILIZATION
        on_chart = low <= result.utilization <= high
        self.marker_line.set_visible(on_chart)
        self.marker.set_visible(on_chart)
        if on_chart:
            self.marker_line.set_xdata([result.utilization, result.utilization])
            self.marker.set_data([result.utilization], [result.hourly_rate])
        rate = format_money(result.hourly_rate, locale, currency)
        text = strings["marker" if on_chart else "marker_off_chart"]
        self.note.set_text(text.format(utilization=format_percent(result.utilization, locale), rate=rate))

    def _render_background(self, key: tuple, strings: dict, currency: str) -> None:
        self._locale = key[0]
        self.axes.set_ylim(*key[2])
        self.title.set_text(strings["chart_title"])
        self.band_label.set_text(strings["healthy_band"])
        self.axes.set_xlabel(strings["utilization_axis"], fontsize=9)
        self.axes.set_ylabel(strings["rate_axis"].format(currency=currency), fontsize=9)
        self.canvas.draw()  # animated artists are left out
        self._background = self.canvas.copy_from_bbox(self.figure.bbox)
        self._background_key = key
        self.background_renders += 1


__all__ = ["DEFAULTS", "UI_STRINGS", "RateCalculator", "RateChart", "results_table", "zone_text"]
