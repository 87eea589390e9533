"""The whole fleet's history in bulk, as the models train on it: devices, cabinets, products and the planogram
versions put in force; every vend (streamed in chunks) and every stock-out. Frames and rows, never objects:
millions of vends are read, and per-row ORM work would double the time.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, Select, func, select
from sqlalchemy.exc import DBAPIError

from storage.tables import (
    CabinetRecord,
    Device,
    PlanogramRecord,
    PlanogramSlotRecord,
    ProductRecord,
    SaleRecord,
    StockoutRecord,
)


def placement_reference(
    engine: Engine,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Devices (id, location_type), cabinets (device_id, cabinet_index, rows, columns, temperature_zone),
    products not of the system (id, category, price, temperature_requirement), planogram versions put in force
    (planogram_id, device_id, cabinet_index, version, activated_at) and their slots holding a product
    (planogram_id, position, product_id)."""
    with engine.connect() as connection:
        devices = pd.read_sql(select(Device.id, Device.location_type).order_by(Device.id), connection)
        cabinets = pd.read_sql(
            select(
                CabinetRecord.device_id,
                CabinetRecord.cabinet_index,
                CabinetRecord.rows,
                CabinetRecord.columns,
                CabinetRecord.temperature_zone,
            ),
            connection,
        )
        products = pd.read_sql(
            select(ProductRecord.id, ProductRecord.category, ProductRecord.price, ProductRecord.temperature_requirement)
            .where(ProductRecord.is_system.is_(False))
            .order_by(ProductRecord.id),
            connection,
        )
        in_force = (PlanogramRecord.activated_at.is_not(None)) & (PlanogramRecord.status != "draft")
        planograms = pd.read_sql(
            select(
                PlanogramRecord.id.label("planogram_id"),
                PlanogramRecord.device_id,
                PlanogramRecord.cabinet_index,
                PlanogramRecord.version,
                PlanogramRecord.activated_at,
            ).where(in_force),
            connection,
        )
        slots = pd.read_sql(
            select(PlanogramSlotRecord.planogram_id, PlanogramSlotRecord.position, PlanogramSlotRecord.product_id)
            .join(PlanogramRecord, PlanogramRecord.id == PlanogramSlotRecord.planogram_id)
            .where(in_force, PlanogramSlotRecord.product_id.is_not(None)),
            connection,
        )
    return devices, cabinets, products, planograms, slots


def last_sale_id(engine: Engine) -> int:
    """The highest sale id (0 without sales): about how many vends there are, without counting millions."""
    with engine.connect() as connection:
        return int(connection.scalar(select(SaleRecord.id).order_by(SaleRecord.id.desc()).limit(1)) or 0)


def sales_chunks(engine: Engine, columns: Sequence[str], rows: int) -> Iterator[pd.DataFrame]:
    """Every vend (these ``sales`` columns), ``rows`` at a time, straight from the driver's cursor: per-row
    ORM/Core processing would double the time on a 12-million-row fleet. Timestamps arrive as text (SQLite) or
    datetimes; pandas parses either.

    The cursor is the driver's own, opened before SQLAlchemy sees a row: a streamed SQLAlchemy result buffers
    the first row itself, and reading its ``.cursor`` behind its back lost that vend on PostgreSQL. There a
    named (server-side) cursor keeps memory flat on large fleets."""
    table = SaleRecord.__table__
    known = set(table.columns.keys())
    if not set(columns) <= known:
        raise ValueError(f"sales has no column {sorted(set(columns) - known)}")
    query = f"SELECT {', '.join(columns)} FROM {table.name}"  # plain column names: portable SQL
    driver_error = engine.dialect.loaded_dbapi.Error
    with engine.connect() as connection:
        driver = connection.connection
        cursor = driver.cursor(name="placement_sales") if engine.dialect.name == "postgresql" else driver.cursor()
        try:
            cursor.execute(query)
            while found := cursor.fetchmany(rows):
                yield pd.DataFrame.from_records(found, columns=list(columns))
        except driver_error as error:  # wrapped as SQLAlchemy would, so callers catch one kind of error
            raise DBAPIError.instance(query, None, error, driver_error) from error
        finally:
            cursor.close()


def slot_stockouts(engine: Engine) -> pd.DataFrame:
    """Every stock-out: device_id, cabinet_index, position, product_id, sold_out_at, restocked_at."""
    with engine.connect() as connection:
        return pd.read_sql(
            select(
                StockoutRecord.device_id,
                StockoutRecord.cabinet_index,
                StockoutRecord.position,
                StockoutRecord.product_id,
                StockoutRecord.sold_out_at,
                StockoutRecord.restocked_at,
            ),
            connection,
        )


HOURS_SINCE = "2000-01-01"
"""Times of :class:`SlotRecords` are hours since this midnight."""


@dataclass(frozen=True)
class SlotRecords:
    """The fleet's planogram slots, vends and stock-outs, coded as the substitutes analysis reads them: times
    as hours since :data:`HOURS_SINCE` (floats; NaN where missing)."""

    slots: pd.DataFrame  # device, cabinet, version, start (activation), position, product
    sales: pd.DataFrame  # device, cabinet, position, product, at, quantity, basket (transaction id)
    stockouts: pd.DataFrame  # device, cabinet, position, product, start (sold out), end (restocked)
    shapes: pd.DataFrame  # device, cabinet, rows, columns
    locations: dict[int, str]  # device id → location type


_SLOT = ["device", "cabinet", "position", "product"]


def _hours(column, engine: Engine):  # type: ignore[no-untyped-def]
    """A timestamp column as hours since 2000-01-01 (computed by SQLite itself when it can: no row parsing)."""
    if engine.dialect.name == "sqlite":
        return (func.julianday(column) - func.julianday(HOURS_SINCE)) * 24.0
    return column


def _as_hours(values: pd.Series, engine: Engine) -> np.ndarray:
    if engine.dialect.name == "sqlite":
        return pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    return ((pd.to_datetime(values) - pd.Timestamp(HOURS_SINCE)) / pd.Timedelta(hours=1)).to_numpy(dtype=float)


def _frame(connection: Connection, query: Select, columns: list[str]) -> pd.DataFrame:
    """The query's rows as a frame. On SQLite the driver's own cursor reads them (SQLAlchemy's row objects
    cost several times the fetch itself on a fleet's sales); the query has no user input to bind."""
    if connection.dialect.name == "sqlite":
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(str(query.compile(connection, compile_kwargs={"literal_binds": True})))
            rows = cursor.fetchall()
        finally:
            cursor.close()
    else:
        rows = [tuple(row) for row in connection.execute(query)]
    return pd.DataFrame(rows, columns=columns)


def slot_records(engine: Engine) -> SlotRecords:
    """Slots of every planogram version put in force (active or archived), every vend and stock-out, the
    cabinets' shapes and the devices' location types."""
    with engine.connect() as connection:
        slots = _frame(
            connection,
            select(
                PlanogramRecord.device_id,
                PlanogramRecord.cabinet_index,
                PlanogramRecord.version,
                _hours(PlanogramRecord.activated_at, engine),
                PlanogramSlotRecord.position,
                PlanogramSlotRecord.product_id,
            )
            .join(PlanogramRecord, PlanogramRecord.id == PlanogramSlotRecord.planogram_id)
            .where(PlanogramRecord.status.in_(("active", "archived")), PlanogramRecord.activated_at.is_not(None)),
            ["device", "cabinet", "version", "start", "position", "product"],
        )
        sales = _frame(
            connection,
            select(
                SaleRecord.device_id,
                SaleRecord.cabinet_index,
                SaleRecord.position,
                SaleRecord.product_id,
                _hours(SaleRecord.sold_at, engine),
                SaleRecord.quantity,
                SaleRecord.transaction_id,
            ),
            [*_SLOT, "at", "quantity", "basket"],
        )
        stockouts = _frame(
            connection,
            select(
                StockoutRecord.device_id,
                StockoutRecord.cabinet_index,
                StockoutRecord.position,
                StockoutRecord.product_id,
                _hours(StockoutRecord.sold_out_at, engine),
                _hours(StockoutRecord.restocked_at, engine),
            ),
            [*_SLOT, "start", "end"],
        )
        shapes = _frame(
            connection,
            select(CabinetRecord.device_id, CabinetRecord.cabinet_index, CabinetRecord.rows, CabinetRecord.columns),
            ["device", "cabinet", "rows", "columns"],
        )
        locations = {int(d): str(t) for d, t in connection.execute(select(Device.id, Device.location_type)).all()}
    slots["start"] = _as_hours(slots["start"], engine)
    sales["at"] = _as_hours(sales["at"], engine)
    stockouts["start"] = _as_hours(stockouts["start"], engine)
    stockouts["end"] = _as_hours(stockouts["end"], engine)
    return SlotRecords(slots, sales, stockouts, shapes, locations)
