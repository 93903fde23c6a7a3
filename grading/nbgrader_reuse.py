"""What a grading process keeps from one student to the next, where nbgrader would build it again.

nbgrader's autograder is written for one command that grades and exits. A class grader's worker
(:mod:`grading.student_grader`) runs it for one student after another, and two of its costs are
then paid again and again for nothing:

* **An engine per gradebook.** Grading one student opens nine ``nbgrader.api.Gradebook`` objects,
  and each calls SQLAlchemy's ``create_engine``. An engine holds SQLAlchemy's cache of compiled
  statements, so with a new engine every query is compiled again. :func:`install` makes
  ``nbgrader.api`` take one engine per URL and options from this process's cache.
  ``Gradebook.close`` still disposes of the engine's pool, so connections are opened and closed
  as before; only the compiled statements stay. Each ``Gradebook`` also asked the database
  whether its tables exist, a query a table: once a gradebook of this process has created or
  found them through a cached engine, the later ones take them as there.
* **The cell-metadata schema, checked on every cell.** nbgrader checks each cell's ``nbgrader``
  metadata with ``jsonschema.validate``, which checks the schema itself against its metaschema
  first, every time: a millisecond a cell. :func:`validate_with_checked_schema` checks each
  schema once and keeps its validator; it accepts and rejects what ``jsonschema.validate`` does,
  with the same error.

Nothing changes until :func:`install` is called, which the worker does once; calling it again does
nothing more.
"""

from __future__ import annotations

import json

_installed: set[str] = set()
#: Each schema's validator, by the schema's canonical JSON: nbgrader reads a fresh copy of its schema per notebook.
_validators: dict[str, object] = {}


def validate_with_checked_schema(instance, schema: dict) -> None:
    """``jsonschema.validate(instance, schema)``, with ``schema`` itself checked only the first time it is seen.

    >>> schema = {"type": "object", "properties": {"points": {"type": "number"}}}
    >>> validate_with_checked_schema({"points": 2}, schema)
    >>> try:
    ...     validate_with_checked_schema({"points": "two"}, schema)
    ... except Exception as error:
    ...     print(type(error).__name__, error.message)
    ValidationError 'two' is not of type 'number'
    """
    import jsonschema

    key = json.dumps(schema, sort_keys=True)
    validator = _validators.get(key)
    if validator is None:
        cls = jsonschema.validators.validator_for(schema)
        cls.check_schema(schema)
        validator = _validators[key] = cls(schema)
    error = jsonschema.exceptions.best_match(validator.iter_errors(instance))
    if error is not None:
        raise error


class _JsonschemaForNbgrader:
    """What ``nbgrader.nbgraderformat.common`` uses of the ``jsonschema`` module, with the checked-schema validate."""

    validate = staticmethod(validate_with_checked_schema)

    def __getattr__(self, name: str):
        import jsonschema

        return getattr(jsonschema, name)


class _TablesFound:
    """What ``Gradebook.__init__`` asks of an inspector, for a database whose tables this process has seen."""

    @staticmethod
    def get_table_names() -> list[str]:
        import nbgrader.api

        return sorted(nbgrader.api.Base.metadata.tables)


def _reuse_engines() -> None:
    import nbgrader.api

    create_engine, inspect = nbgrader.api.create_engine, nbgrader.api.inspect
    metadata = nbgrader.api.Base.metadata
    create_all = metadata.create_all
    engines = {}
    #: ids of this cache's engines whose tables exist (created or checked by an earlier gradebook); the
    #: cache keeps its engines for the life of the process, so an id never comes to name another one.
    with_tables: set[int] = set()

    def cached_engine(url, **options):
        key = (str(url), tuple(sorted(options.items())))
        if key not in engines:
            engines[key] = create_engine(url, **options)
        return engines[key]

    def inspect_unless_known(subject):  # nbgrader.api inspects only to ask whether the tables exist
        return _TablesFound if id(subject) in with_tables else inspect(subject)

    def create_all_once(bind=None, **options):
        if id(bind) in with_tables:
            return
        create_all(bind=bind, **options)
        if bind in engines.values():
            with_tables.add(id(bind))

    nbgrader.api.create_engine = cached_engine
    nbgrader.api.inspect = inspect_unless_known
    metadata.create_all = create_all_once


def _check_schema_once() -> None:
    import nbgrader.nbgraderformat.common

    nbgrader.nbgraderformat.common.jsonschema = _JsonschemaForNbgrader()


def install() -> None:
    """Make this process's nbgrader reuse engines and checked schemas (idempotent)."""
    for name, change in (("engines", _reuse_engines), ("schema", _check_schema_once)):
        if name not in _installed:
            change()
            _installed.add(name)
