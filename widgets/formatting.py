"""Numbers and money shown the way the learner's locale writes them, by Babel.

The course speaks English (``en``) and Italian (``it``); money is in EUR unless
a calculator is given another ISO 4217 currency code.

>>> format_money(1234.5, "en")
'€1,234.50'
>>> format_money(1234.5, "it")
'1.234,50\\xa0€'
>>> format_number(8.333, "it", digits=1)
'8,3'
"""

from __future__ import annotations

import decimal

from babel.numbers import format_currency, format_decimal, get_currency_name
from babel.numbers import format_percent as babel_format_percent

#: The locales the course is written for, with the name a view shows for each.
LOCALES = {"en": "English", "it": "Italiano"}
DEFAULT_LOCALE = "en"
DEFAULT_CURRENCY = "EUR"

# Babel rounds through the decimal module, whose default 28 significant digits
# fail (decimal.InvalidOperation) on floats from about 1e26; a float needs at most ~330.
_ENOUGH_DIGITS = 400


def check_locale(locale: str) -> str:
    """Return ``locale`` if the course supports it, else raise a ValueError listing the choices.

    >>> check_locale("it")
    'it'
    >>> check_locale("fr")
    Traceback (most recent call last):
    ...
    ValueError: locale must be one of 'en', 'it'; got 'fr'.
    """
    if locale not in LOCALES:
        choices = ", ".join(repr(code) for code in LOCALES)
        raise ValueError(f"locale must be one of {choices}; got {locale!r}.")
    return locale


def check_currency(currency: str) -> str:
    """Return ``currency`` if Babel knows it as an ISO 4217 code, else raise a ValueError.

    >>> check_currency("USD")
    'USD'
    >>> check_currency("EURO")
    Traceback (most recent call last):
    ...
    ValueError: currency must be a three-letter ISO 4217 code such as 'EUR' or 'USD'; got 'EURO'.
    """
    message = f"currency must be a three-letter ISO 4217 code such as 'EUR' or 'USD'; got {currency!r}."
    if not isinstance(currency, str) or len(currency) != 3 or not currency.isupper():
        raise ValueError(message)
    if get_currency_name(currency, locale="en") == currency:
        raise ValueError(message)
    return currency


def format_money(amount: float, locale: str = DEFAULT_LOCALE, currency: str = DEFAULT_CURRENCY) -> str:
    """An amount of money with the currency's symbol, two decimals and the locale's separators.

    >>> format_money(-40, "en", "USD")
    '-$40.00'
    """
    currency, locale = check_currency(currency), check_locale(locale)
    with decimal.localcontext(prec=_ENOUGH_DIGITS):
        return format_currency(amount, currency, locale=locale)


def format_number(value: float, locale: str = DEFAULT_LOCALE, digits: int = 0) -> str:
    """A plain number with ``digits`` decimals (trailing zeros kept) in the locale's style.

    >>> format_number(1046.5, "en", digits=1)
    '1,046.5'
    >>> format_number(2, "en", digits=1)
    '2.0'

    Huge values (a payback of a near-zero weekly gain) are written out in full:

    >>> format_number(1e30, "en", digits=1)
    '1,000,000,000,000,000,000,000,000,000,000.0'
    """
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    locale = check_locale(locale)
    with decimal.localcontext(prec=_ENOUGH_DIGITS):
        return format_decimal(value, format=pattern, locale=locale)


def format_percent(share: float, locale: str = DEFAULT_LOCALE) -> str:
    """A share between 0 and 1 as a whole percentage in the locale's style.

    >>> format_percent(0.5, "en"), format_percent(0.5, "it")
    ('50%', '50%')
    """
    return babel_format_percent(share, locale=check_locale(locale))

