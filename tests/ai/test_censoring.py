"""A slot that sells out every afternoon lost sales; the model must not read that as low demand."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import Engine, delete
from sqlalchemy.orm import Session

from ai.model_store import train_placement_model
from ai.placement_scoring import PlacementScorer
from designer.cabinets import Cabinet, TemperatureZone
from designer.planograms import Planogram
from storage.fleet import FleetRepository
from storage.schema import prepare_database
from storage.tables import (
    CabinetRecord,
    Device,
    PlanogramRecord,
    PlanogramSlotRecord,
    ProductRecord,
    SaleRecord,
    StockoutRecord,
)

START = datetime(2026, 3, 2)  # a Monday
DAYS = 40
STEADY, SELLS_OUT = 1, 2
DEMAND_PER_HOUR = {STEADY: 10, SELLS_OUT: 1}  # from 08:00 to 20:00, every day
PAR_OF_SELLS_OUT = 6  # so it is empty by early afternoon until the next morning's restock


def write_machine(engine: Engine) -> None:
    """One machine, a 2 × 1 cabinet; the two products swap rows on day 20 (as a planogram change would)."""
    with Session(engine) as session, session.begin():
        session.add(Device(id=1, name="Test", asset_number="T-1", location_type="office"))
        session.add(CabinetRecord(device_id=1, cabinet_index=0, rows=2, columns=1, temperature_zone="ambient"))
        for product_id, name in ((STEADY, "Steady Chips"), (SELLS_OUT, "Popular Chips")):
            session.add(ProductRecord(id=product_id, name=name, category="chips", price=Decimal("1.75")))
        for version, (top, bottom), activated in ((1, (STEADY, SELLS_OUT), 0), (2, (SELLS_OUT, STEADY), 20)):
            status = "active" if version == 2 else "archived"
            planogram = PlanogramRecord(
                device_id=1, cabinet_index=0, status=status, version=version,
                activated_at=START + timedelta(days=activated),
            )  # fmt: skip
            planogram.slots = [
                PlanogramSlotRecord(position="A1", product_id=top, capacity=10, par_level=10),
                PlanogramSlotRecord(position="B1", product_id=bottom, capacity=10, par_level=PAR_OF_SELLS_OUT),
            ]
            session.add(planogram)
        sales, stockouts, transaction = [], [], 0
        for day in range(DAYS):
            top, bottom = ("A1", "B1") if day < 20 else ("B1", "A1")
            position = {STEADY: top, SELLS_OUT: bottom}
            for product_id, per_hour in DEMAND_PER_HOUR.items():
                minutes = [60 * (k + 0.5) / per_hour for k in range(12 * per_hour)]  # mid-interval, like a clock
                times = [START + timedelta(days=day, hours=8, minutes=m) for m in minutes]
                if product_id == SELLS_OUT:
                    times = times[:PAR_OF_SELLS_OUT]
                    restocked = START + timedelta(days=day + 1, hours=8) if day < DAYS - 1 else None
                    stockouts.append(
                        StockoutRecord(
                            device_id=1, cabinet_index=0, position=position[product_id], product_id=product_id,
                            sold_out_at=times[-1], restocked_at=restocked,
                        )
                    )  # fmt: skip
                for sold_at in times:
                    transaction += 1
                    sales.append(
                        SaleRecord(
                            device_id=1, cabinet_index=0, position=position[product_id], product_id=product_id,
                            sold_at=sold_at, quantity=1, unit_price=Decimal("1.75"), transaction_id=transaction,
                        )
                    )  # fmt: skip
        session.add_all(sales + stockouts)


@pytest.fixture
def machine(tmp_path: Path) -> Iterator[Engine]:
    engine = prepare_database(f"sqlite:///{tmp_path / 'censored.sqlite'}")
    write_machine(engine)
    yield engine
    engine.dispose()


def learnt_daily_demand(engine: Engine, product_id: int) -> float:
    scorer = PlacementScorer(train_placement_model(engine), FleetRepository(engine).catalogue())
    cabinet = Cabinet(1, 0, 2, 1, TemperatureZone.AMBIENT)
    return float(np.mean(scorer.placement_grid(cabinet, Planogram(1, 0), product_id).expected_daily_sales))


def test_a_slot_that_sells_out_every_afternoon_keeps_its_full_demand(machine: Engine) -> None:
    true_daily_demand = 12 * DEMAND_PER_HOUR[SELLS_OUT]
    assert learnt_daily_demand(machine, SELLS_OUT) == pytest.approx(true_daily_demand, rel=0.1)
    assert learnt_daily_demand(machine, STEADY) == pytest.approx(12 * DEMAND_PER_HOUR[STEADY], rel=0.1)


def test_without_the_stockout_records_the_lost_sales_would_read_as_low_demand(machine: Engine) -> None:
    with Session(machine) as session, session.begin():
        session.execute(delete(StockoutRecord))
    assert learnt_daily_demand(machine, SELLS_OUT) < 0.6 * 12 * DEMAND_PER_HOUR[SELLS_OUT]
