"""A slot's own price is stored to the cent, versioned with the layout, and added to older databases as NULL."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.orm import Session

from designer.planograms import Planogram, Slot
from designer.positions import Position
from storage.fleet import FleetRepository
from storage.schema import current_revision, head_revision, prepare_database
from storage.tables import CabinetRecord, Device, ProductRecord
from storage.versions import PlanogramVersions


def _fleet(database_url: str) -> FleetRepository:
    engine = prepare_database(database_url)
    with Session(engine) as session, session.begin():
        session.add_all(
            [
                Device(id=1, name="Lobby", asset_number="A-1", location_type="office", location_name="HQ"),
                CabinetRecord(device_id=1, cabinet_index=0, rows=3, columns=4, temperature_zone="ambient"),
                ProductRecord(id=1, name="Doritos", category="chips", price=Decimal("1.50")),
            ]
        )
    return FleetRepository(engine)


def test_a_saved_slot_price_comes_back_and_old_versions_keep_theirs(database_url: str) -> None:
    fleet = _fleet(database_url)
    versions = PlanogramVersions(fleet.engine)
    a1, a2 = Position.parse("A1"), Position.parse("A2")
    first = versions.save(Planogram.from_slots(1, 0, [Slot(a1, 1, 4, 10, 8, 3.0), Slot(a2, 1)]), activate=True)
    versions.save(Planogram.from_slots(1, 0, [Slot(a1, 1, 4, 10, 8, 2.95), Slot(a2, 1)]), activate=True)

    active = fleet.active_planogram(1, 0)
    assert active is not None
    assert (active.slot_at(a1).price, active.slot_at(a2).price) == (2.95, None)
    assert active.slot_at(a1).effective_price(fleet.catalogue()[1].price) == 2.95
    assert active.slot_at(a2).effective_price(fleet.catalogue()[1].price) == 1.5
    assert versions.load(first.id).slot_at(a1).price == 3.0
    with fleet.engine.connect() as connection:
        stored = connection.execute(text("SELECT price FROM planogram_slots ORDER BY id")).scalars().all()
    assert [None if p is None else Decimal(str(p)) for p in stored] == [
        Decimal("3.00"), None, Decimal("2.95"), None
    ]  # fmt: skip


def test_a_database_from_before_slot_prices_gets_the_column_with_every_slot_following_the_catalogue(
    database_url: str,
) -> None:
    old = prepare_database(database_url, revision="0005_cvd_dex")
    with old.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO devices (id, name, asset_number, location_type, location_name, created_at) "
                "VALUES (1, 'Lobby', 'A-1', 'office', 'HQ', '2026-01-01 08:00:00')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO products (id, name, category, price, unit_cost, temperature_requirement, health_score, "
                "is_system) VALUES (1, 'Doritos', 'chips', 1.50, 0.60, 'ambient', 5, false)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO planograms (id, device_id, cabinet_index, name, status, version) "
                "VALUES (1, 1, 0, 'Old', 'active', 1)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO planogram_slots (planogram_id, position, product_id, quantity, capacity, par_level) "
                "VALUES (1, 'A1', 1, 4, 10, 8)"
            )
        )
    old.dispose()

    upgraded = prepare_database(database_url)
    assert current_revision(upgraded) == head_revision()
    with upgraded.connect() as connection:
        assert connection.execute(text("SELECT position, price FROM planogram_slots")).all() == [("A1", None)]
