"""Machine audits feed the per-slot history (the designer's overlays) and the placement model, as an operator
without telemetry meets it: two DEX reads of a machine, a week apart, and each slot shows what its selection sold.
Where sales rows of the device cover a period, those rows count and the audit period does not: no vend twice.

Runs on SQLite and on PostgreSQL (``database_url``).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal

import numpy as np
import pytest
from sqlalchemy import Engine, insert

from ai.placement_history import read_placement_history
from designer.machine_audits import AuditRead, MachineIdentity, audit_to_text, parse_audit
from designer.positions import Position
from storage.audit_sales import slot_sales
from storage.machine_audits import AuditFile, import_audits, read_audit_files
from storage.performance import WINDOW_DAYS, roll_up
from storage.schema import prepare_database
from storage.tables import CabinetRecord, Device, PlanogramRecord, PlanogramSlotRecord, ProductRecord, SaleRecord
from tests.machine_audits.factories import busy_machine
from tests.machine_audits.test_sales_between_reads import advanced

SOLD = {"A1": 14, "A2": 7, "A3": 0}  # selection → vends between the two reads
SLOTS = {"A1": "A1", "A2": "A2", "A3": "B1"}  # selection code → the slot carrying it


@pytest.fixture
def first_read() -> AuditRead:
    """A three-selection machine read on 1 June 2025 at noon (its clock)."""
    read = busy_machine(3, seed=4)
    moment = datetime(2025, 6, 1, 12, 0)
    counters = replace(read.counters, read_at=moment, previous_read_at=moment - timedelta(days=7))  # type: ignore[arg-type]
    read = replace(read, machine=MachineIdentity("DXS1", "SN-HISTORY", "187"), counters=counters, clock_at=moment)
    return parse_audit(audit_to_text(read))


def audited_device(url: str, first: AuditRead) -> Engine:
    """Device 1 (a 2×3 cabinet) whose planogram carries selection codes A1, A2 and A3 in slots A1, A2 and B1, and
    the machine's two reads imported for it."""
    engine = prepare_database(url)
    with engine.begin() as connection:
        connection.execute(insert(Device).values(id=1, name="Lobby", asset_number="999", location_type="office"))
        connection.execute(
            insert(CabinetRecord).values(device_id=1, cabinet_index=0, rows=2, columns=3, temperature_zone="ambient")
        )
        for product in (1, 2, 3):
            connection.execute(
                insert(ProductRecord).values(id=product, name=f"Snack {product}", category="chips", price=1.5)
            )
        connection.execute(
            insert(PlanogramRecord).values(
                id=1, device_id=1, cabinet_index=0, status="active", version=1, activated_at=datetime(2025, 1, 1)
            )
        )
        for product, (code, position) in enumerate(SLOTS.items(), 1):
            connection.execute(
                insert(PlanogramSlotRecord).values(
                    planogram_id=1, position=position, product_id=product, selection_code=code, quantity=5
                )
            )
    later = advanced(first, SOLD)
    arrived = datetime(2025, 7, 1)
    files = [AuditFile(name, audit_to_text(read).encode(), arrived) for name, read in (("a", first), ("b", later))]
    import_audits(engine, read_audit_files(files), device_id=1)
    return engine


def price_of(read: AuditRead, selection: str) -> Decimal:
    price = read.selections[selection].price
    assert price is not None
    return price.amount


def add_sale(engine: Engine, position: str, product: int, sold_at: datetime, quantity: int) -> None:
    with engine.begin() as connection:
        connection.execute(
            insert(SaleRecord).values(
                device_id=1,
                cabinet_index=0,
                position=position,
                product_id=product,
                sold_at=sold_at,
                quantity=quantity,
                unit_price=Decimal("1.50"),
                transaction_id=1,
            )
        )


def the_period(engine: Engine) -> tuple[datetime, datetime]:
    period = slot_sales(engine, 1)[0]
    return period.period_start, period.period_end


def test_a_device_known_only_by_its_audits_shows_per_slot_units_and_revenue(
    database_url: str, first_read: AuditRead
) -> None:
    engine = audited_device(database_url, first_read)

    history = roll_up(engine, 1, 0)

    assert history.units_per_day == {"A1": round(14 / WINDOW_DAYS, 2), "A2": round(7 / WINDOW_DAYS, 2), "B1": 0.0}
    a1_revenue = float(14 * price_of(first_read, "A1")) / WINDOW_DAYS
    assert history.revenue_per_day["A1"] == pytest.approx(a1_revenue, abs=0.01)
    from widgets.canvas.history_overlay import Overlay, overlay_grid

    scores, labels = overlay_grid(history, Overlay.UNITS, 2, 3)
    assert labels[Position(0, 0)] == f"{14 / WINDOW_DAYS:.1f}" and labels[Position(1, 0)] == "0.0"
    assert scores[0, 0] == 100.0 and scores[0, 1] == pytest.approx(50.0, abs=1)
    engine.dispose()


def test_sales_rows_inside_an_audit_period_count_and_the_period_does_not(
    database_url: str, first_read: AuditRead
) -> None:
    engine = audited_device(database_url, first_read)
    start, _end = the_period(engine)
    add_sale(engine, "A1", 1, start + timedelta(days=3), 3)  # telemetry saw 3 of the machine's 14

    history = roll_up(engine, 1, 0)

    assert history.units_per_day == {"A1": round(3 / WINDOW_DAYS, 2)}  # A2's 7 are not added either
    engine.dispose()


def test_an_audit_period_no_sales_row_covers_counts_beside_the_rows(database_url: str, first_read: AuditRead) -> None:
    engine = audited_device(database_url, first_read)
    _start, end = the_period(engine)
    add_sale(engine, "A1", 1, end + timedelta(days=2), 3)  # telemetry from after the second read

    history = roll_up(engine, 1, 0)

    assert history.units_per_day["A1"] == round((14 + 3) / WINDOW_DAYS, 2)
    assert history.units_per_day["A2"] == round(7 / WINDOW_DAYS, 2)
    engine.dispose()


def span_units(engine: Engine) -> dict[tuple[int, int], float]:
    history = read_placement_history(engine)
    spans = history.spans
    return {
        (int(row), int(column)): float(units)
        for row, column, units in zip(spans["row"], spans["column"], spans["units"], strict=True)
    }


def test_the_placement_model_learns_from_audit_periods_without_counting_a_vend_twice(
    database_url: str, first_read: AuditRead
) -> None:
    engine = audited_device(database_url, first_read)

    assert span_units(engine) == {(0, 0): 14.0, (0, 1): 7.0, (1, 0): 0.0}

    start, _end = the_period(engine)
    add_sale(engine, "A1", 1, start + timedelta(days=3), 3)
    assert span_units(engine) == {(0, 0): 3.0, (0, 1): 0.0, (1, 0): 0.0}  # the rows, not the covered period
    history = read_placement_history(engine)
    assert np.all(history.spans["exposure_days"] > 0)
    engine.dispose()
