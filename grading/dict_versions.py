"""Which of many dicts may have changed, read from their version tags without touching their contents.

The grading guard compares every loaded module's namespace and every class's attributes with
its snapshot around each test cell: about 80,000 values. Comparing a value, even by identity,
touches the object (its reference count), and in a kernel between two cells those objects are
no longer in the CPU's caches: a scan took 8-13 ms there, against 2.5 ms in a loop that keeps
them cached, and 33 scans a notebook made it the largest part of a graded kernel's CPU time.

CPython gives every dict a private version tag (PEP 509, ``ma_version_tag``) that takes a new
value whenever the dict changes: an entry added, removed or bound to another object. Reading
the tags of a few thousand dicts touches only the dicts' headers. So a dict whose tag is what it
was when the guard last found the dict as in its snapshot is still as in its snapshot, and only
the dicts with another tag need their values compared.

PEP 699 deprecated the tag in 3.12 and 3.14 no longer keeps it up to date. :func:`dict_versions`
therefore trusts it only after trying it on a dict of its own (the tag must change with each kind
of change, and the size field beside it must read the dict's size); where it cannot, it returns
None and the guard compares every value, as before.

The tags are read with :data:`read_tag`, a C function bound when this module is loaded: a
notebook that rebinds something in ctypes or here cannot change what the guard reads.

>>> namespaces = [{"rate": 25}, {"hours": 40}]
>>> tags = version_tags(namespaces)
>>> if tags is not None:  # CPython 3.11 to 3.13
...     before = list(map(read_tag, tags))
...     namespaces[1]["hours"] = 38
...     after = list(map(read_tag, tags))
...     assert before[0] == after[0] and before[1] != after[1]
"""

from __future__ import annotations

import ctypes
import sys

#: Where the tag sits in a dict object: after the reference count, the type and the size (PyDictObject).
_SIZE_OFFSET = 2 * ctypes.sizeof(ctypes.c_ssize_t)
_TAG_OFFSET = 3 * ctypes.sizeof(ctypes.c_ssize_t)
#: Reads one tag (a ``version_tags`` item): the C getter of ctypes' simple types, on an immutable type.
read_tag = ctypes._SimpleCData.__dict__["value"].__get__


def _tags_follow_changes() -> bool:
    """Whether this interpreter's dicts carry, where PyDictObject has it, a tag that every change renews."""
    if sys.implementation.name != "cpython" or not (3, 11) <= sys.version_info[:2] <= (3, 13):
        return False
    probe: dict = {"rate": 25.0}
    size = ctypes.c_ssize_t.from_address(id(probe) + _SIZE_OFFSET)
    tag = ctypes.c_uint64.from_address(id(probe) + _TAG_OFFSET)
    seen = [read_tag(tag)]

    def renewed() -> bool:
        seen.append(read_tag(tag))
        return seen[-1] != seen[-2] and read_tag(size) == len(probe)

    changes = (lambda: probe.__setitem__("rate", 30.0), lambda: probe.__setitem__("hours", 40),
               lambda: probe.__delitem__("rate"), lambda: probe.update(rate=25.0), probe.clear)
    for change in changes:
        change()
        if not renewed():
            return False
    return read_tag(tag) == seen[-1]  # and it stays while nothing changes


def version_tags(dicts: list) -> tuple | None:
    """The version tag of each of ``dicts`` (dict objects, subclasses too), to read with :data:`read_tag`;
    None where this interpreter's tags cannot be trusted.

    A tag is read at its dict's address: the caller keeps the dicts alive as long as it reads them.
    """
    if not all(isinstance(each, dict) for each in dicts) or not _tags_follow_changes():
        return None
    return tuple(ctypes.c_uint64.from_address(id(each) + _TAG_OFFSET) for each in dicts)
