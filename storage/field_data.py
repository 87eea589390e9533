"""What a field sheet needs from the database: the approved planograms, when stock was last known, sales since.

Everything is anchored on the device's latest sale ("as of"), not the wall clock, so one database gives the
same sheet whenever it is exported. Restock visits are known from two records: the demo simulator's visit
plan (``simulation_truth`` key ``devices``) and the restock moments of stock-outs; a database with
neither counts from the moment the planogram's quantities were stored.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine, func, select

from designer.cabinets import Cabinet
from designer.pick_list import StockAnchor, stock_anchor
from designer.planograms import Planogram, PlanogramStatus
from designer.positions import Position
from storage.fleet import DeviceSummary, FleetRepository
from storage.fleet_operations import origins
from storage.tables import PlanogramRecord, SaleRecord, SimulationTruth, StockoutRecord


@dataclass(frozen=True, slots=True)
class CabinetStock:
    """One cabinet as the driver will find it: the approved planogram and units sold since stock was known."""

    cabinet: Cabinet
    planogram: Planogram | None  # the active version; None when nothing was approved for this cabinet
    approved_at: datetime | None  # when that version was activated
    anchor: StockAnchor
    sold_since: dict[tuple[Position, int], int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class DeviceStock:
    """A machine on the route: who it is, up to when the database knows its sales, and its cabinets."""

    device: DeviceSummary
    as_of: datetime | None  # the latest sale; None when the machine has never sold anything
    last_visit: datetime | None
    cabinets: list[CabinetStock]
    origins: dict[int, str] = field(default_factory=dict)  # planogram version id → "from template X v3"


def restock_visits(engine: Engine) -> dict[int, list[datetime]]:
    """Every known restock moment per device, ascending (simulator plan and stock-out restocks merged)."""
    visits: dict[int, set[datetime]] = {}
    with engine.connect() as connection:
        truth = connection.scalar(select(SimulationTruth.value).where(SimulationTruth.key == "devices"))
        rows = connection.execute(
            select(StockoutRecord.device_id, StockoutRecord.restocked_at)
            .where(StockoutRecord.restocked_at.is_not(None))
            .distinct()
        )
        for device_id, moment in rows:
            visits.setdefault(device_id, set()).add(moment)
    for key, details in (json.loads(truth) if truth else {}).items():
        for text in details.get("restock_visits", []):
            visits.setdefault(int(key), set()).add(datetime.fromisoformat(text))
    return {device_id: sorted(moments) for device_id, moments in visits.items()}


def device_stock(engine: Engine, device_id: int, visits: dict[int, list[datetime]] | None = None) -> DeviceStock:
    """Read one device for its field sheet; raises LookupError naming the fix when the device is unknown.

    Pass ``visits`` (from :func:`restock_visits`) when reading several devices, so it is read once.
    """
    layout = FleetRepository(engine).device_layout(device_id)
    known_visits = (visits if visits is not None else restock_visits(engine)).get(device_id, [])
    with engine.connect() as connection:
        latest_sale = connection.scalar(select(func.max(SaleRecord.sold_at)).where(SaleRecord.device_id == device_id))
        stored = {
            index: (updated, activated)
            for index, updated, activated in connection.execute(
                select(PlanogramRecord.cabinet_index, PlanogramRecord.updated_at, PlanogramRecord.activated_at).where(
                    PlanogramRecord.device_id == device_id, PlanogramRecord.status == PlanogramStatus.ACTIVE.value
                )
            )
        }
        last_visit = max(known_visits, default=None)  # a visit after the latest sale: nothing sold since
        cabinets = []
        for cabinet in layout.cabinets:
            planogram = layout.planograms.get(cabinet.index)
            updated, activated = stored.get(cabinet.index, (None, None))
            anchor = stock_anchor(last_visit, updated)
            sold: dict[tuple[Position, int], int] = {}
            if planogram is not None and anchor.moment is not None and latest_sale is not None:
                query = (
                    select(SaleRecord.position, SaleRecord.product_id, func.sum(SaleRecord.quantity))
                    .where(
                        SaleRecord.device_id == device_id,
                        SaleRecord.cabinet_index == cabinet.index,
                        SaleRecord.sold_at >= anchor.moment,
                        SaleRecord.sold_at <= latest_sale,
                    )
                    .group_by(SaleRecord.position, SaleRecord.product_id)
                )
                for position, product_id, units in connection.execute(query):
                    sold[(Position.parse(position), product_id)] = int(units)
            cabinets.append(CabinetStock(cabinet, planogram, activated, anchor, sold))
    return DeviceStock(layout.device, latest_sale, last_visit, cabinets, origins(engine, device_id=device_id))


def route_stock(engine: Engine, device_ids: Iterable[int]) -> list[DeviceStock]:
    """The devices of a route in the order given (the driver's order)."""
    visits = restock_visits(engine)
    return [device_stock(engine, device_id, visits) for device_id in device_ids]
