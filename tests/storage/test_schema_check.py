"""The cheap "schema is current" check answers what alembic's own machinery answers, without importing it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from storage import schema
from storage.schema import DatabaseProblem, current_revision, head_revision, prepare_database

PROJECT = Path(__file__).resolve().parents[2]


def test_the_head_read_from_the_files_is_alembics_head() -> None:
    from alembic.script import ScriptDirectory

    assert head_revision() == ScriptDirectory(str(schema.MIGRATIONS)).get_current_head()


def test_the_stored_revision_is_what_alembic_reads(tmp_path: Path) -> None:
    from alembic.runtime.migration import MigrationContext

    fresh = create_engine(f"sqlite:///{tmp_path / 'empty.sqlite'}")
    engine = prepare_database(str(tmp_path / "ours.sqlite"), revision="0005_cvd_dex")
    for database in (fresh, engine):
        with database.connect() as connection:
            assert current_revision(database) == MigrationContext.configure(connection).get_current_revision()
    assert current_revision(fresh) is None
    assert current_revision(engine) == "0005_cvd_dex"


def test_an_older_schema_is_still_upgraded(tmp_path: Path) -> None:
    database = str(tmp_path / "old.sqlite")
    prepare_database(database, revision="0003_llm_usage").dispose()

    assert current_revision(prepare_database(database)) == head_revision()


def test_a_branched_history_is_left_to_alembic(tmp_path: Path) -> None:
    """Two revisions on one parent have two heads: the file reading gives up rather than pick one."""
    for name, parent in (("a", "base"), ("b", "base"), ("base", None)):
        (tmp_path / f"{name}.py").write_text(f'revision = "{name}"\ndown_revision = {parent!r}\n', encoding="utf-8")
    (tmp_path / "merge.py").write_text('revision = "m"\ndown_revision = ("a", "b")\n', encoding="utf-8")

    assert schema._heads_written_in(sorted(tmp_path.glob("*.py"))) == {"m"}
    (tmp_path / "merge.py").unlink()
    assert schema._heads_written_in(sorted(tmp_path.glob("*.py"))) == {"a", "b"}
    (tmp_path / "odd.py").write_text("revision = make_id()\ndown_revision = None\n", encoding="utf-8")
    assert schema._heads_written_in(sorted(tmp_path.glob("*.py"))) is None


def test_two_stored_versions_are_refused(tmp_path: Path) -> None:
    database = str(tmp_path / "twice.sqlite")
    engine = prepare_database(database)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO alembic_version (version_num) VALUES ('0001_cvd_core')"))
    engine.dispose()

    with pytest.raises(DatabaseProblem, match="2 schema versions"):
        prepare_database(database)


def test_opening_a_current_database_imports_no_alembic(tmp_path: Path) -> None:
    """A fresh interpreter: the point is what gets imported, which this process has imported already."""
    database = tmp_path / "current.sqlite"
    prepare_database(str(database)).dispose()
    code = (
        "import sys; from storage.schema import prepare_database; "
        f"prepare_database({str(database)!r}).dispose(); print('alembic' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=PROJECT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
