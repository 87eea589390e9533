"""Stored demand forecasts (``demand_forecasts``): kept per device, product and day, scored once the day is sold.

A newer forecast replaces an unscored one of the same day; a scored one stays, so the dashboard's forecast
accuracy is measured on what was predicted before the day, not after.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import pandas as pd
from sqlalchemy import Engine, and_, delete, func, select, update

from storage.database import skip_write_on_read_only
from storage.tables import DemandForecast, SaleRecord


def replace_forecasts(engine: Engine, device_id: int, rows: Sequence[Mapping[str, object]]) -> int:
    """Insert ``rows`` (``demand_forecasts`` columns), first removing unscored forecasts of the same product-days.

    On a database opened read-only nothing is stored (a one-line warning says so) and 0 is returned.
    """
    if not rows or skip_write_on_read_only(engine, "the forecast rows"):
        return 0
    with engine.begin() as connection:
        for product_id in {r["product_id"] for r in rows}:
            dates = [r["forecast_date"] for r in rows if r["product_id"] == product_id]
            connection.execute(
                delete(DemandForecast).where(
                    DemandForecast.device_id == device_id,
                    DemandForecast.product_id == product_id,
                    DemandForecast.forecast_date.in_(dates),
                    DemandForecast.actual_units.is_(None),
                )
            )
        connection.execute(DemandForecast.__table__.insert(), list(rows))
    return len(rows)


def score_forecasts(engine: Engine, device_id: int | None = None) -> int:
    """Fill ``actual_units`` and ``accuracy`` of stored forecasts whose day has fully passed in the sales.

    A day counts once the device has a sale after it. accuracy = 1 − |actual − predicted| / max(actual,
    predicted, 1), in [0, 1]. Returns how many forecasts were scored (none on a database opened read-only).
    """
    if skip_write_on_read_only(engine, "the forecast scores"):
        return 0
    with engine.begin() as connection:
        query = select(
            DemandForecast.id,
            DemandForecast.device_id,
            DemandForecast.product_id,
            DemandForecast.forecast_date,
            DemandForecast.predicted_units,
        ).where(DemandForecast.actual_units.is_(None))
        if device_id is not None:
            query = query.where(DemandForecast.device_id == device_id)
        pending = connection.execute(query).all()
        scored = 0
        latest: dict[int, dt.date | None] = {}
        for row_id, device, product, day, predicted in pending:
            if device not in latest:
                last = connection.scalar(select(func.max(SaleRecord.sold_at)).where(SaleRecord.device_id == device))
                latest[device] = pd.Timestamp(last).date() if last is not None else None
            if latest[device] is None or day >= latest[device]:
                continue
            start = dt.datetime.combine(day, dt.time())
            actual = connection.scalar(
                select(func.coalesce(func.sum(SaleRecord.quantity), 0)).where(
                    and_(
                        SaleRecord.device_id == device,
                        SaleRecord.product_id == product,
                        SaleRecord.sold_at >= start,
                        SaleRecord.sold_at < start + dt.timedelta(days=1),
                    )
                )
            )
            predicted = predicted or 0
            accuracy = 1 - abs(actual - predicted) / max(actual, predicted, 1)
            connection.execute(
                update(DemandForecast)
                .where(DemandForecast.id == row_id)
                .values(actual_units=int(actual), accuracy=round(accuracy, 2))
            )
            scored += 1
    return scored
