"""Sales history read for the designer: how fast each product sells at a device.

Windows are anchored on the device's latest sale ("as of"), not the wall clock, so a database gives the
same answers whenever it is opened.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine, func, select

from storage.tables import SaleRecord


def latest_sale(engine: Engine, device_id: int) -> datetime | None:
    with engine.connect() as connection:
        return connection.scalar(select(func.max(SaleRecord.sold_at)).where(SaleRecord.device_id == device_id))


def velocity_by_product(engine: Engine, device_id: int, days: int = 28) -> dict[int, float]:
    """Units sold per day over the ``days`` before the device's latest sale."""
    as_of = latest_sale(engine, device_id)
    if as_of is None:
        return {}
    since = as_of - timedelta(days=days)
    query = (
        select(SaleRecord.product_id, func.sum(SaleRecord.quantity))
        .where(SaleRecord.device_id == device_id, SaleRecord.sold_at > since)
        .group_by(SaleRecord.product_id)
    )
    with engine.connect() as connection:
        return {product_id: float(units) / days for product_id, units in connection.execute(query)}
