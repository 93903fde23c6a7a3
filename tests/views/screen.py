"""What a learner sees of a calculator, for the headless view tests: its text, its amounts, its chart.

Expected amounts are written by Babel here, never by hand, so a test fails on a
wrong number and on a wrong format alike.
"""

import decimal
import html
import re

from babel.numbers import format_currency, format_decimal


def visible_text(markup: str) -> str:
    """What a reader sees of an HTML fragment: tags dropped, entities decoded, runs of spaces collapsed.

    No-break spaces stay, as Babel writes them inside amounts ("1.234,50\\xa0€").
    """
    return re.sub(r"[ \t\n]+", " ", html.unescape(re.sub(r"<[^>]+>", " ", markup)))


# Babel rounds through the decimal module; its default precision fails on huge
# values such as the payback of a near-zero gain, so give it room.
def money(amount: float, locale: str = "en", currency: str = "EUR") -> str:
    """An amount as Babel writes it in ``locale``."""
    with decimal.localcontext(prec=400):
        return format_currency(amount, currency, locale=locale)


def one_decimal(number: float, locale: str = "en") -> str:
    """A number with one decimal, as Babel writes it in ``locale``."""
    with decimal.localcontext(prec=400):
        return format_decimal(number, format="#,##0.0", locale=locale)


def chart_png(view) -> bytes:
    """The PNG a view's chart shows (the Image widget hands out a memoryview)."""
    return bytes(view.chart.value)
