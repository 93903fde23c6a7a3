"""What every calculator view shares: inputs built from model fields, a locale picker, an inline message.

A calculator is one model call and one view class. The view subclasses
:class:`CalculatorView`, names its model :class:`~widgets.fields.Field` s, its
starting values and slider ranges, and fills in two methods:

- ``compute(values)`` calls the model with a dict of field name to number and
  returns its result (the model validates and raises
  :class:`~widgets.fields.InputError`);
- ``render(result)`` writes the result into ``self.results`` and, if the view
  has one, its ``chart`` (an ``Image`` the subclass creates before calling
  ``CalculatorView.__init__``).

This class does the rest the same way for every calculator: it builds a
:class:`~widgets.controls.NumberControl` per field, calls ``compute`` on every
change, turns an ``InputError`` into an inline message naming the field and
its range (the last valid result stays on screen), turns any other error into
a plain message (a learner never sees a traceback), follows the locale
picker, and displays itself with a static HTML snapshot beside the live widget.
"""

from __future__ import annotations

import html
from typing import Any, ClassVar

import ipywidgets as w

from widgets.charts import png_img
from widgets.controls import NumberControl
from widgets.fields import Field, InputError
from widgets.formatting import LOCALES, check_currency, check_locale, format_number

ERROR_COLOR = "#b71c1c"

#: The words every calculator shows, per locale; a view adds its own with :func:`with_common_strings`.
COMMON_STRINGS = {
    "en": {
        "language": "Language",
        "inputs": "Inputs",
        "invalid_input": "Check this input",
        "kept_results": "The results below are still those of the last valid inputs.",
        "unexpected": "Something went wrong with these numbers. The results below are still those of "
        "the last valid inputs; try another value.",
    },
    "it": {
        "language": "Lingua",
        "inputs": "Valori",
        "invalid_input": "Controlla questo valore",
        "kept_results": "I risultati qui sotto sono ancora quelli degli ultimi valori validi.",
        "unexpected": "Qualcosa non ha funzionato con questi numeri. I risultati qui sotto sono ancora "
        "quelli degli ultimi valori validi; prova un altro valore.",
    },
}


def with_common_strings(own: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    """A view's strings per locale, merged over :data:`COMMON_STRINGS`; every locale must be there."""
    missing = sorted(set(LOCALES) - set(own))
    if missing:
        raise ValueError(f"strings are missing for locale(s) {', '.join(missing)}")
    return {locale: {**COMMON_STRINGS[locale], **own[locale]} for locale in LOCALES}


class CalculatorView:
    """Base class of the course's calculators; see the module docstring for what a subclass provides.

    Public attributes: ``inputs`` (field name to the ``FloatText`` a learner
    types in; setting ``.value`` drives the calculator), ``sliders``,
    ``controls``, ``locale_picker``, ``results`` (an ``HTML`` widget),
    ``message`` (the inline error, empty when all is well), ``result`` (the
    last valid model result), ``last_error``, ``widget`` (what a notebook
    displays), ``locale`` and ``currency``.
    """

    #: The model's fields, in the order the view shows them.
    fields: ClassVar[tuple[Field, ...]] = ()
    #: Starting value of every field.
    defaults: ClassVar[dict[str, float]] = {}
    #: Per field: the slider's display maximum and step (the text box takes any number).
    slider_ranges: ClassVar[dict[str, tuple[float, float]]] = {}
    #: Words per locale, built with :func:`with_common_strings`.
    strings: ClassVar[dict[str, dict[str, str]]] = COMMON_STRINGS
    #: The key of ``strings`` that describes the chart to a reader who cannot see it.
    chart_alt_key: ClassVar[str] = "chart_title"
    #: The view's chart, an ``Image`` a subclass creates before calling ``__init__``; None for no chart.
    chart: w.Image | None = None

    def __init__(self, locale: str = "en", currency: str = "EUR", **initial: float):
        self.locale = check_locale(locale)
        self.currency = check_currency(currency)
        self._check_field_names(initial)
        values = {**self.defaults, **initial}
        # Starting values are the lesson author's, not the learner's: reject bad ones loudly, now.
        self.result: Any = self.compute(values)
        self._valid_values = values
        self.last_error: Exception | None = None

        self.controls = {
            field.name: NumberControl(
                field, self.currency, values[field.name], *self.slider_ranges.get(field.name, (None, None)),
                locale=self.locale,
            )
            for field in self.fields
        }
        self.inputs = {name: control.text for name, control in self.controls.items()}
        self.sliders = {name: control.slider for name, control in self.controls.items()}
        self.locale_picker = w.Dropdown(
            options=[(name, code) for code, name in LOCALES.items()], value=self.locale, layout=w.Layout(width="14em")
        )
        self.results = w.HTML()
        self.message = w.HTML()
        self._inputs_title = w.HTML()
        self.widget = w.VBox(
            [
                self.locale_picker,
                self._inputs_title,
                w.VBox([control.widget for control in self.controls.values()]),
                self.message,
                w.HBox(
                    [self.results, *self.output_widgets()],
                    layout=w.Layout(flex_flow="row wrap", align_items="center"),
                ),
            ]
        )
        self._show(self.result)

        self._holding = False
        for text in self.inputs.values():
            text.observe(self._input_changed, names="value")
        self.locale_picker.observe(self._locale_changed, names="value")

    # --- what a subclass provides ---

    def compute(self, values: dict[str, float]) -> Any:
        """Call the model with ``values`` (field name to number) and return its result."""
        raise NotImplementedError

    def render(self, result: Any) -> None:
        """Write ``result`` into ``self.results`` and the widgets of :meth:`output_widgets`."""
        raise NotImplementedError

    def output_widgets(self) -> list[w.Widget]:
        """Widgets shown beside the results: the chart, if the view has one."""
        return [] if self.chart is None else [self.chart]

    def snapshot_outputs(self) -> str:
        """HTML of the output widgets for the static snapshot: the chart as an inline PNG."""
        if self.chart is None:
            return ""
        return png_img(self.chart.value, self.strings[self.locale][self.chart_alt_key])

    # --- what every calculator offers ---

    @property
    def values(self) -> dict[str, float]:
        """The inputs as they are now, valid or not."""
        return {name: control.value for name, control in self.controls.items()}

    def evaluate(self) -> Any:
        """Run the model on the current inputs without touching the view (the benchmark's floor)."""
        return self.compute(self.values)

    def set_values(self, **values: float) -> None:
        """Set several inputs at once and update once, as if the learner had typed them together."""
        self._check_field_names(values)
        self._holding = True
        try:
            for name, value in values.items():
                self.inputs[name].value = value
        finally:
            self._holding = False
        self._update()

    def close(self) -> None:
        """Close every widget of the calculator (frees their comms in a live kernel)."""
        _close_tree(self.widget)

    def _repr_mimebundle_(self, **kwargs):
        """The live widget, plus a static snapshot for readers without a kernel (GitHub, nbviewer).

        JupyterLab ranks the widget view above ``text/html`` for trusted
        outputs, so the live widget wins; nbconvert and nbviewer skip the
        widget view when the notebook holds no widget state and show the snapshot.
        """
        bundle = self.widget._repr_mimebundle_(**kwargs) or {}
        bundle["text/html"] = self.static_html()
        return bundle

    def static_html(self) -> str:
        """The last valid inputs, the results and the outputs as plain HTML."""
        rows = "".join(
            f"<tr><td>{html.escape(field.label_in(self.locale))}</td>"
            f"<td style='text-align:right'>{html.escape(self._input_text(field))}</td></tr>"
            for field in self.fields
        )
        title = html.escape(self.strings[self.locale]["inputs"])
        return (
            f'<div class="obm-calculator-snapshot"><details><summary>{title}</summary><table>{rows}</table>'
            f"</details>{self.results.value}{self.snapshot_outputs()}</div>"
        )

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
            # The inputs are still invalid: re-write the last valid result in the new locale too.
            self._show_safely(self.result)
            self._show_input_error(self.last_error)

    def _update(self) -> None:
        values = self.values
        try:
            result = self.compute(values)
        except InputError as error:
            self._show_input_error(error)
            return
        except Exception as error:  # noqa: BLE001 - a view never shows a traceback
            self._show_unexpected(error)
            return
        if not self._show_safely(result):
            return
        self.result = result
        self._valid_values = values
        self.last_error = None
        self.message.value = ""
        for control in self.controls.values():
            control.mark_invalid(False)

    def _show_safely(self, result: Any) -> bool:
        try:
            self._show(result)
        except Exception as error:  # noqa: BLE001 - a view never shows a traceback
            self._show_unexpected(error)
            return False
        return True

    def _show(self, result: Any) -> None:
        self.render(result)
        self.locale_picker.description = self.strings[self.locale]["language"]
        self._inputs_title.value = f"<b>{html.escape(self.strings[self.locale]['inputs'])}</b>"

    def _show_input_error(self, error: InputError) -> None:
        self.last_error = error
        strings = self.strings[self.locale]
        field = error.field
        for name, control in self.controls.items():
            control.mark_invalid(name == field.name)
        self.message.value = (
            f'<div class="obm-message" role="alert" style="color:{ERROR_COLOR}">'
            f"&#9888; {html.escape(strings['invalid_input'])}: <b>{html.escape(field.label_in(self.locale))}</b> "
            f"&mdash; {html.escape(field.valid_range(self.currency, self.locale))}. "
            f"{html.escape(strings['kept_results'])}</div>"
        )

    def _show_unexpected(self, error: Exception) -> None:
        # Kept for whoever debugs the view; the learner sees only the plain message.
        self.last_error = error
        self.message.value = (
            f'<div class="obm-message" role="alert" style="color:{ERROR_COLOR}">'
            f"&#9888; {html.escape(self.strings[self.locale]['unexpected'])}</div>"
        )

    def _input_text(self, field: Field) -> str:
        # From the last valid values, not the text boxes: the snapshot must agree with the results beside it.
        number = format_number(self._valid_values[field.name], self.locale, digits=2)
        return f"{number} {field.unit_in(self.currency, self.locale)}".strip()

    def _check_field_names(self, values: dict) -> None:
        names = [field.name for field in self.fields]
        unknown = sorted(set(values) - set(names))
        if unknown:
            raise ValueError(f"unknown field(s) {', '.join(unknown)}; the fields are {', '.join(names)}.")


def _close_tree(widget: w.Widget) -> None:
    for child in getattr(widget, "children", ()):
        _close_tree(child)
    widget.close()
