"""The real CVD sample on a PostgreSQL server holds exactly what the CVD web app wrote, and behaves like CVD; a
CVD database on a server is never opened as a working copy."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from storage.schema import DatabaseProblem, prepare_database
from tests.postgres_support import cvd_generated_postgres, drop_database, require_server
from tests.shared_sample import cvd_sample_path


def _comparable(value: Any, pg_value: Any) -> Any:
    """The SQLite value as PostgreSQL should hold it: text timestamps, 0/1 booleans, REAL-stored decimals."""
    if value is None:
        return None
    if isinstance(pg_value, dt.datetime):
        return dt.datetime.fromisoformat(str(value)).replace(tzinfo=None)
    if isinstance(pg_value, bool):
        return bool(value)
    if isinstance(pg_value, Decimal):
        return Decimal(repr(value)).quantize(Decimal(1).scaleb(pg_value.as_tuple().exponent))
    return value


def _sqlite_tables(source: sqlite3.Connection) -> list[str]:
    rows = source.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    return sorted(name for (name,) in rows)


def test_every_cvd_table_and_row_arrives_unchanged(cvd_postgres_url: str) -> None:
    source = sqlite3.connect(f"file:{cvd_sample_path()}?mode=ro", uri=True)
    engine = sa.create_engine(cvd_postgres_url)
    try:
        tables = _sqlite_tables(source)
        assert set(tables) <= set(sa.inspect(engine).get_table_names())
        with engine.connect() as connection:
            for table in tables:
                columns = [row[1] for row in source.execute(f'PRAGMA table_info("{table}")')]
                select = f"SELECT {', '.join(f'{chr(34)}{c}{chr(34)}' for c in columns)} FROM \"{table}\""
                expected = source.execute(f"{select} ORDER BY 1, 2").fetchall()
                actual = connection.exec_driver_sql(f"{select} ORDER BY 1, 2").all()
                assert len(actual) == len(expected), table
                for want, got in zip(expected, actual, strict=True):
                    assert tuple(_comparable(w, g) for w, g in zip(want, got, strict=True)) == tuple(got), table
    finally:
        source.close()
        engine.dispose()


def test_the_next_sale_gets_the_id_cvd_would_give_it(cvd_postgres_url: str) -> None:
    source = sqlite3.connect(f"file:{cvd_sample_path()}?mode=ro", uri=True)
    (last_id,) = source.execute("SELECT seq FROM sqlite_sequence WHERE name = 'sales'").fetchone()
    source.close()
    engine = sa.create_engine(cvd_postgres_url)
    with engine.begin() as connection:
        new_id = connection.exec_driver_sql(
            "INSERT INTO sales (device_id, product_id, sale_units, sale_cash) "
            "SELECT device_id, product_id, 2, 3.50 FROM sales LIMIT 1 RETURNING id"
        ).scalar()
        created = connection.exec_driver_sql(f"SELECT created_at FROM sales WHERE id = {new_id}").scalar()
    engine.dispose()
    assert new_id == last_id + 1
    assert isinstance(created, dt.datetime)


@pytest.mark.parametrize(
    ("statement", "error"),
    [
        ("UPDATE users SET role = 'owner' WHERE id = 1", "users_role_check"),
        ("INSERT INTO planograms (cabinet_id, planogram_key) SELECT cabinet_id, planogram_key FROM planograms LIMIT 1",
         "planograms_planogram_key_key"),
        ("INSERT INTO planogram_slots (planogram_id, slot_position) VALUES (999999, 'A1')", "planogram_id_fkey"),
        ("INSERT INTO planogram_slots (planogram_id, slot_position) "
         "SELECT planogram_id, slot_position FROM planogram_slots LIMIT 1", "slot_position"),
    ],
    ids=["role outside the four", "duplicate planogram key", "slot of no planogram", "two slots at one position"],
)
def test_cvd_rules_hold_on_the_server(cvd_postgres_url: str, statement: str, error: str) -> None:
    engine = sa.create_engine(cvd_postgres_url)
    try:
        with pytest.raises(sa.exc.IntegrityError, match=error), engine.begin() as connection:
            connection.exec_driver_sql(statement)
    finally:
        engine.dispose()


def test_deleting_a_planogram_clears_its_slots_as_in_cvd(cvd_postgres_url: str) -> None:
    engine = sa.create_engine(cvd_postgres_url)
    with engine.begin() as connection:
        planogram = connection.exec_driver_sql(
            "SELECT planogram_id FROM planogram_slots GROUP BY planogram_id ORDER BY count(*) DESC LIMIT 1"
        ).scalar()
        connection.exec_driver_sql(f"DELETE FROM planograms WHERE id = {planogram}")
        left = connection.exec_driver_sql(f"SELECT count(*) FROM planogram_slots WHERE planogram_id = {planogram}")
        assert left.scalar() == 0
    engine.dispose()


def test_without_a_server_tests_skip_here_but_fail_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PLANOGRAM_TEST_POSTGRES", raising=False)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="start one with"):
        require_server()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=r"\.ci/run must start it"):
        require_server()


def _schema(url: str) -> list[tuple[str, str]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.exec_driver_sql(
                "SELECT table_name, column_name FROM information_schema.columns "
                "WHERE table_schema = 'public' ORDER BY 1, 2"
            ).all()
    finally:
        engine.dispose()


@pytest.fixture
def cvd_server_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A generated CVD database on the test server: refusing to migrate CVD's tables is not about the sample."""
    url = cvd_generated_postgres(request.node.name)
    yield url
    drop_database(url)


def test_opening_a_cvd_server_database_as_a_working_copy_is_refused_untouched(cvd_server_url: str) -> None:
    before = _schema(cvd_server_url)
    with pytest.raises(DatabaseProblem, match=r"CVD web-app database.*untouched"):
        prepare_database(cvd_server_url)
    assert _schema(cvd_server_url) == before


def test_a_server_database_of_another_application_is_refused_untouched(postgres_url: str) -> None:
    engine = sa.create_engine(postgres_url)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE invoices (id integer PRIMARY KEY)")
    engine.dispose()
    with pytest.raises(DatabaseProblem, match="not Planogram Studio's"):
        prepare_database(postgres_url)
    assert _schema(postgres_url) == [("invoices", "id")]
