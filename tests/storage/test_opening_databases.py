"""Opening a database upgrades ours without losing rows and never alters one that is not ours."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from storage.schema import DatabaseProblem, current_revision, head_revision, prepare_database
from tests.cvd_builder import write_cvd_database


def test_a_new_database_gets_the_current_schema(database_url: str) -> None:
    engine = prepare_database(database_url)
    assert current_revision(engine) == head_revision() == "0015_llm_cache_user"


def test_the_migrations_build_exactly_the_tables_the_code_declares(database_url: str) -> None:
    """A column added to a model without a migration (or the reverse) would break someone's upgrade."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from storage.schema import OUR_SCHEMA

    engine = prepare_database(database_url)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), OUR_SCHEMA)
    # the seed's two "created_at DESC" indexes are expressions, which alembic can only compare approximately
    descending = {"idx_ai_predictions_device", "idx_planogram_performance_date"}
    assert [change for change in differences if getattr(change[1], "name", None) not in descending] == []


def test_an_older_database_is_upgraded_without_losing_rows(database_url: str) -> None:
    old = prepare_database(database_url, revision="0001_cvd_core")
    assert "ai_predictions" not in inspect(old).get_table_names()
    with old.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO devices (id, name, asset_number, location_type, location_name, created_at) "
                "VALUES (1, 'Office Lobby 1', 'A-1', 'office', 'HQ', '2026-01-01 08:00:00')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO products (id, name, category, price, unit_cost, temperature_requirement, health_score, "
                "is_system) VALUES (5, 'Cola', 'soda', 2.25, 0.70, 'refrigerated', 2, false)"
            )
        )
    old.dispose()

    upgraded = prepare_database(database_url)
    assert current_revision(upgraded) == head_revision()
    assert "ai_predictions" in inspect(upgraded).get_table_names()
    with upgraded.connect() as connection:
        assert connection.execute(text("SELECT name, asset_number FROM devices")).all() == [("Office Lobby 1", "A-1")]
        assert connection.execute(text("SELECT name, price FROM products")).all() == [("Cola", 2.25)]


def test_a_corrupt_file_is_named_and_left_as_it_was(tmp_path: Path) -> None:
    corrupt = tmp_path / "broken.sqlite"
    corrupt.write_bytes(b"not a database " * 500)
    before = corrupt.read_bytes()
    with pytest.raises(DatabaseProblem, match=r"broken.sqlite is not a readable database.*backup"):
        prepare_database(str(corrupt))
    assert corrupt.read_bytes() == before


def test_a_cvd_web_app_database_is_refused_untouched(tmp_path: Path) -> None:
    copy = tmp_path / "cvd.sqlite"
    write_cvd_database(f"sqlite:///{copy}")
    digest = hashlib.sha256(copy.read_bytes()).hexdigest()
    with pytest.raises(DatabaseProblem, match=r"CVD web-app database.*untouched"):
        prepare_database(str(copy))
    assert hashlib.sha256(copy.read_bytes()).hexdigest() == digest
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cvd.sqlite"]


def test_a_database_of_another_application_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    with pytest.raises(DatabaseProblem, match="not Planogram Studio's"):
        prepare_database(str(other))
