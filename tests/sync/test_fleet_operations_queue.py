"""A fleet operation activated on cabinets pulled from CVD queues one push per cabinet it changed, and its undo
queues the layouts as they were in their place: the next sync sends CVD what the machines should run."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, select

from designer.fleet_changes import MachineFilter, chosen, template_change
from designer.templates import template_from_planogram
from storage.cvd.pull import pull
from storage.cvd.queue import queue_status
from storage.engine import session_factory
from storage.fleet import FleetRepository
from storage.fleet_operations import apply_operation, current_by_machine, newest_layouts, save_template, undo_operation
from storage.schema import prepare_database
from storage.sync_tables import PendingPush
from storage.templates import machines
from tests.sync.helpers import manager_id


def waiting(engine: Engine) -> set[int]:
    """The versions whose pushes wait for the next sync."""
    with session_factory(engine)() as session:
        return set(session.scalars(select(PendingPush.planogram_id).where(PendingPush.status == "pending")))


def test_an_activated_template_and_its_undo_queue_one_push_per_cvd_cabinet(cvd_engine: Engine, tmp_path: Path) -> None:
    laptop = prepare_database(f"sqlite:///{tmp_path / 'laptop.sqlite'}")
    pull(cvd_engine, laptop)
    user = manager_id(laptop)
    fleet = FleetRepository(laptop)
    catalogue = fleet.catalogue()
    layouts = current_by_machine(newest_layouts(laptop))
    source = next(device for device in fleet.devices() if device.name == "Test Stockwell")
    layout = fleet.device_layout(source.id)
    cabinet = layout.cabinets[1]  # ambient 4×7, the fleet's commonest ambient shape
    template, _ = save_template(
        laptop, template_from_planogram("Everywhere", cabinet, layout.planogram_for(cabinet)), user_id=user
    )
    picked = chosen(machines(laptop), MachineFilter())
    changes = [template_change(template, machine, layouts.get(machine.device_id, {}), catalogue) for machine in picked]

    applied = apply_operation(
        laptop, changes, kind="template", title="Everywhere", activate=True, user_id=user, template_id=template.id
    )
    assert applied.written >= 5  # the template changes many CVD cabinets
    assert queue_status(laptop) == {"pending": applied.written}
    assert waiting(laptop) == set(applied.planogram_ids)

    undone = undo_operation(laptop, applied.operation_id, user_id=user)

    assert queue_status(laptop) == {"pending": applied.written, "superseded": applied.written}
    assert waiting(laptop) == set(undone.planogram_ids)
    laptop.dispose()
