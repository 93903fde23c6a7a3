"""Self-check questions: read a learner's answer and say whether it is right.

Pure functions, no widgets: the lessons' :class:`~widgets.self_check_view.SelfCheck`
calls :func:`check_answer` when the learner presses "Check". The checker is
forgiving about how a number is typed ("1.9", "1,9", "€650", "650 EUR",
"1,250.50", "1.250,50") and never raises on anything a learner can type: an
answer it cannot read gets a friendly message instead. Only a wrongly written
question (an expected answer or tolerance that is not a finite number) raises
a ``ValueError``, so a lesson author sees the mistake at once.

>>> check_answer("1,9", expected=1.92, tolerance=0.05)
Feedback(correct=True, message='Correct: 1,9 is the answer, within 0.05.', understood=True)
>>> check_answer("lots", expected=650)
Feedback(correct=False, message='I could not read "lots" as a number. Type digits only, such as 1.9 or 1,9.', understood=False)
"""

from __future__ import annotations

import math
import numbers
import re
from dataclasses import dataclass

#: A run of digits that may hold "." or "," separators, but neither starts nor ends with one.
_NUMBER = re.compile(r"\d(?:[\d.,]*\d)?")
#: Spaces people put inside numbers: plain, no-break, narrow no-break and thin.
_SPACES = re.compile(r"[ \u00a0\u202f\u2009']")
_MINUS_SIGNS = "-\u2212\u2013"
#: How much of an unreadable answer to repeat back to the learner.
_ECHO_LENGTH = 40
_EXAMPLE = "Type digits only, such as 1.9 or 1,9."


@dataclass(frozen=True)
class Feedback:
    """The verdict on one answer: ``correct``, a ``message`` for the learner, and whether the answer was ``understood`` as a number."""

    correct: bool
    message: str
    understood: bool = True


def _show(number: float) -> str:
    """A number as a learner would write it: no exponent, no trailing zeros."""
    return f"{number:,.10g}"


def _decimal_readings(token: str) -> list[float]:
    """The values a digit string with separators can mean, most likely first.

    >>> _decimal_readings("1,9"), _decimal_readings("1.250.000"), _decimal_readings("1.250,5")
    ([1.9], [1250000.0], [1250.5])

    One separator before exactly three digits is ambiguous ("1,250" is 1.25 in
    Italian and 1250 in English), so both readings are returned:

    >>> _decimal_readings("1,250")
    [1.25, 1250.0]
    """
    separators = [char for char in token if char in ".,"]
    if not separators:
        return [float(token)]
    decimal_mark = separators[-1]
    if len(set(separators)) == 2:
        thousands_mark = "," if decimal_mark == "." else "."
        if token.count(decimal_mark) > 1:
            return []
        return [float(token.replace(thousands_mark, "").replace(decimal_mark, "."))]
    if len(separators) > 1:
        return [float(token.replace(decimal_mark, ""))]
    as_decimal = float(token.replace(decimal_mark, "."))
    if len(token.split(decimal_mark)[1]) == 3:
        return [as_decimal, float(token.replace(decimal_mark, ""))]
    return [as_decimal]


def read_number(given: object) -> list[float]:
    """Every value the answer could reasonably mean, most likely first; empty if none.

    Units and currency around the number are ignored; a percent sign allows
    both the share and the plain number.

    >>> read_number(" 1,9 "), read_number("€1,250.50"), read_number("650 EUR/week")
    ([1.9], [1250.5], [650.0])
    >>> read_number("-40"), read_number("\u221240"), read_number("35%")
    ([-40.0], [-40.0], [0.35, 35.0])
    >>> read_number("2 or 3"), read_number(""), read_number(None), read_number(True)
    ([], [], [], [])
    >>> read_number(float("nan")), read_number(7)
    ([], [7.0])
    """
    if isinstance(given, bool):
        return []
    if isinstance(given, numbers.Real):
        number = float(given)
        return [number] if math.isfinite(number) else []
    if not isinstance(given, str):
        return []
    text = _SPACES.sub("", given)
    tokens = list(_NUMBER.finditer(text))
    if len(tokens) != 1:
        return []
    token = tokens[0]
    try:
        readings = _decimal_readings(token.group())
    except ValueError:
        return []
    if token.start() > 0 and text[token.start() - 1] in _MINUS_SIGNS:
        readings = [-value for value in readings]
    if "%" in text[token.end():]:
        readings = [value / 100 for value in readings] + readings
    return [value for value in readings if math.isfinite(value)]


def check_question(expected: float, tolerance: float) -> tuple[float, float]:
    """Return the question's expected answer and tolerance as floats, or raise a ValueError.

    >>> check_question(650, 0)
    (650.0, 0.0)
    >>> check_question(650, -1)
    Traceback (most recent call last):
    ...
    ValueError: tolerance must be a finite number of at least 0; got -1.
    """
    if isinstance(expected, bool) or not isinstance(expected, numbers.Real) or not math.isfinite(expected):
        raise ValueError(f"expected must be a finite number; got {expected!r}.")
    if (
        isinstance(tolerance, bool)
        or not isinstance(tolerance, numbers.Real)
        or not math.isfinite(tolerance)
        or tolerance < 0
    ):
        raise ValueError(f"tolerance must be a finite number of at least 0; got {tolerance!r}.")
    return float(expected), float(tolerance)


def _echo(given: object) -> str:
    """The learner's answer as they typed it, shortened if long."""
    text = given.strip() if isinstance(given, str) else _show(given) if isinstance(given, float) else str(given)
    return text if len(text) <= _ECHO_LENGTH else text[: _ECHO_LENGTH - 1] + "\u2026"


def check_answer(given: object, expected: float, tolerance: float = 0.0) -> Feedback:
    """Compare a learner's answer with the expected one, allowing ``tolerance`` either side.

    >>> check_answer("650", 650).correct, check_answer(650.0, 650).correct
    (True, True)
    >>> check_answer("8.3", expected=1250 / 150, tolerance=0.05).message
    'Correct: 8.3 is the answer, within 0.05.'
    >>> check_answer("700", 650).message
    'Not quite: 700 is too high. Check your working and try again.'
    >>> check_answer("1.250", expected=1250).correct
    True
    >>> check_answer("   ", 650).message
    'Type your answer as a number first, for example 1.9.'
    >>> check_answer([1, 2], 650).understood
    False
    """
    expected, tolerance = check_question(expected, tolerance)
    if given is None or (isinstance(given, str) and not given.strip()):
        return Feedback(False, "Type your answer as a number first, for example 1.9.", understood=False)
    readings = read_number(given)
    if not readings:
        return Feedback(False, f'I could not read "{_echo(given)}" as a number. {_EXAMPLE}', understood=False)
    # A small relative slack absorbs float rounding, so "0.3" matches 0.1 + 0.2 with no tolerance.
    slack = tolerance + 1e-9 * max(1.0, abs(expected))
    if any(abs(value - expected) <= slack for value in readings):
        within = f", within {_show(tolerance)}" if tolerance else ""
        return Feedback(True, f"Correct: {_echo(given)} is the answer{within}.")
    direction = "too high" if readings[0] > expected else "too low"
    return Feedback(False, f"Not quite: {_echo(given)} is {direction}. Check your working and try again.")
