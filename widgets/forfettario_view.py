"""The regime forfettario calculator: from a target take-home to the rate you need, and from a rate to what you keep.

A thin view over :func:`widgets.forfettario.evaluate_forfettario`. The
numbers a learner types (target, expenses, rate, weeks, hours, share billed)
are the base class's sliders and boxes; the rates the law fixes (coefficient
of profitability, substitute tax, INPS rate, rivalsa) are drop-downs that can
only offer the values the model allows. Every change calls the model once; the
model validates, and an :class:`~widgets.fields.InputError` becomes an inline
message while the last valid results stay on screen. Italian by default: the
regime is Italian, and so are most learners who need it.

The chart shows where the revenue at the learner's rate goes (INPS, tax,
expenses, take-home), in a steady state and in year one, with the revenue the
target needs marked on each bar and the 85,000 EUR ceiling when it is in view.
It is drawn on one reused ``matplotlib.figure.Figure`` with an Agg canvas (no
pyplot): the axes, legend and labels are rendered once per locale, currency
and scale and kept as a background; a change redraws only the bars and markers.

>>> calculator = ForfettarioCalculator()
>>> round(calculator.result.rate_needed, 2)
41.07
>>> calculator.choice_pickers["tax_rate"].value = 0.15
>>> round(calculator.result.keep_share, 3)
0.71
>>> calculator.inputs["utilization"].value = 0
>>> calculator.last_error.field.name, round(calculator.result.keep_share, 3)
('utilization', 0.71)
"""

from __future__ import annotations

import html

import ipywidgets as w
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from widgets.calculator_view import ERROR_COLOR, CalculatorView, with_common_strings
from widgets.charts import canvas_png, round_limits, tick_label
from widgets.formatting import check_locale, format_money, format_number
from widgets.forfettario import (
    FORFETTARIO_CEILING,
    FORFETTARIO_CHOICES,
    FORFETTARIO_FIELDS,
    LEAVE_NEXT_YEAR,
    LEAVE_NOW,
    ForfettarioBreakdown,
    ForfettarioResult,
    evaluate_forfettario,
)

#: The domain notes' worked example, and a rate a little short of what it needs.
DEFAULTS = {
    "target_take_home": 30_000,
    "expenses": 3_000,
    "hourly_rate": 40,
    "weeks_per_year": 46,
    "hours_per_week": 35,
    "utilization": 0.65,
}
#: The starting choice of each rate the law fixes: professional coefficient, start-up tax, full INPS, no rivalsa.
DEFAULT_CHOICES = {"coefficient": 0.78, "tax_rate": 0.05, "inps_rate": 0.2607, "rivalsa_rate": 0.0}

#: The part of each field's range a slider covers, and its step; the text box takes any number.
SLIDER_RANGES = {
    "target_take_home": (100_000, 500),
    "expenses": (30_000, 100),
    "hourly_rate": (150, 0.5),
    "weeks_per_year": (52, 1),
    "hours_per_week": (60, 0.5),
    "utilization": (1, 0.01),
}

#: Everything the view writes in words, per locale. Field labels and ranges come from the model.
UI_STRINGS = with_common_strings({
    "en": {
        "rates": "Rates set by the law: pick yours",
        "choice_coefficient_0.78": "{p} – professional activities (e.g. ATECO 69-75)",
        "choice_coefficient_0.67": "{p} – other activities, office support included (e.g. ATECO 77-82)",
        "choice_tax_rate_0.05": "{p} – first five years of a new activity",
        "choice_tax_rate_0.15": "{p} – ordinary rate",
        "choice_inps_rate_0.2607": "{p} – INPS Gestione Separata",
        "choice_inps_rate_0.24": "{p} – already insured elsewhere",
        "choice_rivalsa_rate_0.0": "no",
        "choice_rivalsa_rate_0.04": "yes: {p} on top of your fee",
        "not_advice": "Not tax advice: a simplified model of the regime forfettario. "
        "Check your own case with a commercialista.",
        "steady": "Steady state",
        "year_one": "Year one",
        "to_rate": "From the take-home you want to the rate you need",
        "to_rate_intro": "{target} to take home after {expenses} of expenses, over {hours} billable hours",
        "keep_share": "Share of revenue left after INPS and tax",
        "revenue_needed": "Revenue you need",
        "rate_needed": "Hourly rate you need",
        "from_rate": "From your rate to what you keep",
        "from_rate_intro": "At {rate} over {hours} billable hours",
        "revenue": "Revenue",
        "rivalsa_included": "of which rivalsa",
        "inps": "INPS contributions",
        "tax": "Substitute tax",
        "net": "Net after INPS and tax",
        "expenses": "Expenses",
        "take_home": "Take-home pay",
        "versus_target": "Compared with your target",
        "ceiling": "The ceiling",
        "ceiling_rate": "At {rate} your billable hours reach the {ceiling} ceiling.",
        "needed_over": "The revenue your target needs ({revenue}, {when}) is over the ceiling: ",
        "rate_over": "The revenue at your rate ({revenue}) is over the ceiling: ",
        "leave_next_year": "above {ceiling} you leave the regime from next year.",
        "leave_now": "above {exit} you leave the regime at once, during the year.",
        "within": "Your revenue at this rate stays within the {ceiling} ceiling.",
        "assumptions": "Coefficient {coefficient} · substitute tax {tax} · INPS {inps} · rivalsa {rivalsa}",
        "none": "none",
        "per_hour": "{amount}/h",
        "chart_title": "Where the revenue at your rate goes",
        "money_axis": "{currency} per year",
        "segment_inps": "INPS",
        "segment_tax": "tax",
        "segment_expenses": "expenses",
        "segment_take_home": "take-home",
        "segment_shortfall": "expenses not covered",
        "marker_needed": "revenue your target needs",
        "marker_ceiling": "ceiling {ceiling}",
    },
    "it": {
        "rates": "Aliquote fissate dalla legge: scegli le tue",
        "choice_coefficient_0.78": "{p} – attività professionali (es. ATECO 69-75)",
        "choice_coefficient_0.67": "{p} – altre attività, compreso il supporto d'ufficio (es. ATECO 77-82)",
        "choice_tax_rate_0.05": "{p} – primi cinque anni di una nuova attività",
        "choice_tax_rate_0.15": "{p} – aliquota ordinaria",
        "choice_inps_rate_0.2607": "{p} – INPS Gestione Separata",
        "choice_inps_rate_0.24": "{p} – già assicurato altrove",
        "choice_rivalsa_rate_0.0": "no",
        "choice_rivalsa_rate_0.04": "sì: {p} in più sul tuo compenso",
        "not_advice": "Non è una consulenza fiscale: è un modello semplificato del regime forfettario. "
        "Verifica il tuo caso con un commercialista.",
        "steady": "Anni successivi",
        "year_one": "Primo anno",
        "to_rate": "Dal netto che vuoi alla tariffa che ti serve",
        "to_rate_intro": "{target} in tasca dopo {expenses} di spese, su {hours} ore fatturabili",
        "keep_share": "Quota del fatturato che resta dopo INPS e imposta",
        "revenue_needed": "Fatturato che ti serve",
        "rate_needed": "Tariffa oraria che ti serve",
        "from_rate": "Dalla tua tariffa a quello che ti resta",
        "from_rate_intro": "A {rate} su {hours} ore fatturabili",
        "revenue": "Fatturato",
        "rivalsa_included": "di cui rivalsa",
        "inps": "Contributi INPS",
        "tax": "Imposta sostitutiva",
        "net": "Netto dopo INPS e imposta",
        "expenses": "Spese",
        "take_home": "Netto in tasca",
        "versus_target": "Rispetto al tuo obiettivo",
        "ceiling": "Il limite dei ricavi",
        "ceiling_rate": "A {rate} le tue ore fatturabili raggiungono il limite di {ceiling}.",
        "needed_over": "Il fatturato che serve al tuo obiettivo ({revenue}, {when}) supera il limite: ",
        "rate_over": "Il fatturato alla tua tariffa ({revenue}) supera il limite: ",
        "leave_next_year": "oltre {ceiling} esci dal regime dall'anno successivo.",
        "leave_now": "oltre {exit} esci dal regime subito, in corso d'anno.",
        "within": "Alla tua tariffa il fatturato resta entro il limite di {ceiling}.",
        "assumptions": "Coefficiente {coefficient} · imposta sostitutiva {tax} · INPS {inps} · rivalsa {rivalsa}",
        "none": "no",
        "per_hour": "{amount}/h",
        "chart_title": "Dove va il fatturato alla tua tariffa",
        "money_axis": "{currency} all'anno",
        "segment_inps": "INPS",
        "segment_tax": "imposta",
        "segment_expenses": "spese",
        "segment_take_home": "netto in tasca",
        "segment_shortfall": "spese non coperte",
        "marker_needed": "fatturato che serve al tuo obiettivo",
        "marker_ceiling": "limite {ceiling}",
    },
})

GOOD_COLOR = "#1b5e20"
BAD_COLOR = ERROR_COLOR
WARNING_COLOR = "#8a5300"
#: The chart's segments, left to right, and their colours.
SEGMENTS = ("inps", "tax", "expenses", "take_home", "shortfall")
SEGMENT_COLORS = {
    "inps": "#7b1fa2",
    "tax": "#ef6c00",
    "expenses": "#9e9e9e",
    "take_home": "#2e7d32",
    "shortfall": "#ffcdd2",
}
MARKER_COLOR = "#0d47a1"
CEILING_COLOR = "#b71c1c"


def percent_text(share: float, locale: str, most_digits: int = 2) -> str:
    """A share such as 0.2607 as a percentage the locale's way, with the decimals it needs, up to ``most_digits``.

    >>> percent_text(0.2607, "it"), percent_text(0.05, "en"), percent_text(0.767823, "it", most_digits=1)
    ('26,07%', '5%', '76,8%')
    """
    digits = 0
    while round(share * 100, digits) != round(share * 100, 6) and digits < most_digits:
        digits += 1
    return f"{format_number(share * 100, locale, digits=digits)}%"


def choice_label(name: str, value: float, locale: str) -> str:
    """The words a drop-down shows for one allowed value of a rate."""
    return UI_STRINGS[locale][f"choice_{name}_{value}"].format(p=percent_text(value, locale))


class ForfettarioCalculator(CalculatorView):
    """The regime forfettario calculator of lesson 5, ready to display in a notebook.

    ``ForfettarioCalculator(locale="it", currency="EUR", coefficient=0.78,
    tax_rate=0.05, inps_rate=0.2607, rivalsa_rate=0.0, **initial)``;
    ``initial`` gives starting values for any of the numeric fields (defaults:
    :data:`DEFAULTS`). A rate the law does not allow, an unknown locale,
    currency or field name, or a starting value the model rejects raises a
    ``ValueError`` here, at once.

    Besides what every :class:`~widgets.calculator_view.CalculatorView` has:
    ``choice_pickers`` (rate name to the ``Dropdown`` that picks it; set its
    ``.value`` to drive the calculator), ``choices`` (the rates in use),
    ``chart`` (an ``Image``, PNG) drawn by ``revenue_chart`` (a :class:`RevenueChart`).
    """

    fields = FORFETTARIO_FIELDS
    defaults = DEFAULTS
    slider_ranges = SLIDER_RANGES
    strings = UI_STRINGS

    def __init__(
        self,
        locale: str = "it",
        currency: str = "EUR",
        coefficient: float = DEFAULT_CHOICES["coefficient"],
        tax_rate: float = DEFAULT_CHOICES["tax_rate"],
        inps_rate: float = DEFAULT_CHOICES["inps_rate"],
        rivalsa_rate: float = DEFAULT_CHOICES["rivalsa_rate"],
        **initial: float,
    ):
        self.choices = {"coefficient": coefficient, "tax_rate": tax_rate, "inps_rate": inps_rate,
                        "rivalsa_rate": rivalsa_rate}
        self.chart = w.Image(format="png")
        self.revenue_chart = RevenueChart()
        self._relabelling = False
        self._choice_locale = None
        self._choice_labels = {name: w.HTML(layout=w.Layout(width="19em")) for name in FORFETTARIO_CHOICES}
        self.choice_pickers = {
            name: w.Dropdown(options=[(str(value), value) for value in allowed], layout=w.Layout(width="28em"))
            for name, (_field, allowed) in FORFETTARIO_CHOICES.items()
        }
        self._rates_title = w.HTML()
        # The model checks the starting rates in super().__init__ (its first compute); the pickers follow.
        super().__init__(locale, currency, **initial)
        self.choices = {name: getattr(self.result, name) for name in FORFETTARIO_CHOICES}
        for picker in self.choice_pickers.values():
            picker.observe(self._choice_changed, names="value")
        rates_box = w.VBox(
            [self._rates_title]
            + [w.HBox([self._choice_labels[name], picker]) for name, picker in self.choice_pickers.items()]
        )
        children = list(self.widget.children)
        self.widget.children = (*children[:3], rates_box, *children[3:])

    def compute(self, values: dict[str, float]) -> ForfettarioResult:
        return evaluate_forfettario(**values, **self.choices)


    def render(self, result: ForfettarioResult) -> None:
        png = self.revenue_chart.draw(result, self.locale, self.currency)
        self.results.value = results_html(result, self.locale, self.currency)
        self.chart.value = png
        self._relabel_choices(result)


    def _choice_changed(self, change) -> None:
        if self._relabelling:
            return
        for name, picker in self.choice_pickers.items():
            if picker is change["owner"]:
                self.choices[name] = change["new"]
        self._update()

    def _relabel_choices(self, result: ForfettarioResult) -> None:
        """Write the drop-downs' labels in the current locale (once per locale change)."""
        if self._choice_locale == self.locale:
            return
        starting = self._choice_locale is None
        self._relabelling = True
        try:
            for name, picker in self.choice_pickers.items():
                field, allowed = FORFETTARIO_CHOICES[name]
                # At the start, the model's checked rates; later, whatever the learner picked (valid by design).
                chosen = getattr(result, name) if starting else picker.value
                picker.options = [(choice_label(name, value, self.locale), value) for value in allowed]
                picker.value = chosen
                self._choice_labels[name].value = html.escape(field.label_in(self.locale))
            self._rates_title.value = f"<b>{html.escape(self.strings[self.locale]['rates'])}</b>"
        finally:
            self._relabelling = False
        self._choice_locale = self.locale


def results_html(result: ForfettarioResult, locale: str, currency: str) -> str:
    """The results as HTML: both directions, steady state beside year one, the ceiling and the disclaimer."""
    strings = UI_STRINGS[check_locale(locale)]

    def money(amount: float) -> str:
        return html.escape(format_money(amount, locale, currency))

    def minus(amount: float) -> str:
        return money(-amount if amount else 0.0)  # never "-0,00 €"

    def per_hour(amount: float) -> str:
        return html.escape(strings["per_hour"]).format(amount=money(amount))

    def text(key: str, **values: str) -> str:
        return html.escape(strings[key]).format(**values)

    def row(label: str, steady: str, year_one: str, bold: bool = False) -> str:
        cells = [f"<td style='text-align:right;padding-left:1em'>{value}</td>" for value in (steady, year_one)]
        label = f"<b>{html.escape(label)}</b>" if bold else html.escape(label)
        return f"<tr><td>{label}</td>{''.join(cells)}</tr>"

    def table(rows: list[str]) -> str:
        head = (
            "<tr><th></th>"
            f"<th style='text-align:right;padding-left:1em'>{html.escape(strings['steady'])}</th>"
            f"<th style='text-align:right;padding-left:1em'>{html.escape(strings['year_one'])}</th></tr>"
        )
        return f'<table class="obm-results">{head}{"".join(rows)}</table>'

    def coloured(amount: float, good: bool, signed: bool = False) -> str:
        shown = money(amount)
        if signed and amount > 0:
            shown = "+" + shown
        return f'<b style="color:{GOOD_COLOR if good else BAD_COLOR}">{shown}</b>'

    hours = html.escape(format_number(result.billable_hours, locale, digits=1))
    steady, first = result.at_rate, result.at_rate_year_one
    target_rows = [
        row(strings["keep_share"], percent_text(result.keep_share, locale, most_digits=1),
            percent_text(result.keep_share_year_one, locale, most_digits=1)),
        row(strings["revenue_needed"], money(result.revenue_needed), money(result.revenue_needed_year_one)),
        row(strings["rate_needed"], f"<b>{per_hour(result.rate_needed)}</b>",
            f"<b>{per_hour(result.rate_needed_year_one)}</b>", bold=True),
    ]
    take_home, take_home_first = result.take_home_at_rate, result.take_home_at_rate_year_one
    revenue = money(result.revenue_at_rate)
    rate_rows = [row(strings["revenue"], revenue, revenue)]
    if result.rivalsa_rate:
        rivalsa = money(result.rivalsa_at_rate)
        rate_rows.append(row(strings["rivalsa_included"], rivalsa, rivalsa))
    rate_rows += [
        row(strings["inps"], minus(steady.inps), minus(first.inps)),
        row(strings["tax"], minus(steady.tax), minus(first.tax)),
        row(strings["net"], money(steady.net), money(first.net)),
        row(strings["expenses"], minus(result.expenses), minus(result.expenses)),
        row(strings["take_home"], coloured(take_home, take_home >= result.target_take_home),
            coloured(take_home_first, take_home_first >= result.target_take_home), bold=True),
        row(strings["versus_target"],
            coloured(take_home - result.target_take_home, take_home >= result.target_take_home, signed=True),
            coloured(take_home_first - result.target_take_home, take_home_first >= result.target_take_home,
                     signed=True)),
    ]
    ceiling, exit_now = money(FORFETTARIO_CEILING), money(100_000)
    ceiling_lines = [text("ceiling_rate", rate=per_hour(result.ceiling_rate), ceiling=ceiling)]
    for status, revenue_needed, when in (
        (result.ceiling_status_needed, result.revenue_needed, strings["steady"].lower()),
        (result.ceiling_status_needed_year_one, result.revenue_needed_year_one, strings["year_one"].lower()),
    ):
        if status in (LEAVE_NEXT_YEAR, LEAVE_NOW):
            ceiling_lines.append(
                _warning(text("needed_over", revenue=money(revenue_needed), when=html.escape(when))
                         + text(status, ceiling=ceiling, exit=exit_now))
            )
    if result.ceiling_status_at_rate in (LEAVE_NEXT_YEAR, LEAVE_NOW):
        ceiling_lines.append(
            _warning(text("rate_over", revenue=revenue) + text(result.ceiling_status_at_rate, ceiling=ceiling,
                                                                 exit=exit_now))
        )
    else:
        ceiling_lines.append(text("within", ceiling=ceiling))
    assumptions = text(
        "assumptions",
        coefficient=percent_text(result.coefficient, locale),
        tax=percent_text(result.tax_rate, locale),
        inps=percent_text(result.inps_rate, locale),
        rivalsa=percent_text(result.rivalsa_rate, locale) if result.rivalsa_rate else html.escape(strings["none"]),
    )
    return (
        '<div class="obm-results">'
        f'<p class="obm-not-advice" style="color:{WARNING_COLOR}">&#9888; {text("not_advice")}</p>'
        f"<b>{text('to_rate')}</b><br/>"
        f"<small>{text('to_rate_intro', target=money(result.target_take_home), expenses=money(result.expenses), hours=hours)}</small>"
        f"{table(target_rows)}"
        f"<br/><b>{text('from_rate')}</b><br/>"
        f"<small>{text('from_rate_intro', rate=per_hour(result.hourly_rate), hours=hours)}</small>"
        f"{table(rate_rows)}"
        f"<br/><b>{text('ceiling')}</b>"
        + "".join(f"<p style='margin:0.2em 0'>{line}</p>" for line in ceiling_lines)
        + f"<p><small>{assumptions}</small></p></div>"
    )


def _warning(markup: str) -> str:
    return f'<span class="obm-ceiling-warning" style="color:{BAD_COLOR}">&#9888; {markup}</span>'


def segment_widths(breakdown: ForfettarioBreakdown, expenses: float) -> dict[str, float]:
    """The widths of the chart's segments for one bar: they add up to the revenue, plus any shortfall.

    Expenses the net cannot cover are drawn past the end of the revenue, as a shortfall.
    """
    covered = min(expenses, max(breakdown.net, 0.0))
    return {
        "inps": breakdown.inps,
        "tax": breakdown.tax,
        "expenses": covered,
        "take_home": breakdown.net - covered,
        "shortfall": expenses - covered,
    }


class RevenueChart:
    """Two stacked bars, steady state and year one, of where the revenue at the learner's rate goes.

    The same fast pattern as :class:`widgets.delegation_view.BenefitChart`:
    the texts (title, axis, legend, bar names, the ceiling line) depend only
    on the locale, the currency and the x limits, which are rounded out so they
    stay put while a slider moves a little; they are rendered once per such
    combination as a background. Each update restores it and draws only the
    bar segments and the target markers (``animated``, above the rest).
    """

    #: The bars' positions: steady state on top, year one below.
    BAR_Y = {"steady": 1.0, "year_one": 0.0}
    BAR_HEIGHT = 0.55

    def __init__(self, width: float = 6.4, height: float = 3.1, dpi: int = 80):
        self.figure = Figure(figsize=(width, height), dpi=dpi)
        self.canvas = FigureCanvasAgg(self.figure)
        self.figure.subplots_adjust(left=0.2, right=0.95, top=0.76, bottom=0.16)
        self.title = self.figure.text(0.55, 0.985, "", ha="center", va="top", fontsize=11)
        self.axes = self.figure.add_subplot()
        self.axes.grid(True, axis="x", color="0.92")
        self.axes.set_axisbelow(True)
        # The bars start on the y axis: its spine would sit under (or over) them, so leave the frame open.
        for side in ("left", "top", "right"):
            self.axes.spines[side].set_visible(False)
        self.axes.tick_params(axis="y", length=0)
        self.axes.set_ylim(-0.6, 1.6)
        self.axes.set_yticks(list(self.BAR_Y.values()))
        self.bars = {
            bar: {
                segment: self.axes.barh(
                    y, 0, left=0, height=self.BAR_HEIGHT, color=SEGMENT_COLORS[segment],
                    hatch="///" if segment == "shortfall" else None,
                    edgecolor=BAD_COLOR if segment == "shortfall" else "white",
                    linewidth=0.8, zorder=2.5, animated=True,
                )[0]
                for segment in SEGMENTS
            }
            for bar, y in self.BAR_Y.items()
        }
        half = self.BAR_HEIGHT / 2 + 0.1
        self.markers = {
            bar: self.axes.plot([0, 0], [y - half, y + half], color=MARKER_COLOR, linewidth=2.5, zorder=2.7,
                                animated=True)[0]
            for bar, y in self.BAR_Y.items()
        }
        self.ceiling_line = self.axes.axvline(FORFETTARIO_CEILING, color=CEILING_COLOR, linestyle="--",
                                              linewidth=1.2, zorder=2.0)
        self.ceiling_note = self.axes.text(
            FORFETTARIO_CEILING, 0.5, "", transform=self.axes.get_xaxis_transform(), ha="center", va="center",
            fontsize=8, color=CEILING_COLOR, bbox={"facecolor": "white", "edgecolor": "none", "pad": 1}, zorder=2.1,
        )
        self._locale = "it"
        self.axes.xaxis.set_major_formatter(FuncFormatter(lambda x, _: tick_label(x, self._locale)))
        self._background = None
        self._background_key: tuple | None = None
        #: How many times the background had to be rendered (a benchmark and test hook).
        self.background_renders = 0

    def widths(self, bar: str) -> dict[str, float]:
        """The segments' widths as drawn now for ``bar`` ("steady" or "year_one")."""
        return {segment: rectangle.get_width() for segment, rectangle in self.bars[bar].items()}

    def marked_revenue(self, bar: str) -> float:
        """Where the "revenue your target needs" marker is drawn on ``bar``."""
        return float(self.markers[bar].get_xdata()[0])

    @property
    def shows_ceiling(self) -> bool:
        """True when the 85,000 EUR ceiling is inside the chart."""
        return self.ceiling_line.get_visible()

    def draw(self, result: ForfettarioResult, locale: str, currency: str) -> bytes:
        """Update the artists for ``result`` and return the figure as PNG bytes."""
        breakdowns = {"steady": result.at_rate, "year_one": result.at_rate_year_one}
        needed = {"steady": result.revenue_needed, "year_one": result.revenue_needed_year_one}
        right = 0.0
        for bar, breakdown in breakdowns.items():
            left = 0.0
            for segment, width in segment_widths(breakdown, result.expenses).items():
                rectangle = self.bars[bar][segment]
                rectangle.set_x(left)
                rectangle.set_width(width)
                rectangle.set_visible(width > 0)  # an empty segment would still draw its edge
                left += width
            self.markers[bar].set_xdata([needed[bar], needed[bar]])
            right = max(right, left, needed[bar])

        key = (locale, currency, round_limits(0.0, right))
        if key != self._background_key:
            self._render_background(key, UI_STRINGS[locale], currency)
        self.canvas.restore_region(self._background)
        for bar in self.BAR_Y:
            for rectangle in self.bars[bar].values():
                if rectangle.get_visible():
                    self.axes.draw_artist(rectangle)
            self.axes.draw_artist(self.markers[bar])
        return canvas_png(self.canvas)

    def _render_background(self, key: tuple, strings: dict, currency: str) -> None:
        locale, _, x_limits = key
        self._locale = locale
        self.axes.set_xlim(0.0, x_limits[1])
        self.axes.set_yticklabels([strings["steady"], strings["year_one"]], fontsize=9)
        self.title.set_text(strings["chart_title"])
        self.axes.set_xlabel(strings["money_axis"].format(currency=currency), fontsize=9)
        in_view = FORFETTARIO_CEILING <= x_limits[1]
        self.ceiling_line.set_visible(in_view)
        self.ceiling_note.set_visible(in_view)
        self.ceiling_note.set_text(strings["marker_ceiling"].format(ceiling=tick_label(FORFETTARIO_CEILING, locale)))
        handles = [Patch(facecolor=SEGMENT_COLORS[s], label=strings[f"segment_{s}"],
                         hatch="///" if s == "shortfall" else None,
                         edgecolor=BAD_COLOR if s == "shortfall" else "white") for s in SEGMENTS]
        handles.append(Line2D([], [], color=MARKER_COLOR, linewidth=2.5, label=strings["marker_needed"]))
        legend = self.axes.get_legend()
        if legend is not None:
            legend.remove()
        self.axes.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 1.02), ncol=3, fontsize=7.5,
                         frameon=False, handlelength=1.5, columnspacing=1.0)
        self.canvas.draw()  # animated artists are left out
        self._background = self.canvas.copy_from_bbox(self.figure.bbox)
        self._background_key = key
        self.background_renders += 1


__all__ = [
    "DEFAULTS",
    "DEFAULT_CHOICES",
    "UI_STRINGS",
    "ForfettarioCalculator",
    "RevenueChart",
    "choice_label",
    "percent_text",
    "results_html",
    "segment_widths",
]
