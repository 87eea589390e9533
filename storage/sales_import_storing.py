"""Storing an import plan: the devices and products it creates, and its lines as ordinary ``sales`` rows, each
with its fingerprint so the same line is never stored twice; taking an import back as a whole.

Everything happens in the caller's one transaction. Sales get their ids before they are inserted
(:func:`storage.bulk_rows.allocate_ids`) so each line's fingerprint row points at its sale without ``RETURNING``,
and both go in through :class:`storage.bulk_rows.BulkRows` in large batches: a million lines in seconds, not
minutes. A new machine gets a device, one ambient cabinet per door shaped by the coils seen (rows × columns) and an
active planogram holding each coil's latest product under the coil's selection code. Baskets keep the export's
transaction: its lines share one new ``transaction_id`` (allocated above every one in use, or the one an earlier
import gave the basket's first lines); lines without one are each their own basket.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, delete, exists, func, select
from sqlalchemy.orm import Session

from designer.planograms import default_selection_code
from designer.positions import MAX_COLUMNS, MAX_ROWS, Position
from storage.bulk_rows import BulkRows, allocate_ids, indexes_built_after, placeholders
from storage.sales_import_matching import MachinePlan
from storage.sales_import_placing import NOON, Moments, Placed, moment_of, selection_code_of
from storage.sales_import_tables import SalesImportLineRecord, SalesImportMachineRecord
from storage.tables import CabinetRecord, Device, PlanogramRecord, PlanogramSlotRecord, ProductRecord, SaleRecord

LOOKUP_CHUNK = 900
"""Values per ``IN (…)`` look-up: under SQLite's oldest bound-parameter limit (999)."""
READ_ALL_FACTOR = 4
"""Up to this many stored fingerprints per line of the file, all are read in one pass rather than looked up in
chunks (a million-line file imported again is checked in seconds)."""
BATCH = 50_000
"""Lines stored per batch: progress (and Cancel) every batch, memory bounded."""
SQLITE_CACHE_KIB = 256 * 1024
"""SQLite's page cache while an import stores its lines (set back to the default when it is done)."""
NEW_LOCATION_TYPE = "other"
NEW_ZONE = "ambient"
UNCATEGORISED = "uncategorised"

Progress = Callable[[str, int, int], None]
"""``progress(step, done, of)``; it may raise to stop (nothing is stored until the last step)."""

SALE_COLUMNS = (
    "id",
    "device_id",
    "cabinet_index",
    "position",
    "product_id",
    "sold_at",
    "quantity",
    "unit_price",
    "transaction_id",
)
LINE_COLUMNS = ("sale_id", "import_id", "fingerprint", "device_id", "basket", "payment")


def already_imported(connection: Connection, prints: Sequence[bytes]) -> set[bytes]:
    """The fingerprints among ``prints`` an earlier import stored."""
    table = SalesImportLineRecord.__table__
    if not prints or not connection.scalar(select(exists().select_from(table))):
        return set()
    held = int(connection.scalar(select(func.count()).select_from(table)) or 0)
    if held <= READ_ALL_FACTOR * len(prints):
        wanted = set(prints)
        every = connection.exec_driver_sql(f"SELECT fingerprint FROM {table.name}").scalars()
        return {found for found in map(bytes, every) if found in wanted}
    known: set[bytes] = set()
    for start in range(0, len(prints), LOOKUP_CHUNK):
        part = list(prints[start : start + LOOKUP_CHUNK])
        found = connection.exec_driver_sql(
            f"SELECT fingerprint FROM {table.name} WHERE fingerprint IN ({placeholders(connection, len(part))})",
            tuple(part),
        )
        known.update(bytes(value) for value in found.scalars())
    return known


def create_products(
    session: Session, matched: Mapping[str, int | None], lines: Sequence[Placed], created: dict[str, list[int]]
) -> dict[str, int]:
    """Our id of each product the new lines sold, creating those the plan creates (at their most frequent price)."""
    ids: dict[str, int] = {name: known for name, known in matched.items() if known}
    wanted = {name for name, known in matched.items() if not known}
    if not wanted:
        return ids
    prices: dict[str, Counter[Decimal]] = defaultdict(Counter)
    categories: dict[str, str] = {}
    for line, _, _ in lines:
        if line.product in wanted:
            prices[line.product][line.unit_price] += 1
            if line.category:
                categories.setdefault(line.product, line.category)
    for name in matched:
        if name in prices:
            record_ = ProductRecord(
                name=name[:160],
                category=categories.get(name, UNCATEGORISED)[:60],
                price=prices[name].most_common(1)[0][0],
            )
            session.add(record_)
            session.flush()
            ids[name] = record_.id
            created["products"].append(record_.id)
    return ids


def create_devices(
    session: Session,
    machines: Mapping[str, MachinePlan],
    lines: Sequence[Placed],
    created: dict[str, list[int]],
    moments: Moments,
    products: Mapping[str, int],
) -> dict[str, int]:
    """New machines' devices, cabinets shaped by their coils, and a planogram of each coil's latest product."""
    ids: dict[str, int] = {name: m.device_id for name, m in machines.items() if m.device_id}
    new = {name for name, m in machines.items() if not m.device_id}
    if not new:
        return ids
    latest: dict[str, dict[tuple[int, str], tuple[date, str, str]]] = defaultdict(dict)
    first: dict[str, Any] = {}
    for line, cabinet, label in lines:
        if line.machine not in new:
            continue
        first.setdefault(line.machine, line)
        seen = latest[line.machine]
        key = (cabinet, label)
        held = seen.get(key)
        if held is None or line.sold_on >= held[0]:
            seen[key] = (line.sold_on, line.product, line.coil)
    starts: dict[str, Any] = {}
    for line, _, _ in lines:
        if line.machine in new:
            when = (line.sold_on, line.sold_time or NOON)
            if line.machine not in starts or when < starts[line.machine]:
                starts[line.machine] = when
    taken = set(session.scalars(select(Device.asset_number)))
    for name, machine in machines.items():
        if name not in first:
            continue
        line = first[name]
        device = Device(
            name=name[:120],
            asset_number=_free_asset(line.device_key or name, taken),
            location_type=NEW_LOCATION_TYPE,
            location_name=line.location[:160],
        )
        session.add(device)
        session.flush()
        ids[name] = device.id
        created["devices"].append(device.id)
        slots = latest[name]
        shape: dict[int, tuple[int, int]] = {}
        for cabinet, label in slots:
            position = Position.parse(label)
            rows, columns = shape.get(cabinet, (1, 1))
            shape[cabinet] = (max(rows, position.row + 1), max(columns, position.column + 1))
        machine.shape = shape
        start = moment_of(*starts[name], moments.zone)
        for cabinet, (rows, columns) in sorted(shape.items()):
            session.add(
                CabinetRecord(
                    device_id=device.id,
                    cabinet_index=cabinet,
                    rows=min(rows, MAX_ROWS),
                    columns=min(columns, MAX_COLUMNS),
                    temperature_zone=NEW_ZONE,
                )
            )
            planogram = PlanogramRecord(
                device_id=device.id,
                cabinet_index=cabinet,
                name="as imported",
                status="active",
                version=1,
                activated_at=start,
                created_at=start,
                updated_at=start,
            )
            session.add(planogram)
            session.flush()
            created["planograms"].append(planogram.id)
            for (slot_cabinet, label), (_, product, coil) in sorted(slots.items()):
                if slot_cabinet != cabinet:
                    continue
                code = selection_code_of(machine.rule, coil)
                default = default_selection_code(Position.parse(label), cabinet)
                session.add(
                    PlanogramSlotRecord(
                        planogram_id=planogram.id,
                        position=label,
                        product_id=products[product],
                        quantity=0,
                        selection_code=None if code == default else code,
                    )
                )
        session.flush()
    return ids


def _free_asset(wanted: str, taken: set[str]) -> str:
    asset, n = wanted[:40], 2
    while asset in taken:
        asset, n = f"{wanted[:34]}-{n}", n + 1
    taken.add(asset)
    return asset


def remember_machines(
    session: Session, machines: Mapping[str, MachinePlan], devices: Mapping[str, int], import_id: int
) -> None:
    """Each machine's device and coil rule, so the next import of the same machines reads them the same way."""
    known = {row.machine_name: row for row in session.scalars(select(SalesImportMachineRecord))}
    for name, machine in machines.items():
        if name not in devices:
            continue
        row = known.get(name)
        if row is None:
            session.add(
                SalesImportMachineRecord(
                    machine_name=name[:160],
                    device_id=devices[name],
                    door_digits=machine.rule.door_digits,
                    first_column=machine.rule.first_column,
                    import_id=import_id,
                )
            )
        else:
            row.device_id, row.door_digits, row.first_column = (
                devices[name],
                machine.rule.door_digits,
                machine.rule.first_column,
            )


def insert_sales(
    connection: Connection,
    lines: Sequence[Placed],
    devices: Mapping[str, int],
    products: Mapping[str, int],
    import_id: int,
    moments: Moments,
    progress: Progress | None,
) -> int:
    """The lines as sales rows and fingerprint rows, in batches of :data:`BATCH`; returns how many."""
    with _large_cache(connection):
        transactions = _transactions(connection, lines, devices)
        sale_ids = allocate_ids(connection, SaleRecord.__table__, len(lines))
        sales = BulkRows(connection, SaleRecord.__table__, SALE_COLUMNS)
        fingerprints = BulkRows(connection, SalesImportLineRecord.__table__, LINE_COLUMNS)
        stored_at: dict[Any, Any] = {}
        total, done = len(lines), 0
        with indexes_built_after(connection, (SaleRecord.__table__, SalesImportLineRecord.__table__), total):
            for start in range(0, total, BATCH):
                sale_rows = []
                line_rows = []
                for sale_id, (line, cabinet, label) in zip(
                    sale_ids[start : start + BATCH], lines[start : start + BATCH], strict=True
                ):
                    when = (line.sold_on, line.sold_time)
                    moment = stored_at.get(when)
                    if moment is None:
                        moment = stored_at[when] = sales.stored("sold_at", moments.of(line))
                    device = devices[line.machine]
                    basket = line.basket
                    sale_rows.append(
                        (
                            sale_id,
                            device,
                            cabinet,
                            label,
                            products[line.product],
                            moment,
                            line.quantity,
                            sales.stored("unit_price", line.unit_price),
                            transactions[(device, basket) if basket else line.fingerprint],
                        )
                    )
                    line_rows.append((sale_id, import_id, line.fingerprint, device, basket[:64], line.payment[:12]))
                sales.insert(sale_rows)
                fingerprints.insert(line_rows)
                done += len(sale_rows)
                if progress is not None:
                    progress("storing sales", done, total)
        return done


@contextmanager
def _large_cache(connection: Connection) -> Iterator[None]:
    """SQLite's page cache raised while lines are stored: the fingerprint and sales indexes outgrow its default
    2 MB within the first 100,000 lines, and every page read again from the file costs."""
    if connection.dialect.name != "sqlite":
        yield
        return
    before = connection.exec_driver_sql("PRAGMA cache_size").scalar()
    connection.exec_driver_sql(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size = {int(before or -2000)}")


def _transactions(connection: Connection, lines: Sequence[Placed], devices: Mapping[str, int]) -> dict[Any, int]:
    """A transaction id per basket (an earlier import's for a basket it began) and per basket-less line; new ones
    above every id in use, so they never join another sale's basket."""
    found: dict[Any, int] = {}
    table = SalesImportLineRecord.__table__
    earlier = set(connection.scalars(select(table.c.device_id).distinct()))
    if earlier:
        by_device: dict[int, set[str]] = defaultdict(set)
        for line, _, _ in lines:
            if line.basket and devices[line.machine] in earlier:
                by_device[devices[line.machine]].add(line.basket)
        for device, wanted in by_device.items():
            baskets = sorted(wanted)
            for start in range(0, len(baskets), LOOKUP_CHUNK):
                part = baskets[start : start + LOOKUP_CHUNK]
                rows = connection.exec_driver_sql(
                    f"SELECT l.basket, s.transaction_id FROM {table.name} l JOIN sales s ON s.id = l.sale_id "
                    f"WHERE l.device_id = {int(device)} AND l.basket IN ({placeholders(connection, len(part))})",
                    tuple(part),
                )
                found.update({(device, basket): transaction for basket, transaction in rows})
    following = (connection.scalar(select(func.max(SaleRecord.transaction_id))) or 0) + 1
    for line, _, _ in lines:
        key: Any = (devices[line.machine], line.basket) if line.basket else line.fingerprint
        if key not in found:
            found[key] = following
            following += 1
    return found


def unused(session: Session, ids: Iterable[int], *counts: Any) -> list[int]:
    """Those of ``ids`` no row counts: each of ``counts`` is a column compared with the id."""
    return [
        record_id
        for record_id in ids
        if not any(session.scalar(select(func.count()).where(column == record_id)) for column in counts)
    ]


def remove_import(session: Session, import_id: int, created: Mapping[str, list[int]]) -> tuple[int, int, int]:
    """Delete an import's sales, and the devices (with their planograms and cabinets) and products it created
    that nothing else uses now; returns (sales, devices, products) removed."""
    sale_ids = select(SalesImportLineRecord.sale_id).where(SalesImportLineRecord.import_id == import_id)
    removed = session.execute(delete(SaleRecord).where(SaleRecord.id.in_(sale_ids))).rowcount
    session.execute(delete(SalesImportLineRecord).where(SalesImportLineRecord.import_id == import_id))
    devices = unused(session, created.get("devices", []), SaleRecord.device_id)
    session.execute(delete(SalesImportMachineRecord).where(SalesImportMachineRecord.device_id.in_(devices)))
    planograms = select(PlanogramRecord.id).where(PlanogramRecord.device_id.in_(devices))
    session.execute(delete(PlanogramSlotRecord).where(PlanogramSlotRecord.planogram_id.in_(planograms)))
    session.execute(delete(PlanogramRecord).where(PlanogramRecord.device_id.in_(devices)))
    session.execute(delete(CabinetRecord).where(CabinetRecord.device_id.in_(devices)))
    session.execute(delete(Device).where(Device.id.in_(devices)))
    products = unused(session, created.get("products", []), SaleRecord.product_id, PlanogramSlotRecord.product_id)
    session.execute(delete(ProductRecord).where(ProductRecord.id.in_(products)))
    return removed, len(devices), len(products)
