"""The pricing comparison: one job priced four ways, and what each way really pays per hour.

A thin view over :func:`widgets.pricing.compare_pricing`. Every change of an
input calls the model once; the model validates, and an
:class:`~widgets.fields.InputError` becomes an inline message naming the field
and its valid range while the last valid results and chart stay on screen.
Money and numbers are written by Babel in the chosen locale.

The chart shows the effective hourly rate of the four models as the real
hours vary, with the current real hours marked. It is drawn on one
``matplotlib.figure.Figure`` with an Agg canvas (no pyplot); a change redraws
only the curves and the marker over a cached background.

>>> calculator = PricingComparison()
>>> round(calculator.result.effective_rate("package"), 2)
83.33
>>> calculator.inputs["real_hours"].value = 80
>>> calculator.result.effective_rate("package"), calculator.result.effective_rate("retainer")
(125.0, 143.75)
>>> calculator.inputs["estimated_hours"].value = 0
>>> calculator.result.estimated_hours, calculator.last_error.field.name
(80.0, 'estimated_hours')
"""

from __future__ import annotations

import html

import ipywidgets as w
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from widgets.calculator_view import ERROR_COLOR, CalculatorView, with_common_strings
from widgets.charts import canvas_png, round_limits, round_up, tick_label
from widgets.formatting import format_money, format_number, format_percent
from widgets.pricing import PRICING_FIELDS, PRICING_MODELS, REAL_HOURS, PricingResult, compare_pricing

#: The domain notes' examples put together: a 10,000 package (80 h at 125/h), the same hours on a
#: retainer with a 15% buffer, and 15% of 76,800 of yearly value; the job really takes 120 hours.
DEFAULTS = {
    "hourly_rate": 125,
    "estimated_hours": 80,
    "package_markup": 0,
    "retainer_hours": 80,
    "retainer_rate": 125,
    "retainer_buffer": 0.15,
    "value_created": 76_800,
    "value_share": 0.15,
    "real_hours": 120,
}

#: The part of each field's range a slider covers, and its step; the text box takes any number.
SLIDER_RANGES = {
    "hourly_rate": (300, 1),
    "estimated_hours": (400, 1),
    "package_markup": (1, 0.01),
    "retainer_hours": (200, 1),
    "retainer_rate": (300, 1),
    "retainer_buffer": (0.5, 0.01),
    "value_created": (300_000, 100),
    "value_share": (0.5, 0.01),
    "real_hours": (400, 1),
}

#: Everything the view writes in words, per locale. Field labels and model names come from the model.
UI_STRINGS = with_common_strings({
    "en": {
        "at_hours": "If the job really takes {hours} h",
        "model": "Pricing model",
        "revenue": "Revenue",
        "effective_rate": "Effective hourly rate",
        "vs_hourly": "vs. hourly",
        "risk": "Who carries the risk",
        "risk_client": "the client",
        "risk_freelancer": "you",
        "risk_shared": "shared",
        "per_hour": "{amount}/h",
        "package_note": "The package price is {price}; at your hourly rate it pays for {hours} h.",
        "retainer_note": "The retainer costs {fee} a month and covers {hours} h; each hour beyond is billed at {rate}.",
        "value_note": "The value-based price is {share} of {value}: {price}.",
        "chart_title": "Effective hourly rate as the real hours vary",
        "hours_axis": "Real hours",
        "rate_axis": "Effective rate ({currency}/h)",
        "real_hours_mark": "{hours} h",
    },
    "it": {
        "at_hours": "Se il lavoro richiede davvero {hours} h",
        "model": "Modello di prezzo",
        "revenue": "Incasso",
        "effective_rate": "Tariffa oraria effettiva",
        "vs_hourly": "rispetto a ore",
        "risk": "Chi si assume il rischio",
        "risk_client": "il cliente",
        "risk_freelancer": "tu",
        "risk_shared": "condiviso",
        "per_hour": "{amount}/h",
        "package_note": "Il prezzo del pacchetto è {price}; alla tua tariffa oraria paga {hours} h.",
        "retainer_note": "Il retainer costa {fee} al mese e copre {hours} h; ogni ora in più è fatturata a {rate}.",
        "value_note": "Il prezzo basato sul valore è il {share} di {value}: {price}.",
        "chart_title": "Tariffa oraria effettiva al variare delle ore reali",
        "hours_axis": "Ore reali",
        "rate_axis": "Tariffa effettiva ({currency}/h)",
        "real_hours_mark": "{hours} h",
    },
})

#: One colour per pricing model, in the order of :data:`~widgets.pricing.PRICING_MODELS`.
MODEL_COLORS = {"hourly": "#1565c0", "package": "#ef6c00", "retainer": "#2e7d32", "value_based": "#6a1b9a"}
#: Line styles, so that curves that coincide (a retainer billing beyond its block at the hourly rate) stay visible.
MODEL_STYLES = {"hourly": "-", "package": "-", "retainer": "--", "value_based": "-."}
BELOW_COLOR = ERROR_COLOR
MARKER_COLOR = "#424242"

#: Points per curve; enough for a smooth hyperbola at the chart's size.
CURVE_POINTS = 120


class PricingComparison(CalculatorView):
    """The pricing comparison of lesson 6, ready to display in a notebook.

    ``PricingComparison(locale="en", currency="EUR", **initial)``; ``initial``
    gives starting values for any of the model's pricing fields (defaults:
    :data:`DEFAULTS`). Unknown locales, currencies or field names and starting
    values the model rejects raise a ``ValueError`` here, at once.

    Besides what every :class:`~widgets.calculator_view.CalculatorView` has:
    ``chart``, an ``Image`` (PNG) of the four effective hourly rates as the
    real hours vary, drawn by ``rate_chart`` (a :class:`EffectiveRateChart`).
    """

    fields = PRICING_FIELDS
    defaults = DEFAULTS
    slider_ranges = SLIDER_RANGES
    strings = UI_STRINGS

    def __init__(self, locale: str = "en", currency: str = "EUR", **initial: float):
        self.chart = w.Image(format="png")
        self.rate_chart = EffectiveRateChart()
        super().__init__(locale, currency, **initial)

    def compute(self, values: dict[str, float]) -> PricingResult:
        return compare_pricing(**values)


    def render(self, result: PricingResult) -> None:
        png = self.rate_chart.draw(result, self.locale, self.currency)
        self.results.value = results_table(result, self.locale, self.currency)
        self.chart.value = png



def results_table(result: PricingResult, locale: str, currency: str) -> str:
    """Each model's revenue, effective rate and risk at the real hours, as HTML; every amount written by Babel."""
    strings = UI_STRINGS[locale]

    def money(amount: float) -> str:
        return html.escape(format_money(amount, locale, currency))

    def per_hour(amount: float) -> str:
        return html.escape(strings["per_hour"]).format(amount=money(amount))

    def hours(amount: float) -> str:
        return html.escape(format_number(amount, locale, digits=1))

    cell = "<td style='text-align:right;padding-left:1em'>{}</td>"
    header = "".join(
        f"<th style='text-align:{align};padding-left:1em'>{html.escape(strings[key])}</th>"
        for key, align in (("model", "left"), ("revenue", "right"), ("effective_rate", "right"),
                           ("vs_hourly", "right"), ("risk", "left"))
    )
    rows = []
    for model in PRICING_MODELS:
        rate = result.effective_rate(model.key)
        ratio = rate / result.hourly_rate - 1
        color = BELOW_COLOR if ratio < -1e-9 else "inherit"
        change = html.escape(format_percent(ratio, locale)) if abs(ratio) > 1e-9 else "&ndash;"
        rows.append(
            f"<tr><td><span style='color:{MODEL_COLORS[model.key]}'>&#9632;</span> "
            f"{html.escape(model.label_in(locale))}</td>"
            + cell.format(money(result.revenue(model.key)))
            + cell.format(f"<b>{per_hour(rate)}</b>")
            + cell.format(f"<span style='color:{color}'>{change}</span>")
            + f"<td style='padding-left:1em'>{html.escape(strings['risk_' + model.risk])}</td></tr>"
        )
    notes = [
        strings["package_note"].format(price=money(result.package_price), hours=hours(result.breakeven_hours)),
        strings["retainer_note"].format(
            fee=money(result.retainer_fee), hours=hours(result.retainer_covered_hours),
            rate=per_hour(result.retainer_rate),
        ),
        strings["value_note"].format(
            share=html.escape(format_percent(result.value_share, locale)), value=money(result.value_created),
            price=money(result.value_price),
        ),
    ]
    caption = html.escape(strings["at_hours"].format(hours=format_number(result.real_hours, locale, digits=1)))
    return (
        f'<div class="obm-results"><b>{caption}</b><table><tr>{header}</tr>{"".join(rows)}</table>'
        + "".join(f"<div style='font-size:90%'>{note}</div>" for note in notes)
        + "</div>"
    )


def chart_hours(result: PricingResult) -> float:
    """The right end of the chart's hour axis: a round number past twice the estimate and the real hours."""
    return round_up(max(2 * result.estimated_hours, 1.25 * result.real_hours, 1.25 * result.retainer_covered_hours))


def reference_hours(result: PricingResult, x_max: float) -> float:
    """Where the rate axis is sized: the estimate, or a tenth of the hour axis if the estimate is tinier."""
    return max(result.estimated_hours, x_max / 10)


def rate_limits(result: PricingResult, planned_rates) -> tuple[float, float]:
    """The rate axis: from zero to half as much again as the highest rate the plan pays.

    ``planned_rates`` are the models' effective rates at the :func:`reference_hours`
    (the estimate, normally); the hourly and retainer rates always count. A
    curve that climbs above the axis near zero hours is cut off; the table
    beside the chart still gives every number.
    """
    top = max(result.hourly_rate, result.retainer_rate, *planned_rates)
    return round_limits(0.0, 1.5 * top)


class EffectiveRateChart:
    """The four models' effective hourly rates over the real hours, on one reused Agg figure.

    As in :class:`widgets.delegation_view.BenefitChart`, the texts (title, axis
    labels, ticks, legend) are rendered once per locale, currency and pair of
    axis limits and kept as a background; each update restores it and draws
    only the curves, the real-hours line, its dots and its note (all
    ``animated`` and above everything else, so the pixels are those of a full
    draw). The limits are round numbers, so they and the background stay put
    while a slider moves a little. The legend sits outside the axes, where no
    curve can cross it.
    """

    def __init__(self, width: float = 7.6, height: float = 3.4, dpi: int = 80):
        self.figure = Figure(figsize=(width, height), dpi=dpi)
        self.canvas = FigureCanvasAgg(self.figure)
        self.figure.subplots_adjust(left=0.12, right=0.68, top=0.89, bottom=0.16)
        self.title = self.figure.text(0.40, 0.98, "", ha="center", va="top", fontsize=11)
        self.axes = self.figure.add_subplot()
        self.axes.grid(True, color="0.92")
        self.lines = {}
        for model in PRICING_MODELS:
            (self.lines[model.key],) = self.axes.plot(
                [], [], color=MODEL_COLORS[model.key], linestyle=MODEL_STYLES[model.key],
                linewidth=2.5 if model.key == "hourly" else 2, zorder=2.6, animated=True, label=model.label,
            )
        # One dot per model where the real hours cut its curve, in the curve's colour.
        self.dots = self.axes.scatter(
            [0] * len(PRICING_MODELS), [0] * len(PRICING_MODELS), s=36, zorder=2.8, animated=True,
            c=[MODEL_COLORS[model.key] for model in PRICING_MODELS],
        )
        self.real_hours_line = self.axes.axvline(
            0, color=MARKER_COLOR, linestyle="--", linewidth=1, zorder=2.7, animated=True
        )
        self.note = self.axes.text(
            0, 0.97, "", transform=self.axes.get_xaxis_transform(), va="top", fontsize=9, color=MARKER_COLOR,
            zorder=3, animated=True,  # no bbox behind it: a patch would cost more than the whole rest of a draw
        )
        self.legend = None
        self._locale = "en"
        self.axes.yaxis.set_major_formatter(FuncFormatter(lambda y, _: tick_label(y, self._locale)))
        self.axes.xaxis.set_major_formatter(FuncFormatter(lambda x, _: tick_label(x, self._locale)))
        self._backgrounds: dict[tuple, object] = {}
        self._key: tuple | None = None
        #: How many times a background had to be rendered (a benchmark and test hook).
        self.background_renders = 0

    @property
    def marked_hours(self) -> float:
        """The real hours at which the marker line is drawn."""
        return float(self.real_hours_line.get_xdata()[0])

    def draw(self, result: PricingResult, locale: str, currency: str) -> bytes:
        """Update the artists for ``result`` and return the figure as PNG bytes."""
        x_max = chart_hours(result)
        # The curves, the retainer's kink exactly, and the reference hours of the rate axis: one call to the model.
        reference = reference_hours(result, x_max)
        extra = [hours for hours in (result.retainer_covered_hours, reference) if REAL_HOURS.minimum <= hours <= REAL_HOURS.maximum]
        # The model takes real hours within its field's range; at the extremes the curves stop short of the axis ends.
        first, last = max(x_max / CURVE_POINTS, REAL_HOURS.minimum), min(x_max, REAL_HOURS.maximum)
        hours = np.union1d(np.linspace(first, last, CURVE_POINTS), extra)
        curves = result.comparison_table(hours)
        for model in PRICING_MODELS:
            self.lines[model.key].set_data(hours, curves[model.key].to_numpy())
        self.dots.set_offsets([(result.real_hours, result.effective_rate(model.key)) for model in PRICING_MODELS])
        self.real_hours_line.set_xdata([result.real_hours, result.real_hours])
        self._place_note(result.real_hours, x_max, locale)

        planned = curves.loc[curves.real_hours == reference, [model.key for model in PRICING_MODELS]]
        key = (locale, currency, x_max, rate_limits(result, planned.to_numpy().ravel()))
        if key != self._key:
            self._set_axes(key, currency)
        self.canvas.restore_region(self._backgrounds[key])
        for artist in (*self.lines.values(), self.real_hours_line, self.dots, self.note):
            self.axes.draw_artist(artist)
        return canvas_png(self.canvas)

    def _place_note(self, real_hours: float, x_max: float, locale: str) -> None:
        hours = format_number(real_hours, locale, digits=1)
        self.note.set_text(UI_STRINGS[locale]["real_hours_mark"].format(hours=hours))
        right_half = real_hours > x_max / 2
        self.note.set_x(real_hours - x_max * 0.01 if right_half else real_hours + x_max * 0.01)
        self.note.set_horizontalalignment("right" if right_half else "left")

    def _set_axes(self, key: tuple, currency: str) -> None:
        """Put the axes and texts in the state of ``key``; render its background unless it is cached."""
        locale, _, x_max, y_limits = key
        strings = UI_STRINGS[locale]
        self._locale = locale
        self._key = key
        self.axes.set_xlim(0, x_max)
        self.axes.set_ylim(*y_limits)
        self.title.set_text(strings["chart_title"])
        self.axes.set_xlabel(strings["hours_axis"], fontsize=9)
        self.axes.set_ylabel(strings["rate_axis"].format(currency=currency), fontsize=9)
        for model in PRICING_MODELS:
            self.lines[model.key].set_label(model.label_in(locale))
        if self.legend is not None:
            self.legend.remove()
        self.legend = self.axes.legend(
            handles=list(self.lines.values()), loc="center left", bbox_to_anchor=(1.02, 0.5), fontsize=9,
            frameon=False,
        )
        for handle in self.legend.legend_handles:  # copied from the animated curves: draw them with the background
            handle.set_animated(False)
        if key in self._backgrounds:
            return
        self.canvas.draw()  # animated artists are left out
        if len(self._backgrounds) >= 16:
            self._backgrounds.pop(next(iter(self._backgrounds)))
        self._backgrounds[key] = self.canvas.copy_from_bbox(self.figure.bbox)
        self.background_renders += 1


__all__ = [
    "DEFAULTS",
    "UI_STRINGS",
    "EffectiveRateChart",
    "PricingComparison",
    "chart_hours",
    "rate_limits",
    "reference_hours",
    "results_table",
]
