"""What the assignments' test cells use to look at an answer: its exact type first, then its value.

A test cell must not trust what a student's function hands back. An object whose ``__eq__``
always says True, a ``float`` subclass whose ``__eq__`` lies, or a ``str`` subclass that
equals everything would pass ``result == expected``. So every helper here first checks the
answer's *exact* type (``type(value) is float``, never ``isinstance``, which subclasses pass)
and turns it into a plain built-in value, and only then compares. A wrong type is a failed
check with a message that says which type was expected, never a pass.

The helpers only check types and values. Keeping the interpreter honest while they run
(builtins, ``math``, pandas' testing functions, IPython's error display) is the job of the
grading guard, ``grading.guard``, which nbgrader runs around every test cell at autograde
time.

Two ways to use them in a test cell::

    result = hourly_value(50_000, 2_000)
    assert checks.close(result, 25), f"... but hourly_value returned {result!r}"

    table = checks.frame(hours_by_category(log), "hours_by_category")   # AssertionError if not a DataFrame
    assert checks.text(best, "best_task") == "email", "..."

>>> close(25.0, 25), close(25, 25.000000000001), close("25", 25), close(True, 1)
(True, True, False, False)
>>> number(3, "weeks")
3.0
>>> number(True, "weeks")
Traceback (most recent call last):
AssertionError: weeks should be a number (an int or a float), not bool
"""

from __future__ import annotations

import math

#: Relative and absolute tolerances of :func:`close`: rounding noise passes, a wrong formula does not.
RELATIVE_TOLERANCE = 1e-9
ABSOLUTE_TOLERANCE = 1e-9


def _type_name(value) -> str:
    """The type's name as a student would look it up: ``str``, ``Liar``, ``numpy.bool``, ``pandas.Series``.

    Built-in types and classes of the notebook itself (``__main__``) go by their bare name; any
    other type carries its package, so NumPy's ``bool`` is not mistaken for Python's.

    >>> import numpy
    >>> _type_name(2.5), _type_name(numpy.float64(2.5)), _type_name(_fail)
    ('float', 'numpy.float64', 'function')
    """
    kind = type(value)
    package = str(kind.__module__).split(".")[0]
    if package in ("builtins", "__main__"):
        return kind.__qualname__
    return f"{package}.{kind.__qualname__}"


def _fail(what: str, expected: str, value) -> AssertionError:
    return AssertionError(f"{what} should be {expected}, not {_type_name(value)}")


def is_number(value) -> bool:
    """True for a plain ``int`` or ``float``; False for bool, subclasses and everything else.

    >>> is_number(2), is_number(2.5), is_number(False), is_number("2")
    (True, True, False, False)
    """
    return type(value) is int or type(value) is float


def number(value, what: str = "the answer") -> float:
    """``value`` as a plain float, if it is a plain int or float; otherwise an AssertionError.

    >>> class Liar(float):
    ...     __module__ = "__main__"  # defined in the notebook, as a student's class is
    ...     def __eq__(self, other):
    ...         return True
    >>> number(Liar(1.0), "hourly_value")
    Traceback (most recent call last):
    AssertionError: hourly_value should be a number (an int or a float), not Liar
    """
    if not is_number(value):
        raise _fail(what, "a number (an int or a float)", value)
    return float(value)


def close(value, expected: float, rel: float = RELATIVE_TOLERANCE, abs_tol: float = ABSOLUTE_TOLERANCE) -> bool:
    """True when ``value`` is a plain number within rounding noise of ``expected``.

    >>> close(0.1 + 0.2, 0.3), close(650, 650.0), close(649.99, 650), close(float("nan"), 1)
    (True, True, False, False)
    >>> class Always:
    ...     def __eq__(self, other):
    ...         return True
    >>> close(Always(), 650)
    False
    """
    if not is_number(value):
        return False
    return math.isclose(float(value), float(expected), rel_tol=rel, abs_tol=abs_tol)


def integer(value, what: str = "the answer") -> int:
    """``value`` as a plain int, if it is one (not a bool); otherwise an AssertionError.

    >>> integer(4, "weeks")
    4
    >>> integer(4.0, "weeks")
    Traceback (most recent call last):
    AssertionError: weeks should be a whole number (an int), not float
    """
    if type(value) is not int:
        raise _fail(what, "a whole number (an int)", value)
    return int(value)


def truth(value, what: str = "the answer") -> bool:
    """``value`` if it is exactly True or False; otherwise an AssertionError.

    >>> truth(False, "urgent")
    False
    >>> truth(0, "urgent")
    Traceback (most recent call last):
    AssertionError: urgent should be True or False, not int
    >>> import numpy
    >>> truth(numpy.True_, "urgent")
    Traceback (most recent call last):
    AssertionError: urgent should be True or False, not numpy.bool
    """
    if type(value) is not bool:
        raise _fail(what, "True or False", value)
    return value is True


def text(value, what: str = "the answer") -> str:
    """``value`` as a plain str, if it is one; otherwise an AssertionError.

    >>> class Anything(str):
    ...     __module__ = "__main__"  # defined in the notebook, as a student's class is
    ...     def __eq__(self, other):
    ...         return True
    >>> text("delegate", "action")
    'delegate'
    >>> text(Anything("x"), "action")
    Traceback (most recent call last):
    AssertionError: action should be a text (a str), not Anything
    """
    if type(value) is not str:
        raise _fail(what, "a text (a str)", value)
    return str.__str__(value)


def sequence(value, what: str = "the answer") -> list:
    """``value`` as a new plain list, if it is a plain list or tuple; otherwise an AssertionError.

    The items are not checked: use :func:`number`, :func:`text` and friends on them.

    >>> sequence(("a", "b"), "tasks")
    ['a', 'b']
    >>> sequence("ab", "tasks")
    Traceback (most recent call last):
    AssertionError: tasks should be a list, not str
    """
    if type(value) is not list and type(value) is not tuple:
        raise _fail(what, "a list", value)
    return list(value)


def texts(value, what: str = "the answer") -> list[str]:
    """``value`` as a list of plain strs, if it is a list or tuple of them; otherwise an AssertionError.

    >>> texts(["email", "invoices"], "tasks")
    ['email', 'invoices']
    >>> texts(["email", 3], "tasks")
    Traceback (most recent call last):
    AssertionError: each item of tasks should be a text (a str), not int
    """
    return [text(item, f"each item of {what}") for item in sequence(value, what)]


def numbers(value, what: str = "the answer") -> list[float]:
    """``value`` as a list of plain floats, if it is a list or tuple of plain numbers.

    >>> numbers([1, 2.5], "rates")
    [1.0, 2.5]
    """
    return [number(item, f"each item of {what}") for item in sequence(value, what)]


def all_close(values, expected, rel: float = RELATIVE_TOLERANCE, abs_tol: float = ABSOLUTE_TOLERANCE) -> bool:
    """True when ``values`` and ``expected`` have the same length and each pair is :func:`close`.

    >>> all_close([1, 2], [1.0, 2.0]), all_close([1], [1, 2]), all_close("12", [1, 2])
    (True, False, False)
    """
    if type(values) is not list and type(values) is not tuple:
        return False
    expected = list(expected)
    return len(values) == len(expected) and all(close(v, e, rel, abs_tol) for v, e in zip(values, expected))


def frame(value, what: str = "the answer"):
    """``value`` if it is a plain pandas DataFrame (not a subclass); otherwise an AssertionError.

    >>> import pandas as pd
    >>> frame(pd.Series([1]), "hours_by_category")
    Traceback (most recent call last):
    AssertionError: hours_by_category should be a pandas DataFrame, not pandas.Series
    """
    import pandas as pd

    if type(value) is not pd.DataFrame:
        raise _fail(what, "a pandas DataFrame", value)
    return value


def series(value, what: str = "the answer"):
    """``value`` if it is a plain pandas Series (not a subclass); otherwise an AssertionError.

    >>> import pandas as pd
    >>> series(pd.Series([1.0]), "hours").tolist()
    [1.0]
    """
    import pandas as pd

    if type(value) is not pd.Series:
        raise _fail(what, "a pandas Series", value)
    return value


def same_frame(actual, expected, check_dtype: bool = False, rel: float = 1e-9) -> bool:
    """True when ``actual`` is a plain DataFrame with ``expected``'s columns, index and values.

    >>> import pandas as pd
    >>> table = pd.DataFrame({"hours": [1.0, 2.0]}, index=["a", "b"])
    >>> same_frame(table.copy(), table), same_frame(table.iloc[::-1], table), same_frame(table.hours, table)
    (True, False, False)
    """
    import pandas as pd

    if type(actual) is not pd.DataFrame:
        return False
    try:
        pd.testing.assert_frame_equal(actual, expected, check_dtype=check_dtype, rtol=rel)
    except AssertionError:
        return False
    return True


def same_series(actual, expected, check_dtype: bool = False, check_names: bool = True, rel: float = 1e-9) -> bool:
    """True when ``actual`` is a plain Series with ``expected``'s index, values (and name).

    >>> import pandas as pd
    >>> hours = pd.Series([3.0, 1.0], index=["email", "calls"], name="hours")
    >>> same_series(hours.copy(), hours), same_series(hours.sort_index(), hours)
    (True, False)
    """
    import pandas as pd

    if type(actual) is not pd.Series:
        return False
    try:
        pd.testing.assert_series_equal(actual, expected, check_dtype=check_dtype, check_names=check_names, rtol=rel)
    except AssertionError:
        return False
    return True
