"""Pull from CVD into the working copy: reference rows and layouts compared in full, sales and DEX by watermark.

Every step commits on its own with its links and watermark, so an interrupted pull leaves whole batches and
a re-run continues where it stopped, writing nothing twice. A cabinet with an activation still waiting to be
pushed keeps its local layout and its merge base: the push then sees CVD's change and reports a conflict
instead of silently losing either side.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TypeVar

from sqlalchemy import ColumnElement, Connection, Engine, func, insert, literal_column, select, update
from sqlalchemy.orm import Session, sessionmaker

from designer.cabinets import TemperatureZone
from designer.planograms import PlanogramStatus
from designer.positions import MAX_COLUMNS, MAX_ROWS
from storage.audit import record as audit_record
from storage.cvd import schema as cvd
from storage.cvd.control import SyncControl
from storage.cvd.links import Links, forget_state, read_state, write_state
from storage.cvd.mapping import (
    EMPTY_SLOT_ID,
    IN_FORCE_NOTE,
    CvdSlot,
    cvd_slot,
    cvd_text,
    cvd_time,
    former_requirement_for,
    layout_fingerprint,
    layout_in_force_since,
    location_type_for,
    own_price,
    spread_units,
    temperature_requirement_for,
    zone_for_cabinet_type,
)
from storage.engine import session_factory
from storage.fleet import slot_price_column
from storage.stored_time import stored_now
from storage.sync_tables import DexSelectionRecord, PendingPush
from storage.tables import CabinetRecord, Device, PlanogramRecord, PlanogramSlotRecord, ProductRecord, SaleRecord, User

T = TypeVar("T")
SALES_WATERMARK = "cvd.sales.max_id"
DEX_WATERMARK = "cvd.dex_pa_records.max_id"
BATCH_ROWS = 20_000
SALES_COLUMNS = tuple(column.name for column in SaleRecord.__table__.columns if column.name != "id")
UNKNOWN_POSITION = ""  # a CVD sale of a product no layout of the device held when it sold


def base_key(cvd_planogram_id: int) -> str:
    """Where the layout last pulled from (or pushed to) CVD is kept: the merge base of the next push."""
    return f"cvd.planogram.{cvd_planogram_id}"


def in_force_key(cabinet_id: int) -> str:
    """Where a pull notes that a cabinet's first pulled layout is assumed in force before CVD recorded it."""
    return f"{IN_FORCE_NOTE}{cabinet_id}"


def requirement_key(cvd_product_id: int) -> str:
    """The temperature requirement a pull last derived for a product: a person's edit differs from it."""
    return f"cvd.product_requirement.{cvd_product_id}"


@dataclass(slots=True)
class PullSummary:
    users: int = 0
    locations: int = 0
    devices: int = 0
    cabinets: int = 0
    products: int = 0
    planograms: int = 0
    slots: int = 0
    layouts_changed: int = 0
    sales_new: int = 0
    sales_skipped: int = 0  # CVD rows of a device or product CVD itself no longer has
    dex_new: int = 0
    held_for_push: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def pull(
    cvd_engine: Engine, local: Engine, control: SyncControl | None = None, batch_rows: int = BATCH_ROWS
) -> PullSummary:
    control = control or SyncControl()
    sessions = session_factory(local)
    summary = PullSummary()
    control.step(0, "reading CVD devices, cabinets and products")
    with cvd_engine.connect() as source, sessions.begin() as session:
        _pull_reference(source, session, summary)
    control.step(10, "reading CVD planograms")
    with cvd_engine.connect() as source, sessions.begin() as session:
        _pull_layouts(source, session, summary, control.user_id)
    with cvd_engine.connect() as source:
        _pull_sales(source, local, sessions, summary, control, batch_rows)
        _pull_dex(source, sessions, summary, control, batch_rows)
    with sessions.begin() as session:
        audit_record(
            session,
            control.user_id,
            "sync.pull",
            {"devices": summary.devices, "layouts_changed": summary.layouts_changed, "sales_new": summary.sales_new},
            resource_type="sync",
        )
    control.step(100, "pulled from CVD")
    return summary


# --- users, locations, products, devices, cabinets ----------------------------------------------------------


def _pull_reference(source: Connection, session: Session, summary: PullSummary) -> None:
    user_links = Links(session, "user")
    people = cvd.users.c  # named columns: on a server, non-admins may not read emails or password hashes
    query = select(people.id, people.username, people.role, people.is_active, people.updated_at).order_by(people.id)
    for row in source.execute(query).mappings():
        user = _linked(session, user_links, User, row["id"], User.username == row["username"])
        if user is None:
            user = User(username=row["username"], role=row["role"], ai_features_enabled=True)
            session.add(user)
        user.role = row["role"]  # CVD owns roles, and who is switched off
        user.is_active = row["is_active"] is None or bool(row["is_active"])
        session.flush()
        user_links.put(row["id"], user.id, key=row["username"], updated_at=cvd_text(row["updated_at"]))
        summary.users += 1
    pull_credentials(source, session, user_links)

    location_links = Links(session, "location")
    location_names: dict[int, str] = {}
    for row in source.execute(select(cvd.locations)).mappings():
        location_names[row["id"]] = row["name"]
        location_links.put(row["id"], row["id"], key=row["name"], updated_at=cvd_text(row["updated_at"]))
        summary.locations += 1

    zones_of_product = _placement_zones(source)
    product_links = Links(session, "product")
    for row in source.execute(select(cvd.products).order_by(cvd.products.c.id)).mappings():
        local_id = product_links.local(row["id"])
        product = session.get(ProductRecord, local_id) if local_id else None
        zones = zones_of_product.get(row["id"], [])
        requirement = temperature_requirement_for(zones).value
        if product is None:
            product = ProductRecord(
                unit_cost=Decimal("0"), health_score=Decimal("5"), temperature_requirement=requirement
            )
            session.add(product)
        elif product.temperature_requirement != requirement:
            derived = read_state(session, requirement_key(row["id"]), former_requirement_for(zones).value)
            if product.temperature_requirement == derived:  # still what a pull derived, never a person's choice
                product.temperature_requirement = requirement
        product.name = row["name"]
        product.category = row["category"]
        product.price = Decimal(str(row["price"] or 0)).quantize(Decimal("0.01"))
        product.is_system = bool(row["is_system"]) or row["id"] == EMPTY_SLOT_ID
        session.flush()
        write_state(session, requirement_key(row["id"]), requirement)
        product_links.put(row["id"], product.id, key=row["name"], updated_at=cvd_text(row["created_at"]))
        summary.products += 1

    device_links = Links(session, "device")
    for row in source.execute(select(cvd.devices).order_by(cvd.devices.c.id)).mappings():
        device = _linked(session, device_links, Device, row["id"], Device.asset_number == row["asset"])
        location = location_names.get(row["location_id"], "")
        if device is None:
            device = Device(location_type=location_type_for(location))
            session.add(device)
        device.name = row["cooler"]
        device.asset_number = row["asset"]
        device.location_name = location
        device.model = row["model"] or None  # CVD's own: to choose machines by model and route (templates)
        device.route_id = row["route_id"]
        # a device deleted in CVD is kept (its sales and layouts still count) and marked read-only
        device.removed_at = None if row["deleted_at"] is None else cvd_time(row["deleted_at"])
        session.flush()
        device_links.put(row["id"], device.id, key=row["asset"], updated_at=cvd_text(row["updated_at"]))
        summary.devices += 1

    cabinet_links = Links(session, "cabinet")
    type_names = {row.id: row.name for row in source.execute(select(cvd.cabinet_types.c.id, cvd.cabinet_types.c.name))}
    for row in source.execute(select(cvd.cabinet_configurations).order_by(cvd.cabinet_configurations.c.id)).mappings():
        device_id = device_links.local(row["device_id"])
        if device_id is None:
            continue
        if row["rows"] > MAX_ROWS or row["columns"] > MAX_COLUMNS:
            summary.skipped.append(
                f"cabinet {row['cabinet_index']} of CVD device {row['device_id']} is {row['rows']}×{row['columns']}, "
                f"beyond the designer's {MAX_ROWS}×{MAX_COLUMNS}; it stays in CVD only"
            )
            continue
        type_name = type_names.get(row["cabinet_type_id"], row["model_name"] or "")
        same_place = (CabinetRecord.device_id == device_id) & (CabinetRecord.cabinet_index == row["cabinet_index"])
        cabinet = _linked(session, cabinet_links, CabinetRecord, row["id"], same_place)
        if cabinet is None:
            cabinet = CabinetRecord(device_id=device_id, cabinet_index=row["cabinet_index"])
            session.add(cabinet)
        cabinet.rows = row["rows"]
        cabinet.columns = row["columns"]
        cabinet.temperature_zone = zone_for_cabinet_type(type_name).value
        cabinet.name = type_name
        session.flush()
        cabinet_links.put(row["id"], cabinet.id, key=type_name)
        summary.cabinets += 1


def pull_credentials(source: Connection, session: Session, user_links: Links) -> bool:
    """Copy each CVD user's email, password hash and CVD lock into the working copy (sign-in works offline, and a
    password changed in CVD takes effect at this pull); False, changing nothing, where the server lets this login
    read only names and roles (on PostgreSQL only admins read hashes: there the server's login is the identity).
    """
    from sqlalchemy.exc import SQLAlchemyError

    from storage.credentials import cvd_lock_time

    people = cvd.users.c
    for extra in ([literal_column("locked_until")], []):  # an older CVD has no lockout columns
        try:
            with source.begin_nested():
                rows = source.execute(select(people.id, people.email, people.password_hash, *extra)).mappings().all()
        except SQLAlchemyError:
            continue
        for row in rows:
            local_id = user_links.local(row["id"])
            user = session.get(User, local_id) if local_id else None
            if user is not None:
                user.email = row["email"] or None
                user.password_hash = row["password_hash"] or None
                user.cvd_locked_until = cvd_lock_time(row.get("locked_until"))
        session.flush()
        return True
    return False


def _linked(session: Session, links: Links, model: type[T], cvd_id: int, same_thing: ColumnElement[bool]) -> T | None:
    """Our row for a CVD row: the linked one, else one that is evidently the same (adopted), else None."""
    local_id = links.local(cvd_id)
    found = session.get(model, local_id) if local_id else None
    return found if found is not None else session.scalar(select(model).where(same_thing))


def _placement_zones(source: Connection) -> dict[int, list[TemperatureZone]]:
    """For each CVD product, the zones of the cabinets CVD places it in (one entry per slot)."""
    query = (
        select(cvd.planogram_slots.c.product_id, cvd.cabinet_types.c.name)
        .join(cvd.planograms, cvd.planograms.c.id == cvd.planogram_slots.c.planogram_id)
        .join(cvd.cabinet_configurations, cvd.cabinet_configurations.c.id == cvd.planograms.c.cabinet_id)
        .join(cvd.cabinet_types, cvd.cabinet_types.c.id == cvd.cabinet_configurations.c.cabinet_type_id)
    )
    zones: dict[int, list[TemperatureZone]] = defaultdict(list)
    for product_id, type_name in source.execute(query):
        if product_id is not None:
            zones[product_id].append(zone_for_cabinet_type(type_name))
    return zones


# --- planograms ------------------------------------------------------------------------------------------


def read_cvd_layouts(source: Connection, planogram_ids: list[int] | None = None) -> dict[int, list[CvdSlot]]:
    query = select(cvd.planogram_slots).order_by(cvd.planogram_slots.c.planogram_id, cvd.planogram_slots.c.id)
    if planogram_ids is not None:
        query = query.where(cvd.planogram_slots.c.planogram_id.in_(planogram_ids))
    layouts: dict[int, list[CvdSlot]] = defaultdict(list)
    for row in source.execute(query).mappings():
        layouts[row["planogram_id"]].append(cvd_slot(row))
    return layouts


def _pull_layouts(source: Connection, session: Session, summary: PullSummary, user_id: int | None) -> None:
    cabinet_links = Links(session, "cabinet")
    product_links = Links(session, "product")
    planogram_links = Links(session, "planogram")
    layouts = read_cvd_layouts(source)
    cvd_prices = {row.id: row.price for row in source.execute(select(cvd.products.c.id, cvd.products.c.price))}
    held = {
        (push.device_id, push.cabinet_index)
        for push in session.scalars(select(PendingPush).where(PendingPush.status.in_(("pending", "conflict"))))
    }
    recorded = _layouts_recorded_at(source)
    first_sales = _first_sales(source)
    now = stored_now()
    for row in source.execute(select(cvd.planograms).order_by(cvd.planograms.c.id)).mappings():
        cabinet_id = cabinet_links.local(row["cabinet_id"])
        cabinet = session.get(CabinetRecord, cabinet_id) if cabinet_id else None
        if cabinet is None:
            continue
        slots = layouts.get(row["id"], [])
        summary.planograms += 1
        summary.slots += len(slots)
        fingerprint = layout_fingerprint(slots)
        base = read_state(session, base_key(row["id"]))
        updated_at = cvd_text(row["updated_at"])
        planogram_links.put(row["id"], cabinet.id, key=row["planogram_key"], updated_at=updated_at)
        if (cabinet.device_id, cabinet.cabinet_index) in held:
            summary.held_for_push.append(row["planogram_key"])
            continue
        local_slots = [
            (
                slot.position,
                product_links.local(slot.product_id),
                slot.quantity,
                slot.capacity,
                slot.par_level,
                slot_price_column(own_price(slot, cvd_prices.get(slot.product_id))),
            )
            for slot in slots
            if slot.product_id is not None and product_links.local(slot.product_id) is not None
        ]
        active = active_record(session, cabinet)
        recorded_at = recorded.get(row["id"])
        since, assumed_before = layout_in_force_since(recorded_at, first_sales.get(row["cabinet_id"]))
        if active is None or _layout_of(active) != {s[0]: (s[1], s[3], s[4], s[5]) for s in local_slots}:
            if active is None:  # the cabinet's first layout: in force since CVD set it up, or assumed
                activated = since or now
                _note_assumption(session, cabinet, since if assumed_before else None, assumed_before)
            else:  # a change CVD made since: dated by the slots it cleared, else first seen now
                later = recorded_at is not None and (active.activated_at is None or recorded_at > active.activated_at)
                activated = recorded_at if later and recorded_at is not None and recorded_at <= now else now
            _install_layout(session, cabinet, row["planogram_key"], local_slots, now, user_id, activated)
            summary.layouts_changed += 1
        else:
            quantities = {s[0]: s[2] for s in local_slots}
            for slot in active.slots:
                slot.quantity = quantities.get(slot.position, slot.quantity)
            if since is not None and _dated_at_pull_time(session, cabinet, active, base, since):
                active.activated_at = since  # a copy pulled before layouts were dated: its only version re-dated
                _note_assumption(session, cabinet, since if assumed_before else None, assumed_before)
        active = active_record(session, cabinet)
        write_state(
            session,
            base_key(row["id"]),
            {
                "updated_at": updated_at,
                "fingerprint": fingerprint,
                "slots": [slot.as_list() for slot in slots],
                "local_planogram_id": active.id if active else None,
                "previous": base.get("fingerprint") if base else None,
            },
        )


def _layouts_recorded_at(source: Connection) -> dict[int, datetime]:
    """CVD planogram id → the last time CVD shows its layout being set up: the planogram's ``updated_at`` or
    the latest ``cleared_at`` of a slot holding a product, whichever is later."""
    slots = cvd.planogram_slots.c
    latest_change = (
        select(slots.planogram_id, func.max(slots.cleared_at))
        .where(slots.product_id.is_not(None), slots.product_id != EMPTY_SLOT_ID, slots.cleared_at.is_not(None))
        .group_by(slots.planogram_id)
    )
    changed = {planogram: cvd_time(at) for planogram, at in source.execute(latest_change) if at is not None}
    recorded: dict[int, datetime] = {}
    for planogram, updated_at in source.execute(select(cvd.planograms.c.id, cvd.planograms.c.updated_at)):
        times = [t for t in (changed.get(planogram), cvd_time(updated_at) if updated_at else None) if t is not None]
        if times:
            recorded[planogram] = max(times)
    return recorded


def _first_sales(source: Connection) -> dict[int, datetime]:
    """CVD cabinet id → the first sale CVD holds of the cabinet's device."""
    sales, cabinets = cvd.sales.c, cvd.cabinet_configurations.c
    firsts = {
        device: cvd_time(first)
        for device, first in source.execute(
            select(sales.device_id, func.min(sales.created_at)).group_by(sales.device_id)
        )
        if first is not None
    }
    return {
        cabinet: firsts[device]
        for cabinet, device in source.execute(select(cabinets.id, cabinets.device_id))
        if device in firsts
    }


def _note_assumption(
    session: Session, cabinet: CabinetRecord, assumed_from: datetime | None, recorded_from: datetime | None
) -> None:
    """Keep (or clear) the note that the cabinet's first pulled layout is assumed from the first sale on."""
    if assumed_from is None or recorded_from is None:
        forget_state(session, in_force_key(cabinet.id))
        return
    write_state(
        session,
        in_force_key(cabinet.id),
        {"assumed_from": assumed_from.isoformat(sep=" "), "recorded_from": recorded_from.isoformat(sep=" ")},
    )


def _dated_at_pull_time(
    session: Session, cabinet: CabinetRecord, active: PlanogramRecord, base: dict | None, since: datetime
) -> bool:
    """Whether the active version is the only one the cabinet ever had, pulled from CVD and activated after the
    time CVD dates it from (as pulls before layouts were dated wrote it): then its date is corrected."""
    if base is None or base.get("local_planogram_id") != active.id or active.activated_at is None:
        return False
    if active.activated_at <= since:
        return False
    versions = session.scalar(
        select(func.count()).where(
            PlanogramRecord.device_id == cabinet.device_id,
            PlanogramRecord.cabinet_index == cabinet.cabinet_index,
            PlanogramRecord.activated_at.is_not(None),
            PlanogramRecord.status != PlanogramStatus.DRAFT.value,
        )
    )
    return versions == 1


def active_record(session: Session, cabinet: CabinetRecord) -> PlanogramRecord | None:
    session.flush()
    return session.scalars(
        select(PlanogramRecord)
        .where(
            PlanogramRecord.device_id == cabinet.device_id,
            PlanogramRecord.cabinet_index == cabinet.cabinet_index,
            PlanogramRecord.status == PlanogramStatus.ACTIVE.value,
        )
        .order_by(PlanogramRecord.version.desc())
    ).first()


def _layout_of(record: PlanogramRecord) -> dict[str, tuple[int | None, int, int, Decimal | None]]:
    return {
        slot.position: (slot.product_id, slot.capacity, slot.par_level, slot.price)
        for slot in record.slots
        if slot.product_id is not None
    }


def _install_layout(
    session: Session,
    cabinet: CabinetRecord,
    name: str,
    slots: list[tuple[str, int | None, int, int, int, Decimal | None]],
    now: datetime,
    user_id: int | None = None,
    activated: datetime | None = None,
) -> PlanogramRecord:
    """CVD's layout becomes the cabinet's active version; the previous active one is archived, never lost.

    What CVD does not keep stays as the previous active version had it (:func:`_kept_locally`)."""
    previous = active_record(session, cabinet)
    session.execute(
        update(PlanogramRecord)
        .where(
            PlanogramRecord.device_id == cabinet.device_id,
            PlanogramRecord.cabinet_index == cabinet.cabinet_index,
            PlanogramRecord.status == PlanogramStatus.ACTIVE.value,
        )
        .values(status=PlanogramStatus.ARCHIVED.value, updated_at=now)
    )
    latest = session.scalar(
        select(func.max(PlanogramRecord.version)).where(
            PlanogramRecord.device_id == cabinet.device_id, PlanogramRecord.cabinet_index == cabinet.cabinet_index
        )
    )
    record = PlanogramRecord(
        device_id=cabinet.device_id,
        cabinet_index=cabinet.cabinet_index,
        name=name,
        status=PlanogramStatus.ACTIVE.value,
        version=(latest or 0) + 1,
        created_at=now,
        updated_at=now,
        activated_at=activated or now,  # when it stood in the cabinet; created_at is when it was pulled
        created_by=user_id,  # who synced it in; the layout itself is CVD's
        slots=_kept_locally(
            session,
            previous,
            [
                PlanogramSlotRecord(
                    position=position, product_id=product, quantity=quantity, capacity=cap, par_level=par, price=price
                )
                for position, product, quantity, cap, par, price in sorted(slots, key=lambda slot: slot[0])
            ],
        ),
    )
    session.add(record)
    session.flush()
    return record


def _kept_locally(
    session: Session, previous: PlanogramRecord | None, slots: list[PlanogramSlotRecord]
) -> list[PlanogramSlotRecord]:
    """``slots`` (CVD's layout) with what only this working copy keeps, from the version they replace: each
    position's selection code (the machine's numbering, whatever CVD changed), and a card price where the same
    product stays in the slot and cards still pay other than cash. A position CVD leaves empty keeps its code."""
    before = {slot.position: slot for slot in previous.slots} if previous is not None else {}
    for slot in slots:
        old = before.pop(slot.position, None)
        if old is None:
            continue
        slot.selection_code = old.selection_code
        if old.card_price is not None and old.product_id == slot.product_id and slot.product_id is not None:
            product = session.get(ProductRecord, slot.product_id)
            cash = slot.price if slot.price is not None else (product.price if product is not None else None)
            slot.card_price = None if cash is not None and Decimal(old.card_price) == Decimal(cash) else old.card_price
    coded = [old for old in before.values() if old.selection_code is not None]
    empty = [
        PlanogramSlotRecord(position=old.position, product_id=None, quantity=0, capacity=old.capacity,
                            par_level=old.par_level, selection_code=old.selection_code)
        for old in coded
    ]  # fmt: skip
    return sorted(slots + empty, key=lambda slot: slot.position)


# --- sales and DEX -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Holding:
    """One slot holding a product in one planogram version, and when that version stood in its cabinet."""

    cabinet: int
    position: str
    capacity: int
    since: datetime
    until: datetime | None  # None: still in force


def _holdings_by_product(session: Session) -> dict[tuple[int, int], list[_Holding]]:
    """(device, product) → every slot of an activated version (active or archived) holding the product."""
    versions = session.execute(
        select(
            PlanogramRecord.id, PlanogramRecord.device_id, PlanogramRecord.cabinet_index, PlanogramRecord.activated_at
        ).where(PlanogramRecord.activated_at.is_not(None), PlanogramRecord.status != PlanogramStatus.DRAFT.value)
    ).all()
    spans: dict[int, tuple[int, int, datetime, datetime | None]] = {}
    by_cabinet: dict[tuple[int, int], list[tuple[datetime, int]]] = defaultdict(list)
    for planogram, device, cabinet, activated in versions:
        by_cabinet[(device, cabinet)].append((cvd_time(activated), planogram))
    for (device, cabinet), stood in by_cabinet.items():
        stood.sort()
        for (since, planogram), following in zip(stood, [*stood[1:], None], strict=True):
            spans[planogram] = (device, cabinet, since, following[0] if following else None)
    found: dict[tuple[int, int], list[_Holding]] = defaultdict(list)
    query = select(
        PlanogramSlotRecord.planogram_id,
        PlanogramSlotRecord.position,
        PlanogramSlotRecord.product_id,
        PlanogramSlotRecord.capacity,
    ).where(PlanogramSlotRecord.planogram_id.in_(list(spans)), PlanogramSlotRecord.product_id.is_not(None))
    for planogram, position, product, capacity in session.execute(query):
        device, cabinet, since, until = spans[planogram]
        found[(device, product)].append(_Holding(cabinet, position, int(capacity or 0), since, until))
    for holdings in found.values():
        holdings.sort(key=lambda h: (_slot_order((h.cabinet, h.position)), h.since))
    return found


def _slot_order(place: tuple[int, str]) -> tuple[int, str, int]:
    cabinet, position = place
    return cabinet, position[:1], int(position[1:] or 0)


def _slots_in_force(holdings: list[_Holding], sold_at: datetime) -> list[_Holding]:
    """The slots holding the product when it sold; before the first recorded version, the earliest versions
    (a layout is assumed to have stood from the first sale, as the pull dates it)."""
    standing = [h for h in holdings if h.since <= sold_at and (h.until is None or sold_at < h.until)]
    if standing or not holdings:
        return standing
    first = min(h.since for h in holdings)
    return [h for h in holdings if h.since == first]


def _pull_sales(
    source: Connection,
    local: Engine,
    sessions: sessionmaker[Session],
    summary: PullSummary,
    control: SyncControl,
    batch_rows: int,
) -> None:
    with sessions() as session:
        devices = Links(session, "device").rows
        products = Links(session, "product").rows
        device_of = {cvd_id: link.local_id for cvd_id, link in devices.items()}
        product_of = {cvd_id: link.local_id for cvd_id, link in products.items()}
        places = _holdings_by_product(session)
        watermark = int(read_state(session, SALES_WATERMARK, 0))
    total = source.scalar(select(func.count()).select_from(cvd.sales).where(cvd.sales.c.id > watermark)) or 0
    driver_rows = local.dialect.name == "sqlite"
    done = 0
    columns = cvd.sales.c
    while True:
        control.step(20 + int(70 * done / max(total, 1)), f"sales {done:,} of {total:,}")
        rows = source.execute(
            select(
                columns.id,
                columns.device_id,
                columns.product_id,
                columns.sale_units,
                columns.sale_cash,
                columns.created_at,
            )
            .where(columns.id > watermark)
            .order_by(columns.id)
            .limit(batch_rows)
        ).all()
        if not rows:
            break
        batch: list[tuple[object, ...]] = []
        taken = 0
        for cvd_id, device, product, units, cash, created in rows:
            device_id = device_of.get(device)
            product_id = product_of.get(product)
            if device_id is None or product_id is None:
                summary.sales_skipped += 1
                continue
            units = int(units or 0)
            price = round(float(cash or 0) / units, 2) if units else round(float(cash or 0), 2)
            sold_at = cvd_time(created)
            slots = _slots_in_force(places.get((device_id, product_id), []), sold_at)
            parts = spread_units(units, [h.capacity for h in slots], int(cvd_id))
            placed = [(h.cabinet, h.position, n) for h, n in zip(slots, parts, strict=True) if n > 0]
            for cabinet, position, part in placed or [(0, UNKNOWN_POSITION, units)]:
                batch.append(
                    (
                        device_id,
                        cabinet,
                        position,
                        product_id,
                        sold_at.strftime("%Y-%m-%d %H:%M:%S.%f") if driver_rows else sold_at,
                        part,
                        price if driver_rows else Decimal(str(price)),
                        -int(cvd_id),
                    )
                )
            taken += 1
        watermark = int(rows[-1][0])
        with sessions.begin() as session:
            _insert_sales(session, batch, driver_rows)
            write_state(session, SALES_WATERMARK, watermark)
        summary.sales_new += taken
        done += len(rows)


def _insert_sales(session: Session, batch: list[tuple[object, ...]], driver_rows: bool) -> None:
    if not batch:
        return
    if driver_rows:
        names = ", ".join(SALES_COLUMNS)
        marks = ", ".join("?" for _ in SALES_COLUMNS)
        session.connection().exec_driver_sql(f"INSERT INTO sales ({names}) VALUES ({marks})", batch)
    else:
        session.execute(insert(SaleRecord), [dict(zip(SALES_COLUMNS, row, strict=True)) for row in batch])


def _pull_dex(
    source: Connection, sessions: sessionmaker[Session], summary: PullSummary, control: SyncControl, batch_rows: int
) -> None:
    with sessions() as session:
        watermark = int(read_state(session, DEX_WATERMARK, 0))
        device_by_asset = dict(session.execute(select(Device.asset_number, Device.id)).all())
    records, reads = cvd.dex_pa_records, cvd.dex_reads
    while True:
        control.step(92, "DEX selection records")
        rows = (
            source.execute(
                select(records, reads.c.machine_serial, reads.c.upload_timestamp)
                .join(reads, reads.c.id == records.c.dex_read_id)
                .where(records.c.id > watermark)
                .order_by(records.c.id)
                .limit(batch_rows)
            )
            .mappings()
            .all()
        )
        if not rows:
            break
        zero_based = {row["dex_read_id"] for row in rows if str(row["column"]).strip() == "0"}
        with sessions.begin() as session:
            for row in rows:
                session.add(
                    DexSelectionRecord(
                        cvd_id=row["id"],
                        machine_serial=row["machine_serial"],
                        device_id=device_by_asset.get(row["machine_serial"]),
                        read_at=cvd_time(row["upload_timestamp"] or row["created_at"]),
                        selection=row["selection_number"],
                        position=_dex_position(row["row"], row["column"], row["dex_read_id"] in zero_based),
                        price_cents=row["price_cents"],
                        capacity=row["capacity"],
                        units_sold=row["units_sold"],
                        revenue_cents=row["revenue_cents"],
                    )
                )
            watermark = int(rows[-1]["id"])
            write_state(session, DEX_WATERMARK, watermark)
        summary.dex_new += len(rows)


def _dex_position(row: object, column: object, zero_based_columns: bool) -> str | None:
    """DEX rows count from 0 (row 0 is A); columns count from 0 on machines that report a column 0, else from
    1. None when the record does not say."""
    try:
        row_number, column_number = int(str(row)), int(str(column)) + (1 if zero_based_columns else 0)
    except (TypeError, ValueError):
        return None
    if not (0 <= row_number < 26 and column_number > 0):
        return None
    return f"{chr(ord('A') + row_number)}{column_number}"[:4]
