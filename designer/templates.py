"""Templates: one cabinet's layout saved under a name, to be put into many machines; and the rules for fitting
it to a machine's cabinet.

The fitting rules (stated here, tested in tests/templates/test_fitting.py):

1. **Which cabinet.** A template goes into the device's cabinet at the template's temperature zone (the first by
   index of those, preferring one of the template's shape). A device with no cabinet at that zone is refused,
   naming the cabinets it has.
2. **Temperature.** Every product of the template must be allowed at the cabinet's zone
   (:func:`designer.cabinets.zone_accepts`); otherwise refused, naming the products and where they belong.
3. **Shape.** Slots keep their positions (A1 stays A1: drivers, labels and selection codes know slots by position).
   A cabinet with *more* rows or columns takes the template in its top-left part; its other slots keep what they
   hold now. A cabinet with *fewer* rows or columns takes the template only when every slot it lacks is empty in
   the template; otherwise refused, naming the products that would have no slot (nothing is dropped silently).
4. **Slots.** A template slot brings its product, capacity, par level and prices. The machine keeps its selection
   codes (they belong to the machine's positions) and, where the product stays, its stock; a new product is
   loaded to its par level. An empty template slot empties the machine's slot.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cached_property

from designer.cabinets import Cabinet, TemperatureZone, check_cabinet_size, suitable_zones, zone_accepts
from designer.planograms import Planogram, Slot, planogram_from_dict, slot_to_dict
from designer.positions import Position
from designer.products import Catalogue

TEMPLATE_DEVICE = 0
"""The device id a template's cabinet carries when a template is edited like a cabinet (no machine has id 0)."""


class FitRefused(ValueError):
    """The template cannot go into this machine as it is; ``str()`` says why and what to do."""


@dataclass(frozen=True)
class Template:
    """One version of a named layout: its cabinet shape and zone, tags to find it by, and its slots."""

    name: str
    rows: int
    columns: int
    zone: TemperatureZone
    slots: tuple[Slot, ...] = ()
    tags: tuple[str, ...] = ()
    version: int = 1
    note: str = ""
    id: int | None = None
    created_at: datetime | None = None
    created_by: str = ""
    shape_label: str = field(init=False, default="")

    def __post_init__(self) -> None:
        check_cabinet_size(self.rows, self.columns)
        object.__setattr__(self, "shape_label", f"{self.rows}×{self.columns}")

    @property
    def label(self) -> str:
        """How the template is named on a version and in the history: ``Office snacks v3``."""
        return f"{self.name} v{self.version}"

    def as_cabinet(self) -> Cabinet:
        """The template's own cabinet, so the designer edits a template as it edits a machine's cabinet."""
        return Cabinet(TEMPLATE_DEVICE, 0, self.rows, self.columns, self.zone, name=self.name)

    def as_planogram(self) -> Planogram:
        return Planogram.from_slots(TEMPLATE_DEVICE, 0, self.slots, name=self.name, version=self.version)

    @cached_property
    def slot_map(self) -> dict[Position, Slot]:
        return {slot.position: slot for slot in self.slots}

    def product_ids(self) -> set[int]:
        return {slot.product_id for slot in self.slots if slot.product_id is not None}

    def slots_json(self) -> list[dict[str, object]]:
        """The slots as stored (selection codes left out: they belong to each machine)."""
        return [slot_to_dict(replace(slot, selection_code=None)) for slot in sorted(self.slots, key=_order)]

    def matches(self, text: str) -> bool:
        """Whether a library search for ``text`` finds this template (name, tags, zone or shape)."""
        words = text.strip().lower().split()
        haystack = " ".join((self.name, *self.tags, self.zone.value, self.shape_label, self.note)).lower()
        return all(word in haystack for word in words)


def template_from_planogram(
    name: str, cabinet: Cabinet, planogram: Planogram, tags: Iterable[str] = (), note: str = ""
) -> Template:
    """A cabinet's layout as a template: the slots with a product (or a capacity of their own), no codes."""
    name = name.strip()
    if not name:
        raise ValueError("a template needs a name, e.g. 'Office snacks'")
    slots = tuple(
        replace(slot, selection_code=None)
        for slot in (planogram.slots[p] for p in sorted(planogram.slots))
        if cabinet.contains(slot.position)
    )
    return Template(name, cabinet.rows, cabinet.columns, cabinet.zone, slots, clean_tags(tags), note=note)


def slots_from_json(entries: Sequence[dict[str, object]]) -> tuple[Slot, ...]:
    """The inverse of :meth:`Template.slots_json` (stored, trusted data)."""
    planogram = planogram_from_dict({"device_id": TEMPLATE_DEVICE, "cabinet_index": 0, "slots": list(entries)})
    return tuple(planogram.slots[p] for p in sorted(planogram.slots))


def clean_tags(tags: Iterable[str]) -> tuple[str, ...]:
    """Tags as kept: trimmed, lower case, each once, in the order given."""
    seen: dict[str, None] = {}
    for tag in tags:
        word = tag.strip().lower()
        if word:
            seen.setdefault(word[:60], None)
    return tuple(seen)


def target_cabinet(template: Template, cabinets: Sequence[Cabinet]) -> Cabinet:
    """Rule 1: the device's cabinet at the template's zone, one of the template's shape first."""
    same_zone = [cabinet for cabinet in cabinets if cabinet.zone is template.zone]
    if not same_zone:
        held = ", ".join(f"{c.zone.value} {c.rows}×{c.columns}" for c in cabinets) or "no cabinets"
        raise FitRefused(
            f"no {template.zone.value} cabinet for a {template.zone.value} template (this machine has {held}); "
            "leave it out, or use a template of one of its zones"
        )
    shaped = [c for c in same_zone if (c.rows, c.columns) == (template.rows, template.columns)]
    return (shaped or same_zone)[0]


def fit_template(template: Template, cabinet: Cabinet, current: Planogram, catalogue: Catalogue) -> Planogram:
    """Rules 2–4: the layout ``cabinet`` gets from ``template``, made from ``current`` (its newest version)."""
    _check_temperature(template, cabinet, catalogue)
    _check_room(template, cabinet, catalogue)
    fitted = copied(current, name=template.label)
    for position in _template_area(template, cabinet):
        fitted_slot = _fitted_slot(template_slot(template, position), current.slot_at(position))
        if fitted_slot is None:
            fitted.slots.pop(position, None)
        else:
            fitted.slots[position] = fitted_slot
    return fitted


def template_slot(template: Template, position: Position) -> Slot | None:
    return template.slot_map.get(position)


def _template_area(template: Template, cabinet: Cabinet) -> Iterable[Position]:
    for row in range(min(template.rows, cabinet.rows)):
        for column in range(min(template.columns, cabinet.columns)):
            yield Position(row, column)


def _fitted_slot(wanted: Slot | None, now: Slot) -> Slot | None:
    """What stands at one position after the template: the template's slot under the machine's code."""
    if wanted is None or wanted.product_id is None:
        emptied = now.cleared() if wanted is None else replace(wanted.cleared(), selection_code=now.selection_code)
        return None if emptied == Slot(now.position) else emptied
    quantity = min(now.quantity, wanted.capacity) if now.product_id == wanted.product_id else wanted.par_level
    return replace(wanted, quantity=quantity, selection_code=now.selection_code)


def _check_temperature(template: Template, cabinet: Cabinet, catalogue: Catalogue) -> None:
    misplaced = []
    for product_id in sorted(template.product_ids()):
        product = catalogue.get(product_id)
        if product is None:
            raise FitRefused(f"product {product_id} of the template is no longer in the catalogue; edit the template")
        if not zone_accepts(cabinet.zone, product.temperature_requirement):
            places = " or ".join(zone.value for zone in suitable_zones(product.temperature_requirement))
            misplaced.append(f"{product.name} must be kept {product.temperature_requirement.value} ({places} cabinet)")
    if misplaced:
        raise FitRefused(f"the {cabinet.zone.value} cabinet cannot hold: {'; '.join(misplaced)}")


def _check_room(template: Template, cabinet: Cabinet, catalogue: Catalogue) -> None:
    outside = [slot for slot in template.slots if not slot.is_empty and not cabinet.contains(slot.position)]
    if outside:
        names = ", ".join(
            f"{slot.position.label} {_name(catalogue, slot.product_id)}" for slot in sorted(outside, key=_order)[:6]
        )
        more = f" and {len(outside) - 6} more" if len(outside) > 6 else ""
        raise FitRefused(
            f"the template is {template.rows}×{template.columns} and this cabinet {cabinet.rows}×{cabinet.columns}: "
            f"{len(outside)} products would have no slot ({names}{more}); use a template of this shape"
        )


def changed_slots(before: Planogram, after: Planogram) -> list[Position]:
    """Positions whose layout differs (:func:`slot_layout`)."""
    positions = sorted(set(before.slots) | set(after.slots))
    return [p for p in positions if slot_layout(before.slot_at(p)) != slot_layout(after.slot_at(p))]


def slot_layout(slot: Slot) -> tuple[object, ...]:
    """What a fleet change sets in a slot: product, capacity, par level and prices. Stock moves with every visit and
    selection codes belong to the machine, so neither makes a slot "changed"."""
    return (slot.product_id, slot.capacity, slot.par_level, slot.price, slot.card_price)


def copied(planogram: Planogram, **details: object) -> Planogram:
    """A planogram with its own slot table (slots themselves are immutable), ``details`` replacing its name etc."""
    fields: dict[str, object] = {
        "name": planogram.name,
        "status": planogram.status,
        "version": planogram.version,
        "id": planogram.id,
        **details,
    }
    return Planogram(planogram.device_id, planogram.cabinet_index, dict(planogram.slots), **fields)  # type: ignore[arg-type]


def _name(catalogue: Catalogue, product_id: int | None) -> str:
    product = catalogue.get(product_id) if product_id is not None else None
    return product.name if product is not None else f"product {product_id}"


def _order(slot: Slot) -> Position:
    return slot.position
