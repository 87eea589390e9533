"""On a shared PostgreSQL server the database itself refuses what a role may not do (storage/postgres_grants.sql)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from storage.schema import OUR_SCHEMA
from tests.postgres_support import cvd_generated_postgres, drop_database, server_url

GRANTS = Path(__file__).resolve().parents[2] / "storage" / "postgres_grants.sql"
SEED_AI_TABLES = ("ai_predictions", "ai_experiments", "ai_feedback", "planogram_performance", "demand_forecasts")
ROLES = ("viewer", "driver", "manager", "admin")


def _apply_grants(url: str) -> None:
    engine = sa.create_engine(url, poolclass=NullPool)
    try:
        with engine.begin() as connection:
            connection.connection.driver_connection.execute(GRANTS.read_text())
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def logins() -> Iterator[dict[str, str]]:
    """A database like an operator's: a generated CVD database plus the seed's AI tables, the grants applied
    (twice, as a re-run after a schema change would), and one login per group; role name → URL to connect as it."""
    url = cvd_generated_postgres("grants")
    engine = sa.create_engine(url, poolclass=NullPool)
    names = {role: f"{role}_{uuid.uuid4().hex[:8]}" for role in ROLES}
    try:
        OUR_SCHEMA.create_all(engine, tables=[OUR_SCHEMA.tables[name] for name in SEED_AI_TABLES])
        _apply_grants(url)
        _apply_grants(url)
        with engine.begin() as connection:
            for role, name in names.items():
                connection.exec_driver_sql(f'CREATE ROLE "{name}" LOGIN IN ROLE cvd_{role}')
        as_login = make_url(url)
        yield {role: as_login.set(username=name).render_as_string(hide_password=False) for role, name in names.items()}
    finally:
        engine.dispose()
        drop_database(url)
        admin = sa.create_engine(server_url() or url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        with admin.connect() as connection:
            for name in names.values():
                connection.exec_driver_sql(f'DROP ROLE IF EXISTS "{name}"')
        admin.dispose()


def _allowed(url: str, statement: str) -> bool:
    """Whether the server lets the statement through (then rolled back, so cases stay independent)."""
    engine = sa.create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            try:
                connection.exec_driver_sql(statement)
            except sa.exc.ProgrammingError as error:
                assert "permission denied" in str(error)
                return False
            finally:
                connection.rollback()
        return True
    finally:
        engine.dispose()


NEW_SLOT_PAR = "UPDATE planogram_slots SET par_level = par_level + 1 WHERE id = (SELECT min(id) FROM planogram_slots)"
NEW_PLANOGRAM = (
    "INSERT INTO planograms (cabinet_id, planogram_key) SELECT id, 'new-layout' FROM cabinet_configurations LIMIT 1"
)
NEW_PREDICTION = (
    "INSERT INTO ai_predictions (prediction_type, device_id, input_data, prediction_result) "
    "SELECT 'revenue', id, '{}', '{}' FROM devices LIMIT 1"
)
AUDIT = "INSERT INTO audit_log (user_id, action, resource_type) VALUES (1, 'planogram_activated', 'planogram')"

CASES = [
    ("viewer", "SELECT count(*) FROM planogram_slots", True),
    ("viewer", "SELECT count(*) FROM sales", True),
    ("viewer", "SELECT username, role FROM users", True),
    ("viewer", "SELECT password_hash FROM users", False),
    ("viewer", NEW_SLOT_PAR, False),
    ("viewer", AUDIT, False),
    ("driver", "SELECT slot_position, product_name, par_level FROM planogram_slots", True),
    ("driver", NEW_SLOT_PAR, False),
    ("driver", NEW_PLANOGRAM, False),
    ("manager", NEW_SLOT_PAR, True),
    ("manager", NEW_PLANOGRAM, True),
    ("manager", "DELETE FROM planogram_slots WHERE id = (SELECT max(id) FROM planogram_slots)", True),
    ("manager", NEW_PREDICTION, True),
    ("manager", AUDIT, True),
    ("manager", "UPDATE audit_log SET action = 'forged'", False),
    ("manager", "DELETE FROM audit_log", False),
    ("manager", "UPDATE users SET role = 'admin'", False),
    ("manager", "UPDATE sales SET sale_units = 0", False),
    ("manager", "UPDATE products SET price = 0", False),
    ("admin", "UPDATE users SET role = 'viewer' WHERE id = 2", True),
    ("admin", "SELECT password_hash FROM users", True),
    ("admin", NEW_SLOT_PAR, True),
    ("admin", AUDIT, True),
    ("admin", "UPDATE devices SET cooler = 'renamed'", False),
]


@pytest.mark.parametrize(("role", "statement", "allowed"), CASES, ids=[f"{r}: {s[:45]}" for r, s, _ in CASES])
def test_the_server_allows_each_role_its_rights_only(
    logins: dict[str, str], role: str, statement: str, allowed: bool
) -> None:
    assert _allowed(logins[role], statement) is allowed


def test_a_login_outside_the_groups_cannot_even_connect(logins: dict[str, str]) -> None:
    outsider = f"outsider_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(server_url() or "", isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE ROLE "{outsider}" LOGIN')
    try:
        engine = sa.create_engine(make_url(logins["viewer"]).set(username=outsider), poolclass=NullPool)
        with pytest.raises(sa.exc.OperationalError, match="permission denied for database"):
            engine.connect().close()
        engine.dispose()
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP ROLE "{outsider}"')
        admin.dispose()
