"""Selection codes and card prices are stored with each version, and a machine never runs two slots under one
code: activating a cabinet whose codes the device's other cabinets already use is refused, naming both."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from designer.planograms import Planogram, Slot
from designer.positions import Position
from storage.fleet import FleetRepository
from storage.schema import prepare_database
from storage.tables import CabinetRecord, Device, ProductRecord
from storage.versions import PlanogramVersions, SelectionCodesClash

A1, A2 = Position.parse("A1"), Position.parse("A2")


def _fleet(database_url: str) -> FleetRepository:
    engine = prepare_database(database_url)
    with Session(engine) as session, session.begin():
        session.add_all(
            [
                Device(id=1, name="Lobby", asset_number="A-1", location_type="office", location_name="HQ"),
                CabinetRecord(device_id=1, cabinet_index=0, rows=3, columns=4, temperature_zone="ambient"),
                CabinetRecord(device_id=1, cabinet_index=1, rows=2, columns=3, temperature_zone="refrigerated"),
                ProductRecord(id=1, name="Doritos", category="chips", price=Decimal("1.50")),
            ]
        )
    return FleetRepository(engine)


def test_a_saved_code_and_card_price_come_back(database_url: str) -> None:
    fleet = _fleet(database_url)
    PlanogramVersions(fleet.engine).save(
        Planogram.from_slots(1, 0, [Slot(A1, 1, 4, 10, 8, 1.75, "A1", 1.85), Slot(A2, 1)]), activate=True
    )
    active = fleet.active_planogram(1, 0)
    assert active is not None
    assert (active.slot_at(A1).selection_code, active.slot_at(A1).card_price) == ("A1", 1.85)
    assert (active.selection_code(A2), active.slot_at(A2).card_price_or_cash(1.5)) == ("12", 1.5)
    with fleet.engine.connect() as connection:
        stored = connection.execute(
            text("SELECT selection_code, card_price FROM planogram_slots ORDER BY position")
        ).all()
    assert [(code, None if card is None else Decimal(str(card))) for code, card in stored] == [
        ("A1", Decimal("1.85")),
        (None, None),
    ]


def test_every_cabinet_of_a_device_activates_with_the_default_codes(database_url: str) -> None:
    fleet = _fleet(database_url)
    versions = PlanogramVersions(fleet.engine)
    versions.save(Planogram.from_slots(1, 0, [Slot(A1, 1)]), activate=True)
    versions.save(Planogram.from_slots(1, 1, [Slot(A1, 1)]), activate=True)
    cooler = fleet.active_planogram(1, 1)
    assert cooler is not None and cooler.selection_code(A1) == "2-11"


def test_activating_a_code_another_cabinet_runs_is_refused_and_changes_nothing(database_url: str) -> None:
    fleet = _fleet(database_url)
    versions = PlanogramVersions(fleet.engine)
    versions.save(Planogram.from_slots(1, 0, [Slot(A1, 1)]), activate=True)
    before = fleet.active_planogram(1, 1)
    with pytest.raises(SelectionCodesClash, match="selection code 11 is also the code of A1 in cabinet 0"):
        versions.save(Planogram.from_slots(1, 1, [Slot(A2, 1, selection_code="11")]), activate=True)
    assert fleet.active_planogram(1, 1) == before
    draft = versions.save(Planogram.from_slots(1, 1, [Slot(A2, 1, selection_code="11")]))  # a draft may wait
    with pytest.raises(SelectionCodesClash):
        versions.activate(draft.id)  # type: ignore[arg-type]
    versions.save(Planogram.from_slots(1, 1, [Slot(A2, 1, selection_code="C1")]), activate=True)
    cooler = fleet.active_planogram(1, 1)
    assert cooler is not None and cooler.selection_code(A2) == "C1"
