"""Auto-fill: propose a product for every empty slot of a cabinet, maximising expected revenue.

Each candidate product is scored in every empty slot by the placement model (next to what already stands
in the cabinet); an optimal assignment (scipy's Hungarian solver) then gives each slot a different
product while products last, so the proposal is not forty copies of the best seller. When the cabinet has
more empty slots than suitable products, further copies are allowed at half value (a second facing of the
same product mostly splits its own sales).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

from ai.placement_scoring import PlacementScorer
from designer.cabinets import Cabinet, zone_proposes
from designer.planograms import Planogram, Slot
from designer.positions import Position
from designer.products import Product

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
        if zone_proposes(cabinet.zone, product.temperature_requirement) and product.id not in planogram.product_ids()
    ]
    if not empty or not candidates:
        return FillProposal([], 0.0, 0.0)
    units = expected_units(scorer, cabinet, planogram, candidates, empty, should_stop)
    prices = np.array([product.price for product in candidates])
    value = units * prices[:, None]
    copies = int(np.ceil(len(empty) / len(candidates)))
    stacked = np.vstack([value * (DUPLICATE_VALUE**copy) for copy in range(copies)])
    rows, columns = best_assignment(stacked)
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


def expected_units(
    scorer: PlacementScorer,
    cabinet: Cabinet,
    planogram: Planogram,
    candidates: Sequence[Product],
    positions: Sequence[Position],
    should_stop: Callable[[], bool] | None = None,
) -> np.ndarray:
    """candidates × positions expected daily units, each product scored next to ``planogram``'s products."""
    cells = np.array([(p.row, p.column) for p in positions], dtype=np.int64).reshape(-1, 2)
    units = np.zeros((len(candidates), len(positions)))
    for row, product in enumerate(candidates):
        if should_stop is not None and should_stop():
            raise InterruptedError("the proposal was cancelled")
        grid = scorer.placement_grid(cabinet, planogram, product.id)
        units[row] = grid.expected_daily_sales[cells[:, 0], cells[:, 1]]
    return units


def best_assignment(value: np.ndarray, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Rows and columns of the assignment maximising total ``value`` (Hungarian solver), each used once.

    ``allowed`` (same shape, bool) forbids pairs: they are never returned, and a column with no allowed row
    stays unassigned. Shared by auto-fill and location personalisation so there is one assignment routine.
    """
    if value.size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    if allowed is None:
        return linear_sum_assignment(value, maximize=True)
    finite = value[allowed]
    spread = float(np.abs(finite).max()) if finite.size else 1.0
    forbidden = -(spread + 1.0) * (min(value.shape) + 1)  # worse than any mix of allowed pairs can make up for
    rows, columns = linear_sum_assignment(np.where(allowed, value, forbidden), maximize=True)
    keep = allowed[rows, columns]
    return rows[keep], columns[keep]
