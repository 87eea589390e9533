"""Stock-outs as the models read them: when a slot stood empty, and when the driver came back to refill it.

Demand while a slot is sold out is censored, not low; the refill times also say which days a machine is visited.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Engine, func, select

from storage.tables import StockoutRecord


def stockout_windows(engine: Engine, device_id: int) -> list[tuple[int, datetime, datetime | None]]:
    """(product id, sold out at, restocked at or None while still empty) of every stock-out of the device."""
    with engine.connect() as connection:
        return [
            tuple(row)  # type: ignore[misc]
            for row in connection.execute(
                select(StockoutRecord.product_id, StockoutRecord.sold_out_at, StockoutRecord.restocked_at).where(
                    StockoutRecord.device_id == device_id
                )
            ).all()
        ]


def restock_times(engine: Engine, device_id: int) -> list[datetime]:
    """When the device's sold-out slots were refilled (the visits that found an empty slot)."""
    with engine.connect() as connection:
        return list(
            connection.execute(
                select(StockoutRecord.restocked_at).where(
                    StockoutRecord.device_id == device_id, StockoutRecord.restocked_at.is_not(None)
                )
            )
            .scalars()
            .all()
        )


def daily_stockouts_by_device(
    engine: Engine, device_ids: Sequence[int], since: datetime, until: datetime
) -> list[tuple[int, object, int]]:
    """(device id, day, stock-outs that began that day) from ``since`` until before ``until``."""
    out_day = func.date(StockoutRecord.sold_out_at)
    query = (
        select(StockoutRecord.device_id, out_day, func.count())
        .where(
            StockoutRecord.device_id.in_(device_ids),
            StockoutRecord.sold_out_at >= since,
            StockoutRecord.sold_out_at < until,
        )
        .group_by(StockoutRecord.device_id, out_day)
    )
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(query).all()]  # type: ignore[misc]
