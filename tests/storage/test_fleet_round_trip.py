"""What is saved comes back the same, through the repository the designer uses."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import inspect
from sqlalchemy.orm import Session

from designer.cabinets import TemperatureZone
from designer.planograms import Planogram, PlanogramStatus, Slot
from designer.positions import Position
from storage.fleet import FleetRepository
from storage.schema import prepare_database
from storage.tables import AI_TABLES, CabinetRecord, Device, ProductRecord
from storage.versions import PlanogramVersions


@pytest.fixture
def repository(database_url: str) -> FleetRepository:
    engine = prepare_database(database_url)
    with Session(engine) as session, session.begin():
        session.add_all(
            [
                Device(id=1, name="Office Lobby 1", asset_number="A-0001", location_type="office", location_name="HQ"),
                Device(id=2, name="Gym Floor", asset_number="A-0002", location_type="gym", location_name="FitCo"),
                CabinetRecord(device_id=1, cabinet_index=0, rows=5, columns=6, temperature_zone="refrigerated"),
                CabinetRecord(device_id=1, cabinet_index=1, rows=4, columns=5, temperature_zone="frozen"),
                ProductRecord(
                    id=1,
                    name="Cola 20oz",
                    category="soda",
                    price=Decimal("2.25"),
                    unit_cost=Decimal("0.7"),
                    temperature_requirement="refrigerated",
                    health_score=Decimal("2"),
                ),
                ProductRecord(
                    id=2,
                    name="Vanilla Cone",
                    category="ice cream",
                    price=Decimal("3.00"),
                    temperature_requirement="frozen",
                ),
                ProductRecord(id=3, name="EMPTY_SLOT", category="system", price=Decimal("0"), is_system=True),
            ]
        )
    return FleetRepository(engine)


def test_the_schema_has_the_seeds_ai_tables_and_indexes(database_url: str) -> None:
    inspector = inspect(prepare_database(database_url))
    assert set(AI_TABLES) <= set(inspector.get_table_names())
    indexes = {index["name"] for table in AI_TABLES for index in inspector.get_indexes(table)}
    assert {
        "idx_ai_predictions_device",
        "idx_ai_experiments_status",
        "idx_planogram_performance_date",
        "idx_demand_forecasts_device_date",
    } <= indexes
    columns = [column["name"] for column in inspector.get_columns("ai_predictions")]
    assert columns == [
        "id", "prediction_type", "device_id", "cabinet_index", "input_data", "prediction_result",
        "confidence_score", "model_version", "response_time_ms", "created_at", "created_by",
    ]  # fmt: skip


def test_devices_filter_by_name_and_location_type(repository: FleetRepository) -> None:
    assert [d.id for d in repository.devices()] == [1, 2]
    assert [d.id for d in repository.devices("lobby")] == [1]
    assert [d.id for d in repository.devices(location_type="gym")] == [2]
    assert repository.devices()[0].cabinet_count == 2
    assert repository.location_types() == ["gym", "office"]


def test_the_catalogue_leaves_out_the_system_empty_slot(repository: FleetRepository) -> None:
    catalogue = repository.catalogue()
    assert sorted(catalogue) == [1, 2]
    assert catalogue[1].temperature_requirement is TemperatureZone.REFRIGERATED
    assert catalogue[1].margin == pytest.approx(1.55)


def test_a_saved_planogram_comes_back_slot_for_slot(repository: FleetRepository) -> None:
    slots = [Slot(Position(0, 0), 1, 6, 10, 8), Slot(Position(1, 3), 1, 0, 12, 9), Slot(Position(2, 2))]
    saved = PlanogramVersions(repository.engine).save(Planogram.from_slots(1, 0, slots, name="Summer"), activate=True)
    layout = repository.device_layout(1)
    assert [c.index for c in layout.cabinets] == [0, 1]
    loaded = layout.planogram_for(layout.cabinets[0])
    assert loaded.slots == saved.slots == {slot.position: slot for slot in slots}
    assert (loaded.name, loaded.status, loaded.version) == ("Summer", PlanogramStatus.ACTIVE, 1)
    assert layout.planogram_for(layout.cabinets[1]).slots == {}


def test_activating_a_new_version_archives_the_old_one(repository: FleetRepository) -> None:
    versions = PlanogramVersions(repository.engine)
    user = versions.current_user("maria")
    first = versions.save(Planogram.from_slots(1, 0, [Slot(Position(0, 0), 1)]), user_id=user, activate=True)
    draft = versions.save(Planogram.from_slots(1, 0, [Slot(Position(0, 1), 1)]), user_id=user)
    assert draft.status is PlanogramStatus.DRAFT
    assert repository.active_planogram(1, 0).id == first.id  # a draft does not reach the machine
    versions.activate(draft.id, user_id=user)
    active = repository.active_planogram(1, 0)
    assert active is not None and active.id == draft.id
    assert list(active.slots) == [Position(0, 1)]
    history = versions.history(1, 0)
    assert [(v.version, v.status.value, v.created_by) for v in history] == [
        (2, "active", "maria"),
        (1, "archived", "maria"),
    ]
    assert history[0].activated_at is not None and history[0].filled_slots == 1


def test_reverting_saves_an_old_version_again_and_keeps_history(repository: FleetRepository) -> None:
    versions = PlanogramVersions(repository.engine)
    first = versions.save(Planogram.from_slots(1, 0, [Slot(Position(0, 0), 1)]), activate=True)
    versions.save(Planogram.from_slots(1, 0, [Slot(Position(0, 1), 1)]), activate=True)
    assert versions.save(versions.load(first.id)).status is PlanogramStatus.DRAFT  # a loaded active copy saves as draft
    reverted = versions.save(versions.load(first.id), activate=True)
    assert reverted.version == 4 and reverted.slots == first.slots
    assert [v.version for v in versions.history(1, 0)] == [4, 3, 2, 1]


def test_an_unknown_device_is_named(repository: FleetRepository) -> None:
    with pytest.raises(LookupError, match="device 99"):
        repository.device_layout(99)
