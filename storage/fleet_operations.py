"""Fleet operations: a change to many machines written as one operation with an id, and undone as one.

Applying writes each changed cabinet's next version (drafts, or activations) in one transaction, and one
``fleet_operation_changes`` row per cabinet: the version it was made from, the version written, the positions
changed and what stood there. Undo, now or weeks later, first checks that none of those slots has changed since
(the cabinet's newest version still holds, at each changed position, what the operation wrote); if any has, it
lists the conflicts and changes nothing. Otherwise it restores exactly those slots: a draft nobody touched since is
archived, anything else gets a new version with the slots restored (activated when the cabinet's newest version
is the active one). Nothing is ever deleted, so the history shows the operation and its undoing.

A template's machines (its *followers*: cabinets whose newest template change, not undone, came from it) get a
*proposal* when the template gains a version: an operation in state ``proposed``, accepted or declined per machine
or all at once; what is accepted is written like any operation, and undone like one.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from designer.command_outcomes import RequestInvalid
from designer.fleet_changes import MachineChange, MachineFacts, positions_text, template_change
from designer.planograms import Planogram, PlanogramStatus, Slot, slot_from_dict, slot_to_dict
from designer.positions import Position
from designer.products import Catalogue
from designer.roles import Action
from designer.templates import Template, copied, slot_layout
from storage.audit import record as audit_record
from storage.engine import session_factory
from storage.fleet import FleetRepository, planogram_from_record, read_planograms
from storage.stored_time import stored_now
from storage.tables import Device, PlanogramRecord, User
from storage.template_tables import FleetOperationChangeRecord, FleetOperationRecord, PlanogramTemplateRecord
from storage.templates import TemplateLibrary, machines
from storage.users import require_user
from storage.versions import store_versions

Cabinet = tuple[int, int]  # (device id, cabinet index)
TEMPLATE_KINDS = ("template", "template_update")


class UndoConflicts(RequestInvalid):
    """Slots the operation changed have changed since; nothing was undone. ``problems`` lists each cabinet."""


@dataclass(frozen=True)
class Prediction:
    """A cabinet's predicted daily revenue change with its 90 % interval, as the preview showed it."""

    change: float
    lower: float
    upper: float


@dataclass
class OperationResult:
    """What applying (or undoing, or accepting) wrote."""

    operation_id: int
    written: int = 0
    refused: list[str] = field(default_factory=list)
    planogram_ids: list[int] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "success": True,
            "operation_id": self.operation_id,
            "cabinets_changed": self.written,
            "refused": self.refused,
            "planogram_ids": self.planogram_ids,
        }


# --- reading the fleet's newest layouts -------------------------------------------------------------------------


def newest_layouts(engine: Engine, device_ids: Iterable[int] | None = None) -> dict[Cabinet, Planogram]:
    """Each cabinet's layout a change starts from: the newest draft a person saved after the active version
    (what the designer opens), else the active one. Two queries, whatever the fleet's size."""
    with session_factory(engine)() as session:
        return _newest_layouts(session, device_ids)


def _newest_layouts(session: Session, device_ids: Iterable[int] | None) -> dict[Cabinet, Planogram]:
    wanted = None if device_ids is None else sorted(set(device_ids))
    query = select(
        PlanogramRecord.id,
        PlanogramRecord.device_id,
        PlanogramRecord.cabinet_index,
        PlanogramRecord.status,
        PlanogramRecord.version,
        PlanogramRecord.created_by,
        PlanogramRecord.name,
    ).where(PlanogramRecord.status.in_((PlanogramStatus.ACTIVE.value, PlanogramStatus.DRAFT.value)))
    if wanted is not None:
        query = query.where(PlanogramRecord.device_id.in_(wanted))
    active: dict[Cabinet, tuple] = {}
    drafts: dict[Cabinet, tuple] = {}
    for row in session.execute(query):
        key = (row.device_id, row.cabinet_index)
        if row.status == PlanogramStatus.ACTIVE.value:
            if key not in active or row.version > active[key].version:
                active[key] = row
        elif row.created_by is not None and (key not in drafts or row.version > drafts[key].version):
            drafts[key] = row
    chosen = {}
    for key in set(active) | set(drafts):
        shown, draft = active.get(key), drafts.get(key)
        chosen[key] = draft if draft is not None and (shown is None or draft.version > shown.version) else shown
    return read_planograms(session, {key: row for key, row in chosen.items() if row is not None})


def current_by_machine(layouts: Mapping[Cabinet, Planogram]) -> dict[int, dict[int, Planogram]]:
    """``newest_layouts`` grouped by device: device id → cabinet index → planogram."""
    grouped: dict[int, dict[int, Planogram]] = defaultdict(dict)
    for (device_id, cabinet_index), planogram in layouts.items():
        grouped[device_id][cabinet_index] = planogram
    return grouped


# --- applying ----------------------------------------------------------------------------------------------------


def apply_operation(
    engine: Engine,
    changes: Sequence[MachineChange],
    *,
    kind: str,
    title: str,
    activate: bool,
    user_id: int | None,
    template_id: int | None = None,
    predictions: Mapping[Cabinet, Prediction] | None = None,
    summary: Mapping[str, Any] | None = None,
) -> OperationResult:
    """Write every change that changes something as its cabinet's next version, in one transaction, as one
    operation. A cabinet changed since the preview (its newest version is no longer the one the preview started
    from) is refused, as is an activation that would give two slots one selection code; the rest go in."""
    now = stored_now()
    with session_factory(engine).begin() as session:
        require_user(session, user_id, Action.ACTIVATE if activate else Action.EDIT)
        operation = FleetOperationRecord(
            kind=kind,
            title=title[:200],
            template_id=template_id,
            status="applied",
            mode="activate" if activate else "draft",
            summary=json.dumps(dict(summary or {}), default=str),
            created_at=now,
            created_by=user_id,
        )
        session.add(operation)
        session.flush()
        result = OperationResult(operation.id)
        _write_changes(session, operation, changes, activate, user_id, now, predictions or {}, result)
        details = {"kind": kind, "title": title, "cabinets": result.written, "refused": len(result.refused)}
        audit_record(
            session, user_id, "fleet.apply", details, resource_type="fleet_operation", resource_id=operation.id
        )
        return result


def _write_changes(
    session: Session,
    operation: FleetOperationRecord,
    changes: Sequence[MachineChange],
    activate: bool,
    user_id: int | None,
    now: datetime,
    predictions: Mapping[Cabinet, Prediction],
    result: OperationResult,
    proposal_rows: Mapping[Cabinet, FleetOperationChangeRecord] | None = None,
) -> None:
    newest = _newest_layouts(session, {change.machine.device_id for change in changes})
    reasons: dict[Cabinet, str | None] = {}
    for change in changes:
        key = (change.machine.device_id, change.cabinet_index)
        reason = change.refusal
        if reason is None and not change.changed:
            if proposal_rows is None:
                continue  # unchanged machines are shown in the preview, not recorded
            reason = "already as the template says"
        now_there = newest.get(key)
        if reason is None and (now_there.id if now_there else None) != (change.before.id if change.before else None):
            reason = "the cabinet has a newer version than the preview started from; preview again"
        reasons[key] = reason
    writing = [c for c in changes if (c.machine.device_id, c.cabinet_index) in reasons
               and reasons[(c.machine.device_id, c.cabinet_index)] is None]  # fmt: skip
    written, clashes = store_versions(
        session,
        [change.after for change in writing],
        user_id=user_id,
        activate=activate,
        now=now,  # type: ignore[misc]
        read={planogram.id: planogram for planogram in newest.values()},  # type: ignore[misc]
    )
    reasons.update(clashes)
    for change in changes:
        key = (change.machine.device_id, change.cabinet_index)
        if key not in reasons:
            continue
        reason = reasons[key]
        row = (proposal_rows or {}).get(key) or FleetOperationChangeRecord(
            operation_id=operation.id, device_id=key[0], cabinet_index=key[1], state="refused"
        )
        if row.id is None:
            session.add(row)
        predicted = predictions.get(key)
        if predicted is not None:
            row.daily_change, row.change_lower, row.change_upper = (
                _money(predicted.change),
                _money(predicted.lower),
                _money(predicted.upper),
            )
        if reason is not None:
            row.state, row.reason = "refused", reason
            result.refused.append(f"{change.machine.name} (cabinet {key[1] + 1}): {reason}")
            continue
        before = change.before or Planogram(*key)
        row.state = "applied"
        row.before_planogram_id = before.id
        row.after_planogram_id = written[key]
        row.positions = positions_text(change.changed)
        row.before_slots = json.dumps([_slot_json(before, position) for position in change.changed])
        result.written += 1
        result.planogram_ids.append(written[key])
    session.flush()


def _slot_json(planogram: Planogram, position: Position) -> dict[str, object]:
    slot = planogram.slots.get(position)
    return slot_to_dict(slot) if slot is not None else {"position": position.label, "empty": True}


def _money(value: float) -> Decimal:
    return Decimal(str(round(value, 2)))


# --- undoing -----------------------------------------------------------------------------------------------------


def undo_operation(engine: Engine, operation_id: int, *, user_id: int | None) -> OperationResult:
    """Take the whole operation back, or (when any changed slot has changed since) nothing: :class:`UndoConflicts`
    lists each cabinet and slot that changed."""
    now = stored_now()
    with session_factory(engine).begin() as session:
        operation = session.get(FleetOperationRecord, operation_id)
        if operation is None:
            raise RequestInvalid(f"there is no fleet operation {operation_id}; 'template operations' lists them")
        require_user(session, user_id, Action.ACTIVATE if operation.mode == "activate" else Action.EDIT)
        if operation.status == "undone":
            raise RequestInvalid(
                f"fleet operation {operation_id} was already undone on {operation.undone_at:%Y-%m-%d %H:%M} UTC"
            )
        rows = list(
            session.scalars(
                select(FleetOperationChangeRecord).where(
                    FleetOperationChangeRecord.operation_id == operation_id,
                    FleetOperationChangeRecord.state == "applied",
                )
            )
        )
        newest = _newest_layouts(session, {row.device_id for row in rows})
        read = {planogram.id: planogram for planogram in newest.values()}
        written = _written_versions(session, [row.after_planogram_id for row in rows if row.after_planogram_id], read)
        names = dict(
            session.execute(select(Device.id, Device.name).where(Device.id.in_({r.device_id for r in rows}))).all()
        )
        conflicts = [
            conflict
            for row in rows
            if (conflict := _conflict(row, newest.get((row.device_id, row.cabinet_index)), written, names))
        ]
        if conflicts:
            raise UndoConflicts(conflicts)
        result = OperationResult(operation_id)
        archived: list[int] = []
        restoring: dict[bool, list[Planogram]] = {True: [], False: []}  # by whether the newest version is active
        for row in rows:
            now_there = newest[(row.device_id, row.cabinet_index)]
            if now_there.id == row.after_planogram_id and now_there.status is PlanogramStatus.DRAFT:
                archived.append(now_there.id)  # type: ignore[arg-type]
            else:
                restored = _restored(now_there, row)
                restored.name = f"undo of fleet operation {operation_id}"
                restoring[now_there.status is PlanogramStatus.ACTIVE].append(restored)
            row.state = "undone"
            result.written += 1
        for start in range(0, len(archived), 1000):
            session.execute(
                update(PlanogramRecord)
                .where(PlanogramRecord.id.in_(archived[start : start + 1000]))
                .values(status=PlanogramStatus.ARCHIVED.value, updated_at=now)
            )
        for active, planograms in restoring.items():
            written, clashes = store_versions(session, planograms, user_id=user_id, activate=active, now=now, read=read)
            if clashes:  # the slots as they were would clash with codes set since: say so, change nothing
                raise UndoConflicts(
                    [f"device {device} cabinet {cabinet + 1}: {why}" for (device, cabinet), why in clashes.items()]
                )
            result.planogram_ids.extend(written.values())
        operation.status, operation.undone_at, operation.undone_by = "undone", now, user_id
        details = {"title": operation.title, "cabinets": result.written}
        audit_record(session, user_id, "fleet.undo", details, resource_type="fleet_operation", resource_id=operation_id)
        return result


def _written_versions(session: Session, ids: Sequence[int], read: Mapping[int, Planogram]) -> dict[int, Planogram]:
    """The versions of ``ids``; those in ``read`` (the cabinets' newest, mostly) are not read again."""
    found = {planogram_id: read[planogram_id] for planogram_id in ids if planogram_id in read}
    ids = [planogram_id for planogram_id in ids if planogram_id not in read]
    for start in range(0, len(ids), 1000):
        rows = {
            (row.id, 0): row
            for row in session.execute(
                select(
                    PlanogramRecord.id,
                    PlanogramRecord.device_id,
                    PlanogramRecord.cabinet_index,
                    PlanogramRecord.status,
                    PlanogramRecord.version,
                    PlanogramRecord.name,
                ).where(PlanogramRecord.id.in_(ids[start : start + 1000]))
            )
        }
        for (planogram_id, _), planogram in read_planograms(session, rows).items():
            found[planogram_id] = planogram
    return found


def _conflict(
    row: FleetOperationChangeRecord,
    now_there: Planogram | None,
    written: Mapping[int, Planogram],
    names: Mapping[int, str],
) -> str | None:
    where = f"{names.get(row.device_id, f'device {row.device_id}')} cabinet {row.cabinet_index + 1}"
    ours = written.get(row.after_planogram_id or -1)
    if ours is None:
        return f"{where}: the version the operation wrote no longer exists"
    if now_there is None:
        return f"{where}: the cabinet has no draft or active version any more"
    if now_there.id == ours.id:
        return None
    moved = [
        label
        for label in row.positions.split()
        if slot_layout(now_there.slot_at(Position.parse(label))) != slot_layout(ours.slot_at(Position.parse(label)))
    ]
    if moved:
        return f"{where}: {', '.join(moved)} changed since (now version {now_there.version})"
    return None


def _restored(now_there: Planogram, row: FleetOperationChangeRecord) -> Planogram:
    restored = copied(now_there)
    for entry in json.loads(row.before_slots or "[]"):
        position = Position.parse(entry["position"])
        if entry.get("empty"):
            kept = restored.slots.get(position)
            if kept is not None and kept.selection_code is not None:
                restored.slots[position] = Slot(position, selection_code=kept.selection_code)
            else:
                restored.slots.pop(position, None)
        else:
            restored.slots[position] = slot_from_dict(entry)
    return restored


# --- the record: operations, origins ------------------------------------------------------------------------------


def operations(engine: Engine, limit: int = 50) -> list[dict[str, Any]]:
    """The newest operations first: id, what, who, when, status and counts."""
    with session_factory(engine)() as session:
        found = session.execute(
            select(FleetOperationRecord, User.username)
            .outerjoin(User, User.id == FleetOperationRecord.created_by)
            .order_by(FleetOperationRecord.id.desc())
            .limit(limit)
        ).all()
        counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        ids = [operation.id for operation, _ in found]
        for operation_id, state in session.execute(
            select(FleetOperationChangeRecord.operation_id, FleetOperationChangeRecord.state).where(
                FleetOperationChangeRecord.operation_id.in_(ids)
            )
        ):
            counts[operation_id][state] += 1
        return [
            {
                "operation_id": operation.id,
                "kind": operation.kind,
                "title": operation.title,
                "status": operation.status,
                "mode": operation.mode,
                "created_at": operation.created_at.isoformat(sep=" ", timespec="seconds"),
                "created_by": username or "",
                "cabinets": dict(counts[operation.id]),
                "summary": json.loads(operation.summary or "{}"),
            }
            for operation, username in found
        ]


def origins(engine: Engine, planogram_ids: Iterable[int] = (), *, device_id: int | None = None) -> dict[int, str]:
    """Where each version came from (of ``planogram_ids``, or of every version of ``device_id``), for field sheets
    and the history: ``from template Office snacks v3``, or the fleet operation that wrote it. Versions written
    otherwise are absent."""
    ids = sorted(set(planogram_ids))
    if not ids and device_id is None:
        return {}
    query = (
        select(FleetOperationChangeRecord.after_planogram_id, FleetOperationRecord, PlanogramTemplateRecord)
        .join(FleetOperationRecord, FleetOperationRecord.id == FleetOperationChangeRecord.operation_id)
        .outerjoin(PlanogramTemplateRecord, PlanogramTemplateRecord.id == FleetOperationRecord.template_id)
        .where(FleetOperationChangeRecord.after_planogram_id.is_not(None))
    )
    if ids:
        query = query.where(FleetOperationChangeRecord.after_planogram_id.in_(ids))
    if device_id is not None:
        query = query.where(FleetOperationChangeRecord.device_id == device_id)
    with session_factory(engine)() as session:
        return {
            planogram_id: _origin(operation, template) for planogram_id, operation, template in session.execute(query)
        }


def _origin(operation: FleetOperationRecord, template: PlanogramTemplateRecord | None) -> str:
    if operation.kind in TEMPLATE_KINDS and template is not None:
        return f"from template {template.name} v{template.version} (fleet operation {operation.id})"
    return f"from fleet operation {operation.id}: {operation.title}"


# --- templates that change: proposals to the machines that follow them --------------------------------------------


def followers(engine: Engine, template_name: str) -> list[Cabinet]:
    """Cabinets whose newest template change still in force (applied, not undone) came from ``template_name``."""
    query = (
        select(
            FleetOperationChangeRecord.id,
            FleetOperationChangeRecord.device_id,
            FleetOperationChangeRecord.cabinet_index,
            PlanogramTemplateRecord.name,
        )
        .join(FleetOperationRecord, FleetOperationRecord.id == FleetOperationChangeRecord.operation_id)
        .join(PlanogramTemplateRecord, PlanogramTemplateRecord.id == FleetOperationRecord.template_id)
        .where(FleetOperationRecord.kind.in_(TEMPLATE_KINDS), FleetOperationChangeRecord.state == "applied")
        .order_by(FleetOperationChangeRecord.id)
    )
    newest: dict[Cabinet, str] = {}
    with engine.connect() as connection:
        for _id, device_id, cabinet_index, name in connection.execute(query):
            newest[(device_id, cabinet_index)] = name
    return sorted(key for key, name in newest.items() if name == template_name)


def save_template(engine: Engine, template: Template, *, user_id: int | None) -> tuple[Template, int | None]:
    """Save the template's next version; when machines follow it, propose the new version to each of them.
    Returns the saved version and the proposal's operation id (None when no machine follows it)."""
    saved = TemplateLibrary(engine).save(template, user_id=user_id)
    following = followers(engine, saved.name) if saved.version > 1 else []
    if not following:
        return saved, None
    with session_factory(engine).begin() as session:
        operation = FleetOperationRecord(
            kind="template_update",
            title=f"Template {saved.label} proposed to {len(following)} cabinets",
            template_id=saved.id,
            status="proposed",
            mode="draft",
            summary="{}",
            created_at=stored_now(),
            created_by=user_id,
        )
        session.add(operation)
        session.flush()
        session.add_all(
            FleetOperationChangeRecord(
                operation_id=operation.id, device_id=device_id, cabinet_index=cabinet_index, state="proposed"
            )
            for device_id, cabinet_index in following
        )
        details = {"template": saved.label, "cabinets": len(following)}
        audit_record(
            session, user_id, "fleet.propose", details, resource_type="fleet_operation", resource_id=operation.id
        )
        return saved, operation.id


def proposals(engine: Engine) -> list[dict[str, Any]]:
    """Proposals still waiting: the operation, its template version, and the machines each is waiting for."""
    query = (
        select(FleetOperationRecord, PlanogramTemplateRecord, FleetOperationChangeRecord, Device.name)
        .join(FleetOperationChangeRecord, FleetOperationChangeRecord.operation_id == FleetOperationRecord.id)
        .join(PlanogramTemplateRecord, PlanogramTemplateRecord.id == FleetOperationRecord.template_id)
        .join(Device, Device.id == FleetOperationChangeRecord.device_id)
        .where(FleetOperationRecord.status == "proposed", FleetOperationChangeRecord.state == "proposed")
        .order_by(FleetOperationRecord.id, FleetOperationChangeRecord.device_id)
    )
    listed: dict[int, dict[str, Any]] = {}
    with session_factory(engine)() as session:
        for operation, template, change, device_name in session.execute(query):
            entry = listed.setdefault(
                operation.id,
                {"operation_id": operation.id, "template": template.name, "version": template.version, "machines": []},
            )
            entry["machines"].append(
                {"device_id": change.device_id, "cabinet_index": change.cabinet_index, "name": device_name}
            )
    return list(listed.values())


def proposal_changes(
    engine: Engine, operation_id: int, catalogue: Catalogue, device_ids: Iterable[int] | None = None
) -> tuple[Template, list[MachineChange]]:
    """What accepting would do to each waiting machine (``device_ids``: those only): the diff, fresh from each
    machine's newest layout."""
    with session_factory(engine)() as session:
        operation = session.get(FleetOperationRecord, operation_id)
        if operation is None or operation.status != "proposed" or operation.template_id is None:
            raise RequestInvalid(
                f"fleet operation {operation_id} is not a waiting proposal; 'template proposals' lists them"
            )
        waiting = [
            (row.device_id, row.cabinet_index)
            for row in session.scalars(
                select(FleetOperationChangeRecord).where(
                    FleetOperationChangeRecord.operation_id == operation_id,
                    FleetOperationChangeRecord.state == "proposed",
                )
            )
        ]
    template = TemplateLibrary(engine).by_id(operation.template_id)
    wanted = set(device_ids) if device_ids is not None else None
    chosen = [key for key in waiting if wanted is None or key[0] in wanted]
    facts = {machine.device_id: machine for machine in machines(engine, {key[0] for key in chosen})}
    current = current_by_machine(newest_layouts(engine, facts))
    return template, [
        template_change(template, facts[device_id], current.get(device_id, {}), catalogue)
        for device_id, _cabinet in chosen
        if device_id in facts
    ]


def answer_proposal(
    engine: Engine,
    operation_id: int,
    *,
    accept: bool,
    device_ids: Iterable[int] | None = None,
    activate: bool = False,
    user_id: int | None,
) -> OperationResult:
    """Accept (write) or decline the proposal for ``device_ids`` (None: every machine still waiting)."""
    catalogue = FleetRepository(engine).catalogue()
    _template, changes = proposal_changes(engine, operation_id, catalogue, device_ids)
    now = stored_now()
    with session_factory(engine).begin() as session:
        require_user(session, user_id, Action.ACTIVATE if activate else Action.EDIT)
        operation = session.get(FleetOperationRecord, operation_id)
        assert operation is not None  # proposal_changes checked it
        rows = {
            (row.device_id, row.cabinet_index): row
            for row in session.scalars(
                select(FleetOperationChangeRecord).where(
                    FleetOperationChangeRecord.operation_id == operation_id,
                    FleetOperationChangeRecord.state == "proposed",
                )
            )
        }
        result = OperationResult(operation_id)
        if accept:
            operation.mode = "activate" if activate else "draft"
            mine = {(c.machine.device_id, c.cabinet_index): rows[(c.machine.device_id, c.cabinet_index)]
                    for c in changes if (c.machine.device_id, c.cabinet_index) in rows}  # fmt: skip
            # a proposal row is per cabinet the template went into before; the change names the cabinet it fits now
            for change in changes:
                key = (change.machine.device_id, change.cabinet_index)
                if key not in mine:
                    stale = next((row for k, row in rows.items() if k[0] == key[0]), None)
                    if stale is not None:
                        mine[key] = stale
            _write_changes(session, operation, changes, activate, user_id, now, {}, result, mine)
        else:
            wanted = set(device_ids) if device_ids is not None else None
            for (device_id, _cabinet), row in rows.items():
                if wanted is None or device_id in wanted:
                    row.state = "declined"
                    result.written += 1
        session.flush()
        left = session.scalar(
            select(FleetOperationChangeRecord.id).where(
                FleetOperationChangeRecord.operation_id == operation_id, FleetOperationChangeRecord.state == "proposed"
            )
        )
        if left is None:
            applied = session.scalar(
                select(FleetOperationChangeRecord.id).where(
                    FleetOperationChangeRecord.operation_id == operation_id,
                    FleetOperationChangeRecord.state == "applied",
                )
            )
            operation.status = "applied" if applied is not None else "declined"
        action = "fleet.accept" if accept else "fleet.decline"
        details = {"cabinets": result.written, "refused": len(result.refused)}
        audit_record(session, user_id, action, details, resource_type="fleet_operation", resource_id=operation_id)
        return result


def stored_version(engine: Engine, planogram_id: int) -> Planogram:
    with session_factory(engine)() as session:
        record = session.get(PlanogramRecord, planogram_id)
        if record is None:
            raise LookupError(f"planogram version {planogram_id} no longer exists")
        return planogram_from_record(record)


def machine_names(facts: Iterable[MachineFacts]) -> dict[int, str]:
    return {machine.device_id: machine.name for machine in facts}
