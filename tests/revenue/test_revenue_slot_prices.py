"""Revenue counts each slot at the price it sells at: its own price where it has one, else the catalogue's."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ai.revenue_prediction import compare_planograms
from ai.services import Services
from storage.fleet import FleetRepository


def test_a_dearer_slot_earns_its_units_times_its_own_price(services: Services) -> None:
    cabinet = services.cabinet(1, 0)
    planogram = FleetRepository(services.engine).active_planogram(1, 0)
    assert cabinet is not None and planogram is not None
    slot = next(planogram.filled_slots())
    catalogue_price = services.catalogue[slot.product_id].price  # type: ignore[index]
    proposed = replace(planogram, slots={**planogram.slots, slot.position: replace(slot, price=catalogue_price + 1)})

    comparison = compare_planograms(services, cabinet, planogram, proposed, labour_cost_per_slot=1.0)

    before = {s.position: s for s in comparison.baseline.slots}
    after = {s.position: s for s in comparison.proposed.slots}
    assert before[slot.position].price == pytest.approx(catalogue_price)
    assert after[slot.position].price == pytest.approx(catalogue_price + 1)
    assert after[slot.position].units == pytest.approx(before[slot.position].units)  # demand is not price-elastic
    gain = after[slot.position].units
    assert comparison.proposed.daily_revenue - comparison.baseline.daily_revenue == pytest.approx(gain, rel=1e-6)
    assert all(after[p].revenue == pytest.approx(before[p].revenue) for p in before if p != slot.position)
    assert comparison.implementation_cost == 0  # a new price needs no restocking visit
