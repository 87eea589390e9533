"""A template applied to many machines is one operation: written in one go, recorded on each version, undone as
one (weeks later too), and refused whole when a changed slot has changed since. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, select

from designer.command_outcomes import RequestInvalid
from designer.fleet_changes import MachineFilter, chosen, replace_product, template_change
from designer.planograms import PlanogramStatus
from designer.positions import Position
from designer.roles import PermissionDenied
from designer.templates import template_from_planogram
from storage.fleet import FleetRepository
from storage.fleet_operations import (
    UndoConflicts,
    answer_proposal,
    apply_operation,
    current_by_machine,
    followers,
    newest_layouts,
    operations,
    origins,
    proposals,
    save_template,
    undo_operation,
)
from storage.schema import prepare_database
from storage.tables import AuditLogRecord, Device, User
from storage.templates import TemplateLibrary, machines, set_tags
from storage.users import sign_in
from storage.versions import PlanogramVersions
from tests.gui.fixture_fleet import build_fixture_fleet

A1 = Position.parse("A1")


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    build_fixture_fleet(database_url)
    engine = prepare_database(database_url)
    yield engine
    engine.dispose()


def manager(engine: Engine) -> int:
    return sign_in(engine, "mia", audit=False).id


def saved_template(engine: Engine, user_id: int, name: str = "Office snacks"):  # type: ignore[no-untyped-def]
    """Device 4's 6×8 ambient cabinet, with a product of its own in A1, saved as a template."""
    repository = FleetRepository(engine)
    layout = repository.device_layout(4)
    cabinet = layout.cabinets[0]
    planogram = layout.planogram_for(cabinet)
    planogram.slots[A1] = planogram.slot_at(A1).__class__(A1, 12, 6, 12, 8)  # Cashews in A1
    template, _ = save_template(engine, template_from_planogram(name, cabinet, planogram, ["office"]), user_id=user_id)
    return template


def apply_to(engine: Engine, template, user_id: int, activate: bool = False, devices=(1, 2, 3, 4)):  # type: ignore[no-untyped-def]
    catalogue = FleetRepository(engine).catalogue()
    picked = chosen(machines(engine), MachineFilter(device_ids=frozenset(devices)))
    current = current_by_machine(newest_layouts(engine))
    changes = [template_change(template, m, current.get(m.device_id, {}), catalogue) for m in picked]
    return apply_operation(
        engine, changes, kind="template", title=f"Template {template.label}", activate=activate, user_id=user_id,
        template_id=template.id,
    )  # fmt: skip


def test_a_template_applied_as_drafts_is_one_operation_recorded_on_each_version(engine: Engine) -> None:
    user = manager(engine)
    template = saved_template(engine, user)
    result = apply_to(engine, template, user)
    # device 4 is the template's own 6×8 cabinet (A1 changes); devices 1 (5×6) and 3 (4×5) are smaller and the
    # template fills them, so they are refused naming the products; device 2 has no ambient cabinet
    assert result.written == 1
    assert any("Lobby Snack Tower" in line and "would have no slot" in line for line in result.refused)
    assert any("Riverside Gym Cooler" in line and "no ambient cabinet" in line for line in result.refused)
    (written,) = result.planogram_ids
    assert origins(engine, [written]) == {
        written: f"from template Office snacks v1 (fleet operation {result.operation_id})"
    }
    draft = newest_layouts(engine, [4])[(4, 0)]
    assert draft.id == written and draft.status is PlanogramStatus.DRAFT and draft.slot_at(A1).product_id == 12
    (listed,) = operations(engine)
    assert listed["cabinets"] == {"applied": 1, "refused": 3} and listed["status"] == "applied"


def test_undo_takes_the_whole_operation_back_even_after_other_work(engine: Engine) -> None:
    user = manager(engine)
    template = saved_template(engine, user)
    before = newest_layouts(engine, [4])[(4, 0)]
    result = apply_to(engine, template, user, activate=True)
    # someone edits another slot of the machine afterwards: the undo keeps that edit
    versions = PlanogramVersions(engine)
    edited = newest_layouts(engine, [4])[(4, 0)]
    b1 = Position.parse("B1")
    edited.slots[b1] = edited.slot_at(b1).__class__(b1, 11, 3, 12, 8)
    versions.save(edited, user_id=user, activate=True)

    undone = undo_operation(engine, result.operation_id, user_id=user)
    assert undone.written == 1
    now = newest_layouts(engine, [4])[(4, 0)]
    assert now.status is PlanogramStatus.ACTIVE
    assert now.slot_at(A1) == before.slot_at(A1)  # the template's slot restored
    assert now.slot_at(b1).product_id == 11  # the later edit kept
    with pytest.raises(RequestInvalid, match="already undone"):
        undo_operation(engine, result.operation_id, user_id=user)


def test_undo_lists_the_conflicts_and_changes_nothing_when_a_changed_slot_changed_since(engine: Engine) -> None:
    user = manager(engine)
    template = saved_template(engine, user)
    result = apply_to(engine, template, user)
    edited = newest_layouts(engine, [4])[(4, 0)]
    edited.slots[A1] = edited.slot_at(A1).__class__(A1, 5, 3, 12, 8)
    PlanogramVersions(engine).save(edited, user_id=user)
    with pytest.raises(UndoConflicts, match=r"Ward 4 Family Lounge cabinet 1: A1 changed since \(now version"):
        undo_operation(engine, result.operation_id, user_id=user)
    assert newest_layouts(engine, [4])[(4, 0)].slot_at(A1).product_id == 5  # nothing changed
    assert operations(engine)[0]["status"] == "applied"


def test_an_undone_draft_is_archived_so_the_designer_opens_what_the_machine_runs(engine: Engine) -> None:
    user = manager(engine)
    active = FleetRepository(engine).active_planogram(4, 0)
    result = apply_to(engine, saved_template(engine, user), user)
    undo_operation(engine, result.operation_id, user_id=user)
    assert newest_layouts(engine, [4])[(4, 0)].id == active.id  # type: ignore[union-attr]


def test_a_viewer_may_not_apply_and_nothing_is_written(engine: Engine) -> None:
    user = manager(engine)
    template = saved_template(engine, user)
    with engine.begin() as connection:
        connection.execute(User.__table__.update().where(User.id == user).values(role="viewer"))
    with pytest.raises(PermissionDenied):
        apply_to(engine, template, user)
    assert operations(engine) == []


def test_a_new_template_version_is_proposed_to_the_machines_that_follow_it(engine: Engine) -> None:
    user = manager(engine)
    template = saved_template(engine, user)
    apply_to(engine, template, user)
    assert followers(engine, "Office snacks") == [(4, 0)]
    changed = template.as_planogram()
    changed.slots[A1] = changed.slot_at(A1).__class__(A1, 8, 0, 12, 8)
    from dataclasses import replace

    newer, proposal = save_template(engine, replace(template, slots=tuple(changed.slots.values())), user_id=user)
    assert newer.version == 2 and proposal is not None
    (waiting,) = proposals(engine)
    assert waiting["version"] == 2 and [m["device_id"] for m in waiting["machines"]] == [4]
    accepted = answer_proposal(engine, proposal, accept=True, user_id=user)
    assert accepted.written == 1
    assert newest_layouts(engine, [4])[(4, 0)].slot_at(A1).product_id == 8
    assert proposals(engine) == []
    assert origins(engine, accepted.planogram_ids)[accepted.planogram_ids[0]].startswith(
        "from template Office snacks v2"
    )
    assert TemplateLibrary(engine).load("Office snacks").version == 2
    assert [t.version for t in TemplateLibrary(engine).versions("Office snacks")] == [2, 1]


def test_replacing_a_discontinued_product_everywhere_is_undone_in_one_step(engine: Engine) -> None:
    user = manager(engine)
    catalogue = FleetRepository(engine).catalogue()
    current = current_by_machine(newest_layouts(engine))
    changes = [c for m in machines(engine) for c in replace_product(m, current.get(m.device_id, {}), catalogue, 1, 11)]
    result = apply_operation(
        engine, changes, kind="replace_product", title="Crisps → Pretzels", activate=True, user_id=user
    )
    assert result.written >= 2
    assert all(1 not in p.product_ids() for p in newest_layouts(engine).values() if p.status is PlanogramStatus.ACTIVE)
    undo_operation(engine, result.operation_id, user_id=user)
    assert any(1 in p.product_ids() for p in newest_layouts(engine).values())
    with engine.connect() as connection:
        actions = set(connection.scalars(select(AuditLogRecord.action)))
    assert {"fleet.apply", "fleet.undo"} <= actions


def test_machines_carry_their_model_route_and_tags(engine: Engine) -> None:
    user = manager(engine)
    with engine.begin() as connection:
        connection.execute(Device.__table__.update().where(Device.id == 4).values(model="Crane 187", route_id=3))
    assert set_tags(engine, 4, ["Hospital", "24h", "24h"], user_id=user) == ("hospital", "24h")
    (ward,) = [m for m in machines(engine) if m.device_id == 4]
    assert (ward.model, ward.route_id, ward.tags, ward.shapes) == ("Crane 187", 3, ("hospital", "24h"), {"6x8"})
