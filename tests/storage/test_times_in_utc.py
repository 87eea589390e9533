"""Times are stored in UTC and shown in local time, on a computer in New York as in London.

A database made by the previous release (schema 0007, local-time stamps) is converted by migration 0008: the
rows the app stamped move by the zone's offset of their own date (daylight saving included); rows that were
UTC already (the LLM ledger's audit rows, versions the simulator wrote) stay as they are.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, insert, select

from designer.local_time import local_text
from designer.planograms import Planogram, Slot
from designer.positions import Position
from storage.schema import prepare_database
from storage.tables import (
    AiPrediction,
    AuditLogRecord,
    CabinetRecord,
    Device,
    PlanogramRecord,
    ProductRecord,
    User,
)
from storage.users import sign_in
from storage.versions import PlanogramVersions

PREVIOUS = "0007_cvd_status"


@pytest.fixture
def new_york() -> Iterator[None]:
    """This process's local zone is New York (UTC−5 in winter, UTC−4 in summer) while the test runs."""
    previous = os.environ.get("TZ")
    os.environ["TZ"] = "America/New_York"
    time.tzset()
    yield
    if previous is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = previous
    time.tzset()


def rows(engine: Engine, column, *where) -> list:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        return list(connection.execute(select(column).where(*where)).scalars())


def test_the_previous_release_s_local_stamps_are_converted_and_utc_ones_left(new_york: None, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'previous.sqlite'}"
    engine = prepare_database(url, revision=PREVIOUS)
    winter, summer = datetime(2026, 1, 15, 9, 0), datetime(2026, 7, 1, 12, 0)  # as the old release wrote them
    with engine.begin() as connection:
        connection.execute(insert(User).values(id=1, username="maria", role="manager"))
        connection.execute(insert(Device).values(id=1, name="Lobby", asset_number="A-1", location_type="office"))
        connection.execute(insert(CabinetRecord).values(device_id=1, cabinet_index=0, rows=2, columns=2,
                                                        temperature_zone="ambient"))  # fmt: skip
        planogram = dict(device_id=1, cabinet_index=0, status="active", name="", created_by=1)
        connection.execute(insert(PlanogramRecord).values(id=1, version=1, created_at=winter, updated_at=winter,
                                                          activated_at=winter, **planogram))  # fmt: skip
        connection.execute(insert(PlanogramRecord).values(id=2, version=2, created_at=winter, updated_at=winter,
                                                          activated_at=summer, **planogram))  # fmt: skip
        for action, planogram_id, at in (("planogram.save", 2, winter), ("planogram.activate", 2, summer)):
            connection.execute(insert(AuditLogRecord).values(user_id=1, action=action, details="{}", host="h",
                               created_at=at, resource_type="planogram", resource_id=planogram_id))  # fmt: skip
        connection.execute(insert(AuditLogRecord).values(user_id=1, action="llm.explain", details="{}", host="h",
                                                         created_at=datetime(2026, 1, 15, 14, 0)))  # fmt: skip
        connection.execute(insert(AiPrediction).values(prediction_type="revenue", device_id=1, input_data="{}",
                                                       prediction_result="{}", created_at=summer))  # fmt: skip
    engine.dispose()

    engine = prepare_database(url)  # the upgrade to 0008
    five, four = timedelta(hours=5), timedelta(hours=4)
    assert rows(engine, PlanogramRecord.created_at, PlanogramRecord.id == 1) == [winter]  # no audit row: as written
    assert rows(engine, PlanogramRecord.created_at, PlanogramRecord.id == 2) == [winter + five]
    assert rows(engine, PlanogramRecord.activated_at, PlanogramRecord.id == 2) == [summer + four]
    assert rows(engine, PlanogramRecord.updated_at, PlanogramRecord.id == 2) == [winter + five]  # converted once
    assert sorted(rows(engine, AuditLogRecord.created_at, AuditLogRecord.action.like("planogram.%"))) == [
        winter + five,
        summer + four,
    ]
    assert rows(engine, AuditLogRecord.created_at, AuditLogRecord.action == "llm.explain") == [
        datetime(2026, 1, 15, 14, 0)
    ]
    assert rows(engine, AiPrediction.created_at) == [summer + four]
    engine.dispose()


def test_a_version_saved_now_is_stored_in_utc_and_shown_in_local_time(new_york: None, tmp_path: Path) -> None:
    engine = prepare_database(f"sqlite:///{tmp_path / 'now.sqlite'}")
    with engine.begin() as connection:
        connection.execute(insert(ProductRecord).values(id=1, name="Cola", category="soda", price=2))
        connection.execute(insert(Device).values(id=1, name="Lobby", asset_number="A-1", location_type="office"))
        connection.execute(insert(CabinetRecord).values(device_id=1, cabinet_index=0, rows=2, columns=2,
                                                        temperature_zone="ambient"))  # fmt: skip
        connection.execute(insert(User).values(username="maria", role="manager"))
    user = sign_in(engine, "maria", audit=False)
    saved = PlanogramVersions(engine).save(Planogram.from_slots(1, 0, [Slot(Position(0, 0), 1, 3, 10, 8)]),
                                           user_id=user.id)  # fmt: skip
    [created] = rows(engine, PlanogramRecord.created_at, PlanogramRecord.id == saved.id)
    utc_reading, new_york_reading = datetime.now(UTC).replace(tzinfo=None), datetime.now()
    # New York's clock is 4 or 5 hours behind UTC: the stamp is the UTC reading's, not the local one's
    assert abs(created - utc_reading) < abs(created - new_york_reading)
    shown = local_text(created)
    assert shown == created.replace(tzinfo=UTC).astimezone().strftime("%Y-%m-%d %H:%M")
    assert shown != created.strftime("%Y-%m-%d %H:%M")  # New York is 4 or 5 hours behind UTC
    engine.dispose()


def test_a_server_default_time_is_utc_whatever_zone_the_server_keeps(database_url: str) -> None:
    """A row stamped by the database itself (``CURRENT_TIMESTAMP``) holds UTC on SQLite and on PostgreSQL."""
    engine = prepare_database(database_url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:  # a server set to New York, as an operator's may be
            connection.exec_driver_sql(f"ALTER DATABASE {engine.url.database} SET timezone TO 'America/New_York'")
        engine.dispose()
    with engine.begin() as connection:
        connection.execute(insert(Device).values(id=1, name="Lobby", asset_number="A-1", location_type="office"))
        [created] = connection.execute(select(Device.created_at)).scalars()
    utc_reading = datetime.now(UTC).replace(tzinfo=None)
    new_york_reading = datetime.now(ZoneInfo("America/New_York")).replace(tzinfo=None)  # as the server's zone reads
    assert abs(created - utc_reading) < abs(created - new_york_reading)
    engine.dispose()
