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

import base64
import functools
import html
import io
import math

import ipywidgets as w
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter
from PIL import Image as PILImage

from widgets.controls import NumberControl
from widgets.delegation import DELEGATION_FIELDS, HORIZON_WEEKS, DelegationResult, evaluate_delegation
from widgets.fields import Field, InputError
from widgets.formatting import LOCALES, check_currency, check_locale, format_money, format_number

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
UI_STRINGS = {
    "en": {
        "language": "Language",
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
        "invalid_input": "Check this input",
        "kept_results": "The results below are still those of the last valid inputs.",
        "unexpected": "Something went wrong with these numbers. The results below are still those of "
        "the last valid inputs; try another value.",
        "chart_title": "Cumulative net benefit",
        "week_axis": "Week",
        "money_axis": "Net benefit ({currency})",
        "break_even": "break-even: week {week}",
        "break_even_later": "break-even in week {week}, beyond this chart",
        "no_break_even": "no break-even: the weekly gain is not positive",
        "inputs": "Inputs",
    },
    "it": {
        "language": "Lingua",
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
        "invalid_input": "Controlla questo valore",
        "kept_results": "I risultati qui sotto sono ancora quelli degli ultimi valori validi.",
        "unexpected": "Qualcosa non ha funzionato con questi numeri. I risultati qui sotto sono ancora "
        "quelli degli ultimi valori validi; prova un altro valore.",
        "chart_title": "Beneficio netto cumulato",
        "week_axis": "Settimana",
        "money_axis": "Beneficio netto ({currency})",
        "break_even": "pareggio: settimana {week}",
        "break_even_later": "pareggio alla settimana {week}, oltre il grafico",
        "no_break_even": "nessun pareggio: il guadagno settimanale non è positivo",
        "inputs": "Valori",
    },
}

GAIN_COLOR = "#1b5e20"
LOSS_COLOR = "#b71c1c"
LINE_COLOR = "#1565c0"
MARKER_COLOR = "#ef6c00"


class DelegationCalculator:
    """The delegation calculator of lesson 3, ready to display in a notebook.

    ``DelegationCalculator(locale="en", currency="EUR", weeks=26, **initial)``;
    ``initial`` gives starting values for any of the model's delegation fields
    (defaults: :data:`DEFAULTS`). Unknown locales, currencies or field names and
    starting values the model rejects raise a ``ValueError`` here, at once.

    Public attributes:

    - ``inputs``: field name to its ``FloatText``; setting ``.value`` drives the calculator;
    - ``sliders``: field name to its ``FloatSlider`` (kept in step with the text box);
    - ``controls``: field name to its :class:`~widgets.controls.NumberControl`;
    - ``locale_picker``: a ``Dropdown`` of :data:`~widgets.formatting.LOCALES`;
    - ``results``, ``message``: ``HTML`` widgets, the live results and the inline error;
    - ``chart``: an ``Image`` (PNG) of the cumulative net benefit over ``weeks``,
      drawn by ``benefit_chart`` (a :class:`BenefitChart`);
    - ``result``: the last valid :class:`~widgets.delegation.DelegationResult`;
    - ``last_error``: the exception behind the current message, or None;
    - ``widget``: the container a notebook displays;
    - ``locale`` (follows ``locale_picker``), ``currency``, ``weeks``.

    Methods: ``set_values(**values)`` (several inputs, one update),
    ``static_html()`` (the snapshot a notebook stores beside the live widget)
    and ``close()``.
    """

    def __init__(self, locale: str = "en", currency: str = "EUR", weeks: int = 26, **initial: float):
        self.locale = check_locale(locale)
        self.currency = check_currency(currency)
        self.weeks = int(HORIZON_WEEKS.check(weeks))
        _check_field_names(initial)
        values = {**DEFAULTS, **initial}
        # Starting values are the lesson author's, not the learner's: reject bad ones loudly, now.
        self.result: DelegationResult = evaluate_delegation(**values)
        self.last_error: Exception | None = None

        self.controls = {
            field.name: NumberControl(
                field, self.currency, values[field.name], *SLIDER_RANGES[field.name], locale=self.locale
            )
            for field in DELEGATION_FIELDS
        }
        self.inputs = {name: control.text for name, control in self.controls.items()}
        self.sliders = {name: control.slider for name, control in self.controls.items()}
        self.locale_picker = w.Dropdown(
            options=[(name, code) for code, name in LOCALES.items()],
            value=self.locale,
            layout=w.Layout(width="14em"),
        )
        self.results = w.HTML()
        self.message = w.HTML()
        self.chart = w.Image(format="png")
        self.benefit_chart = BenefitChart()
        self._inputs_title = w.HTML()
        self.widget = w.VBox(
            [
                self.locale_picker,
                self._inputs_title,
                w.VBox([control.widget for control in self.controls.values()]),
                self.message,
                w.HBox([self.results, self.chart], layout=w.Layout(flex_flow="row wrap", align_items="center")),
            ]
        )
        self._render(self.result)

        self._holding = False
        for text in self.inputs.values():
            text.observe(self._input_changed, names="value")
        self.locale_picker.observe(self._locale_changed, names="value")

    # --- what the notebook sees ---

    def _repr_mimebundle_(self, **kwargs):
        """The live widget, plus a static snapshot for readers without a kernel (GitHub, nbviewer).

        JupyterLab ranks the widget view (rank -10) above ``text/html`` (rank 50)
        for trusted outputs, so the live widget wins; nbconvert/nbviewer skip
        the widget view when the notebook holds no widget state and fall back
        to the snapshot.
        """
        bundle = self.widget._repr_mimebundle_(**kwargs) or {}
        bundle["text/html"] = self.static_html()
        return bundle

    def static_html(self) -> str:
        """The last valid inputs, results and chart as plain HTML, the chart inlined as a PNG."""
        strings = UI_STRINGS[self.locale]
        rows = "".join(
            f"<tr><td>{html.escape(field.label_in(self.locale))}</td>"
            f"<td style='text-align:right'>{html.escape(self._input_text(field))}</td></tr>"
            for field in DELEGATION_FIELDS
        )
        png = base64.b64encode(self.chart.value).decode("ascii")
        return (
            '<div class="obm-delegation-snapshot">'
            f"<details><summary>{html.escape(strings['inputs'])}</summary><table>{rows}</table></details>"
            f"{self.results.value}"
            f'<img src="data:image/png;base64,{png}" alt="{html.escape(strings["chart_title"])}"/>'
            "</div>"
        )

    def close(self) -> None:
        """Close every widget of the calculator (frees their comms in a live kernel)."""
        _close_tree(self.widget)

    def set_values(self, **values: float) -> None:
        """Set several inputs at once and update once, as if the learner had typed them together."""
        _check_field_names(values)
        self._holding = True
        try:
            for name, value in values.items():
                self.inputs[name].value = value
        finally:
            self._holding = False
        self._update()

    # --- reacting to the learner ---

    def _input_changed(self, change) -> None:
        if not self._holding:
            self._update()

    def _locale_changed(self, change) -> None:
        self.locale = change["new"]
        for control in self.controls.values():
            control.set_locale(self.locale)
        self._update()
        if isinstance(self.last_error, InputError):
            # The inputs are still invalid: re-write the last valid results in the new locale too.
            try:
                self._render(self.result)
            except Exception as error:  # noqa: BLE001 - a view never shows a traceback
                self._show_unexpected(error)

    def _update(self) -> None:
        values = {name: control.value for name, control in self.controls.items()}
        try:
            result = evaluate_delegation(**values)
        except InputError as error:
            self._show_input_error(error)
            return
        except Exception as error:  # noqa: BLE001 - a view never shows a traceback
            self._show_unexpected(error)
            return
        try:
            self._render(result)
        except Exception as error:  # noqa: BLE001
            self._show_unexpected(error)
            return
        self.result = result
        self.last_error = None
        self.message.value = ""
        for control in self.controls.values():
            control.mark_invalid(False)

    def _show_input_error(self, error: InputError) -> None:
        self.last_error = error
        strings = UI_STRINGS[self.locale]
        field = error.field
        for name, control in self.controls.items():
            control.mark_invalid(name == field.name)
        self.message.value = (
            f'<div class="obm-message" role="alert" style="color:{LOSS_COLOR}">'
            f"&#9888; {html.escape(strings['invalid_input'])}: <b>{html.escape(field.label_in(self.locale))}</b> "
            f"&mdash; {html.escape(field.valid_range(self.currency, self.locale))}. "
            f"{html.escape(strings['kept_results'])}</div>"
        )

    def _show_unexpected(self, error: Exception) -> None:
        # Kept for whoever debugs the view; the learner sees only the plain message.
        self.last_error = error
        strings = UI_STRINGS[self.locale]
        self.message.value = (
            f'<div class="obm-message" role="alert" style="color:{LOSS_COLOR}">'
            f"&#9888; {html.escape(strings['unexpected'])}</div>"
        )

    # --- drawing ---

    def _render(self, result: DelegationResult) -> None:
        strings = UI_STRINGS[self.locale]
        png = self.benefit_chart.draw(result, self.weeks, self.locale, self.currency)
        self.results.value = results_table(result, self.locale, self.currency)
        self.chart.value = png
        self.locale_picker.description = strings["language"]
        self._inputs_title.value = f"<b>{html.escape(strings['inputs'])}</b>"

    def _input_text(self, field: Field) -> str:
        # From the result, not the text boxes: the snapshot must agree with the results beside it.
        number = format_number(getattr(self.result, field.name), self.locale, digits=2)
        return f"{number} {field.unit_in(self.currency, self.locale)}".strip()


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
        self.axes.yaxis.set_major_formatter(FuncFormatter(lambda y, _: _tick_label(y, self._locale)))
        self.axes.xaxis.set_major_formatter(FuncFormatter(lambda x, _: _tick_label(x, self._locale)))
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
        frame = result.cumulative_net_benefit(weeks)
        benefit = frame["cumulative_net_benefit"].to_numpy()
        self.line.set_data(frame["week"].to_numpy(), benefit)
        self._place_break_even(result.payback_weeks, weeks, locale)

        y_limits = self._round_limits(min(benefit.min(), 0.0), max(benefit.max(), 0.0))
        key = (locale, currency, weeks, y_limits)
        if key != self._background_key:
            self._render_background(key, UI_STRINGS[locale], currency)
        self.canvas.restore_region(self._background)
        for artist in (self.line, self.break_even_line, self.note):
            if artist.get_visible():
                self.axes.draw_artist(artist)
        return self._png()

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

    @staticmethod
    def _round_limits(low: float, high: float) -> tuple[float, float]:
        """Limits just outside ``low <= 0 <= high`` on round numbers, with a little room."""
        top = _round_up(high) if high > 0 else 0.0
        bottom = -_round_up(-low) if low < 0 else 0.0
        if top == bottom:
            bottom, top = -1.0, 1.0
        room = (top - bottom) * 0.04
        return bottom - room, top + room

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

    def _png(self) -> bytes:
        width, height = self.canvas.get_width_height(physical=True)
        image = PILImage.frombuffer("RGBA", (width, height), self.canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
        buffer = io.BytesIO()
        # Light compression: a few kB more per chart, several ms less per interaction.
        image.convert("RGB").save(buffer, format="png", compress_level=1)
        return buffer.getvalue()


#: Round numbers, per power of ten, that the chart's y limits snap to.
_ROUND_STEPS = (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10)


def _round_up(amount: float) -> float:
    """The smallest round number (1, 1.2, 1.5, 2, ... times a power of ten) at least ``amount`` > 0.

    >>> _round_up(15_650), _round_up(19_550), _round_up(21_000), _round_up(0.7)
    (20000.0, 20000.0, 25000.0, 0.8)
    """
    power = 10.0 ** math.floor(math.log10(amount))
    return next(float(step * power) for step in _ROUND_STEPS if step * power >= amount)


def _check_field_names(values: dict) -> None:
    unknown = sorted(set(values) - set(DEFAULTS))
    if unknown:
        choices = ", ".join(DEFAULTS)
        raise ValueError(f"unknown delegation field(s) {', '.join(unknown)}; the fields are {choices}.")


@functools.lru_cache(maxsize=512)
def _tick_label(value: float, locale: str) -> str:
    # Ticks repeat from one draw to the next; Babel's formatting is the slow part of a tick.
    return format_number(value, locale)


def _close_tree(widget: w.Widget) -> None:
    for child in getattr(widget, "children", ()):
        _close_tree(child)
    widget.close()


__all__ = ["DEFAULTS", "UI_STRINGS", "BenefitChart", "DelegationCalculator", "results_table"]
