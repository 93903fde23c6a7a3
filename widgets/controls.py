"""One numeric input of a calculator: a label, a slider to explore and a box to type exact numbers.

A :class:`NumberControl` is built from a model :class:`~widgets.fields.Field`,
so its label, unit and slider bounds come from the one place that defines the
field. The slider only covers a *display* range that is comfortable to drag;
the text box accepts any number, in or out of that range, and keeps it, so a
value the model rejects still reaches the model and comes back as its
:class:`~widgets.fields.InputError` message. The control itself never decides
whether a value is valid.

>>> from widgets.fields import Field
>>> share = Field("share", "Share of hours", "", 0, 1)
>>> control = NumberControl(share, value=0.5)
>>> control.text.value = 0.25          # typing moves the slider
>>> control.slider.value
0.25
>>> control.text.value = 7.0           # out of range: slider at its end, typed value kept
>>> control.slider.value, control.value
(1.0, 7.0)
"""

from __future__ import annotations

import contextlib
import html
import math

import ipywidgets as w

from widgets.fields import Field

#: The CSS class and border the text box gets while the model rejects its value.
INVALID_CLASS = "obm-invalid"
INVALID_BORDER = "2px solid #c62828"
INVALID_COLOR = "#c62828"

#: Slider steps per display range when the caller gives no step.
DEFAULT_STEPS = 200

#: The Layouts every control's label, slider and row share, by width (see :func:`shared_layout`).
_SHARED_LAYOUTS: dict[str | None, w.Layout] = {}


class NumberControl:
    """A labelled slider and text box for one field, kept in step in Python.

    ``text`` (a ``FloatText``) carries the value: set ``text.value`` to drive
    the calculator, observe it to react. ``slider`` follows it within the
    display range ``display_min``..``display_max``, which is clipped to the
    field's own bounds (an excluded minimum is moved up by one step so that
    the slider never offers a value the model rejects).
    """

    def __init__(
        self,
        field: Field,
        currency: str = "EUR",
        value: float | None = None,
        display_max: float | None = None,
        step: float | None = None,
        locale: str = "en",
    ):
        self.field = field
        self.currency = currency
        self.locale = locale
        high = field.maximum if display_max is None else min(display_max, field.maximum)
        step = step if step is not None else (high - field.minimum) / DEFAULT_STEPS
        low = field.minimum + step if field.min_exclusive else field.minimum
        start = low if value is None else value

        self.invalid = False
        # Built with their words, not updated just after: each update is one more message to the browser.
        tooltip, label = self._label_texts()
        self.label = w.HTML(value=label, layout=shared_layout("19em"))
        self.slider = w.FloatSlider(
            value=_clamp(start, low, high) if math.isfinite(start) else low,
            min=low,
            max=high,
            step=step,
            readout=False,
            continuous_update=True,
            layout=shared_layout("13em"),
        )
        # A Layout of its own: its border marks a rejected value (mark_invalid).
        self.text = w.FloatText(value=start, step=step, tooltip=tooltip, layout=w.Layout(width="8em"))
        self.widget = w.HBox([self.label, self.slider, self.text], layout=shared_layout(None))

        # Guards the two observers against echoing each other's updates.
        self._syncing = False
        self.slider.observe(self._slider_moved, names="value")
        self.text.observe(self._text_changed, names="value")

    @property
    def value(self) -> float:
        """The number the learner typed or dragged to, exactly as it will reach the model."""
        return self.text.value

    def mark_invalid(self, invalid: bool) -> None:
        """Show (or clear) a visible marker on the input the model rejected."""
        if invalid == self.invalid:
            return
        self.invalid = invalid
        if invalid:
            self.text.add_class(INVALID_CLASS)
            self.text.layout.border = INVALID_BORDER
        else:
            self.text.remove_class(INVALID_CLASS)
            self.text.layout.border = None
        self._render_label()

    def set_locale(self, locale: str) -> None:
        """Write the label in another of the course's locales."""
        self.locale = locale
        self._render_label()

    def _render_label(self) -> None:
        self.text.tooltip, self.label.value = self._label_texts()

    def _label_texts(self) -> tuple[str, str]:
        """The text box's tooltip and the label's HTML, in the control's locale."""
        unit = self.field.unit_in(self.currency, self.locale)
        label = self.field.label_in(self.locale)
        text = html.escape(label) + (f" ({html.escape(unit)})" if unit else "")
        if self.invalid:
            text = f'<span style="color:{INVALID_COLOR};font-weight:bold">&#9888; {text}</span>'
        return label, text

    def _slider_moved(self, change) -> None:
        if self._syncing:
            return
        moved_to = change["new"]
        if abs(moved_to - self.text.value) < self.slider.step / 2:
            # The browser snapped the slider onto its grid (25 became 24.999999999999996):
            # the number the learner typed stays exact.
            return
        with self._in_sync():
            self.text.value = on_grid(moved_to, self.slider.step, self.slider.min)

    def _text_changed(self, change) -> None:
        if self._syncing:
            return
        typed = change["new"]
        if math.isnan(typed):
            return  # nowhere sensible to put the slider; the model reports the NaN
        with self._in_sync():
            self.slider.value = _clamp(typed, self.slider.min, self.slider.max)

    @contextlib.contextmanager
    def _in_sync(self):
        self._syncing = True
        try:
            yield
        finally:
            self._syncing = False


def shared_layout(width: str | None) -> w.Layout:
    """The one Layout of this width that every control's label, slider or row uses.

    A Layout is a widget of its own: a model in the browser and a message to
    create it. A planner with 19 inputs made 57 of them, all alike; sharing
    them changes nothing on screen. A closed one (``Widget.close_all()``) is
    replaced.
    """
    layout = _SHARED_LAYOUTS.get(width)
    if layout is None or layout.comm is None:
        layout = _SHARED_LAYOUTS[width] = w.Layout(width=width)
    return layout


def on_grid(value: float, step: float, origin: float = 0.0) -> float:
    """``value`` on a slider's grid (``origin`` plus whole steps), without the float noise of the sums.

    >>> on_grid(24.999999999999996, 0.05), on_grid(0.30000000000000004, 0.1), on_grid(10.000000000000002, 0.5)
    (25.0, 0.3, 10.0)
    >>> on_grid(150.01000000000002, 1, origin=0.01)
    150.01
    """
    return float(f"{origin + round((value - origin) / step) * step:.12g}")


def _clamp(value: float, low: float, high: float) -> float:
    return min(max(value, low), high)
