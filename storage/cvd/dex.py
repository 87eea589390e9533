"""Per-slot sales history from DEX audits: the units each selection sold between two consecutive reads.

DEX counters are cumulative (lifetime units and cash per selection), so one read says nothing about a
period; the difference between consecutive reads of the same machine and selection does. A counter that
goes down (the machine was reset or replaced) starts a new series rather than counting negative sales.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, select

from storage.engine import session_factory
from storage.sync_tables import DexSelectionRecord


@dataclass(frozen=True, slots=True)
class SlotPeriod:
    position: str
    start: datetime
    end: datetime
    units: int
    revenue: float


def slot_history(engine: Engine, device_id: int) -> list[SlotPeriod]:
    """Every period between two DEX reads of the device, per slot position, oldest first."""
    query = (
        select(DexSelectionRecord)
        .where(DexSelectionRecord.device_id == device_id, DexSelectionRecord.position.is_not(None))
        .order_by(DexSelectionRecord.position, DexSelectionRecord.read_at, DexSelectionRecord.cvd_id)
    )
    periods: list[SlotPeriod] = []
    previous: DexSelectionRecord | None = None
    with session_factory(engine)() as session:
        for record in session.scalars(query):
            same_series = previous is not None and previous.position == record.position
            if same_series and record.read_at > previous.read_at:  # type: ignore[union-attr]
                units = (record.units_sold or 0) - (previous.units_sold or 0)  # type: ignore[union-attr]
                cash = ((record.revenue_cents or 0) - (previous.revenue_cents or 0)) / 100  # type: ignore[union-attr]
                if units >= 0:
                    periods.append(SlotPeriod(record.position, previous.read_at, record.read_at, units, cash))  # type: ignore[arg-type,union-attr]
            previous = record
    return periods
