"""Writing the simulated fleet into our schema: bulk Core inserts, simulated timestamps only.

Sales dominate the volume, so on SQLite they go through the driver's ``executemany`` with timestamps
already in SQLAlchemy's text format; other databases get Core inserts with Python values. Every
timestamp column, including those with server defaults, is set from the simulated clock.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from contextlib import closing
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import Connection, Table, delete, func, insert, select

from storage.schema import OUR_SCHEMA
from storage.simulator.catalogue import USERS, ProductTable, money, product_rows
from storage.simulator.demand import DeviceSales
from storage.simulator.history import SECONDS_PER_DAY, History
from storage.simulator.layouts import EMPTY_SLOT_CAPACITY, CabinetPlan, DevicePlan, PlanogramPlan
from storage.tables import (
    AuditLogRecord,
    CabinetRecord,
    Device,
    PlanogramRecord,
    PlanogramSlotRecord,
    ProductRecord,
    SaleRecord,
    SimulationTruth,
    StockoutRecord,
    User,
)

SALES_COLUMNS = (
    "device_id",
    "cabinet_index",
    "position",
    "product_id",
    "sold_at",
    "quantity",
    "unit_price",
    "transaction_id",
)
STOCKOUT_COLUMNS = ("device_id", "cabinet_index", "position", "product_id", "sold_out_at", "restocked_at")
PLANNER = "maria.manager"
BUILDER = "admin"
OUR_TABLES: tuple[Table, ...] = tuple(OUR_SCHEMA.sorted_tables)


def occupied_tables_message(counts: dict[str, int], where: str) -> str | None:
    """Why a target cannot take a demo fleet, or None when it is empty."""
    filled = {name: count for name, count in counts.items() if count}
    if not filled:
        return None
    if filled.get("devices"):
        count = filled["devices"]
        held = f"{count} device{'' if count == 1 else 's'}"
    else:
        held = ", ".join(f"{count} rows in {name}" for name, count in sorted(filled.items()))
    return (
        f"{where} already contains {held}; the demo fleet is only built into a new or empty database, "
        "so nothing there is overwritten. Choose another file (or database), or remove this one first"
    )


def check_target_file(file: Path) -> None:
    """Refuse a SQLite file that holds data, is not a database, or is open in another program."""
    if not file.exists():
        return
    if not file.is_file():
        raise ValueError(f"{file} is a folder, not a database file; choose a .sqlite file")
    if file.stat().st_size == 0:
        return
    try:
        with closing(sqlite3.connect(file)) as database:
            tables = {name for (name,) in database.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            ours = {table.name for table in OUR_TABLES}
            foreign = sorted(tables - ours - {"alembic_version"} - {t for t in tables if t.startswith("sqlite_")})
            if foreign:
                raise ValueError(
                    f"{file} holds tables that are not Planogram Studio's ({', '.join(foreign[:5])}); it was left "
                    "untouched. Build the demo fleet into a new file"
                )
            counts = {
                name: int(database.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0])
                for name in sorted(tables & ours)
            }
    except sqlite3.DatabaseError as error:
        raise ValueError(
            f"{file} is not a readable database ({error}); it was left untouched. Choose a new file"
        ) from None
    message = occupied_tables_message(counts, str(file))
    if message:
        raise ValueError(message)
    if Path(f"{file}-wal").exists():
        raise ValueError(f"{file} is open in another program; close it there, then build the demo fleet again")


def table_counts(connection: Connection) -> dict[str, int]:
    return {table.name: int(connection.scalar(select(func.count()).select_from(table)) or 0) for table in OUR_TABLES}


def remove_fleet(connection: Connection) -> None:
    """Delete everything a failed in-place build wrote (the target was empty when it began)."""
    for table in reversed(OUR_TABLES):
        connection.execute(delete(table))


class FleetWriter:
    """Inserts one build's rows through a single connection; the caller decides when to commit."""

    def __init__(self, connection: Connection, history: History) -> None:
        self.connection = connection
        self.history = history
        self.driver_rows = connection.dialect.name == "sqlite"
        self.user_ids: dict[str, int] = {}
        self._day_text = np.array([f"{day.isoformat()} " for day in history.dates()], dtype=object)
        self._time_text = np.array(
            [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}.000000" for s in range(SECONDS_PER_DAY)], dtype=object
        )

    def moment(self, seconds: int) -> datetime:
        return self.history.moment(seconds)

    def _moments(self, seconds: np.ndarray) -> list[object]:
        """Timestamps for bulk rows: SQLAlchemy's SQLite text format, or datetimes for other databases."""
        if self.driver_rows:
            return (self._day_text[seconds // SECONDS_PER_DAY] + self._time_text[seconds % SECONDS_PER_DAY]).tolist()
        start = np.datetime64(self.history.start_moment, "s")
        return (start + seconds.astype("timedelta64[s]")).astype(datetime).tolist()

    def _bulk(self, table: Table, columns: tuple[str, ...], rows: Iterable[tuple[object, ...]]) -> None:
        rows = list(rows)
        if not rows:
            return
        if self.driver_rows:
            names = ", ".join(columns)
            marks = ", ".join("?" for _ in columns)
            self.connection.exec_driver_sql(f"INSERT INTO {table.name} ({names}) VALUES ({marks})", rows)
        else:
            self.connection.execute(insert(table), [dict(zip(columns, row, strict=True)) for row in rows])

    def write_reference(self, catalogue: ProductTable) -> None:
        """Users (one per role) and the catalogue with the system EMPTY_SLOT product."""
        users = [
            {"id": i, "username": name, "role": role, "ai_features_enabled": True}
            for i, (name, role) in enumerate(USERS, 1)
        ]
        self.connection.execute(insert(User), users)
        self.user_ids = {row["username"]: row["id"] for row in users}
        self.connection.execute(insert(ProductRecord), product_rows(catalogue))

    def write_device(self, plan: DevicePlan, sales: DeviceSales, catalogue: ProductTable, first_basket: int) -> int:
        """The device, its cabinets, both planogram versions, its vends and stock-outs; returns sales rows."""
        start = self.history.start_moment
        self.connection.execute(
            insert(Device),
            [
                {
                    "id": plan.id,
                    "name": plan.name,
                    "asset_number": plan.asset_number,
                    "location_type": plan.location.name,
                    "location_name": plan.location_name,
                    "model": plan.model,
                    "route_id": plan.route_id,
                    "created_at": start - timedelta(days=plan.created_days_before_history) + timedelta(hours=9),
                }
            ],
        )
        self.connection.execute(
            insert(CabinetRecord),
            [
                {
                    "device_id": plan.id,
                    "cabinet_index": cabinet.index,
                    "rows": cabinet.rows,
                    "columns": cabinet.columns,
                    "temperature_zone": cabinet.zone.value,
                    "name": cabinet.name,
                }
                for cabinet in plan.cabinets
            ],
        )
        for cabinet in plan.cabinets:
            self._write_planograms(plan, cabinet, sales)

        count = len(sales.product)
        price_list = [float(money(p)) if self.driver_rows else money(p) for p in catalogue.prices]
        unit_prices = [price_list[i] for i in (sales.product - 1).tolist()]
        self._bulk(
            SaleRecord.__table__,
            SALES_COLUMNS,
            zip(
                [plan.id] * count,
                sales.cabinet.tolist(),
                sales.label.tolist(),
                sales.product.tolist(),
                self._moments(sales.seconds),
                [1] * count,
                unit_prices,
                (sales.basket + first_basket).tolist(),
                strict=True,
            ),
        )
        restocked = self._moments(np.maximum(sales.restocked, 0))
        self._bulk(
            StockoutRecord.__table__,
            STOCKOUT_COLUMNS,
            zip(
                [plan.id] * len(sales.sold_out),
                sales.stockout_cabinet.tolist(),
                sales.stockout_label.tolist(),
                sales.stockout_product.tolist(),
                self._moments(sales.sold_out),
                [moment if seconds >= 0 else None for moment, seconds in zip(restocked, sales.restocked, strict=True)],
                strict=True,
            ),
        )
        return count

    def _write_planograms(self, plan: DevicePlan, cabinet: CabinetPlan, sales: DeviceSales) -> None:
        """Version 1 (archived when version 2 went live at a restock visit) and version 2 (active)."""
        assert cabinet.second is not None
        start = self.history.start_moment
        changed = self.moment(plan.change_time(cabinet))
        designed = start - timedelta(days=3) + timedelta(hours=10)
        versions = (
            (1, cabinet.first, "archived", f"{cabinet.name} – opening layout", designed, changed, start),
            (2, cabinet.second, "active", f"{cabinet.name} – refresh {changed:%b %Y}", changed - timedelta(days=5),
             changed, changed),
        )  # fmt: skip
        for version, layout, status, name, created, updated, activated in versions:
            planogram_id = self.connection.execute(
                insert(PlanogramRecord).values(
                    device_id=plan.id,
                    cabinet_index=cabinet.index,
                    name=name,
                    status=status,
                    version=version,
                    created_at=created,
                    updated_at=updated,
                    activated_at=activated,
                    created_by=self.user_ids[PLANNER],
                )
            ).inserted_primary_key[0]
            self.connection.execute(
                insert(PlanogramSlotRecord), self._slot_rows(planogram_id, cabinet, version, layout, sales)
            )

    @staticmethod
    def _slot_rows(
        planogram_id: int, cabinet: CabinetPlan, version: int, layout: PlanogramPlan, sales: DeviceSales
    ) -> list[dict[str, object]]:
        rows = []
        for slot, label in enumerate(cabinet.labels()):
            product = int(layout.products[slot])
            rows.append(
                {
                    "planogram_id": planogram_id,
                    "position": label,
                    "product_id": product or None,
                    "quantity": sales.quantity_left[(cabinet.index, version, slot)] if product else 0,
                    "capacity": int(layout.capacity[slot]) if product else EMPTY_SLOT_CAPACITY,
                    "par_level": int(layout.par[slot]) if product else 0,
                }
            )
        return rows

    def write_truth(self, entries: dict[str, str]) -> None:
        self.connection.execute(insert(SimulationTruth), [{"key": k, "value": v} for k, v in entries.items()])

    def write_audit(self, details: dict[str, object]) -> None:
        self.connection.execute(
            insert(AuditLogRecord),
            [
                {
                    "user_id": self.user_ids[BUILDER],
                    "action": "demo_fleet_built",
                    "details": json.dumps(details, separators=(",", ":")),
                    "host": "simulator",
                    "created_at": self.history.end_moment,
                }
            ],
        )

    def align_sequences(self) -> None:
        """PostgreSQL: move id sequences past the explicit ids written, so the app's next insert fits."""
        if self.connection.dialect.name != "postgresql":
            return
        for table in (User.__table__, ProductRecord.__table__, Device.__table__):
            self.connection.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), (SELECT MAX(id) FROM {table.name}))"
            )
