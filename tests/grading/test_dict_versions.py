"""grading.dict_versions: a dict's version tag changes with every change to the dict, and only then.

The grading guard skips comparing a namespace whose tag has not changed, so a change the tag
missed would be a patch the guard missed: each kind of change a notebook can make to a module's
or a class's namespace is tried here.
"""

from __future__ import annotations

import ctypes
import gc
import sys
import types

import pytest

from grading import dict_versions
from grading.dict_versions import read_tag, version_tags


class Rates:
    hourly = 25.0


def class_namespace(cls) -> dict:
    """The dict behind a class's ``__dict__`` proxy, as the guard reaches it."""
    return next(inner for inner in gc.get_referents(cls.__dict__) if isinstance(inner, dict))


CHANGES = {
    "rebind": lambda module, cls: setattr(module, "isclose", lambda *args: True),
    "add": lambda module, cls: setattr(module, "extra", 1),
    "delete": lambda module, cls: delattr(module, "pi"),
    "update": lambda module, cls: module.__dict__.update(pi=3),
    "globals": lambda module, cls: exec("pi = 3", module.__dict__),
    "class attribute": lambda module, cls: setattr(cls, "hourly", 0.0),
    "class method added": lambda module, cls: setattr(cls, "__eq__", lambda self, other: True),
    "class attribute deleted": lambda module, cls: delattr(cls, "hourly"),
}


@pytest.fixture
def namespaces():
    """A fresh module and class, their namespaces, and their tags."""
    module = types.ModuleType("rates_module")
    module.pi, module.isclose = 3.14159, abs
    cls = type("Rates", (Rates,), {"hourly": 25.0})
    tags = version_tags([module.__dict__, class_namespace(cls)])
    assert tags is not None, f"Python {sys.version_info[:2]} has no dict version tags the guard can use"
    return module, cls, tags


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_every_change_renews_the_tag_of_the_namespace_changed_and_no_other(namespaces, change):
    module, cls, tags = namespaces
    before = list(map(read_tag, tags))
    CHANGES[change](module, cls)
    after = list(map(read_tag, tags))
    changed = [index for index in range(2) if after[index] != before[index]]
    assert changed == ([1] if change.startswith("class") else [0])


def test_a_namespace_left_alone_keeps_its_tag(namespaces):
    module, cls, tags = namespaces
    before = list(map(read_tag, tags))
    module.pi + cls.hourly, getattr(module, "isclose"), dir(module), vars(cls)
    assert list(map(read_tag, tags)) == before


def test_a_notebook_that_rebinds_ctypes_does_not_change_what_the_tags_read(namespaces, monkeypatch):
    """read_tag is the C getter of an immutable type, bound once: a property put on c_uint64 is not used."""
    module, _, tags = namespaces
    before = read_tag(tags[0])
    monkeypatch.setattr(ctypes.c_uint64, "value", property(lambda self: before), raising=False)
    module.isclose = lambda *args: True
    assert tags[0].value == before, "the patch took effect on the attribute"
    assert read_tag(tags[0]) != before
    with pytest.raises(TypeError):
        ctypes._SimpleCData.value = property(lambda self: 0)


def test_without_trustworthy_tags_there_are_none(monkeypatch):
    assert version_tags([{"rate": 1}, "not a dict"]) is None
    monkeypatch.setattr(sys, "version_info", (3, 14, 0, "final", 0))
    assert version_tags([{"rate": 1}]) is None
    assert not dict_versions._tags_follow_changes()
