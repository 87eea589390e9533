"""The layout check read from the database: a device's active planogram beside the last two imported reads of the
machine linked to it, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from designer.machine_audits import audit_to_text
from designer.machine_audits.layout_check import Finding
from designer.planograms import Planogram, Slot
from designer.positions import Position
from storage.layout_checks import NoAuditForDevice, device_layout_check
from storage.machine_audits import AuditFile, import_audits, read_audit_files
from storage.schema import prepare_database
from storage.tables import CabinetRecord, Device, ProductRecord
from storage.versions import PlanogramVersions
from tests.machine_audits.test_layout_check import read, selection


def _fleet(database_url: str):
    engine = prepare_database(database_url)
    with Session(engine) as session, session.begin():
        session.add_all(
            [
                Device(id=1, name="Lobby", asset_number="222", location_type="office", location_name="HQ"),
                Device(id=2, name="Gym", asset_number="555", location_type="gym", location_name="Club"),
                CabinetRecord(device_id=1, cabinet_index=0, rows=3, columns=4, temperature_zone="ambient"),
                ProductRecord(id=1, name="Doritos", category="chips", price=Decimal("1.50")),
                ProductRecord(id=2, name="Snickers", category="candy", price=Decimal("1.25")),
            ]
        )
    layout = Planogram.from_slots(
        1, 0, [Slot(Position.parse("A1"), 1, capacity=10), Slot(Position.parse("A2"), 2, capacity=12)]
    )
    PlanogramVersions(engine).save(layout, activate=True)
    return engine


def _import(engine, *reads, device_id: int | None = 1) -> None:
    arrived = datetime(2025, 8, 1)  # UTC, naive as stored
    files = [AuditFile(f"read{n}.dex", audit_to_text(r), arrived) for n, r in enumerate(reads)]
    import_audits(engine, read_audit_files(files), device_id=device_id)


def test_the_check_reads_the_active_planogram_and_the_last_two_reads(database_url: str) -> None:
    engine = _fleet(database_url)
    first = read(datetime(2025, 7, 1, 9), 5, selection("11", "1.50", 100, sold_outs=1), selection("12", "1.25", 7))
    second = read(datetime(2025, 7, 8, 9), 6, selection("11", "1.50", 121, sold_outs=2), selection("12", "1.50", 7))
    _import(engine, second, first)  # out of order: the check still reads them oldest first

    check = device_layout_check(engine, 1)

    assert check.device == "Lobby (asset 222)" and check.days_between_reads == 7
    rows = {row.code: row for row in check.rows}
    assert (rows["11"].units_since_last_read, rows["11"].units_per_day) == (21, 3.0)
    assert rows["11"].findings == (Finding.SOLD_OUT,)
    assert Finding.CASH_PRICE in rows["12"].findings  # Snickers at 1.25 in the planogram, 1.50 in the machine
    assert rows["12"].units_since_last_read == 0


def test_a_device_without_an_audit_is_told_how_to_get_one(database_url: str) -> None:
    engine = _fleet(database_url)
    with pytest.raises(NoAuditForDevice, match="audit import FILE --device 555"):
        device_layout_check(engine, 2)
