"""Sales history read for the designer: how fast each product sells at a device.

Windows are anchored on the device's latest sale ("as of"), not the wall clock, so a database gives the
same answers whenever it is opened.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import Engine, extract, func, select

from storage.tables import SaleRecord

if TYPE_CHECKING:
    import pandas as pd

SALE_COLUMNS = ["product_id", "sold_at", "quantity", "transaction_id", "unit_price", "cabinet_index", "position"]


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


def read_sales(engine: Engine, device_id: int, since: datetime | None = None) -> pd.DataFrame:
    """One row per vend of the device (:data:`SALE_COLUMNS`), ``sold_at`` as pandas datetimes."""
    import pandas as pd  # only the models read frames: the palette's velocity, read on opening a device, does not

    query = select(
        SaleRecord.product_id,
        SaleRecord.sold_at,
        SaleRecord.quantity,
        SaleRecord.transaction_id,
        SaleRecord.unit_price,
        SaleRecord.cabinet_index,
        SaleRecord.position,
    ).where(SaleRecord.device_id == device_id)
    if since is not None:
        query = query.where(SaleRecord.sold_at >= since)
    with engine.connect() as connection:
        frame = pd.DataFrame(
            connection.execute(query).all(),
            columns=SALE_COLUMNS,
        )
    frame["sold_at"] = pd.to_datetime(frame["sold_at"])
    return frame


def revenue_by_product(engine: Engine, device_id: int) -> dict[int, float]:
    """Product id → the device's whole recorded revenue from it."""
    query = (
        select(SaleRecord.product_id, func.sum(SaleRecord.quantity * SaleRecord.unit_price))
        .where(SaleRecord.device_id == device_id)
        .group_by(SaleRecord.product_id)
    )
    with engine.connect() as connection:
        return {product: float(revenue or 0) for product, revenue in connection.execute(query)}


def slots_per_product(engine: Engine, device_id: int) -> dict[int, int]:
    """Product id → how many of the device's slots (positions) it has sold from."""
    with engine.connect() as connection:
        return dict(
            connection.execute(
                select(SaleRecord.product_id, func.count(func.distinct(SaleRecord.position)))
                .where(SaleRecord.device_id == device_id)
                .group_by(SaleRecord.product_id)
            ).all()
        )


def first_and_latest_sale(engine: Engine, device_id: int) -> tuple[datetime | None, datetime | None]:
    with engine.connect() as connection:
        first, latest = connection.execute(
            select(func.min(SaleRecord.sold_at), func.max(SaleRecord.sold_at)).where(SaleRecord.device_id == device_id)
        ).one()
    return first, latest


def sales_by_hour(engine: Engine, device_id: int, since: datetime) -> list[tuple[int | None, int, float, float]]:
    """(product id, hour of day, units, revenue) of the device's sales after ``since``."""
    hour = extract("hour", SaleRecord.sold_at)
    query = (
        select(
            SaleRecord.product_id,
            hour,
            func.sum(SaleRecord.quantity),
            func.sum(SaleRecord.quantity * SaleRecord.unit_price),
        )
        .where(SaleRecord.device_id == device_id, SaleRecord.sold_at > since)
        .group_by(SaleRecord.product_id, hour)
    )
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(query)]  # type: ignore[misc]


def cabinet_daily_revenue(
    engine: Engine, device_id: int, cabinet_index: int, since: datetime | None = None, until: datetime | None = None
) -> list[tuple[object, object]]:
    """(day, revenue) of each day with a sale from a slot of the cabinet, from ``since`` until before ``until``
    (both or neither); days as the database's date function gives them. Sales no slot held (a pulled product no
    layout holds, position ``""``) are no cabinet's revenue."""
    day = func.date(SaleRecord.sold_at)
    query = (
        select(day, func.sum(SaleRecord.quantity * SaleRecord.unit_price))
        .where(SaleRecord.device_id == device_id, SaleRecord.cabinet_index == cabinet_index, SaleRecord.position != "")
        .group_by(day)
    )
    if since is not None:
        query = query.where(SaleRecord.sold_at >= since)
        query = query.where(SaleRecord.sold_at < until)
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(query).all()]  # type: ignore[misc]


def daily_revenue_by_cabinet(engine: Engine, until: datetime | None = None) -> list[tuple[int, int, object, object]]:
    """(device id, cabinet index, day, revenue) of every cabinet-day with a sale from one of its slots, before
    ``until`` if given."""
    day = func.date(SaleRecord.sold_at)
    query = (
        select(
            SaleRecord.device_id, SaleRecord.cabinet_index, day, func.sum(SaleRecord.quantity * SaleRecord.unit_price)
        )
        .where(SaleRecord.position != "")
        .group_by(SaleRecord.device_id, SaleRecord.cabinet_index, day)
    )
    if until is not None:
        query = query.where(SaleRecord.sold_at < until)
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(query).all()]  # type: ignore[misc]


def cabinet_revenue(engine: Engine, device_id: int, cabinet_index: int, since: datetime, until: datetime) -> float:
    """The revenue from the cabinet's slots from ``since`` until before ``until`` (0 without sales)."""
    with engine.connect() as connection:
        total = connection.scalar(
            select(func.sum(SaleRecord.quantity * SaleRecord.unit_price)).where(
                SaleRecord.device_id == device_id,
                SaleRecord.cabinet_index == cabinet_index,
                SaleRecord.position != "",
                SaleRecord.sold_at >= since,
                SaleRecord.sold_at < until,
            )
        )
    return float(total or 0)


def fleet_sale_days(engine: Engine, since: datetime | None = None, until: datetime | None = None) -> list[object]:
    """The days on which any device of the fleet sold (from ``since``, before ``until``), as the database's date
    function gives them: a day without one is a gap in collection, not a day nobody bought."""
    day = func.date(SaleRecord.sold_at)
    query = select(day).group_by(day)
    if since is not None:
        query = query.where(SaleRecord.sold_at >= since)
    if until is not None:
        query = query.where(SaleRecord.sold_at < until)
    with engine.connect() as connection:
        return list(connection.scalars(query))


def units_by_device_and_product(engine: Engine, since: datetime, until: datetime) -> list[tuple[int, int, float]]:
    """(device id, product id, units) of every device and product sold from ``since`` until before ``until``."""
    query = (
        select(SaleRecord.device_id, SaleRecord.product_id, func.sum(SaleRecord.quantity))
        .where(SaleRecord.sold_at >= since, SaleRecord.sold_at < until)
        .group_by(SaleRecord.device_id, SaleRecord.product_id)
    )
    with engine.connect() as connection:
        return [(int(d), int(p), float(u or 0)) for d, p, u in connection.execute(query)]


def selling_days_by_device(engine: Engine, since: datetime, until: datetime) -> dict[int, int]:
    """Device id → the days it sold on from ``since`` until before ``until``."""
    query = (
        select(SaleRecord.device_id, func.count(func.distinct(func.date(SaleRecord.sold_at))))
        .where(SaleRecord.sold_at >= since, SaleRecord.sold_at < until)
        .group_by(SaleRecord.device_id)
    )
    with engine.connect() as connection:
        return {int(device): int(days) for device, days in connection.execute(query)}


def fleet_first_and_last_sale(engine: Engine) -> tuple[datetime | None, datetime | None]:
    """The first and the latest sale of the whole fleet."""
    with engine.connect() as connection:
        first, last = connection.execute(select(func.min(SaleRecord.sold_at), func.max(SaleRecord.sold_at))).one()
    return first, last


def latest_sale_of(engine: Engine, device_ids: Sequence[int]) -> datetime | None:
    """The latest sale on any of the devices."""
    with engine.connect() as connection:
        return connection.scalar(select(func.max(SaleRecord.sold_at)).where(SaleRecord.device_id.in_(device_ids)))


def daily_sales_by_device(
    engine: Engine, device_ids: Sequence[int], since: datetime, until: datetime
) -> list[tuple[int, object, float, float]]:
    """(device id, day, units, revenue) of each device-day with a sale from ``since`` until before ``until``."""
    day = func.date(SaleRecord.sold_at)
    query = (
        select(
            SaleRecord.device_id,
            day,
            func.sum(SaleRecord.quantity),
            func.sum(SaleRecord.quantity * SaleRecord.unit_price),
        )
        .where(SaleRecord.device_id.in_(device_ids), SaleRecord.sold_at >= since, SaleRecord.sold_at < until)
        .group_by(SaleRecord.device_id, day)
    )
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(query).all()]  # type: ignore[misc]


def basket_count(engine: Engine, device_id: int, since: datetime) -> int:
    """Transactions (shoppers who bought) at the device after ``since``."""
    with engine.connect() as connection:
        return int(
            connection.scalar(
                select(func.count(func.distinct(SaleRecord.transaction_id))).where(
                    SaleRecord.device_id == device_id, SaleRecord.sold_at > since
                )
            )
            or 0
        )
