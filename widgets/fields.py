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
from dataclasses import dataclass


class InputError(ValueError):
    """A value outside a field's valid range; ``field`` names the field."""

    def __init__(self, field: "Field", value: object, reason: str):
        self.field = field
        self.value = value
        super().__init__(f"{field.name} ({field.label}) {reason}; got {value!r}.")


def _plain(number: float) -> str:
    """Show a bound without trailing zeros and with thousands separators."""
    return f"{number:,.10g}" if number != int(number) else f"{int(number):,}"


@dataclass(frozen=True)
class Field:
    """One numeric input: its name, label, unit and valid range.

    ``minimum`` is excluded when ``min_exclusive`` is true (for values that
    divide, or that make no sense at zero); ``maximum`` is always included
    and guards against absurd magnitudes.
    """

    name: str
    label: str
    unit: str
    minimum: float
    maximum: float
    min_exclusive: bool = False
    integer: bool = False

    def unit_in(self, currency: str = "EUR") -> str:
        """The unit with the currency filled in, e.g. ``EUR/h`` or ``USD/h``."""
        return self.unit.format(currency=currency)

    def valid_range(self, currency: str = "EUR") -> str:
        """The range in words, as the error messages and views show it."""
        low = "more than" if self.min_exclusive else "at least"
        unit = f" {self.unit_in(currency)}" if self.unit else ""
        kind = "a whole number" if self.integer else "a number"
        return f"{kind} {low} {_plain(self.minimum)} and at most {_plain(self.maximum)}{unit}"

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
