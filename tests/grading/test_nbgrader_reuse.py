"""What a grading process keeps between students (grading.nbgrader_reuse) changes nbgrader's speed, not its answers."""

from __future__ import annotations

import copy
import json
import os
import sys
from pathlib import Path

import jsonschema
import nbgrader.api
import nbgrader.nbgraderformat.common
import pytest
from sqlalchemy import inspect as sqlalchemy_inspect
from sqlalchemy import text
from nbformat.v4 import new_code_cell
from nbgrader.api import Gradebook
from nbgrader.nbgraderformat import MetadataValidator

from grading import nbgrader_reuse
from tests.grading.small_course import new_gradebook

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def restored(monkeypatch):
    """nbgrader's own functions come back after the test, whatever it installs."""
    monkeypatch.setattr(nbgrader.api, "create_engine", nbgrader.api.create_engine)
    monkeypatch.setattr(nbgrader.api, "inspect", nbgrader.api.inspect)
    monkeypatch.setattr(nbgrader.api.Base.metadata, "create_all", nbgrader.api.Base.metadata.create_all)
    monkeypatch.setattr(nbgrader.nbgraderformat.common, "jsonschema", nbgrader.nbgraderformat.common.jsonschema)
    monkeypatch.setattr(nbgrader_reuse, "_installed", set())
    monkeypatch.setattr(nbgrader_reuse, "_validators", {})


@pytest.fixture
def installed(restored):
    """nbgrader_reuse installed for one test."""
    nbgrader_reuse.install()
    nbgrader_reuse.install()  # a second call changes nothing more


def sqlite_url(folder: Path) -> str:
    """The URL of a new, empty gradebook in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    with new_gradebook(folder):
        pass
    return f"sqlite:///{folder / 'gradebook.db'}"


def test_gradebooks_on_one_url_share_an_engine_and_others_do_not(installed, tmp_path):
    """Every gradebook of one URL gets the same engine (and its compiled statements); another URL gets its own."""
    url = sqlite_url(tmp_path / "one")
    with Gradebook(url) as first, Gradebook(url) as second, Gradebook(sqlite_url(tmp_path / "two")) as other:
        assert first.engine is second.engine
        assert other.engine is not first.engine


def test_without_install_each_gradebook_has_its_own_engine(tmp_path):
    """The reuse is opt-in: nbgrader alone builds an engine per gradebook (so the test above can fail)."""
    url = sqlite_url(tmp_path)
    with Gradebook(url) as first, Gradebook(url) as second:
        assert first.engine is not second.engine


def statements(engine) -> list[str]:
    """A list that collects the SQL the engine runs from now on."""
    import sqlalchemy

    seen: list[str] = []
    sqlalchemy.event.listen(engine, "before_cursor_execute",
                            lambda connection, cursor, statement, *rest: seen.append(statement))
    return seen


def test_tables_are_looked_for_once_per_database_and_created_where_missing(installed, tmp_path, monkeypatch):
    """The first gradebook of a URL checks (or creates) its tables; the next ones of that URL do not ask again;
    a new database still gets every table and nbgrader's alembic version."""
    url = sqlite_url(tmp_path / "one")
    with Gradebook(url) as first:
        seen = statements(first.engine)
    with Gradebook(url) as second:
        second.add_student("ada")
    assert seen and not any("sqlite_master" in sql or "PRAGMA" in sql.upper() for sql in seen), seen

    # nbgrader runs `alembic` to stamp a new gradebook.
    monkeypatch.setenv("PATH", os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    with Gradebook(f"sqlite:///{tmp_path / 'fresh.db'}") as fresh:  # no file yet: nbgrader creates it all
        tables = set(sqlalchemy_inspect(fresh.engine).get_table_names())
        version = fresh.db.execute(text("SELECT version_num FROM alembic_version")).scalar()
    assert set(nbgrader.api.Base.metadata.tables) <= tables and version


def test_a_gradebook_closed_beside_an_open_one_leaves_it_working(installed, tmp_path):
    """nbgrader opens gradebooks inside each other; closing one disposes the shared pool, not the other's data."""
    url = sqlite_url(tmp_path)
    outer = Gradebook(url)
    try:
        outer.add_student("ada")
        with Gradebook(url) as inner:
            inner.add_student("bob")
            assert {student.id for student in inner.students} == {"ada", "bob"}
        outer.add_student("cy")
        assert {student.id for student in outer.students} == {"ada", "bob", "cy"}
    finally:
        outer.close()
    with Gradebook(url) as later:
        assert {student.id for student in later.students} == {"ada", "bob", "cy"}


def nbgrader_metadata() -> list[dict]:
    """The nbgrader metadata of every cell of the course's assignments, as instructors wrote them."""
    found = []
    for notebook in sorted((ROOT / "solutions").glob("*/*.ipynb")):
        for cell in json.loads(notebook.read_text())["cells"]:
            if "nbgrader" in cell.get("metadata", {}):
                found.append(cell["metadata"]["nbgrader"])
    return found


def broken_variants(metadata: dict) -> list[dict]:
    """Metadata nbgrader's schema rejects: wrong types, a missing key, an unknown key."""
    variants = []
    for key, value in (("points", "two"), ("grade", "yes"), ("grade_id", 7), ("locked", None)):
        broken = copy.deepcopy(metadata)
        broken[key] = value
        variants.append(broken)
    missing = copy.deepcopy(metadata)
    missing.pop("grade_id")
    variants.append(missing)
    return variants + [{**metadata, "surprise": True}]


def test_the_course_s_metadata_and_its_broken_variants_get_jsonschema_s_own_verdicts(installed):
    """Every cell passes, and every broken variant fails with the error jsonschema.validate gives."""
    schema = MetadataValidator().schema
    metadata = nbgrader_metadata()
    assert len(metadata) > 20, "the course's solutions should hold graded cells"
    rejected = 0
    for instance in metadata + [variant for cell in metadata[:5] for variant in broken_variants(cell)]:
        try:
            jsonschema.validate(instance, schema)
        except jsonschema.ValidationError as expected:
            with pytest.raises(jsonschema.ValidationError) as caught:
                nbgrader_reuse.validate_with_checked_schema(instance, schema)
            assert (caught.value.message, list(caught.value.path), caught.value.validator) == \
                (expected.message, list(expected.path), expected.validator)
            rejected += 1
        else:
            nbgrader_reuse.validate_with_checked_schema(instance, schema)
    assert rejected >= 5 * 5


def test_a_schema_is_checked_once_and_a_broken_schema_is_still_refused(installed, monkeypatch):
    """check_schema runs at the first use of a schema, not at every cell; an invalid schema raises SchemaError."""
    schema = MetadataValidator().schema
    cls = jsonschema.validators.validator_for(schema)
    checks = []
    real_check = cls.check_schema.__func__
    monkeypatch.setattr(cls, "check_schema", classmethod(lambda klass, s, **kw: (checks.append(1), real_check(klass, s, **kw))))
    for instance in nbgrader_metadata():
        nbgrader_reuse.validate_with_checked_schema(instance, copy.deepcopy(schema))
    assert checks == [1]
    try:
        nbgrader_reuse.validate_with_checked_schema({}, {"type": "no such type"})
    except jsonschema.SchemaError:
        pass
    else:
        raise AssertionError("a broken schema was accepted")


def test_nbgrader_s_cell_check_uses_it_and_still_rejects_bad_metadata(installed):
    """After install, nbgrader's own validator goes through the checked schema and rejects what it rejected."""
    assert nbgrader.nbgraderformat.common.jsonschema.validate is nbgrader_reuse.validate_with_checked_schema
    assert nbgrader.nbgraderformat.common.jsonschema.ValidationError is jsonschema.ValidationError
    cell = new_code_cell("x = 1", metadata={"nbgrader": {
        "grade": True, "solution": False, "locked": False, "points": "two", "grade_id": "q1", "schema_version": 3}})
    try:
        MetadataValidator().validate_cell(cell)
    except jsonschema.ValidationError as error:
        assert "'two' is not of type 'number'" in error.message
    else:
        raise AssertionError("nbgrader accepted points given as text")


def test_a_student_grader_installs_it(restored, tmp_path, monkeypatch):
    """The class grader's workers build a StudentGrader, which installs the reuse before nbgrader's first gradebook."""
    import sqlalchemy

    from grading.student_grader import StudentGrader
    from tests.grading.small_course import make_course

    assert nbgrader.api.create_engine is sqlalchemy.create_engine
    monkeypatch.chdir(make_course(tmp_path / "course", ["ada"]))
    StudentGrader()
    assert nbgrader.api.create_engine is not sqlalchemy.create_engine
    assert nbgrader.nbgraderformat.common.jsonschema.validate is nbgrader_reuse.validate_with_checked_schema
