"""Sales between machine audit reads, per selection and per slot: rebuilt from the stored reads, read per slot.

For the per-slot history, heat-map overlays and models (and the layout check): :func:`slot_sales` gives, for one
device, each period between two consecutive reads of a machine linked to it, and each slot whose selection code
the machine reported, the units and value sold; :func:`audit_sales_frame` gives the same for every device at once,
for the placement model.

The rule beside the ``sales`` rows (CVD sync, telemetry imports): those rows are the finer record (each vend, its
time, product and basket), so where they exist they win. An audit period counts only for a device that has **no
sales row inside the period** (after its start, up to its end); a period with even one sales row of the device is
left out whole, so a vend is never counted twice — once as a sales row and again in the machine's counters. A
device known only by its audits (an operator without telemetry, DEX files in hand) thus gets its per-slot history
from them; a device with telemetry keeps it, and its audits fill only the stretches telemetry missed.

A period's selection is attached to the slot carrying its code in the cabinet's planogram in force at the
period's end (the layout the machine's counters were read under); a code no slot carries keeps no position.
"""

from __future__ import annotations

import itertools
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import pandas as pd
from sqlalchemy import ColumnElement, Engine, delete, exists, select
from sqlalchemy.orm import Session, selectinload

from designer.machine_audits import Money, PaidCounters, Tally, VendTotals, in_read_order, sales_between_reads
from designer.machine_audits.selection_slots import SelectionSlot, slots_by_selection_code
from storage.bulk_rows import BulkRows
from storage.fleet import planogram_from_record
from storage.machine_audit_tables import AuditMachineRecord, AuditReadRecord, AuditSaleRecord, AuditSelectionRecord
from storage.tables import CabinetRecord, PlanogramRecord, SaleRecord


@dataclass(frozen=True, slots=True)
class SlotSales:
    """What one selection sold between two reads, and the slot that carried it (``position`` None: no slot of
    the planogram in force carried that code). ``basis`` says which counters gave it (see
    :class:`designer.machine_audits.Basis`)."""

    machine: str
    selection: str
    cabinet_index: int | None
    position: str | None
    period_start: datetime
    period_end: datetime
    units: int
    value: Money
    basis: str


def slot_sales(engine: Engine, device_id: int, *, beside_sales_rows: bool = False) -> list[SlotSales]:
    """Every period's sales of the machines linked to ``device_id``, oldest period first, then by cabinet and
    position (selections no slot carries last). ``beside_sales_rows``: only the periods no sales row of the device
    covers (the module's rule), for figures added to those rows'."""
    query = (
        select(AuditSaleRecord, AuditMachineRecord.machine_key)
        .join(AuditMachineRecord, AuditMachineRecord.id == AuditSaleRecord.machine_id)
        .where(AuditSaleRecord.device_id == device_id)
        .order_by(AuditSaleRecord.period_end, AuditSaleRecord.cabinet_index, AuditSaleRecord.position)
    )
    if beside_sales_rows:
        query = query.where(_no_sales_row_inside())
    with Session(engine) as session:
        return [
            SlotSales(
                machine,
                sale.selection,
                sale.cabinet_index,
                sale.position,
                sale.period_start,
                sale.period_end,
                sale.units,
                Money(Decimal(sale.value).scaleb(-sale.decimals), sale.currency),
                sale.basis,
            )
            for sale, machine in session.execute(query).all()
        ]


def _no_sales_row_inside() -> ColumnElement[bool]:
    """The period has no ``sales`` row of its device after its start, up to its end."""
    return ~exists().where(
        SaleRecord.device_id == AuditSaleRecord.device_id,
        SaleRecord.sold_at > AuditSaleRecord.period_start,
        SaleRecord.sold_at <= AuditSaleRecord.period_end,
    )


AUDIT_FRAME_COLUMNS = (
    "device_id",
    "cabinet_index",
    "position",
    "planogram_id",
    "period_start",
    "period_end",
    "units",
    "value",
)


def audit_sales_frame(engine: Engine) -> pd.DataFrame:
    """Every selection-period attached to a slot of a device and covered by none of its sales rows (the module's
    rule), for the placement model: :data:`AUDIT_FRAME_COLUMNS`, ``value`` in the machine's currency units."""
    query = select(
        AuditSaleRecord.device_id,
        AuditSaleRecord.cabinet_index,
        AuditSaleRecord.position,
        AuditSaleRecord.planogram_id,
        AuditSaleRecord.period_start,
        AuditSaleRecord.period_end,
        AuditSaleRecord.units,
        AuditSaleRecord.value,
        AuditSaleRecord.decimals,
    ).where(
        AuditSaleRecord.device_id.is_not(None),
        AuditSaleRecord.position.is_not(None),
        AuditSaleRecord.units > 0,
        _no_sales_row_inside(),
    )
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    frame = pd.DataFrame.from_records(
        [(*row[:7], row.value / 10**row.decimals) for row in rows], columns=list(AUDIT_FRAME_COLUMNS)
    )
    return frame.astype({"device_id": "int64", "cabinet_index": "int64", "units": "float64", "value": "float64"})


_SALE_COLUMNS = (
    "machine_id",
    "read_id",
    "selection",
    "units",
    "value",
    "currency",
    "decimals",
    "period_start",
    "period_end",
    "basis",
    "device_id",
    "cabinet_index",
    "position",
    "planogram_id",
)


def rebuild_sales(session: Session, machine_ids: Sequence[int]) -> int:
    """Recompute the sales between consecutive reads of each machine (its reads may have come, gone or been
    re-linked), in one pass over its reads in order; returns how many selection-periods now stand."""
    sales_rows = BulkRows(session.connection(), AuditSaleRecord.__table__, _SALE_COLUMNS)
    written = 0
    for machine_id in machine_ids:
        session.execute(delete(AuditSaleRecord).where(AuditSaleRecord.machine_id == machine_id))
        machine = session.get(AuditMachineRecord, machine_id)
        if machine is None:
            continue
        device_id = machine.device_id
        reads = {id(read.counters): read for read in _counters(session, machine_id)}
        ordered = [reads[id(counters)] for counters in in_read_order(read.counters for read in reads.values())]
        slots = SlotFinder(session, device_id)
        rows: list[tuple[object, ...]] = []
        for earlier, later in itertools.pairwise(ordered):
            sales = sales_between_reads(earlier.counters, later.counters)
            places = later.counters.decimals
            start, end = (
                sales_rows.stored("period_start", earlier.read_at),
                sales_rows.stored("period_end", later.read_at),
            )
            codes = slots.codes_at(later.read_at)
            for name, figures in sales.selections.items():
                slot = codes.get(name)
                rows.append(
                    (
                        machine_id,
                        later.read_id,
                        name,
                        figures.units,
                        int(figures.value.amount.scaleb(places)),
                        figures.value.currency,
                        places,
                        start,
                        end,
                        figures.basis.value,
                        device_id,
                        None if slot is None else slot.cabinet_index,
                        None if slot is None else slot.position.label,
                        None if slot is None else slot.planogram_id,
                    )
                )
        sales_rows.insert(rows)
        written += len(rows)
    return written


@dataclass(frozen=True, slots=True)
class _StoredRead:
    read_id: int
    read_at: datetime
    read_counter: int | None
    counters: PaidCounters


def _counters(session: Session, machine_id: int) -> list[_StoredRead]:
    """The machine's reads as the delta needs them, rebuilt from the stored selections (no file is parsed again).
    The stored UTC time stands in for the machine's clock: it is what orders reads and bounds periods."""
    reads = session.execute(
        select(
            AuditReadRecord.id,
            AuditReadRecord.read_at,
            AuditReadRecord.read_counter,
            AuditReadRecord.resets,
            AuditReadRecord.currency,
            AuditReadRecord.decimals,
        )
        .where(AuditReadRecord.machine_id == machine_id)
        .order_by(AuditReadRecord.read_at, AuditReadRecord.id)
    ).all()
    paid: dict[int, dict[str, VendTotals | None]] = defaultdict(dict)
    scale = {read.id: (read.currency, read.decimals) for read in reads}
    selections = session.execute(
        select(
            AuditSelectionRecord.read_id,
            AuditSelectionRecord.selection,
            AuditSelectionRecord.paid_count,
            AuditSelectionRecord.paid_value,
            AuditSelectionRecord.paid_count_since_reset,
            AuditSelectionRecord.paid_value_since_reset,
        )
        .join(AuditReadRecord, AuditReadRecord.id == AuditSelectionRecord.read_id)
        .where(AuditReadRecord.machine_id == machine_id)
    ).all()
    for read_id, name, count, value, count_reset, value_reset in selections:
        currency, decimals = scale[read_id]
        paid[read_id][name] = VendTotals(
            _tally(count, value, currency, decimals), _tally(count_reset, value_reset, currency, decimals)
        )
    return [
        _StoredRead(
            read.id,
            read.read_at,
            read.read_counter,
            PaidCounters(read.read_at, read.read_counter, read.resets, read.currency, read.decimals, paid[read.id]),
        )
        for read in reads
    ]


def _tally(count: int | None, value: int | None, currency: str, decimals: int) -> Tally | None:
    if count is None or value is None:
        return None
    return Tally(count, Money(Decimal(value).scaleb(-decimals), currency))


class SlotFinder:
    """The slot carrying a selection code at a moment, by the planograms put in force on the device (loaded once
    per rebuild)."""

    def __init__(self, session: Session, device_id: int | None) -> None:
        self.versions: dict[int, list[tuple[datetime, PlanogramRecord]]] = defaultdict(list)
        self.sizes: dict[int, tuple[int, int]] = {}
        self.cache: dict[tuple[int | None, ...], dict[str, SelectionSlot]] = {}
        if device_id is None:
            return
        self.sizes = {
            cabinet.cabinet_index: (cabinet.rows, cabinet.columns)
            for cabinet in session.scalars(select(CabinetRecord).where(CabinetRecord.device_id == device_id))
        }
        records = session.scalars(
            select(PlanogramRecord)
            .options(selectinload(PlanogramRecord.slots))
            .where(
                PlanogramRecord.device_id == device_id,
                PlanogramRecord.activated_at.is_not(None),
                PlanogramRecord.status != "draft",
            )
            .order_by(PlanogramRecord.activated_at, PlanogramRecord.version)
        )
        for record in records:
            assert record.activated_at is not None
            self.versions[record.cabinet_index].append((record.activated_at, record))

    def at(self, moment: datetime, code: str) -> SelectionSlot | None:
        return self.codes_at(moment).get(code)

    def codes_at(self, moment: datetime) -> dict[str, SelectionSlot]:
        """Every selection code the planograms in force at ``moment`` carry, and its slot."""
        in_force: list[PlanogramRecord] = []
        for versions in self.versions.values():
            place = bisect_left([activated for activated, _ in versions], moment)  # activated strictly before
            if place:
                in_force.append(versions[place - 1][1])
        key = tuple(record.id for record in in_force)
        found = self.cache.get(key)
        if found is None:
            cabinets = [
                (planogram_from_record(record), *self.sizes.get(record.cabinet_index, (0, 0))) for record in in_force
            ]
            found = self.cache[key] = slots_by_selection_code(cabinets)
        return found
