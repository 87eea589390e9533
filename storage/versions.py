"""Planogram versions per cabinet: drafts, the active one (what the machine runs), history and revert.

Every save makes a new numbered version (nothing is overwritten), so reverting is loading an old version
and saving it again; activation archives the previous active version. Each step is audited.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, insert, select, update
from sqlalchemy.orm import Session

from designer.planograms import Planogram, PlanogramStatus
from designer.roles import Action
from designer.validation import PlanogramInvalid, selection_code_clashes
from storage.audit import record as audit_record
from storage.bulk_rows import BulkRows
from storage.cvd.queue import enqueue_activation, enqueue_activations
from storage.engine import session_factory
from storage.fleet import cabinet_from_record, planogram_from_record, read_planograms, slot_price_column
from storage.stored_time import stored_now
from storage.sync_tables import CvdLink
from storage.tables import CabinetRecord, PlanogramRecord, PlanogramSlotRecord, User
from storage.users import require_user, sign_in

_SLOT_COLUMNS = (
    "planogram_id", "position", "product_id", "quantity", "capacity", "par_level", "price", "selection_code",
    "card_price",
)  # fmt: skip
_CABINET_COLUMNS = ("id", "device_id", "cabinet_index", "rows", "columns", "temperature_zone", "name")


@dataclass(frozen=True, slots=True)
class VersionInfo:
    """One line of a cabinet's version history."""

    id: int
    version: int
    status: PlanogramStatus
    name: str
    created_at: datetime
    created_by: str
    activated_at: datetime | None
    filled_slots: int


class PlanogramVersions:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._sessions = session_factory(engine)

    def current_user(self, username: str) -> int:
        """The signed-in user's id (see :func:`storage.users.sign_in`; registering an unknown login)."""
        return sign_in(self._engine, username, audit=False).id

    def history(self, device_id: int, cabinet_index: int) -> list[VersionInfo]:
        """Newest first."""
        filled = (
            select(func.count(PlanogramSlotRecord.id))
            .where(PlanogramSlotRecord.planogram_id == PlanogramRecord.id, PlanogramSlotRecord.product_id.is_not(None))
            .scalar_subquery()
        )
        query = (
            select(PlanogramRecord, User.username, filled)
            .outerjoin(User, User.id == PlanogramRecord.created_by)
            .where(PlanogramRecord.device_id == device_id, PlanogramRecord.cabinet_index == cabinet_index)
            .order_by(PlanogramRecord.version.desc())
        )
        with self._sessions() as session:
            return [
                VersionInfo(
                    record.id,
                    record.version,
                    PlanogramStatus(record.status),
                    record.name,
                    record.created_at,
                    username or "simulator",
                    record.activated_at,
                    count,
                )
                for record, username, count in session.execute(query)
            ]

    def load(self, planogram_id: int) -> Planogram:
        with self._sessions() as session:
            record = session.get(PlanogramRecord, planogram_id)
            if record is None:
                raise LookupError(f"planogram version {planogram_id} no longer exists; refresh the history")
            return planogram_from_record(record)

    def save(self, planogram: Planogram, *, user_id: int | None = None, activate: bool = False) -> Planogram:
        """Store ``planogram`` as the cabinet's next version: a draft unless ``activate`` (whatever its status says)."""
        with self._sessions.begin() as session:
            require_user(session, user_id, Action.ACTIVATE if activate else Action.EDIT)
            return planogram_from_record(store_version(session, planogram, user_id=user_id, activate=activate))

    def activate(self, planogram_id: int, *, user_id: int | None = None) -> Planogram:
        """Make a stored version the one the machine runs."""
        with self._sessions.begin() as session:
            require_user(session, user_id, Action.ACTIVATE)
            record = session.get(PlanogramRecord, planogram_id)
            if record is None:
                raise LookupError(f"planogram version {planogram_id} no longer exists; refresh the history")
            self._activate(session, record, user_id, stored_now())
            return planogram_from_record(record)

    @staticmethod
    def _activate(
        session: Session, record: PlanogramRecord, user_id: int | None, now: datetime, *, audit: bool = True
    ) -> None:
        _check_selection_codes(session, record)
        session.execute(
            update(PlanogramRecord)
            .where(
                PlanogramRecord.device_id == record.device_id,
                PlanogramRecord.cabinet_index == record.cabinet_index,
                PlanogramRecord.status == PlanogramStatus.ACTIVE.value,
                PlanogramRecord.id != record.id,
            )
            .values(status=PlanogramStatus.ARCHIVED.value, updated_at=now)
        )
        record.status = PlanogramStatus.ACTIVE.value
        record.activated_at = now
        record.updated_at = now
        if audit:
            _audit(session, user_id, "planogram.activate", {"planogram": record.id, "version": record.version})
        enqueue_activation(session, record)  # a cabinet pulled from CVD: the push waits in the queue from now on


def store_version(
    session: Session,
    planogram: Planogram,
    *,
    user_id: int | None,
    activate: bool = False,
    now: datetime | None = None,
    audit: bool = True,
) -> PlanogramRecord:
    """Add ``planogram`` as its cabinet's next version in ``session`` (the caller checked the role): the one way a
    version is written, whether one cabinet is saved or a fleet operation writes a thousand in one transaction.
    ``audit`` False leaves the audit to the caller (a fleet operation audits itself once)."""
    now = now or stored_now()
    latest = session.scalar(
        select(func.max(PlanogramRecord.version)).where(
            PlanogramRecord.device_id == planogram.device_id,
            PlanogramRecord.cabinet_index == planogram.cabinet_index,
        )
    )
    status = PlanogramStatus.ACTIVE if activate else None  # never from the document: drafts stay drafts
    record = PlanogramRecord(
        device_id=planogram.device_id,
        cabinet_index=planogram.cabinet_index,
        name=planogram.name,
        status=(status or PlanogramStatus.DRAFT).value,
        version=(latest or 0) + 1,
        created_at=now,
        updated_at=now,
        created_by=user_id,
        slots=[
            PlanogramSlotRecord(
                position=slot.position.label,
                product_id=slot.product_id,
                quantity=slot.quantity,
                capacity=slot.capacity,
                par_level=slot.par_level,
                price=slot_price_column(slot.price),
                selection_code=slot.selection_code,
                card_price=slot_price_column(slot.card_price),
            )
            for slot in (planogram.slots[p] for p in sorted(planogram.slots))
        ],
    )
    session.add(record)
    session.flush()
    if audit:
        _audit(session, user_id, "planogram.save", {"planogram": record.id, "version": record.version})
    if status is PlanogramStatus.ACTIVE:
        activate_version(session, record, user_id, now, audit=audit)
    return record


def store_versions(
    session: Session,
    planograms: Sequence[Planogram],
    *,
    user_id: int | None,
    activate: bool,
    now: datetime,
    read: Mapping[int, Planogram] | None = None,
) -> tuple[dict[tuple[int, int], int], dict[tuple[int, int], str]]:
    """Many cabinets' next versions in one go (a fleet operation; the caller checked the role and audits once):
    the same rows :func:`store_version` writes, in a few statements whatever the count. Activating archives each
    cabinet's active version and queues CVD's cabinets, and refuses (writes nothing for) a cabinet whose version
    would give two slots of its machine one selection code. ``read``: versions the caller has read in this
    transaction already, by id (not read again for that check). Returns the new version ids and the refusals, by
    (device id, cabinet index)."""
    keys = [(p.device_id, p.cabinet_index) for p in planograms]
    devices = sorted({device_id for device_id, _ in keys})
    latest: dict[tuple[int, int], int] = {}
    active: dict[tuple[int, int], list[Any]] = defaultdict(list)
    cabinets: dict[tuple[int, int], Any] = {}
    for start in range(0, len(devices), 500):
        chunk = devices[start : start + 500]
        stored = select(
            PlanogramRecord.id, PlanogramRecord.device_id, PlanogramRecord.cabinet_index, PlanogramRecord.version,
            PlanogramRecord.status, PlanogramRecord.name,
        ).where(PlanogramRecord.device_id.in_(chunk))  # fmt: skip
        for row in session.execute(stored):
            key = (row.device_id, row.cabinet_index)
            latest[key] = max(latest.get(key, 0), row.version)
            if row.status == PlanogramStatus.ACTIVE.value:
                active[key].append(row)
        if activate:
            for record in session.execute(
                select(*(CabinetRecord.__table__.c[name] for name in _CABINET_COLUMNS)).where(
                    CabinetRecord.device_id.in_(chunk)
                )
            ):
                cabinets[(record.device_id, record.cabinet_index)] = record
    refusals: dict[tuple[int, int], str] = {}
    if activate:
        known = read or {}
        in_force = {key: rows[-1] for key, rows in active.items() if rows}
        fresh = read_planograms(session, {key: row for key, row in in_force.items() if row.id not in known})
        running = {key: known[row.id] if row.id in known else fresh[key] for key, row in in_force.items()}
        shapes = {key: cabinet_from_record(record) for key, record in cabinets.items()}
        by_device: dict[int, list[tuple[int, Planogram]]] = defaultdict(list)
        for (device_id, cabinet_index), other in running.items():
            if (device_id, cabinet_index) in shapes:
                by_device[device_id].append((cabinet_index, other))
        for planogram, key in zip(planograms, keys, strict=True):
            if key not in shapes:
                continue
            others = [(other, shapes[(key[0], index)]) for index, other in by_device[key[0]] if index != key[1]]
            problems = selection_code_clashes(planogram, shapes[key], others)
            if problems:
                refusals[key] = str(SelectionCodesClash(problems))
    writing = [(p, key) for p, key in zip(planograms, keys, strict=True) if key not in refusals]
    if not writing:
        return {}, refusals
    status = (PlanogramStatus.ACTIVE if activate else PlanogramStatus.DRAFT).value
    records = [
        {
            "device_id": key[0], "cabinet_index": key[1], "name": planogram.name, "status": status,
            "version": latest.get(key, 0) + 1, "created_at": now, "updated_at": now, "created_by": user_id,
            "activated_at": now if activate else None,
        }
        for planogram, key in writing
    ]  # fmt: skip
    ids = list(
        session.scalars(insert(PlanogramRecord).returning(PlanogramRecord.id, sort_by_parameter_order=True), records)
    )
    slot_rows = BulkRows(session.connection(), PlanogramSlotRecord.__table__, _SLOT_COLUMNS)  # type: ignore[arg-type]
    slot_rows.insert(
        [
            (
                planogram_id, slot.position.label, slot.product_id, slot.quantity, slot.capacity, slot.par_level,
                slot_rows.stored("price", slot_price_column(slot.price)), slot.selection_code,
                slot_rows.stored("card_price", slot_price_column(slot.card_price)),
            )
            for (planogram, _key), planogram_id in zip(writing, ids, strict=True)
            for slot in (planogram.slots[p] for p in sorted(planogram.slots))
        ]
    )  # fmt: skip
    written = {key: planogram_id for (_planogram, key), planogram_id in zip(writing, ids, strict=True)}
    if activate:
        archived = [row.id for key in written for row in active.get(key, [])]
        for start in range(0, len(archived), 1000):
            session.execute(
                update(PlanogramRecord)
                .where(PlanogramRecord.id.in_(archived[start : start + 1000]))
                .values(status=PlanogramStatus.ARCHIVED.value, updated_at=now)
            )
        linked = set(
            session.scalars(
                select(CvdLink.local_id).where(
                    CvdLink.kind == "planogram", CvdLink.local_id.in_([cabinets[key].id for key in written])
                )
            )
        )
        # cabinets pulled from CVD: their pushes wait in the queue from now on
        pushed = [written[key] for key in written if cabinets[key].id in linked]
        for start in range(0, len(pushed), 1000):
            chunk = pushed[start : start + 1000]
            records = session.scalars(select(PlanogramRecord).where(PlanogramRecord.id.in_(chunk)))
            enqueue_activations(session, list(records))
    return written, refusals


def activate_version(
    session: Session, record: PlanogramRecord, user_id: int | None, now: datetime, *, audit: bool = True
) -> None:
    """Make ``record`` its cabinet's active version (archiving the one before) and queue it for CVD."""
    PlanogramVersions._activate(session, record, user_id, now, audit=audit)


class SelectionCodesClash(PlanogramInvalid):
    """Activating would give two slots of one machine the same selection code; nothing was activated."""

    def __str__(self) -> str:
        listed = "; ".join(str(problem) for problem in self.problems)
        return f"two slots of this machine would share a selection code: {listed}"


def _check_selection_codes(session: Session, record: PlanogramRecord) -> None:
    """A device's cabinets share one keypad: the version to activate must not reuse a code that the device's
    other cabinets run (their active versions) or that another of its own slots has."""
    cabinets = {
        cabinet.cabinet_index: cabinet_from_record(cabinet)
        for cabinet in session.scalars(select(CabinetRecord).where(CabinetRecord.device_id == record.device_id))
    }
    cabinet = cabinets.get(record.cabinet_index)
    if cabinet is None:  # a version of a cabinet the device no longer has: nothing to number against
        return
    others = session.scalars(
        select(PlanogramRecord).where(
            PlanogramRecord.device_id == record.device_id,
            PlanogramRecord.cabinet_index != record.cabinet_index,
            PlanogramRecord.status == PlanogramStatus.ACTIVE.value,
        )
    )
    running = [(planogram_from_record(other), cabinets[other.cabinet_index]) for other in others
               if other.cabinet_index in cabinets]  # fmt: skip
    problems = selection_code_clashes(planogram_from_record(record), cabinet, running)
    if problems:
        raise SelectionCodesClash(problems)


def _audit(session: Session, user_id: int | None, action: str, details: dict[str, object]) -> None:
    audit_record(session, user_id, action, details, resource_type="planogram", resource_id=int(details["planogram"]))
