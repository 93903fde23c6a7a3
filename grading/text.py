"""Plain-text tables for what the grading commands print: left-aligned columns, no index."""

from __future__ import annotations

import pandas as pd


def text_table(frame: pd.DataFrame, float_format: str = "{:g}") -> str:
    """``frame`` as left-aligned columns under its column names; floats in ``float_format``.

    >>> print(text_table(pd.DataFrame({"student": ["al", "bob"], "score": [1.5, 12.0]})))
    student  score
    al       1.5
    bob      12
    """
    def cell(value) -> str:
        return float_format.format(value) if isinstance(value, float) else str(value)

    header = [str(name) for name in frame.columns]
    rows = [[cell(value) for value in row] for row in frame.itertuples(index=False)]
    widths = [max(len(text) for text in column) for column in zip(header, *rows)]
    lines = ["  ".join(text.ljust(width) for text, width in zip(line, widths)).rstrip() for line in [header, *rows]]
    return "\n".join(lines)
