"""Story steps shared by the sync tests: a merchandiser's edit and activation in a working copy, and what the
CVD web app itself writes when it saves a planogram (the reference our push is compared with)."""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import replace
from pathlib import Path

from sqlalchemy import Engine, select

from designer.planograms import Planogram, Slot
from designer.positions import Position
from storage.engine import session_factory
from storage.fleet import FleetRepository
from storage.sync_tables import CvdLink
from storage.tables import User
from storage.versions import PlanogramVersions

EMPTY = None


def local_product(engine: Engine, cvd_product_id: int) -> int:
    with session_factory(engine)() as session:
        return session.scalar(
            select(CvdLink.local_id).where(CvdLink.kind == "product", CvdLink.cvd_id == cvd_product_id)
        )


def manager_id(engine: Engine) -> int:
    with session_factory(engine)() as session:
        return session.scalar(select(User.id).where(User.username == "manager2"))


def edit_and_activate(
    engine: Engine, asset: str, cabinet_index: int, changes: dict[str, tuple[int, int, int] | None]
) -> Planogram:
    """Change slots (position → (CVD product id, capacity, par level), or None to clear) and activate."""
    fleet = FleetRepository(engine)
    device = next(d for d in fleet.devices() if d.asset_number == asset)
    current = fleet.active_planogram(device.id, cabinet_index)
    assert current is not None
    slots = dict(current.slots)
    for label, change in changes.items():
        position = Position.parse(label)
        if change is None:
            slots.pop(position, None)
            continue
        product, capacity, par = change
        old = slots.get(position) or Slot(position)
        slots[position] = replace(
            old,
            product_id=local_product(engine, product),
            capacity=capacity,
            par_level=par,
            quantity=min(old.quantity, capacity) if old.product_id else 0,
        )
    edited = Planogram.from_slots(device.id, cabinet_index, slots.values(), name=current.name)
    return PlanogramVersions(engine).save(edited, user_id=manager_id(engine), activate=True)


def web_app_save(path: Path, planogram_key: str, slots: dict[str, dict[str, object] | None], now: str) -> None:
    """What the CVD web app's planogram save does to each slot it is sent (written from its documented rules:
    clear to the EMPTY_SLOT sentinel, replace with a new product, or update counts of the same product)."""
    with sqlite3.connect(path) as connection:
        (planogram_id,) = connection.execute(
            "SELECT id FROM planograms WHERE planogram_key = ?", (planogram_key,)
        ).fetchone()
        for position, data in slots.items():
            (old,) = connection.execute(
                "SELECT product_id FROM planogram_slots WHERE planogram_id = ? AND slot_position = ?",
                (planogram_id, position),
            ).fetchone()
            new = int(data["productId"]) if data else 1
            where = (planogram_id, position)
            if old != new and old != 1 and new == 1:
                connection.execute(
                    "UPDATE planogram_slots SET product_id = 1, product_name = 'EMPTY_SLOT', quantity = 0, "
                    "capacity = 0, par_level = 0, price = 0.00, cleared_at = ?, previous_product_id = ? "
                    "WHERE planogram_id = ? AND slot_position = ?",
                    (now, old, *where),
                )
            elif old != new:
                assert data is not None
                previous = old if old != 1 and new != 1 else None
                connection.execute(
                    "UPDATE planogram_slots SET product_id = ?, product_name = ?, quantity = ?, capacity = ?, "
                    "par_level = ?, price = ?, cleared_at = ?, previous_product_id = COALESCE(?, previous_product_id) "
                    "WHERE planogram_id = ? AND slot_position = ?",
                    (
                        new,
                        data["productName"],
                        data["quantity"],
                        data["capacity"],
                        data["parLevel"],
                        data["price"],
                        now,
                        previous,
                        *where,
                    ),
                )
            else:
                assert data is not None
                connection.execute(
                    "UPDATE planogram_slots SET quantity = ?, capacity = ?, par_level = ?, price = ? "
                    "WHERE planogram_id = ? AND slot_position = ?",
                    (data["quantity"], data["capacity"], data["parLevel"], data["price"], *where),
                )


def table_digests(path: Path, skip: set[str] = frozenset()) -> dict[str, str]:  # type: ignore[assignment]
    """A digest of every table's rows (in id order), to show what a sync did not touch."""
    with sqlite3.connect(path) as connection:
        names = [row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        digests = {}
        for name in names:
            if name in skip:
                continue
            rows = connection.execute(f'SELECT * FROM "{name}" ORDER BY 1').fetchall()
            digests[name] = hashlib.sha256(repr(rows).encode()).hexdigest()
        return digests


def add_cvd_sales(engine: Engine, count: int, *, start: str = "2025-08-06 00:00:00", step_seconds: int = 60) -> None:
    """Append ``count`` sales to a CVD database the way its importers do: one aggregated row per device,
    product and time, ids after the existing ones (devices and products cycle through the sample's)."""
    from datetime import datetime, timedelta

    from sqlalchemy import insert

    from storage.cvd import schema as cvd

    with engine.connect() as connection:
        devices = [
            row[0] for row in connection.execute(select(cvd.devices.c.id).where(cvd.devices.c.deleted_at.is_(None)))
        ]
        products = list(
            connection.execute(select(cvd.products.c.id, cvd.products.c.price).where(cvd.products.c.id != 1))
        )
    first = datetime.fromisoformat(start)
    text = engine.dialect.name == "sqlite"
    chunk = 50_000
    for offset in range(0, count, chunk):
        rows = []
        for i in range(offset, min(count, offset + chunk)):
            product_id, price = products[(i * 7) % len(products)]
            units = 1 + i % 3
            moment = first + timedelta(seconds=i * step_seconds)
            when = moment.strftime("%Y-%m-%d %H:%M:%S") if text else moment
            rows.append((devices[i % len(devices)], product_id, units, round(units * float(price), 2), when, when))
        with engine.begin() as connection:
            if text:
                connection.exec_driver_sql(
                    "INSERT INTO sales (device_id, product_id, sale_units, sale_cash, created_at, updated_at) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    rows,
                )
            elif engine.dialect.name == "postgresql":  # COPY: a million rows in seconds, not minutes
                cursor = connection.connection.driver_connection.cursor()
                with cursor.copy(
                    "COPY sales (device_id, product_id, sale_units, sale_cash, created_at, updated_at) FROM STDIN"
                ) as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                names = ("device_id", "product_id", "sale_units", "sale_cash", "created_at", "updated_at")
                connection.execute(insert(cvd.sales), [dict(zip(names, row, strict=True)) for row in rows])
