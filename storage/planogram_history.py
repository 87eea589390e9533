"""Which planogram stood in each cabinet, and since when: the active slots, the versions put in force, the
version in force on a given day. Read for the models; saving and activating versions is :mod:`storage.versions`.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Engine, select

from designer.planograms import PlanogramStatus
from storage.tables import PlanogramRecord, PlanogramSlotRecord


def active_slots(engine: Engine, device_id: int) -> pd.DataFrame:
    """The device's active planogram slots that hold a product: cabinet_index, position, product_id, capacity."""
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
