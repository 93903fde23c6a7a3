"""Input fields of the course's calculators and the one place that validates them.

Every number a learner can type is described by a :class:`Field`: its name, a
human label, its unit and its valid range. The model calls :meth:`Field.check`
at its edge, once; a view reads the same field to label its inputs and to set
its sliders' bounds, so no rule is written twice.

>>> rate = Field("rate", "Your hourly rate", "{currency}/h", 0, 10_000, min_exclusive=True)
>>> rate.check(100)
100.0
>>> rate.check(-5)
Traceback (most recent call last):
...
widgets.fields.InputError: rate (Your hourly rate) must be a number more than 0 and at most 10,000 EUR/h; got -5.
>>> rate.unit_in("USD")
'USD/h'
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field as dataclass_field

from widgets.formatting import check_locale, format_number

#: The words of a range, per locale; bounds are written by Babel in the same locale.
_RANGE_WORDS = {
    "en": {"number": "a number", "integer": "a whole number", "above": "more than", "from": "at least",
           "to": "and at most"},
    "it": {"number": "un numero", "integer": "un numero intero", "above": "maggiore di", "from": "almeno",
           "to": "e al massimo"},
}
#: Units that read differently in a locale; the others (h, EUR/h) are the same everywhere.
_UNIT_WORDS = {"it": {"weeks": "settimane", "days": "giorni"}}


class InputError(ValueError):
    """A value outside a field's valid range; ``field`` names the field."""

    def __init__(self, field: "Field", value: object, reason: str):
        self.field = field
        self.value = value
        super().__init__(f"{field.name} ({field.label}) {reason}; got {value!r}.")


def _plain(number: float, locale: str) -> str:
    """A bound without trailing zeros, with the locale's separators."""
    digits = 0
    while number != round(number, digits) and digits < 6:
        digits += 1
    return format_number(number, locale, digits=digits)


@dataclass(frozen=True)
class Field:
    """One numeric input: its name, label, unit and valid range.

    ``minimum`` is excluded when ``min_exclusive`` is true (for values that
    divide, or that make no sense at zero); ``maximum`` is always included
    and guards against absurd magnitudes. ``labels`` holds the label in
    other locales than English, e.g. ``{"it": "..."}``.
    """

    name: str
    label: str
    unit: str
    minimum: float
    maximum: float
    min_exclusive: bool = False
    integer: bool = False
    labels: dict[str, str] = dataclass_field(default_factory=dict, compare=False, hash=False)

    def label_in(self, locale: str = "en") -> str:
        """The label in ``locale``, falling back to English where there is no translation."""
        return self.labels.get(check_locale(locale), self.label)

    def unit_in(self, currency: str = "EUR", locale: str = "en") -> str:
        """The unit with the currency filled in, e.g. ``EUR/h`` or ``USD/h``, in the locale's words."""
        unit = _UNIT_WORDS.get(check_locale(locale), {}).get(self.unit, self.unit)
        return unit.format(currency=currency)

    def valid_range(self, currency: str = "EUR", locale: str = "en") -> str:
        """The range in words, as the error messages and views show it.

        >>> weeks = Field("weeks", "Weeks", "weeks", 1, 520, integer=True)
        >>> weeks.valid_range()
        'a whole number at least 1 and at most 520 weeks'
        >>> weeks.valid_range(locale="it")
        'un numero intero almeno 1 e al massimo 520 settimane'
        >>> Field("rate", "Rate", "{currency}/h", 0, 1_500.5, min_exclusive=True).valid_range("USD", "it")
        'un numero maggiore di 0 e al massimo 1.500,5 USD/h'
        """
        words = _RANGE_WORDS[check_locale(locale)]
        kind = words["integer"] if self.integer else words["number"]
        low = words["above"] if self.min_exclusive else words["from"]
        unit = f" {self.unit_in(currency, locale)}" if self.unit else ""
        return (
            f"{kind} {low} {_plain(self.minimum, locale)} {words['to']} {_plain(self.maximum, locale)}{unit}"
        )

    def check(self, value: object) -> float:
        """Return ``value`` as a float, or raise :class:`InputError` naming this field.

        >>> share = Field("share", "Share of hours", "", 0, 1)
        >>> share.check(0.5)
        0.5
        >>> share.check(float("nan"))
        Traceback (most recent call last):
        ...
        widgets.fields.InputError: share (Share of hours) must be a number at least 0 and at most 1; got nan.
        >>> share.check("1")
        Traceback (most recent call last):
        ...
        widgets.fields.InputError: share (Share of hours) must be a number at least 0 and at most 1, not a str; got '1'.
        >>> share.check(True)
        Traceback (most recent call last):
        ...
        widgets.fields.InputError: share (Share of hours) must be a number at least 0 and at most 1, not a bool; got True.
        """
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise InputError(self, value, f"must be {self.valid_range()}, not a {type(value).__name__}")
        number = float(value)
        if not math.isfinite(number):
            raise InputError(self, value, f"must be {self.valid_range()}")
        too_low = number <= self.minimum if self.min_exclusive else number < self.minimum
        if too_low or number > self.maximum:
            raise InputError(self, value, f"must be {self.valid_range()}")
        if self.integer and number != int(number):
            raise InputError(self, value, f"must be {self.valid_range()}")
        return number
