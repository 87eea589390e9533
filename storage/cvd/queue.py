"""Pending pushes: activations waiting to reach CVD, kept in the working copy so they survive restarts.

A push is retried until CVD accepts it (a lost connection leaves it pending with the error), and it never
overwrites a layout CVD changed since our pull: optimistic concurrency on CVD's ``planograms.updated_at``
(bumped by every Planogram Studio push) plus a fingerprint of CVD's slots (the web app never bumps
``updated_at``), against the merge base kept at pull time. A changed CVD layout parks the push as a
``conflict`` with CVD's layout saved beside it until the user resolves it (:func:`resolve_conflict`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import Engine, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from designer.planograms import PlanogramStatus
from designer.sync_merge import Choice, MergeResult, SlotContent, merge_layouts
from storage.audit import record as audit_record
from storage.cvd.control import SyncControl
from storage.cvd.links import Links, read_state, read_states, write_state
from storage.cvd.mapping import CvdSlot, json_number, layout_fingerprint, own_price
from storage.cvd.pull import _install_layout, active_record, base_key
from storage.cvd.push import push_layout
from storage.engine import session_factory
from storage.fleet import slot_price_column
from storage.stored_time import stored_now
from storage.sync_tables import CvdLink, PendingPush
from storage.tables import CabinetRecord, PlanogramRecord, ProductRecord

WAITING = ("pending", "conflict")


def conflict_key(push_id: int) -> str:
    return f"cvd.conflict.{push_id}"


def _planogram_link(session: Session, device_id: int, cabinet_index: int) -> CvdLink | None:
    cabinet_id = session.scalar(
        select(CabinetRecord.id).where(
            CabinetRecord.device_id == device_id, CabinetRecord.cabinet_index == cabinet_index
        )
    )
    if cabinet_id is None:
        return None
    return session.scalar(select(CvdLink).where(CvdLink.kind == "planogram", CvdLink.local_id == cabinet_id))


def enqueue_activation(session: Session, record: PlanogramRecord) -> PendingPush | None:
    """Queue ``record`` (just activated) for CVD, in the activation's own transaction; None if not from CVD."""
    return enqueue_activations(session, [record]).get((record.device_id, record.cabinet_index))


def enqueue_activations(session: Session, records: Sequence[PlanogramRecord]) -> dict[tuple[int, int], PendingPush]:
    """:func:`enqueue_activation` for many cabinets' new active versions at once (a fleet operation): a few
    statements whatever the count. Returns the pushes queued, by (device id, cabinet index); cabinets not from CVD
    are left out."""
    wanted = {(record.device_id, record.cabinet_index): record for record in records}
    devices = sorted({device_id for device_id, _ in wanted})
    links: dict[tuple[int, int], CvdLink] = {}
    earlier: list[PendingPush] = []
    for start in range(0, len(devices), 500):
        chunk = devices[start : start + 500]
        for device_id, cabinet_index, link in session.execute(
            select(CabinetRecord.device_id, CabinetRecord.cabinet_index, CvdLink)
            .join(CvdLink, (CvdLink.kind == "planogram") & (CvdLink.local_id == CabinetRecord.id))
            .where(CabinetRecord.device_id.in_(chunk))
        ):
            if (device_id, cabinet_index) in wanted:
                links[(device_id, cabinet_index)] = link
        earlier += session.scalars(
            select(PendingPush).where(PendingPush.device_id.in_(chunk), PendingPush.status.in_(WAITING))
        )
    if not links:
        return {}
    bases = read_states(session, [base_key(link.cvd_id) for link in links.values()])
    for push in earlier:
        # the latest activation is what the machine should run; a parked conflict is not lost by this: the
        # base stays what we pulled, so the new push meets CVD's change again and is parked in its turn
        if (push.device_id, push.cabinet_index) in links:
            push.status = "superseded"
    now = stored_now()
    queued = {
        key: PendingPush(
            planogram_id=wanted[key].id,
            device_id=key[0],
            cabinet_index=key[1],
            version=wanted[key].version,
            base_cvd_updated_at=(bases.get(base_key(link.cvd_id)) or {}).get("updated_at"),
            status="pending",
            attempts=0,
            created_at=now,
        )
        for key, link in links.items()
    }
    session.add_all(queued.values())
    session.flush()
    return queued


def collect_activations(engine: Engine) -> int:
    """Queue activations made while this working copy was not watching (e.g. by an older version): any
    cabinet whose active version is neither the one pulled nor one already queued."""
    queued = 0
    with session_factory(engine).begin() as session:
        for link in session.scalars(select(CvdLink).where(CvdLink.kind == "planogram")).all():
            cabinet = session.get(CabinetRecord, link.local_id)
            if cabinet is None:
                continue
            active = active_record(session, cabinet)
            base = read_state(session, base_key(link.cvd_id), {}) or {}
            if active is None or active.id == base.get("local_planogram_id"):
                continue
            known = session.scalar(select(PendingPush.id).where(PendingPush.planogram_id == active.id))
            if known is None and enqueue_activation(session, active) is not None:
                queued += 1
    return queued


@dataclass(slots=True)
class PushSummary:
    pushed: int = 0
    unchanged: int = 0
    conflicts: list[int] = field(default_factory=list)  # pending_pushes ids
    failed: list[str] = field(default_factory=list)


def _mine_in_cvd_ids(session: Session, record: PlanogramRecord) -> dict[str, CvdSlot]:
    products = Links(session, "product").by_local()
    mine: dict[str, CvdSlot] = {}
    for slot in record.slots:
        if slot.product_id is None:
            continue
        cvd_product = products.get(slot.product_id)
        if cvd_product is None:
            raise ValueError(
                f"slot {slot.position} holds product {slot.product_id}, which exists only in this working copy; "
                "add it in CVD first, pull, and place the CVD product instead"
            )
        price = None if slot.price is None else json_number(slot.price)  # None: CVD's catalogue price
        mine[slot.position] = CvdSlot(slot.position, cvd_product, slot.quantity, slot.capacity, slot.par_level, price)
    return mine


def run_pushes(cvd_engine: Engine, local: Engine, control: SyncControl | None = None) -> PushSummary:
    """Push every pending activation, oldest first; each in one CVD transaction, then marked done locally."""
    control = control or SyncControl()
    sessions = session_factory(local)
    summary = PushSummary()
    with sessions() as session:
        waiting = list(
            session.scalars(select(PendingPush.id).where(PendingPush.status == "pending").order_by(PendingPush.id))
        )
    for number, push_id in enumerate(waiting):
        control.step(int(100 * number / max(len(waiting), 1)), f"pushing layout {number + 1} of {len(waiting)}")
        with sessions() as session:
            push = session.get(PendingPush, push_id)
            record = session.get(PlanogramRecord, push.planogram_id) if push else None
            if push is None or record is None or push.status != "pending":
                continue
            link = _planogram_link(session, push.device_id, push.cabinet_index)
            base = read_state(session, base_key(link.cvd_id), {}) if link else {}
            try:
                if link is None:
                    raise ValueError("this cabinet is not linked to a CVD planogram any more; pull again")
                mine = _mine_in_cvd_ids(session, record)
            except ValueError as error:
                _fail(sessions, push_id, str(error), give_up=True)
                summary.failed.append(str(error))
                continue
            cvd_id = link.cvd_id
        try:
            with cvd_engine.begin() as connection:
                result = push_layout(
                    connection,
                    cvd_id,
                    mine,
                    base_fingerprint=base.get("fingerprint"),
                    base_updated_at=push.base_cvd_updated_at or base.get("updated_at"),
                )
        except DBAPIError as error:  # the server went away: keep it pending, say why, retry next time
            _fail(sessions, push_id, f"CVD did not accept the push ({error.orig}); it stays queued and is retried")
            raise
        except (LookupError, ValueError) as error:
            _fail(sessions, push_id, str(error), give_up=True)
            summary.failed.append(str(error))
            continue
        with sessions.begin() as session:
            push = session.get(PendingPush, push_id)
            push.attempts += 1
            if result.status == "conflict":
                push.status = "conflict"
                push.last_error = f"{result.planogram_key} was changed in CVD since the last pull"
                write_state(
                    session,
                    conflict_key(push_id),
                    {"updated_at": result.updated_at, "slots": [slot.as_list() for slot in result.theirs]},
                )
                audit_record(
                    session,
                    None,
                    "sync.conflict",
                    {"planogram_key": result.planogram_key},
                    resource_type="planogram",
                    resource_id=push.planogram_id,
                )
                summary.conflicts.append(push_id)
                continue
            push.status = "done"
            push.pushed_at = stored_now()
            push.last_error = None
            write_state(
                session,
                base_key(cvd_id),
                {
                    "updated_at": result.updated_at,
                    "fingerprint": layout_fingerprint(result.mine),
                    "slots": [slot.as_list() for slot in result.mine],
                    "local_planogram_id": push.planogram_id,
                },
            )
            session.execute(
                update(CvdLink)
                .where(CvdLink.kind == "planogram", CvdLink.cvd_id == cvd_id)
                .values(cvd_updated_at=result.updated_at)
            )
            audit_record(
                session,
                None,
                "sync.push",
                {"planogram_key": result.planogram_key, "slots": result.updated_slots, "result": result.status},
                resource_type="planogram",
                resource_id=push.planogram_id,
            )
        if result.status == "pushed":
            summary.pushed += 1
        else:
            summary.unchanged += 1
    return summary


def _fail(sessions, push_id: int, message: str, *, give_up: bool = False) -> None:  # type: ignore[no-untyped-def]
    with sessions.begin() as session:
        push = session.get(PendingPush, push_id)
        push.attempts += 1
        push.last_error = message
        if give_up:
            push.status = "failed"


# --- conflicts ---------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Conflict:
    """One parked push, in local product ids, ready for the conflict dialog."""

    push_id: int
    planogram_id: int
    device_id: int
    cabinet_index: int
    name: str
    base: dict[str, SlotContent]
    mine: dict[str, SlotContent]
    theirs: dict[str, SlotContent]
    theirs_updated_at: str | None

    def merge(self, choice: Choice = Choice.MERGE, per_slot: dict[str, Choice] | None = None) -> MergeResult:
        return merge_layouts(self.base, self.mine, self.theirs, choice, per_slot)


def _contents(rows: list[list[object]], products: Links) -> dict[str, SlotContent]:
    contents = {}
    for row in rows:
        slot = CvdSlot.from_list(row)  # type: ignore[arg-type]
        local = products.local(slot.product_id)
        if local is not None:
            contents[slot.position] = SlotContent(local, slot.capacity, slot.par_level)
    return contents


def _own_prices(session: Session, rows: list[list[object]]) -> dict[str, Decimal | None]:
    """CVD slot prices (stored rows) as our slots keep them: only where they differ from the catalogue."""
    products = Links(session, "product")
    prices: dict[str, Decimal | None] = {}
    for row in rows:
        slot = CvdSlot.from_list(row)  # type: ignore[arg-type]
        product = session.get(ProductRecord, products.local(slot.product_id)) if slot.product_id else None
        if product is not None:
            prices[slot.position] = slot_price_column(own_price(slot, product.price))
    return prices


def conflicts(local: Engine) -> list[Conflict]:
    found = []
    with session_factory(local)() as session:
        products = Links(session, "product")
        for push in session.scalars(
            select(PendingPush).where(PendingPush.status == "conflict").order_by(PendingPush.id)
        ):
            record = session.get(PlanogramRecord, push.planogram_id)
            link = _planogram_link(session, push.device_id, push.cabinet_index)
            theirs = read_state(session, conflict_key(push.id))
            if record is None or link is None or theirs is None:
                continue
            base = read_state(session, base_key(link.cvd_id), {}) or {}
            mine = {
                s.position: SlotContent(s.product_id, s.capacity, s.par_level) for s in record.slots if s.product_id
            }
            found.append(
                Conflict(
                    push.id,
                    record.id,
                    push.device_id,
                    push.cabinet_index,
                    record.name,
                    _contents(base.get("slots", []), products),
                    mine,
                    _contents(theirs["slots"], products),
                    theirs.get("updated_at"),
                )
            )
    return found


def resolve_conflict(
    local: Engine,
    push_id: int,
    choice: Choice = Choice.MERGE,
    per_slot: dict[str, Choice] | None = None,
    user_id: int | None = None,
) -> MergeResult:
    """Apply the user's choice; nothing is lost: CVD's layout is kept as a draft version whenever it is not
    what ends up active, and ours stays in the version history. The merged layout is queued for the next push
    against CVD's current layout (so a further change there is caught again, never overwritten)."""
    conflict = next((c for c in conflicts(local) if c.push_id == push_id), None)
    if conflict is None:
        raise LookupError(f"push {push_id} is not waiting on a conflict any more; refresh the sync status")
    result = conflict.merge(choice, per_slot)
    now = stored_now()
    with session_factory(local).begin() as session:
        push = session.get(PendingPush, push_id)
        cabinet = session.scalar(
            select(CabinetRecord).where(
                CabinetRecord.device_id == push.device_id, CabinetRecord.cabinet_index == push.cabinet_index
            )
        )
        link = _planogram_link(session, push.device_id, push.cabinet_index)
        theirs_state = read_state(session, conflict_key(push_id))
        push.status = "resolved"
        theirs_rows = theirs_state["slots"]
        base_prices = _own_prices(session, (read_state(session, base_key(link.cvd_id), {}) or {}).get("slots", []))
        quantities = {CvdSlot.from_list(r).position: CvdSlot.from_list(r).quantity for r in theirs_rows}
        write_state(
            session,
            base_key(link.cvd_id),
            {
                "updated_at": theirs_state.get("updated_at"),
                "fingerprint": layout_fingerprint(CvdSlot.from_list(r) for r in theirs_rows),
                "slots": theirs_rows,
                "local_planogram_id": None,
            },
        )
        their_prices = _own_prices(session, theirs_rows)
        my_prices = {slot.position: slot.price for slot in session.get(PlanogramRecord, conflict.planogram_id).slots}

        def price_of(position: str, content: SlotContent) -> Decimal | None:
            """A slot keeps the price of the side its content came from; where both sides hold the same content,
            the side that changed the price since the last sync wins (ours if both did, as for a slot; ours
            throughout for "keep mine")."""
            mine, theirs = content == conflict.mine.get(position), content == conflict.theirs.get(position)
            ours_changed = my_prices.get(position) != base_prices.get(position)
            if mine and (choice is Choice.MINE or not theirs or ours_changed):
                return my_prices.get(position)
            return their_prices.get(position) if theirs else None

        theirs_slots = [
            (p, c.product_id, quantities.get(p, 0), c.capacity, c.par_level, their_prices.get(p))
            for p, c in conflict.theirs.items()
        ]
        final_slots = [
            (p, c.product_id, quantities.get(p, 0), c.capacity, c.par_level, price_of(p, c))
            for p, c in result.layout.items()
        ]
        if sorted(final_slots) == sorted(theirs_slots):  # CVD's layout, prices included: nothing to push
            record = _install_layout(session, cabinet, conflict.name, theirs_slots, now, user_id)
            base = read_state(session, base_key(link.cvd_id))
            base["local_planogram_id"] = record.id
            write_state(session, base_key(link.cvd_id), base)
        else:
            draft = _install_layout(
                session, cabinet, f"{conflict.name} (CVD, kept from conflict)", theirs_slots, now, user_id
            )
            draft.status = PlanogramStatus.DRAFT.value
            draft.activated_at = None
            session.flush()
            session.execute(
                update(PlanogramRecord)
                .where(PlanogramRecord.id == conflict.planogram_id)
                .values(status=PlanogramStatus.ARCHIVED.value)
            )
            record = _install_layout(session, cabinet, conflict.name, final_slots, now, user_id)
            session.flush()
            enqueue_activation(session, record)
        audit_record(
            session,
            None,
            "sync.conflict.resolved",
            {"choice": choice.value, "conflicts": [c.position for c in result.conflicts]},
            resource_type="planogram",
            resource_id=record.id,
        )
    return result


def queue_status(local: Engine) -> dict[str, int]:
    counts: dict[str, int] = {}
    with session_factory(local)() as session:
        for status in session.scalars(select(PendingPush.status)):
            counts[status] = counts.get(status, 0) + 1
    return counts
