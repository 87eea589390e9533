"""On a PostgreSQL CVD server with the documented grants, a manager's login can pull and push, a viewer's can
pull but the server itself refuses its push (and the push stays queued, nothing written)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from storage.cvd import schema as cvd
from storage.cvd.audit_copy import copy_audit
from storage.cvd.pull import pull
from storage.cvd.queue import queue_status, run_pushes
from storage.engine import make_engine
from tests.cvd_builder import CvdFleet
from tests.sync.helpers import edit_and_activate

GRANTS = Path(__file__).resolve().parents[2] / "storage" / "postgres_grants.sql"


@pytest.fixture
def logins() -> Iterator[dict[str, str]]:
    support = pytest.importorskip("tests.postgres_support")
    url = support.cvd_generated_postgres("sync_grants")
    names = {role: f"sync_{role}_{uuid.uuid4().hex[:8]}" for role in ("viewer", "manager")}
    owner = sa.create_engine(url, poolclass=NullPool)
    try:
        with owner.begin() as connection:
            connection.connection.driver_connection.execute(GRANTS.read_text())
            for role, name in names.items():
                connection.exec_driver_sql(f'CREATE ROLE "{name}" LOGIN IN ROLE cvd_{role}')
        base = make_url(url)
        yield {role: base.set(username=name).render_as_string(hide_password=False) for role, name in names.items()}
    finally:
        owner.dispose()
        support.drop_database(url)
        admin = sa.create_engine(support.server_url() or url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        with admin.connect() as connection:
            for name in names.values():
                connection.exec_driver_sql(f'DROP ROLE IF EXISTS "{name}"')
        admin.dispose()


def _slots(engine: Engine) -> list[tuple[object, ...]]:
    with engine.connect() as connection:
        return [tuple(r) for r in connection.execute(select(cvd.planogram_slots).order_by(cvd.planogram_slots.c.id))]


def test_a_manager_login_pulls_and_pushes(logins: dict[str, str], working_copy: Engine, cvd_fleet: CvdFleet) -> None:
    server = make_engine(logins["manager"])
    assert pull(server, working_copy).devices == cvd_fleet.devices
    edit_and_activate(working_copy, "444", 0, {"A1": (11, 10, 6)})

    assert run_pushes(server, working_copy).pushed == 1
    copied, _ = copy_audit(server, working_copy)
    assert copied >= 2
    server.dispose()


def test_a_viewer_login_pulls_but_the_server_refuses_its_push(
    logins: dict[str, str], working_copy: Engine, cvd_fleet: CvdFleet
) -> None:
    server = make_engine(logins["viewer"])
    assert pull(server, working_copy).devices == cvd_fleet.devices
    edit_and_activate(working_copy, "444", 0, {"A1": (11, 10, 6)})  # the working copy's own rules aside
    before = _slots(server)

    with pytest.raises(DBAPIError, match="permission denied"):
        run_pushes(server, working_copy)

    assert _slots(server) == before
    assert queue_status(working_copy) == {"pending": 1}
    server.dispose()
