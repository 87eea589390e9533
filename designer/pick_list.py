"""Pick lists: how many units of each product a route driver loads into each slot, and the route's totals.

Expected on-hand counts forward from the last moment each slot's stock was known:

- a restock visit fills every slot to its par level (CVD's meaning of par, and the simulator's rule), so
  after a visit a slot holds ``par_level`` minus what it has sold since;
- without a visit since the planogram's quantities were stored, the slot holds its stored ``quantity``
  minus what it has sold since they were stored.

Units to load = par level − expected on-hand, never negative and never more than the slot has room for.
Everything is computed from values passed in (``storage.field_data`` reads them), so the same database
gives the same sheet on every export.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from designer.planograms import Planogram, Slot
from designer.positions import Position
from designer.products import Catalogue


class StockBasis(StrEnum):
    """What a slot held at the anchor moment."""

    RESTOCK_VISIT = "restock visit"  # filled to par level
    STORED_QUANTITIES = "stored quantities"  # the planogram's recorded quantity


@dataclass(frozen=True, slots=True)
class StockAnchor:
    """The moment expected on-hand counts from, and what the slots held then; ``moment`` None: no sales count."""

    basis: StockBasis
    moment: datetime | None

    def describe(self) -> str:
        if self.moment is None:
            return "stock as stored with the planogram"
        if self.basis is StockBasis.RESTOCK_VISIT:
            return f"slots filled to par at the restock visit of {self.moment:%d %b %Y %H:%M}"
        return f"stock as stored with the planogram on {self.moment:%d %b %Y %H:%M}"


def stock_anchor(last_visit: datetime | None, quantities_stored_at: datetime | None) -> StockAnchor:
    """The later of the last restock visit and the storing of the quantities: the freshest known stock.

    A visit at the very moment the quantities were stored (a planogram change made at a visit) counts as the
    visit, because the driver filled the new layout to par then.
    """
    if last_visit is not None and (quantities_stored_at is None or last_visit >= quantities_stored_at):
        return StockAnchor(StockBasis.RESTOCK_VISIT, last_visit)
    return StockAnchor(StockBasis.STORED_QUANTITIES, quantities_stored_at)


@dataclass(frozen=True, slots=True)
class PickLine:
    """One slot on the pick list, with the code it sells under and its prices (to check on the machine)."""

    position: Position
    product_id: int
    product_name: str
    category: str
    par_level: int
    capacity: int
    sold_since: int
    expected_on_hand: int
    load: int
    selection_code: str = ""
    cash_price: float | None = None  # None: the product is not in the catalogue
    card_price: float | None = None

    @property
    def card_differs(self) -> bool:
        """Cards pay another price than cash here: the sheet names both."""
        return self.card_price is not None and self.card_price != self.cash_price


@dataclass(frozen=True, slots=True)
class PickList:
    """Units to load into one cabinet, slot by slot in reading order (A1, A2, … B1, …)."""

    device_id: int
    cabinet_index: int
    anchor: StockAnchor
    lines: tuple[PickLine, ...]

    @property
    def total_load(self) -> int:
        return sum(line.load for line in self.lines)

    @property
    def slots_to_load(self) -> int:
        return sum(1 for line in self.lines if line.load > 0)

    def units_by_product(self) -> dict[int, int]:
        units: dict[int, int] = {}
        for line in self.lines:
            units[line.product_id] = units.get(line.product_id, 0) + line.load
        return units


def expected_on_hand(slot: Slot, sold_since: int, basis: StockBasis) -> int:
    """What the driver should find in ``slot``: the anchor's stock less what sold since, within 0…capacity."""
    start = slot.par_level if basis is StockBasis.RESTOCK_VISIT else slot.quantity
    start = max(0, min(start, slot.capacity))
    return max(0, start - max(0, sold_since))


def units_to_load(slot: Slot, on_hand: int) -> int:
    """Up to par level, never negative, never more than the slot has room for."""
    return max(0, min(slot.par_level - on_hand, slot.capacity - on_hand))


def build_pick_list(
    planogram: Planogram,
    catalogue: Catalogue,
    sold_since: Mapping[tuple[Position, int], int],
    anchor: StockAnchor,
) -> PickList:
    """The pick list of one cabinet; ``sold_since`` holds units sold per (slot, product) since the anchor.

    Sales are keyed by product as well as slot, so units of a product that used to stand in the slot
    before a planogram change never reduce the new product's stock.
    """
    lines = []
    for slot in planogram.filled_slots():
        assert slot.product_id is not None
        product = catalogue.get(slot.product_id)
        sold = sold_since.get((slot.position, slot.product_id), 0) if anchor.moment is not None else 0
        on_hand = expected_on_hand(slot, sold, anchor.basis)
        lines.append(
            PickLine(
                position=slot.position,
                product_id=slot.product_id,
                product_name=product.name if product else f"Product {slot.product_id} (not in the catalogue)",
                category=product.category if product else "",
                par_level=slot.par_level,
                capacity=slot.capacity,
                sold_since=sold,
                expected_on_hand=on_hand,
                load=units_to_load(slot, on_hand),
                selection_code=planogram.selection_code(slot.position),
                cash_price=slot.cash_price(product.price) if product else None,
                card_price=slot.card_price_or_cash(product.price) if product else None,
            )
        )
    return PickList(planogram.device_id, planogram.cabinet_index, anchor, tuple(lines))


@dataclass(frozen=True, slots=True)
class RouteTotal:
    """Units of one product to take on the van for the whole route."""

    product_id: int
    product_name: str
    category: str
    units: int
    slots: int
    device_ids: tuple[int, ...]


def route_totals(pick_lists: Iterable[PickList]) -> list[RouteTotal]:
    """Per product, the units to load across every cabinet of the route; products with nothing to load left out.

    Sorted by category, then name, the way a depot shelves stock, so the van is packed in one walk.
    """
    units: dict[int, int] = {}
    slots: dict[int, int] = {}
    devices: dict[int, set[int]] = {}
    names: dict[int, tuple[str, str]] = {}
    for pick_list in pick_lists:
        for line in pick_list.lines:
            if line.load <= 0:
                continue
            units[line.product_id] = units.get(line.product_id, 0) + line.load
            slots[line.product_id] = slots.get(line.product_id, 0) + 1
            devices.setdefault(line.product_id, set()).add(pick_list.device_id)
            names[line.product_id] = (line.category, line.product_name)
    totals = [
        RouteTotal(
            product_id,
            names[product_id][1],
            names[product_id][0],
            units[product_id],
            slots[product_id],
            tuple(sorted(devices[product_id])),
        )
        for product_id in units
    ]
    return sorted(totals, key=lambda t: (t.category.casefold(), t.product_name.casefold(), t.product_id))
