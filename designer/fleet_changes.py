"""Changes to many machines at once: which machines (a filter or a hand-picked list), what each cabinet would
become (a template, a product replaced, a price or par levels set), and why a machine is refused.

Pure functions from a cabinet's newest layout to the layout the change makes, so the preview, the apply and the
command share one rule each; :mod:`storage.fleet_operations` writes them and takes them back.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal

from designer.cabinets import Cabinet, suitable_zones, zone_accepts
from designer.planograms import Planogram, Slot
from designer.positions import Position
from designer.products import Catalogue
from designer.templates import FitRefused, Template, changed_slots, copied, fit_template, target_cabinet
from designer.validation import MAX_SLOT_PRICE

PRICE_STEP = Decimal("0.05")
"""Prices changed by a percentage are rounded to the nearest five cents (what coin mechanisms take)."""


@dataclass(frozen=True)
class MachineFacts:
    """What machines are chosen by: location type, CVD's model and route, our tags, and cabinet shapes."""

    device_id: int
    name: str
    asset_number: str
    location_type: str
    cabinets: tuple[Cabinet, ...]
    model: str | None = None
    route_id: int | None = None
    tags: tuple[str, ...] = ()
    removed: bool = False

    @property
    def shapes(self) -> set[str]:
        return {f"{cabinet.rows}x{cabinet.columns}" for cabinet in self.cabinets}


@dataclass(frozen=True)
class MachineFilter:
    """Machines to change: every criterion given must hold (within one criterion, any value may); ``device_ids``
    picks machines by hand (alone, or narrowing the filter). An empty filter chooses every machine."""

    location_types: frozenset[str] = frozenset()
    models: frozenset[str] = frozenset()
    routes: frozenset[int] = frozenset()
    shapes: frozenset[str] = frozenset()  # "6x6"
    tags: frozenset[str] = frozenset()
    device_ids: frozenset[int] = frozenset()

    def chooses(self, machine: MachineFacts) -> bool:
        if machine.removed:
            return False
        return (
            (not self.location_types or machine.location_type in self.location_types)
            and (not self.models or (machine.model or "") in self.models)
            and (not self.routes or machine.route_id in self.routes)
            and (not self.shapes or bool(machine.shapes & self.shapes))
            and (not self.tags or bool(set(machine.tags) & self.tags))
            and (not self.device_ids or machine.device_id in self.device_ids)
        )

    def describe(self) -> str:
        """The filter in words, for an operation's title and the audit row."""
        parts = []
        for label, values in (
            ("location", self.location_types),
            ("model", self.models),
            ("route", self.routes),
            ("shape", self.shapes),
            ("tag", self.tags),
            ("device", self.device_ids),
        ):
            if values:
                parts.append(f"{label} {', '.join(str(v) for v in sorted(values, key=str))}")
        return "; ".join(parts) or "every machine"


@dataclass(frozen=True)
class MachineChange:
    """One cabinet of a fleet change: its layout before and after and the slots that change, or why it was
    refused (``refusal``; then ``after`` is None and nothing is written)."""

    machine: MachineFacts
    cabinet_index: int
    before: Planogram | None
    after: Planogram | None
    changed: tuple[Position, ...] = ()
    refusal: str | None = None
    cabinet: Cabinet | None = None

    @property
    def refused(self) -> bool:
        return self.refusal is not None

    @property
    def changes_anything(self) -> bool:
        return not self.refused and bool(self.changed)


def refused(machine: MachineFacts, reason: str, cabinet_index: int = 0) -> MachineChange:
    return MachineChange(machine, cabinet_index, None, None, refusal=reason)


def proposed(machine: MachineFacts, cabinet: Cabinet, before: Planogram, after: Planogram) -> MachineChange:
    return MachineChange(machine, cabinet.index, before, after, tuple(changed_slots(before, after)), cabinet=cabinet)


# --- what each kind of change makes of one cabinet ------------------------------------------------------------


def template_change(
    template: Template, machine: MachineFacts, current: Mapping[int, Planogram], catalogue: Catalogue
) -> MachineChange:
    """The template in the machine's matching cabinet (rules in :mod:`designer.templates`), or the refusal."""
    try:
        cabinet = target_cabinet(template, machine.cabinets)
        before = current.get(cabinet.index) or Planogram(machine.device_id, cabinet.index)
        after = fit_template(template, cabinet, before, catalogue)
    except FitRefused as refusal:
        return refused(machine, str(refusal))
    return proposed(machine, cabinet, before, after)


def replace_product(
    machine: MachineFacts, current: Mapping[int, Planogram], catalogue: Catalogue, old: int, new: int
) -> list[MachineChange]:
    """Every slot of ``old`` gets ``new`` (a discontinued item → its successor) at the catalogue price, loaded to the
    slot's par level; a cabinet whose zone cannot keep ``new`` is refused. Cabinets without ``old`` are left out."""
    successor = catalogue[new]
    changes = []
    for cabinet in machine.cabinets:
        before = current.get(cabinet.index)
        if before is None or old not in before.product_ids():
            continue
        if not zone_accepts(cabinet.zone, successor.temperature_requirement):
            places = " or ".join(zone.value for zone in suitable_zones(successor.temperature_requirement))
            reason = (
                f"{successor.name} must be kept {successor.temperature_requirement.value}; cabinet {cabinet.index + 1} "
                f"is {cabinet.zone.value} (use a {places} cabinet)"
            )
            changes.append(refused(machine, reason, cabinet.index))
            continue
        after = copied(before)
        for slot in before.filled_slots():
            if slot.product_id == old:
                after.slots[slot.position] = replace(
                    slot, product_id=new, quantity=min(slot.par_level, slot.capacity), price=None, card_price=None
                )
        changes.append(proposed(machine, cabinet, before, after))
    return changes


def rounded_price(price: float, step: Decimal = PRICE_STEP) -> float:
    """The nearest multiple of ``step`` (halves up): 1.62 → 1.60, 1.63 → 1.65."""
    steps = (Decimal(str(price)) / step).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    return float(steps * step)


def change_price(
    machine: MachineFacts,
    current: Mapping[int, Planogram],
    catalogue: Catalogue,
    product_id: int,
    *,
    absolute: float | None = None,
    percent: float | None = None,
) -> list[MachineChange]:
    """The cash price of ``product_id`` in every slot of the machine: ``absolute``, or the slot's price now changed
    by ``percent`` and rounded to the nearest 0.05. A card price of its own keeps its difference from cash."""
    if (absolute is None) == (percent is None):
        raise ValueError("give either a new price or a percentage")
    changes = []
    catalogue_price = float(catalogue[product_id].price)
    for cabinet in machine.cabinets:
        before = current.get(cabinet.index)
        if before is None or product_id not in before.product_ids():
            continue
        after = copied(before)
        for slot in before.filled_slots():
            if slot.product_id != product_id:
                continue
            cash = slot.cash_price(catalogue_price)
            new = absolute if absolute is not None else rounded_price(cash * (1 + percent / 100))  # type: ignore[operator]
            new = round(float(new), 2)
            if not 0 < new <= MAX_SLOT_PRICE:
                return [
                    refused(
                        machine, f"{slot.position.label}: a price of {new:.2f} is outside 0.01–{MAX_SLOT_PRICE:.2f}"
                    )
                ]
            card = None if slot.card_price is None else round(max(slot.card_price + new - cash, 0.01), 2)
            after.slots[slot.position] = replace(
                slot, price=None if new == catalogue_price else new, card_price=None if card == new else card
            )
        changes.append(proposed(machine, cabinet, before, after))
    return changes


def set_par_levels(
    machine: MachineFacts, current: Mapping[int, Planogram], suggested: Mapping[int, int]
) -> list[MachineChange]:
    """Par levels from the forecast: each product's suggested par level (units to hold between visits) shared over
    its slots by capacity, each slot at least 1 and at most its capacity."""
    changes = []
    for cabinet in machine.cabinets:
        before = current.get(cabinet.index)
        if before is None:
            continue
        after = copied(before)
        carried: dict[int, int] = {}
        for slot in before.filled_slots():
            carried[slot.product_id] = carried.get(slot.product_id, 0) + max(slot.capacity, 0)  # type: ignore[index]
        for slot in before.filled_slots():
            par = suggested.get(slot.product_id)  # type: ignore[arg-type]
            if par is None or slot.capacity <= 0:
                continue
            share = slot.capacity / max(carried[slot.product_id], 1)  # type: ignore[index]
            after.slots[slot.position] = replace(slot, par_level=min(slot.capacity, max(1, math.ceil(par * share))))
        changes.append(proposed(machine, cabinet, before, after))
    return changes


def chosen(machines: Iterable[MachineFacts], selection: MachineFilter) -> list[MachineFacts]:
    return [machine for machine in machines if selection.chooses(machine)]


def positions_text(positions: Sequence[Position]) -> str:
    """Changed positions as stored and shown: ``A1 A2 B4``."""
    return " ".join(position.label for position in positions)


def slot_difference(before: Slot, after: Slot, catalogue: Catalogue) -> str:
    """One changed slot in words: ``A1 Doritos → Lay's``, ``B2 Coke par 6 → 8``, ``C3 Snickers 1.50 → 1.60``."""

    def name(product_id: int | None) -> str:
        if product_id is None:
            return "empty"
        product = catalogue.get(product_id)
        return product.name if product is not None else f"product {product_id}"

    label = before.position.label
    if before.product_id != after.product_id:
        return f"{label} {name(before.product_id)} → {name(after.product_id)}"
    parts = []
    if before.par_level != after.par_level:
        parts.append(f"par {before.par_level} → {after.par_level}")
    if before.capacity != after.capacity:
        parts.append(f"capacity {before.capacity} → {after.capacity}")
    if after.product_id is not None and (before.price, before.card_price) != (after.price, after.card_price):
        base = float(catalogue[after.product_id].price) if after.product_id in catalogue else 0.0
        parts.append(f"{before.cash_price(base):.2f} → {after.cash_price(base):.2f}")
    return f"{label} {name(after.product_id)} {', '.join(parts)}".strip()
