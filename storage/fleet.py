"""Reading and writing the fleet as domain objects: devices, cabinets, the catalogue, planograms."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import Engine, func, or_, select
from sqlalchemy.orm import Session

from designer.cabinets import Cabinet, TemperatureZone
from designer.planograms import Planogram, PlanogramStatus, Slot
from designer.positions import Position
from designer.products import Catalogue, Product
from storage.engine import session_factory
from storage.tables import CabinetRecord, Device, PlanogramRecord, PlanogramSlotRecord, ProductRecord

K = TypeVar("K")

CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class DeviceSummary:
    """A device as the device list shows it."""

    id: int
    name: str
    asset_number: str
    location_type: str
    location_name: str
    cabinet_count: int
    removed: bool = False  # soft-deleted in CVD: shown for its history, not edited

    @property
    def why_read_only(self) -> str | None:
        """Why this device's layouts cannot be edited, whoever is signed in (None: they can)."""
        if self.removed:
            return "this device was deleted in CVD; its layouts are kept for their sales history only"
        return None


@dataclass(slots=True)
class DeviceLayout:
    """Everything needed to draw one device: its cabinets, each cabinet's active planogram (what the machine
    runs) and the newest draft saved since it (what the merchandiser was working on)."""

    device: DeviceSummary
    cabinets: list[Cabinet]
    planograms: dict[int, Planogram] = field(default_factory=dict)
    drafts: dict[int, Planogram] = field(default_factory=dict)

    def planogram_for(self, cabinet: Cabinet) -> Planogram:
        """The active planogram (an empty one when the cabinet has none)."""
        return self.planograms.get(cabinet.index) or Planogram(cabinet.device_id, cabinet.index)

    def designed_planogram_for(self, cabinet: Cabinet) -> Planogram:
        """What the designer opens: the newest draft saved after the active version, else the active one.

        A merchandiser who saved a draft and closed the app expects to find that draft again, not the version
        the machine runs; the active one stays a click away in the version history.
        """
        return self.drafts.get(cabinet.index) or self.planogram_for(cabinet)

    def active_version(self, cabinet: Cabinet) -> int | None:
        active = self.planograms.get(cabinet.index)
        return active.version if active is not None else None


def product_from_record(record: ProductRecord) -> Product:
    return Product(
        id=record.id,
        name=record.name,
        category=record.category,
        price=float(record.price),
        unit_cost=float(record.unit_cost or 0),
        temperature_requirement=TemperatureZone.parse(record.temperature_requirement or "ambient"),
        health_score=float(record.health_score if record.health_score is not None else 5),
    )


def cabinet_from_record(record: CabinetRecord) -> Cabinet:
    return Cabinet(
        device_id=record.device_id,
        index=record.cabinet_index,
        rows=record.rows,
        columns=record.columns,
        zone=TemperatureZone.parse(record.temperature_zone),
        name=record.name,
    )


def slot_price_column(price: float | None) -> Decimal | None:
    """A slot's price as ``planogram_slots.price`` stores it (cents exactly; NULL follows the catalogue)."""
    return None if price is None else Decimal(str(price)).quantize(CENT)


def slot_from_record(slot: Any) -> Slot:
    """A stored slot (an ORM record or a row of the same columns) as the designer's :class:`Slot`."""
    return Slot(
        Position.parse(slot.position),
        slot.product_id,
        slot.quantity,
        slot.capacity,
        slot.par_level,
        None if slot.price is None else float(slot.price),
        slot.selection_code,
        None if slot.card_price is None else float(slot.card_price),
    )


def planogram_from_record(record: PlanogramRecord) -> Planogram:
    slots = [slot_from_record(slot) for slot in record.slots]
    return Planogram.from_slots(
        record.device_id,
        record.cabinet_index,
        slots,
        name=record.name,
        status=PlanogramStatus(record.status),
        version=record.version,
        id=record.id,
    )


class FleetRepository:
    """The one place that turns rows into designer objects and back."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = session_factory(engine)

    def devices(self, text: str = "", location_type: str | None = None) -> list[DeviceSummary]:
        """Devices whose name, asset number or location contains ``text``, optionally of one location type."""
        cabinet_count = (
            select(func.count(CabinetRecord.id)).where(CabinetRecord.device_id == Device.id).scalar_subquery()
        )
        query = select(Device, cabinet_count).order_by(Device.id)
        if text.strip():
            pattern = f"%{text.strip()}%"
            query = query.where(
                or_(Device.name.ilike(pattern), Device.asset_number.ilike(pattern), Device.location_name.ilike(pattern))
            )
        if location_type:
            query = query.where(Device.location_type == location_type)
        with self._sessions() as session:
            return [
                DeviceSummary(
                    d.id, d.name, d.asset_number, d.location_type, d.location_name, count, d.removed_at is not None
                )
                for d, count in session.execute(query)
            ]

    def location_types(self) -> list[str]:
        with self._sessions() as session:
            return list(session.scalars(select(Device.location_type).distinct().order_by(Device.location_type)))

    def catalogue(self) -> Catalogue:
        with self._sessions() as session:
            records = session.scalars(
                select(ProductRecord).where(ProductRecord.is_system.is_(False)).order_by(ProductRecord.id)
            )
            return Catalogue(product_from_record(record) for record in records)

    def product_categories(self) -> dict[int, str]:
        """Product id → category, system products included (a vend is never of an unknown product)."""
        with self.engine.connect() as connection:
            return dict(connection.execute(select(ProductRecord.id, ProductRecord.category)).all())

    def peer_device_ids(self, device_id: int, location_type: str) -> list[int]:
        """The fleet's other devices of this location type, by id."""
        with self.engine.connect() as connection:
            return list(
                connection.scalars(
                    select(Device.id)
                    .where(Device.location_type == location_type, Device.id != device_id)
                    .order_by(Device.id)
                )
            )

    def location_types_of(self, device_ids: Sequence[int]) -> dict[int, str]:
        """Device id → location type of those of ``device_ids`` that exist."""
        with self.engine.connect() as connection:
            return dict(
                connection.execute(select(Device.id, Device.location_type).where(Device.id.in_(device_ids))).all()
            )

    def slot_count(self, device_id: int) -> int:
        """Slots of all the device's cabinets (rows × columns each)."""
        with self.engine.connect() as connection:
            slots = connection.scalar(
                select(func.coalesce(func.sum(CabinetRecord.rows * CabinetRecord.columns), 0)).where(
                    CabinetRecord.device_id == device_id
                )
            )
        return int(slots or 0)

    def cabinets(self, device_id: int) -> list[Cabinet]:
        with self._sessions() as session:
            records = session.scalars(
                select(CabinetRecord).where(CabinetRecord.device_id == device_id).order_by(CabinetRecord.cabinet_index)
            )
            return [cabinet_from_record(record) for record in records]

    def cabinets_of_shape(self, rows: int, columns: int) -> list[tuple[DeviceSummary, Cabinet]]:
        """Every cabinet of this shape in the fleet, to copy a planogram from."""
        query = (
            select(Device, CabinetRecord)
            .join(CabinetRecord, CabinetRecord.device_id == Device.id)
            .where(CabinetRecord.rows == rows, CabinetRecord.columns == columns)
            .order_by(Device.id, CabinetRecord.cabinet_index)
        )
        with self._sessions() as session:
            found = []
            for device, cabinet in session.execute(query):
                summary = DeviceSummary(
                    device.id, device.name, device.asset_number, device.location_type, device.location_name, 0
                )
                found.append((summary, cabinet_from_record(cabinet)))
            return found

    def active_planogram(self, device_id: int, cabinet_index: int) -> Planogram | None:
        with self._sessions() as session:
            record = session.scalars(
                select(PlanogramRecord)
                .where(
                    PlanogramRecord.device_id == device_id,
                    PlanogramRecord.cabinet_index == cabinet_index,
                    PlanogramRecord.status == PlanogramStatus.ACTIVE.value,
                )
                .order_by(PlanogramRecord.version.desc())
            ).first()
            return planogram_from_record(record) if record else None

    def stored_version(self, device_id: int, cabinet_index: int, version: int | None = None) -> Planogram:
        """Version ``version`` of one cabinet, or (None) its draft: the newest draft saved after the active version.

        Raises LookupError naming the versions there are, so a field export never guesses which one was meant.
        """
        with self._sessions() as session:
            records = list(
                session.scalars(
                    select(PlanogramRecord)
                    .where(PlanogramRecord.device_id == device_id, PlanogramRecord.cabinet_index == cabinet_index)
                    .order_by(PlanogramRecord.version)
                )
            )
            where = f"cabinet {cabinet_index} of device {device_id}"
            listed = ", ".join(f"v{record.version} ({record.status})" for record in records) or "none"
            if version is not None:
                found = next((record for record in records if record.version == version), None)
                if found is None:
                    raise LookupError(f"{where} has no version {version}; its versions are {listed}")
                return planogram_from_record(found)
            active = max(
                (record.version for record in records if record.status == PlanogramStatus.ACTIVE.value), default=0
            )
            drafts = [
                record for record in records if record.status == PlanogramStatus.DRAFT.value and record.version > active
            ]
            if not drafts:
                raise LookupError(f"{where} has no draft newer than its active version; its versions are {listed}")
            return planogram_from_record(drafts[-1])

    def device_layout(self, device_id: int) -> DeviceLayout:
        """One device with its cabinets and active planograms, read in one session."""
        with self._sessions() as session:
            device = session.get(Device, device_id)
            if device is None:
                raise LookupError(f"device {device_id} is not in this database; pick one from the device list")
            cabinets = [cabinet_from_record(record) for record in device.cabinets]
            records = session.scalars(
                select(PlanogramRecord).where(
                    PlanogramRecord.device_id == device_id, PlanogramRecord.status == PlanogramStatus.ACTIVE.value
                )
            )
            planograms = {record.cabinet_index: planogram_from_record(record) for record in records}
            drafts = self._newest_drafts(session, device_id, planograms)
            summary = DeviceSummary(
                device.id,
                device.name,
                device.asset_number,
                device.location_type,
                device.location_name,
                len(cabinets),
                device.removed_at is not None,
            )
            return DeviceLayout(summary, cabinets, planograms, drafts)

    @staticmethod
    def _newest_drafts(session: Session, device_id: int, active: dict[int, Planogram]) -> dict[int, Planogram]:
        """Per cabinet, the newest draft a person saved after the active version (a later activation wins).

        Drafts with no author (written by the simulator or an import, not saved by someone in the designer)
        are not anyone's work in progress and stay in the version history only.
        """
        records = session.scalars(
            select(PlanogramRecord)
            .where(
                PlanogramRecord.device_id == device_id,
                PlanogramRecord.status == PlanogramStatus.DRAFT.value,
                PlanogramRecord.created_by.is_not(None),
            )
            .order_by(PlanogramRecord.version)
        )
        drafts = {}
        for record in records:
            shown = active.get(record.cabinet_index)
            if shown is None or record.version > shown.version:
                drafts[record.cabinet_index] = record  # the newest, as they come in version order
        return {index: planogram_from_record(record) for index, record in drafts.items()}


def read_planograms(session: Session, rows: Mapping[K, Any]) -> dict[K, Planogram]:
    """Planograms of version rows (id, device_id, cabinet_index, name, status, version), under the caller's keys;
    their slots read in one query per thousand versions, whatever the fleet's size."""
    slots: dict[int, list[Slot]] = defaultdict(list)
    ids = sorted(row.id for row in rows.values())
    table = PlanogramSlotRecord.__table__.c  # Core columns: plain rows, without the ORM's per-row loading
    for start in range(0, len(ids), 1000):
        for slot in session.execute(
            select(
                table.planogram_id,
                table.position,
                table.product_id,
                table.quantity,
                table.capacity,
                table.par_level,
                table.price,
                table.selection_code,
                table.card_price,
            ).where(table.planogram_id.in_(ids[start : start + 1000]))
        ):
            slots[slot.planogram_id].append(slot_from_record(slot))
    return {
        key: Planogram.from_slots(
            row.device_id,
            row.cabinet_index,
            slots[row.id],
            name=row.name,
            status=PlanogramStatus(row.status),
            version=row.version,
            id=row.id,
        )
        for key, row in rows.items()
    }
