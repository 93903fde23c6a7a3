"""Lesson 09's views: a retainer health calculator, and a month-by-month KPI dashboard of a client's data.

Both are thin views over :mod:`widgets.kpis`; every rule (the 60% rule, the
rolling z-score, retention and churn) lives in the model.

- :class:`RetainerHealthCalculator` (a :class:`~widgets.calculator_view.CalculatorView`):
  one month of a retainer, with last month's use beside it; shows the share of
  hours used, overage, invoice, effective rate and the advice, and a bar chart
  of the two months against the hours included and the low-use threshold.
- :class:`KpiDashboard`: a client's daily metrics summarised by month. Pick a
  month and a metric; see the month's KPIs beside the month before, the days
  flagged as anomalies, and a chart of the metric with its 28-day rolling
  mean, the band outside which a day is flagged, and the flagged days.

Charts are drawn on a reused ``matplotlib.figure.Figure`` with an Agg canvas
(no pyplot); what moves on an interaction is drawn over a cached background.

>>> calculator = RetainerHealthCalculator()
>>> calculator.result.advice
'resize_down'
>>> calculator.inputs["hours_used"].value = 20
>>> calculator.result.advice, calculator.result.used_share
('healthy', 0.8)
"""

from __future__ import annotations

import datetime
import html
from collections import OrderedDict

import ipywidgets as w
import pandas as pd
from babel.dates import format_date
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter

from widgets.calculator_view import ERROR_COLOR, CalculatorView, with_common_strings
from widgets.charts import canvas_png, png_img, round_up, tick_label
from widgets.formatting import LOCALES, check_currency, check_locale, format_money, format_number, format_percent
from widgets.kpis import (
    ANOMALY_THRESHOLD,
    ANOMALY_WINDOW,
    HEALTHY,
    LOW_USE_SHARE,
    LOW_USE_THRESHOLD,
    OVER,
    RESIZE_DOWN,
    RESIZE_UP,
    RETAINER_FIELDS,
    WATCH,
    WINDOW_DAYS,
    Z_THRESHOLD,
    RetainerHealth,
    flagged_days,
    monthly_summary,
    retainer_health,
    rolling_baseline,
)

#: Casa Ceramica's April in the lesson's dataset: 12.75 of 25 hours, after 13.5 in March.
DEFAULTS = {
    "hours_included": 25,
    "hours_used": 12.75,
    "monthly_fee": 1250,
    "overage_rate": 60,
    "previous_hours_used": 13.5,
}

SLIDER_RANGES = {
    "hours_included": (80, 0.25),
    "hours_used": (80, 0.25),
    "monthly_fee": (5_000, 10),
    "overage_rate": (200, 1),
    "previous_hours_used": (80, 0.25),
}

UI_STRINGS = with_common_strings({
    "en": {
        "used_share": "Share of the hours used, this month",
        "previous_share": "Share of the hours used, last month",
        "unused_hours": "Hours left unused",
        "overage_hours": "Hours over the retainer",
        "overage_cost": "Overage to bill",
        "invoice": "Invoice this month",
        "included_rate": "Rate the terms promise (fee / hours included)",
        "effective_rate": "Effective rate (invoice / hours used)",
        "no_hours": "no hours used",
        "hours": "{hours} h",
        "per_hour": "{amount}/h",
        "advice": "Advice",
        HEALTHY: "Healthy: the hours fit the retainer.",
        WATCH: "Watch: used under {threshold} this month. One more month like this and it is time to resize.",
        RESIZE_DOWN: "Resize or drop: used under {threshold} two months running. Propose a smaller "
        "retainer, or end it.",
        OVER: "Over: bill the extra hours. If it happens again next month, propose a bigger retainer.",
        RESIZE_UP: "Resize up: over the included hours two months running. Propose a bigger retainer.",
        "chart_title": "Hours used against the retainer",
        "last_month": "Last month",
        "this_month": "This month",
        "hours_axis": "Hours",
        "included_line": "Hours included",
        "threshold_line": "{threshold} of the hours included",
    },
    "it": {
        "used_share": "Quota delle ore usate, questo mese",
        "previous_share": "Quota delle ore usate, il mese scorso",
        "unused_hours": "Ore rimaste inutilizzate",
        "overage_hours": "Ore oltre il retainer",
        "overage_cost": "Ore extra da fatturare",
        "invoice": "Fattura di questo mese",
        "included_rate": "Tariffa prevista dal contratto (canone / ore incluse)",
        "effective_rate": "Tariffa effettiva (fattura / ore usate)",
        "no_hours": "nessuna ora usata",
        "hours": "{hours} h",
        "per_hour": "{amount}/h",
        "advice": "Consiglio",
        HEALTHY: "In salute: le ore sono in linea con il retainer.",
        WATCH: "Da tenere d'occhio: usato meno del {threshold} questo mese. Un altro mese così e conviene "
        "ridimensionarlo.",
        RESIZE_DOWN: "Ridimensiona o chiudi: usato meno del {threshold} per due mesi di fila. Proponi un "
        "retainer più piccolo, oppure chiudilo.",
        OVER: "Oltre il pacchetto: fattura le ore extra. Se si ripete il mese prossimo, proponi un retainer "
        "più grande.",
        RESIZE_UP: "Ingrandisci: oltre le ore incluse per due mesi di fila. Proponi un retainer più grande.",
        "chart_title": "Ore usate rispetto al retainer",
        "last_month": "Mese scorso",
        "this_month": "Questo mese",
        "hours_axis": "Ore",
        "included_line": "Ore incluse",
        "threshold_line": "{threshold} delle ore incluse",
    },
})

GOOD_COLOR = "#2e7d32"
WARN_COLOR = "#ef6c00"
BAD_COLOR = ERROR_COLOR
LINE_COLOR = "#1565c0"
ADVICE_COLORS = {HEALTHY: GOOD_COLOR, WATCH: WARN_COLOR, OVER: WARN_COLOR, RESIZE_UP: BAD_COLOR, RESIZE_DOWN: BAD_COLOR}


def _hours(hours: float, locale: str) -> str:
    return UI_STRINGS[locale]["hours"].format(hours=format_number(hours, locale, digits=2))


class RetainerHealthCalculator(CalculatorView):
    """The retainer health calculator of lesson 9, ready to display in a notebook.

    ``RetainerHealthCalculator(locale="en", currency="EUR", threshold=0.6, **initial)``;
    ``initial`` gives starting values for the fields of
    :data:`widgets.kpis.RETAINER_FIELDS` (defaults: :data:`DEFAULTS`).
    ``threshold`` is the low-use share of the 60% rule. Besides what every
    calculator has: ``chart`` (an ``Image``) drawn by ``hours_chart`` (:class:`HoursChart`).
    """

    fields = RETAINER_FIELDS
    defaults = DEFAULTS
    slider_ranges = SLIDER_RANGES
    strings = UI_STRINGS

    def __init__(self, locale: str = "en", currency: str = "EUR", threshold: float = LOW_USE_SHARE, **initial: float):
        self.threshold = LOW_USE_THRESHOLD.check(threshold)
        self.chart = w.Image(format="png")
        self.hours_chart = HoursChart()
        super().__init__(locale, currency, **initial)

    def compute(self, values: dict[str, float]) -> RetainerHealth:
        return retainer_health(**values, threshold=self.threshold)


    def render(self, result: RetainerHealth) -> None:
        png = self.hours_chart.draw(result, self.locale)
        self.results.value = retainer_table(result, self.locale, self.currency)
        self.chart.value = png




def retainer_table(result: RetainerHealth, locale: str, currency: str) -> str:
    """The retainer's month as a small HTML table, every amount written by Babel."""
    strings = UI_STRINGS[locale]

    def per_hour(amount: float | None) -> str:
        if amount is None:
            return html.escape(strings["no_hours"])
        return html.escape(strings["per_hour"].format(amount=format_money(amount, locale, currency)))

    previous = "&mdash;" if result.previous_used_share is None else format_percent(result.previous_used_share, locale)
    rows = [
        (strings["used_share"], html.escape(format_percent(result.used_share, locale))),
        (strings["previous_share"], previous),
        (strings["unused_hours"], html.escape(_hours(result.unused_hours, locale))),
        (strings["overage_hours"], html.escape(_hours(result.overage_hours, locale))),
        (strings["overage_cost"], html.escape(format_money(result.overage_cost, locale, currency))),
        (strings["invoice"], f"<b>{html.escape(format_money(result.invoice, locale, currency))}</b>"),
        (strings["included_rate"], per_hour(result.included_rate)),
        (strings["effective_rate"], f"<b>{per_hour(result.effective_rate)}</b>"),
    ]
    body = "".join(
        f"<tr><td style='padding-right:1em'>{html.escape(label)}</td><td style='text-align:right'>{value}</td></tr>"
        for label, value in rows
    )
    advice = strings[result.advice].format(threshold=format_percent(result.threshold, locale))
    color = ADVICE_COLORS[result.advice]
    return (
        f'<table class="obm-results">{body}</table>'
        f'<p class="obm-advice" style="color:{color};max-width:28em"><b>{html.escape(strings["advice"])}:</b> '
        f"{html.escape(advice)}</p>"
    )


class HoursChart:
    """Two bars, last month and this month, against the hours included and the low-use line.

    The axes, ticks and title are rendered once per locale and y-axis scale and
    kept as a background; an update restores it and draws only the bars, the
    two lines and the percentages on the bars (all ``animated``). The last few
    backgrounds are kept, so a slider dragged back and forth across a change of
    scale does not render them again.
    """

    #: How many backgrounds (locale, scale and threshold) are kept.
    KEPT_BACKGROUNDS = 12

    def __init__(self, width: float = 4.6, height: float = 3.3, dpi: int = 80):
        self.figure = Figure(figsize=(width, height), dpi=dpi)
        self.canvas = FigureCanvasAgg(self.figure)
        self.figure.subplots_adjust(left=0.15, right=0.97, top=0.89, bottom=0.2)
        self.title = self.figure.text(0.56, 0.98, "", ha="center", va="top", fontsize=11)
        self.axes = self.figure.add_subplot()
        self.axes.grid(True, axis="y", color="0.92")
        self.axes.set_axisbelow(True)
        self.bars = self.axes.bar([0, 1], [0, 0], width=0.55, zorder=2.5, animated=True)
        self.included_line = self.axes.axhline(0, color="0.2", linewidth=1.5, zorder=2.6, animated=True)
        self.threshold_line = self.axes.axhline(
            0, color=BAD_COLOR, linewidth=1.2, linestyle="--", zorder=2.6, animated=True
        )
        self.labels = [
            self.axes.text(x, 0, "", ha="center", va="bottom", fontsize=9, zorder=3, animated=True) for x in (0, 1)
        ]
        self.axes.set_xlim(-0.6, 1.6)
        self.axes.xaxis.set_major_locator(FixedLocator([0, 1]))
        self._locale = "en"
        self.axes.yaxis.set_major_formatter(FuncFormatter(lambda y, _: tick_label(y, self._locale)))
        self._backgrounds: OrderedDict[tuple, object] = OrderedDict()
        #: How many times a background had to be rendered (a test hook).
        self.background_renders = 0

    def draw(self, result: RetainerHealth, locale: str) -> bytes:
        """Update the artists for ``result`` and return the figure as PNG bytes."""
        previous = result.previous_hours_used
        heights = [0.0 if previous is None else previous, result.hours_used]
        shares = [result.previous_used_share, result.used_share]
        for bar, label, height, share in zip(self.bars, self.labels, heights, shares):
            bar.set_height(height)
            bar.set_color(_bar_color(share, result.threshold))
            label.set_position((bar.get_x() + bar.get_width() / 2, height))
            label.set_text("" if share is None else format_percent(share, locale))
        self.included_line.set_ydata([result.hours_included] * 2)
        self.threshold_line.set_ydata([result.hours_included * result.threshold] * 2)

        top = round_up(max(*heights, result.hours_included) * 1.15)
        key = (locale, top, result.threshold)
        if key in self._backgrounds:
            self._backgrounds.move_to_end(key)
            self.axes.set_ylim(0, top)  # the moving artists are placed in data coordinates
        else:
            self._render_background(key)
        self.canvas.restore_region(self._backgrounds[key])
        for artist in (*self.bars, self.included_line, self.threshold_line, *self.labels):
            self.axes.draw_artist(artist)
        return canvas_png(self.canvas)

    def _render_background(self, key: tuple) -> None:
        locale, top, threshold = key
        strings = UI_STRINGS[locale]
        self._locale = locale
        self.axes.set_ylim(0, top)
        self.axes.set_xticklabels([strings["last_month"], strings["this_month"]])
        self.axes.set_ylabel(strings["hours_axis"], fontsize=9)
        self.title.set_text(strings["chart_title"])
        for legend in self.figure.legends:
            legend.remove()
        self.included_line.set_label(strings["included_line"])
        self.threshold_line.set_label(strings["threshold_line"].format(threshold=format_percent(threshold, locale)))
        self.figure.legend(handles=[self.included_line, self.threshold_line], loc="lower center", ncols=2,
                           fontsize=8, frameon=False)
        self.canvas.draw()  # animated artists are left out
        self._backgrounds[key] = self.canvas.copy_from_bbox(self.figure.bbox)
        if len(self._backgrounds) > self.KEPT_BACKGROUNDS:
            self._backgrounds.popitem(last=False)
        self.background_renders += 1


def _bar_color(share: float | None, threshold: float) -> str:
    if share is None:
        return "0.8"
    if share < threshold:
        return BAD_COLOR
    if share > 1:
        return WARN_COLOR
    return GOOD_COLOR


# --- the dashboard ---

DASHBOARD_STRINGS = {
    "en": {
        "language": "Language",
        "month": "Month",
        "metric": "Chart",
        "kpi": "KPI",
        "no_previous": "no month before",
        "revenue": "Revenue",
        "revenue_per_week": "Revenue per week",
        "orders": "Orders",
        "average_order_value": "Average order value",
        "members_start": "Members at the start",
        "new_members": "New members",
        "cancelled_members": "Cancelled members",
        "members_end": "Members at the end",
        "retention": "Retention",
        "churn": "Churn",
        "mrr": "MRR (members at the end × price)",
        "support_emails": "Support emails",
        "obm_hours": "OBM hours used",
        "days": "Days in the data",
        "flags_title": "Days flagged this month (|z| ≥ {threshold})",
        "no_flags": "No day stood out this month.",
        "flag": "{day}: {metric} {value}, against a usual {mean} (z = {z})",
        "chart_title": "{metric}: each day against its {window}-day baseline",
        "value_line": "each day",
        "mean_line": "{window}-day rolling mean",
        "band": "band of ±{threshold} standard deviations",
        "flagged": "flagged day",
    },
    "it": {
        "language": "Lingua",
        "month": "Mese",
        "metric": "Grafico",
        "kpi": "KPI",
        "no_previous": "nessun mese precedente",
        "revenue": "Fatturato",
        "revenue_per_week": "Fatturato a settimana",
        "orders": "Ordini",
        "average_order_value": "Valore medio dell'ordine",
        "members_start": "Iscritti a inizio mese",
        "new_members": "Nuovi iscritti",
        "cancelled_members": "Iscritti che hanno disdetto",
        "members_end": "Iscritti a fine mese",
        "retention": "Fidelizzazione (retention)",
        "churn": "Abbandono (churn)",
        "mrr": "MRR (iscritti a fine mese × prezzo)",
        "support_emails": "Email di assistenza",
        "obm_hours": "Ore dell'OBM usate",
        "days": "Giorni nei dati",
        "flags_title": "Giorni segnalati questo mese (|z| ≥ {threshold})",
        "no_flags": "Nessun giorno si è distinto questo mese.",
        "flag": "{day}: {metric} {value}, contro un valore abituale di {mean} (z = {z})",
        "chart_title": "{metric}: ogni giorno rispetto alla base di {window} giorni",
        "value_line": "ogni giorno",
        "mean_line": "media mobile di {window} giorni",
        "band": "fascia di ±{threshold} deviazioni standard",
        "flagged": "giorno segnalato",
    },
}

#: How each KPI of the monthly summary is written: money, a share, or a count.
KPI_FORMATS = {
    "revenue": "money",
    "revenue_per_week": "money",
    "orders": "count",
    "average_order_value": "money",
    "members_start": "count",
    "new_members": "count",
    "cancelled_members": "count",
    "members_end": "count",
    "retention": "share",
    "churn": "share",
    "mrr": "money",
    "support_emails": "count",
    "obm_hours": "hours",
    "days": "count",
}
#: The metrics the dashboard can chart, when the data has them.
CHART_METRICS = ("revenue", "orders", "support_emails", "new_members", "cancelled_members")
MONEY_METRICS = ("revenue",)


class KpiDashboard:
    """A client's daily metrics, month by month: KPIs, flagged days and a chart with the rolling baseline.

    ``KpiDashboard(data, monthly_price, locale="en", currency="EUR", window=28, threshold=3)``.
    ``data`` is a daily table as :func:`widgets.kpis.monthly_summary` reads it;
    ``monthly_price`` is the subscription price used for the MRR. Public
    attributes: ``summary`` (the model's monthly report), ``month_picker``,
    ``metric_picker`` and ``locale_picker`` (set their ``.value`` to drive the
    dashboard), ``results`` (the KPI table, HTML), ``flags`` (the flagged days,
    HTML), ``chart`` (an ``Image``), ``baseline_chart`` (:class:`BaselineChart`)
    and ``widget``.
    """

    def __init__(
        self,
        data: pd.DataFrame,
        monthly_price: float,
        locale: str = "en",
        currency: str = "EUR",
        window: int = ANOMALY_WINDOW,
        threshold: float = ANOMALY_THRESHOLD,
    ):
        self.locale = check_locale(locale)
        self.currency = check_currency(currency)
        self.window = int(WINDOW_DAYS.check(window))
        self.threshold = Z_THRESHOLD.check(threshold)
        self.summary = monthly_summary(data, monthly_price)
        self.metrics = [metric for metric in CHART_METRICS if metric in data.columns]
        self.baselines = {
            metric: rolling_baseline(data, metric, self.window, self.threshold) for metric in self.metrics
        }
        self.report = flagged_days(self.baselines)  # what anomaly_report gives, without redoing the baselines
        self.months = [str(month) for month in self.summary.index]

        self.locale_picker = w.Dropdown(
            options=[(name, code) for code, name in LOCALES.items()], value=self.locale, layout=w.Layout(width="14em")
        )
        self.month_picker = w.Dropdown(options=self.months, value=self.months[-1], layout=w.Layout(width="14em"))
        self.metric_picker = w.Dropdown(options=self.metrics, value=self.metrics[0], layout=w.Layout(width="22em"))
        self.results = w.HTML()
        self.flags = w.HTML()
        self.chart = w.Image(format="png")
        self.baseline_chart = BaselineChart(self.baselines[self.metrics[0]].index)
        self.widget = w.VBox(
            [
                w.HBox([self.locale_picker, self.month_picker, self.metric_picker]),
                w.HBox([self.results, self.chart], layout=w.Layout(flex_flow="row wrap", align_items="center")),
                self.flags,
            ]
        )
        self._tables: dict[tuple, tuple[str, str]] = {}
        self._charts: dict[tuple, bytes] = {}
        self._relabel()
        self._update()
        for picker in (self.month_picker, self.metric_picker):
            picker.observe(self._changed, names="value")
        self.locale_picker.observe(self._locale_changed, names="value")

    @property
    def month(self) -> str:
        return self.month_picker.value

    def _locale_changed(self, change) -> None:
        self.locale = change["new"]
        self._relabel()
        self._update()

    def _changed(self, change) -> None:
        self._update()

    def _relabel(self) -> None:
        strings = DASHBOARD_STRINGS[self.locale]
        self.locale_picker.description = strings["language"]
        self.month_picker.description = strings["month"]
        metric = self.metric_picker.value
        self._holding = True
        try:
            self.metric_picker.options = [(strings[metric], metric) for metric in self.metrics]
            self.metric_picker.value = metric
        finally:
            self._holding = False
        self.metric_picker.description = strings["metric"]

    def _update(self) -> None:
        if getattr(self, "_holding", False):
            return
        # The data never changes after construction, so each view of it is made once and kept.
        month, metric = self.month, self.metric_picker.value
        tables = (self.locale, month)
        if tables not in self._tables:
            self._tables[tables] = (self.kpi_table(month), self.flag_list(month))
        self.results.value, self.flags.value = self._tables[tables]
        chart = (self.locale, month, metric)
        if chart not in self._charts:
            self._charts[chart] = self.baseline_chart.draw(
                self.baselines[metric], metric, month, self.locale, self.currency, self.window, self.threshold
            )
        self.chart.value = self._charts[chart]

    def kpi_table(self, month: str) -> str:
        """The month's KPIs beside the month before's, as HTML."""
        strings = DASHBOARD_STRINGS[self.locale]
        position = self.months.index(month)
        this = self.summary.iloc[position]
        before = self.summary.iloc[position - 1] if position > 0 else None
        heading = (
            f"<tr><th style='text-align:left'>{html.escape(strings['kpi'])}</th>"
            f"<th style='text-align:right;padding-left:1em'>{html.escape(self._month_name(month))}</th>"
            f"<th style='text-align:right;padding-left:1em'>"
            f"{html.escape(self._month_name(self.months[position - 1]) if before is not None else '')}</th></tr>"
        )
        rows = "".join(
            f"<tr><td>{html.escape(strings[kpi])}</td>"
            f"<td style='text-align:right;padding-left:1em'><b>{html.escape(self._kpi(kpi, this[kpi]))}</b></td>"
            f"<td style='text-align:right;padding-left:1em;color:#555'>"
            f"{html.escape(self._kpi(kpi, before[kpi]) if before is not None else strings['no_previous'])}</td></tr>"
            for kpi in self.summary.columns
            if kpi in KPI_FORMATS
        )
        return f'<table class="obm-results">{heading}{rows}</table>'

    def flag_list(self, month: str) -> str:
        """The month's flagged days as an HTML list, in words."""
        strings = DASHBOARD_STRINGS[self.locale]
        title = strings["flags_title"].format(threshold=format_number(self.threshold, self.locale, digits=1))
        flagged = self.report[self.report["date"].dt.strftime("%Y-%m") == month]
        if flagged.empty:
            items = f"<li>{html.escape(strings['no_flags'])}</li>"
        else:
            items = "".join(
                "<li>" + html.escape(strings["flag"].format(
                    day=format_date(row.date.date(), "d MMMM", locale=self.locale),
                    metric=strings[row.metric].lower(),
                    value=self._value(row.metric, row.value),
                    mean=self._value(row.metric, row.rolling_mean),
                    z=format_number(row.z, self.locale, digits=1),
                )) + "</li>"
                for row in flagged.itertuples()
            )
        return f'<div class="obm-flags"><b>{html.escape(title)}</b><ul>{items}</ul></div>'

    def _month_name(self, month: str) -> str:
        return format_date(datetime.date.fromisoformat(month + "-01"), "LLLL yyyy", locale=self.locale)

    def _kpi(self, kpi: str, value: float) -> str:
        kind = KPI_FORMATS[kpi]
        if value != value:  # NaN: e.g. no orders, no average order value
            return "—"
        if kind == "money":
            return format_money(value, self.locale, self.currency)
        if kind == "share":
            return format_number(value * 100, self.locale, digits=1) + "%"
        if kind == "hours":
            return _hours(value, self.locale)
        return format_number(value, self.locale)

    def _value(self, metric: str, value: float) -> str:
        if metric in MONEY_METRICS:
            return format_money(value, self.locale, self.currency)
        return format_number(value, self.locale, digits=1 if value % 1 else 0)  # counts, and their means

    def close(self) -> None:
        """Close every widget of the dashboard."""
        _close_tree(self.widget)

    def static_html(self) -> str:
        """The KPI table, the flagged days and the chart as plain HTML, for readers without a kernel."""
        return (
            f'<div class="obm-dashboard-snapshot">{self.results.value}'
            f"{png_img(self.chart.value, self._title())}{self.flags.value}</div>"
        )

    def _title(self) -> str:
        strings = DASHBOARD_STRINGS[self.locale]
        return strings["chart_title"].format(metric=strings[self.metric_picker.value], window=self.window)

    def _repr_mimebundle_(self, **kwargs):
        bundle = self.widget._repr_mimebundle_(**kwargs) or {}
        bundle["text/html"] = self.static_html()
        return bundle


def _close_tree(widget: w.Widget) -> None:
    for child in getattr(widget, "children", ()):
        _close_tree(child)
    widget.close()


class BaselineChart:
    """One metric over the whole period: each day, its rolling mean, the band, the flagged days; a month shaded.

    A background is rendered once per metric, locale and currency, and kept
    (:meth:`prepare` renders one ahead of time): choosing a metric or a month
    then only restores it and draws the shaded month (``animated``) on top.
    """

    def __init__(self, days: pd.DatetimeIndex, width: float = 6.4, height: float = 3.4, dpi: int = 80):
        self.days = days
        self.figure = Figure(figsize=(width, height), dpi=dpi)
        self.canvas = FigureCanvasAgg(self.figure)
        self.figure.subplots_adjust(left=0.13, right=0.98, top=0.9, bottom=0.22)
        self.title = self.figure.text(0.55, 0.98, "", ha="center", va="top", fontsize=10)
        self.axes = self.figure.add_subplot()
        self.axes.grid(True, color="0.93")
        self.axes.set_axisbelow(True)
        x = range(len(days))
        (self.value_line,) = self.axes.plot(x, [0] * len(days), color="0.55", linewidth=1, zorder=2)
        (self.mean_line,) = self.axes.plot(x, [0] * len(days), color=LINE_COLOR, linewidth=2, zorder=2.2)
        self.band = None
        (self.flagged,) = self.axes.plot([], [], "o", color=BAD_COLOR, markersize=6, zorder=3)
        self.month_span = self.axes.axvspan(0, 1, color="#ffca28", alpha=0.25, zorder=4, animated=True)
        self.axes.set_xlim(-0.5, len(days) - 0.5)
        starts = [position for position, day in enumerate(days) if day.day == 1]
        self.axes.xaxis.set_major_locator(FixedLocator(starts))
        self._locale = "en"
        self._money = False
        self.axes.yaxis.set_major_formatter(FuncFormatter(lambda y, _: tick_label(y, self._locale)))
        self._backgrounds: dict[tuple, object] = {}
        self._applied: tuple | None = None
        #: How many times a background had to be rendered (a test hook).
        self.background_renders = 0
        #: The metric and month drawn last.
        self.metric = self.month = None

    def draw(
        self, baseline: pd.DataFrame, metric: str, month: str, locale: str, currency: str, window: int,
        threshold: float,
    ) -> bytes:
        """Show ``metric`` (its :func:`~widgets.kpis.rolling_baseline`) with ``month`` shaded; return PNG bytes."""
        key = (metric, locale, currency)
        self.prepare(baseline, metric, locale, currency, window, threshold)
        if self._applied != key:
            self._apply(key, baseline, window, threshold)  # keep the figure's state that of the picture
        in_month = [position for position, day in enumerate(self.days) if day.strftime("%Y-%m") == month]
        low, high = in_month[0] - 0.5, in_month[-1] + 0.5
        self.month_span.set_x(low)
        self.month_span.set_width(high - low)
        self.canvas.restore_region(self._backgrounds[key])
        self.axes.draw_artist(self.month_span)
        self.metric, self.month = metric, month
        return canvas_png(self.canvas)

    def prepare(
        self, baseline: pd.DataFrame, metric: str, locale: str, currency: str, window: int, threshold: float
    ) -> None:
        """Render and keep the background of ``metric`` in ``locale``, unless it is kept already."""
        key = (metric, locale, currency)
        if key in self._backgrounds:
            return
        self._apply(key, baseline, window, threshold)
        self.canvas.draw()  # the animated month span is left out
        self._backgrounds[key] = self.canvas.copy_from_bbox(self.figure.bbox)
        self.background_renders += 1

    def _apply(self, key: tuple, baseline: pd.DataFrame, window: int, threshold: float) -> None:
        """Set every artist, limit and text for ``key``; nothing is drawn."""
        metric, locale, currency = key
        strings = DASHBOARD_STRINGS[locale]
        self._locale = locale
        value, mean, std = baseline["value"], baseline["rolling_mean"], baseline["rolling_std"]
        self.value_line.set_ydata(value.to_numpy())
        self.mean_line.set_ydata(mean.to_numpy())
        if self.band is not None:
            self.band.remove()
        x = range(len(self.days))
        self.band = self.axes.fill_between(
            x, (mean - threshold * std).to_numpy(), (mean + threshold * std).to_numpy(), color=LINE_COLOR,
            alpha=0.12, linewidth=0, zorder=1.5,
        )
        flagged = [position for position, flag in enumerate(baseline["anomaly"]) if flag]
        self.flagged.set_data(flagged, value.iloc[flagged].to_numpy())
        # The band may reach below zero for small counts; the axis stops at zero unless the data go below it.
        band_top = (mean + threshold * std).max()
        top = max(value.max(), band_top if band_top == band_top else value.max())
        bottom = min(0.0, value.min())
        self.axes.set_ylim(-round_up(-bottom) if bottom < 0 else 0, round_up(top * 1.05) if top > 0 else 1)
        self.axes.set_xticklabels(
            [format_date(self.days[position].date(), "LLL", locale=locale) for position in self.axes.get_xticks()]
        )
        label = strings[metric] + (f" ({currency})" if metric in MONEY_METRICS else "")
        self.axes.set_ylabel(label, fontsize=9)
        self.title.set_text(strings["chart_title"].format(metric=strings[metric], window=window))
        self.value_line.set_label(strings["value_line"])
        self.mean_line.set_label(strings["mean_line"].format(window=window))
        self.band.set_label(strings["band"].format(threshold=format_number(threshold, locale, digits=1)))
        self.flagged.set_label(strings["flagged"])
        for legend in self.figure.legends:
            legend.remove()
        self.figure.legend(
            handles=[self.value_line, self.mean_line, self.band, self.flagged], loc="lower center", ncols=2,
            fontsize=8, frameon=False,
        )
        self._applied = key


__all__ = [
    "DEFAULTS",
    "UI_STRINGS",
    "DASHBOARD_STRINGS",
    "HoursChart",
    "BaselineChart",
    "KpiDashboard",
    "RetainerHealthCalculator",
    "retainer_table",
]
