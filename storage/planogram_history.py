"""Which planogram stood in each cabinet, and since when: the active slots, the versions put in force, the
version in force on a given day. Read for the models; saving and activating versions is :mod:`storage.versions`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from designer.planograms import Planogram, PlanogramStatus
from storage.cvd.mapping import IN_FORCE_NOTE
from storage.fleet import planogram_from_record
from storage.sync_tables import SyncState
from storage.tables import CabinetRecord, PlanogramRecord, PlanogramSlotRecord

if TYPE_CHECKING:
    import pandas as pd


def active_slots(engine: Engine, device_id: int) -> pd.DataFrame:
    """The device's active planogram slots that hold a product: cabinet_index, position, product_id, capacity."""
    import pandas as pd  # only the models read frames: realtime-analysis's data-quality checks read no frame

    query = (
        select(
            PlanogramRecord.cabinet_index,
            PlanogramSlotRecord.position,
            PlanogramSlotRecord.product_id,
            PlanogramSlotRecord.capacity,
        )
        .join(PlanogramRecord, PlanogramRecord.id == PlanogramSlotRecord.planogram_id)
        .where(
            PlanogramRecord.device_id == device_id,
            PlanogramRecord.status == "active",
            PlanogramSlotRecord.product_id.is_not(None),
        )
    )
    with engine.connect() as connection:
        return pd.DataFrame(
            connection.execute(query).all(), columns=["cabinet_index", "position", "product_id", "capacity"]
        )


def carried_products(engine: Engine, device_id: int) -> frozenset[int]:
    """Products in the device's active planograms."""
    with engine.connect() as connection:
        return frozenset(
            connection.scalars(
                select(PlanogramSlotRecord.product_id)
                .join(PlanogramRecord, PlanogramRecord.id == PlanogramSlotRecord.planogram_id)
                .where(
                    PlanogramRecord.device_id == device_id,
                    PlanogramRecord.status == PlanogramStatus.ACTIVE.value,
                    PlanogramSlotRecord.product_id.is_not(None),
                )
                .distinct()
            )
        )


def versions_put_in_force(engine: Engine) -> list[tuple[int, int, int, datetime]]:
    """(device id, cabinet index, planogram id, activated at) of every version put in force, oldest first."""
    with engine.connect() as connection:
        return [
            tuple(row)  # type: ignore[misc]
            for row in connection.execute(
                select(
                    PlanogramRecord.device_id,
                    PlanogramRecord.cabinet_index,
                    PlanogramRecord.id,
                    PlanogramRecord.activated_at,
                )
                .where(PlanogramRecord.activated_at.is_not(None), PlanogramRecord.status != "draft")
                .order_by(PlanogramRecord.activated_at)
            ).all()
        ]


def planogram_in_force(
    engine: Engine, device_id: int, cabinet_index: int, before: datetime | None = None
) -> tuple[Planogram, datetime | None] | None:
    """The version last put in force in the cabinet (before ``before``, if given) and when it was activated."""
    query = (
        select(PlanogramRecord)
        .where(
            PlanogramRecord.device_id == device_id,
            PlanogramRecord.cabinet_index == cabinet_index,
            PlanogramRecord.activated_at.is_not(None),
            PlanogramRecord.status != "draft",
        )
        .order_by(PlanogramRecord.activated_at.desc(), PlanogramRecord.version.desc())
    )
    if before is not None:
        query = query.where(PlanogramRecord.activated_at < before)
    with Session(engine) as session:
        record = session.scalars(query).first()
        return (planogram_from_record(record), record.activated_at) if record is not None else None


def planogram_device(engine: Engine, planogram_id: int) -> int | None:
    """The device a planogram version belongs to (None when there is no such version)."""
    with engine.connect() as connection:
        return connection.scalar(select(PlanogramRecord.device_id).where(PlanogramRecord.id == planogram_id))


def active_planograms_by_device(engine: Engine, devices: Sequence[int]) -> dict[str, list[int]]:
    """Device id (as text, a JSON key) → ids of its active planograms, in cabinet order."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(PlanogramRecord.device_id, PlanogramRecord.id)
            .where(PlanogramRecord.device_id.in_(devices), PlanogramRecord.status == "active")
            .order_by(PlanogramRecord.device_id, PlanogramRecord.cabinet_index)
        ).all()
    out: dict[str, list[int]] = {}
    for device, planogram in rows:
        out.setdefault(str(device), []).append(planogram)
    return out


def placed_since(engine: Engine, device_id: int) -> dict[int, datetime]:
    """Product id → when a version put in force on the device first held it in a slot: its exposure's start."""
    query = (
        select(PlanogramSlotRecord.product_id, func.min(PlanogramRecord.activated_at))
        .join(PlanogramRecord, PlanogramRecord.id == PlanogramSlotRecord.planogram_id)
        .where(
            PlanogramRecord.device_id == device_id,
            PlanogramRecord.activated_at.is_not(None),
            PlanogramRecord.status != PlanogramStatus.DRAFT.value,
            PlanogramSlotRecord.product_id.is_not(None),
        )
        .group_by(PlanogramSlotRecord.product_id)
    )
    with engine.connect() as connection:
        return {product: _as_datetime(at) for product, at in connection.execute(query) if at is not None}


def _as_datetime(value: object) -> datetime:
    """An aggregate's timestamp: SQLite hands ``min()`` back as text, PostgreSQL as a datetime."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def assumed_layouts(engine: Engine, device_id: int) -> list[tuple[int, datetime, datetime]]:
    """(cabinet index, assumed from, recorded from) of each cabinet whose first layout pulled from CVD is read as
    standing since the device's first sale, though CVD records it only from a later day (it keeps no earlier
    layouts)."""
    with engine.connect() as connection:
        cabinets = dict(
            connection.execute(
                select(CabinetRecord.id, CabinetRecord.cabinet_index).where(CabinetRecord.device_id == device_id)
            ).all()
        )
        if not cabinets:
            return []
        keys = {f"{IN_FORCE_NOTE}{cabinet_id}": index for cabinet_id, index in cabinets.items()}
        rows = connection.execute(select(SyncState.key, SyncState.value).where(SyncState.key.in_(keys))).all()
    notes = []
    for key, value in rows:
        note = json.loads(value)
        notes.append(
            (keys[key], datetime.fromisoformat(note["assumed_from"]), datetime.fromisoformat(note["recorded_from"]))
        )
    return sorted(notes)
