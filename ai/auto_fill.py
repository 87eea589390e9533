"""Auto-fill: propose a product for every empty slot of a cabinet, maximising expected revenue.

Each candidate product is scored in every empty slot by the placement model (next to what already stands
in the cabinet); an optimal assignment (scipy's Hungarian solver) then gives each slot a different
product while products last, so the proposal is not forty copies of the best seller. When the cabinet has
more empty slots than suitable products, further copies are allowed at half value (a second facing of the
same product mostly splits its own sales).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

from ai.placement_scoring import PlacementScorer
from designer.cabinets import Cabinet, zone_accepts
from designer.planograms import Planogram, Slot
from designer.positions import Position

DUPLICATE_VALUE = 0.5
DEFAULT_CAPACITY = 10
DEFAULT_PAR = 8


@dataclass(frozen=True)
class FillProposal:
    """Slots to fill and what they are expected to bring."""

    slots: list[Slot]
    expected_daily_units: float
    expected_daily_revenue: float


def propose_fill(
    scorer: PlacementScorer,
    cabinet: Cabinet,
    planogram: Planogram,
    should_stop: Callable[[], bool] | None = None,
) -> FillProposal:
    """Products for the empty slots of ``planogram`` (filled slots stay as they are)."""
    empty = [p for p in cabinet.positions() if planogram.slot_at(p).is_empty]
    candidates = [
        product
        for product in scorer.catalogue.values()
        if zone_accepts(cabinet.zone, product.temperature_requirement) and product.id not in planogram.product_ids()
    ]
    if not empty or not candidates:
        return FillProposal([], 0.0, 0.0)
    cells = np.array([(p.row, p.column) for p in empty])
    units = np.zeros((len(candidates), len(empty)))
    for row, product in enumerate(candidates):
        if should_stop is not None and should_stop():
            raise InterruptedError("auto-fill was cancelled")
        grid = scorer.placement_grid(cabinet, planogram, product.id)
        units[row] = grid.expected_daily_sales[cells[:, 0], cells[:, 1]]
    prices = np.array([product.price for product in candidates])
    value = units * prices[:, None]
    copies = int(np.ceil(len(empty) / len(candidates)))
    stacked = np.vstack([value * (DUPLICATE_VALUE**copy) for copy in range(copies)])
    rows, columns = linear_sum_assignment(stacked, maximize=True)
    slots: list[Slot] = []
    total_units = total_revenue = 0.0
    for row, column in zip(rows, columns, strict=True):
        product = candidates[row % len(candidates)]
        position: Position = empty[column]
        existing = planogram.slot_at(position)
        capacity = existing.capacity if existing.capacity > 0 else DEFAULT_CAPACITY
        par = min(existing.par_level or DEFAULT_PAR, capacity)
        slots.append(Slot(position, product.id, par, capacity, par))
        total_units += float(units[row % len(candidates), column])
        total_revenue += float(stacked[row, column])
    slots.sort(key=lambda slot: slot.position)
    return FillProposal(slots, total_units, total_revenue)
