"""Libraries the model imports on first use, so that ``import widgets`` stays light.

Most of the model is arithmetic on plain numbers; only its table functions need
pandas (and numpy). Every lesson imports the package in its first code cell, and
importing pandas there cost each lesson about a third of a second of CPU before
anything was asked of it. ``pd = LazyModule("pandas")`` reads like
``import pandas as pd`` (``pd.DataFrame``, ``pd.api.types``) and imports pandas
the first time an attribute is read.

>>> pd = LazyModule("pandas")
>>> pd
<lazy module 'pandas'>
>>> pd.DataFrame({"week": [0, 1]}).shape
(2, 1)
"""

from __future__ import annotations

import importlib
from types import ModuleType


class LazyModule:
    """Stands for the module ``name``, imported the first time one of its attributes is read."""

    def __init__(self, name: str):
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attribute: str):
        # Called only for names the stand-in lacks: everything but _name and _module.
        if attribute in ("_name", "_module"):  # not set up yet (a copy made without __init__)
            raise AttributeError(attribute)
        if self._module is None:
            self._module = importlib.import_module(self._name)
        return getattr(self._module, attribute)

    def __repr__(self) -> str:
        return f"<lazy module {self._name!r}>"
