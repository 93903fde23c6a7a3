"""Chart helpers the calculator views share: fast PNGs from an Agg canvas, round axis limits, locale ticks.

Views draw on ``matplotlib.figure.Figure`` with an Agg canvas, never pyplot:
no global state, and nothing is displayed behind the view's back.
"""

from __future__ import annotations

import base64
import functools
import html
import io
import math

from matplotlib.backends.backend_agg import FigureCanvasAgg
from PIL import Image

from widgets.formatting import format_number

#: Round numbers, per power of ten, that axis limits snap to.
_ROUND_STEPS = (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10)


def canvas_png(canvas: FigureCanvasAgg) -> bytes:
    """The canvas as it is drawn now, as PNG bytes (without drawing it again)."""
    width, height = canvas.get_width_height(physical=True)
    image = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    buffer = io.BytesIO()
    # Light compression: a few kB more per chart, several ms less per interaction.
    image.convert("RGB").save(buffer, format="png", compress_level=1)
    return buffer.getvalue()


def png_img(png: bytes, alt: str) -> str:
    """An ``<img>`` tag carrying the PNG inline, for a page with no kernel behind it.

    >>> png_img(b"PNG", "a chart")
    '<img src="data:image/png;base64,UE5H" alt="a chart"/>'
    """
    data = base64.b64encode(bytes(png)).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="{html.escape(alt)}"/>'


def round_up(amount: float) -> float:
    """The smallest round number (1, 1.2, 1.5, 2, ... times a power of ten) at least ``amount`` > 0.

    >>> round_up(15_650), round_up(19_550), round_up(21_000), round_up(0.7)
    (20000.0, 20000.0, 25000.0, 0.8)
    """
    power = 10.0 ** math.floor(math.log10(amount))
    return next(float(step * power) for step in _ROUND_STEPS if step * power >= amount)


def round_limits(low: float, high: float) -> tuple[float, float]:
    """Axis limits just outside ``min(low, 0)`` and ``max(high, 0)``, on round numbers, with a little room.

    Round limits stay put while a slider moves a little, so the axis does not
    jitter under the learner's eyes (and a cached background can be reused).

    >>> round_limits(-1_250, 15_650)
    (-2360.0, 20860.0)
    """
    top = round_up(high) if high > 0 else 0.0
    bottom = -round_up(-low) if low < 0 else 0.0
    if top == bottom:
        bottom, top = -1.0, 1.0
    room = (top - bottom) * 0.04
    return bottom - room, top + room


@functools.lru_cache(maxsize=512)
def tick_label(value: float, locale: str) -> str:
    """A tick label in the locale's style; cached, since ticks repeat from one draw to the next.

    >>> tick_label(-1000.0, "it")
    '-1.000'
    """
    return format_number(value, locale)
