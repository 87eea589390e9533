"""Edits a merchandiser makes to a planogram, as undoable commands (no Qt; the window wraps them).

Every edit is a :class:`SlotEdit`: the slots it touches before and after. One mechanism serves place,
replace, move, swap, clear, inspector changes, bulk edits and copying, so undo is exact by construction.
Edits that would break a rule raise :class:`EditRefused` with a reason to show at the cursor, and
nothing changes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from enum import Enum

from designer.cabinets import Cabinet, suitable_zones, zone_accepts
from designer.planograms import Planogram, Slot
from designer.positions import Position
from designer.products import Catalogue
from designer.validation import check_stock, selection_code_clashes, slot_card_price, slot_price, slot_selection_code

DEFAULT_PAR_SHARE = 0.75


class KeepPrice(Enum):
    """``set_slot_details(price=KEEP_PRICE)`` leaves the price (or card price, or selection code) alone: None
    already means "the default" (the catalogue's price, the cash price, the position's code)."""

    KEEP = "keep"


KEEP_PRICE = KeepPrice.KEEP


class EditRefused(ValueError):
    """An edit that would break a rule; ``str()`` is the reason shown to the user."""


@dataclass(frozen=True, slots=True)
class EditContext:
    """What an edit is checked against: the cabinet's shape and zone, and the catalogue."""

    cabinet: Cabinet
    catalogue: Catalogue


@dataclass(frozen=True, slots=True)
class SlotEdit:
    """Slots before and after; ``None`` means the position holds no slot record (empty)."""

    text: str
    before: Mapping[Position, Slot | None]
    after: Mapping[Position, Slot | None]

    @property
    def changed(self) -> frozenset[Position]:
        """The change-set: the positions views must repaint."""
        return frozenset(self.after)

    def apply(self, planogram: Planogram) -> None:
        _write(planogram, self.after)

    def revert(self, planogram: Planogram) -> None:
        _write(planogram, self.before)


def _write(planogram: Planogram, slots: Mapping[Position, Slot | None]) -> None:
    for position, slot in slots.items():
        if slot is None:
            planogram.slots.pop(position, None)
        else:
            planogram.slots[position] = slot


def _edit(text: str, planogram: Planogram, after: Mapping[Position, Slot | None]) -> SlotEdit:
    before = {position: planogram.slots.get(position) for position in after}
    return SlotEdit(text, before, dict(after))


def _check_inside(context: EditContext, position: Position) -> None:
    if not context.cabinet.contains(position):
        raise EditRefused(f"{position.label} is outside this cabinet ({context.cabinet.describe_extent()})")


def _check_fits(context: EditContext, product_id: int) -> None:
    if product_id not in context.catalogue:
        raise EditRefused(f"product {product_id} is not in the catalogue")
    product = context.catalogue[product_id]
    if not zone_accepts(context.cabinet.zone, product.temperature_requirement):
        places = " or ".join(zone.value for zone in suitable_zones(product.temperature_requirement))
        raise EditRefused(
            f"{product.name} must be kept {product.temperature_requirement.value}; "
            f"this cabinet is {context.cabinet.zone.value} — use a {places} cabinet"
        )


def place_product(context: EditContext, planogram: Planogram, position: Position, product_id: int) -> SlotEdit:
    """Drop a product from the palette: fills an empty slot or replaces what stands there."""
    _check_inside(context, position)
    _check_fits(context, product_id)
    slot = planogram.slot_at(position)
    name = context.catalogue[product_id].name
    if slot.product_id == product_id:
        raise EditRefused(f"{name} is already in {position.label}")
    verb = "Place" if slot.is_empty else "Replace with"
    # The driver loads a new product to its par level; an empty slot kept none, so start at three quarters full.
    par_level = min(slot.par_level, slot.capacity) or max(1, round(slot.capacity * DEFAULT_PAR_SHARE))
    quantity = par_level
    return _edit(
        f"{verb} {name} in {position.label}",
        planogram,
        # A new product sells at its catalogue price until the merchandiser sets one for this slot.
        {
            position: replace(
                slot, product_id=product_id, quantity=quantity, par_level=par_level, price=None, card_price=None
            )
        },
    )


def move_slot(context: EditContext, planogram: Planogram, source: Position, target: Position) -> SlotEdit:
    """Drag a slot onto another: moves the product; onto an occupied slot the two swap."""
    _check_inside(context, source)
    _check_inside(context, target)
    moving = planogram.slot_at(source)
    if moving.is_empty:
        raise EditRefused(f"{source.label} is empty; there is nothing to move")
    if source == target:
        raise EditRefused("drop on another slot to move")
    other = planogram.slot_at(target)
    moved = _moved(moving, other)
    if other.is_empty:
        left = None if moving.selection_code is None else Slot(source, selection_code=moving.selection_code)
        after: dict[Position, Slot | None] = {target: moved, source: left}
        text = f"Move {_name(context, moving)} from {source.label} to {target.label}"
    else:
        after = {target: moved, source: _moved(other, moving)}
        text = f"Swap {source.label} and {target.label}"
    return _edit(text, planogram, after)


def _moved(slot: Slot, onto: Slot) -> Slot:
    """``slot``'s product and prices at ``onto``'s position, under ``onto``'s selection code: codes belong to the
    machine's positions, so a product moved to another slot is sold under that slot's code."""
    return replace(slot, position=onto.position, selection_code=onto.selection_code)


def clear_slots(context: EditContext, planogram: Planogram, positions: Iterable[Position]) -> SlotEdit:
    """Delete: the slots keep capacity and par level but hold no product."""
    targets = sorted({p for p in positions if not planogram.slot_at(p).is_empty})
    if not targets:
        raise EditRefused("the selected slots are already empty")
    after = {p: planogram.slot_at(p).cleared() for p in targets}
    text = f"Clear {targets[0].label}" if len(targets) == 1 else f"Clear {len(targets)} slots"
    return _edit(text, planogram, after)


def set_slot_details(
    context: EditContext,
    planogram: Planogram,
    position: Position,
    *,
    quantity: int | None = None,
    capacity: int | None = None,
    par_level: int | None = None,
    price: float | KeepPrice | None = KEEP_PRICE,
    card_price: float | KeepPrice | None = KEEP_PRICE,
    selection_code: str | KeepPrice | None = KEEP_PRICE,
) -> SlotEdit:
    """The inspector: change quantity, capacity, par level, cash or card price or selection code of one slot, as
    one undo step.

    ``price`` None (or the catalogue's own price) makes the slot follow the catalogue again; ``card_price`` None
    (or the cash price) makes cards pay the cash price; ``selection_code`` None (or blank, or the default) gives
    the slot its position's default code. A code another slot of the cabinet uses is refused.
    """
    _check_inside(context, position)
    slot = planogram.slot_at(position)
    changed = replace(
        slot,
        quantity=slot.quantity if quantity is None else quantity,
        capacity=slot.capacity if capacity is None else capacity,
        par_level=slot.par_level if par_level is None else par_level,
        price=slot.price if price is KEEP_PRICE else _own_price(context, slot, price),
        selection_code=slot.selection_code
        if selection_code is KEEP_PRICE
        else _own_code(context, slot, selection_code),
    )
    if card_price is not KEEP_PRICE:
        changed = replace(changed, card_price=_own_card_price(context, changed, card_price))
    elif changed.card_price is not None and changed.card_price == _cash_price(context, changed):
        changed = replace(changed, card_price=None)  # the cash price came up to the card's: one price again
    problems = check_stock(changed)
    if problems:
        raise EditRefused(f"{problems[0].problem}; {problems[0].fix}")
    if changed.selection_code != slot.selection_code:
        edited = Planogram.from_slots(planogram.device_id, planogram.cabinet_index, planogram.slots.values())
        edited.slots[position] = changed
        clashes = selection_code_clashes(edited, context.cabinet, last=position)
        clash = next((problem for problem in clashes if problem.slot == position.label), None)
        if clash is not None:
            raise EditRefused(f"{clash.problem}; {clash.fix}")
    if changed == slot:
        raise EditRefused(f"{position.label} already has these values")
    return _edit(f"Edit {position.label}", planogram, {position: changed})


def _own_price(context: EditContext, slot: Slot, price: float | None) -> float | None:
    """The price a slot keeps: None where it equals the catalogue's, so a catalogue change still reaches it."""
    if price is None:
        return None
    if slot.product_id is None:
        raise EditRefused(f"{slot.position.label} is empty; place a product before pricing the slot")
    own, problem = slot_price(price, slot.product_id, context.catalogue, slot.position.label)
    if problem:
        raise EditRefused(f"{problem.problem}; {problem.fix}")
    return own


def _own_code(context: EditContext, slot: Slot, code: str | None) -> str | None:
    """The code a slot keeps: None where it is its position's default, so the default still follows the position."""
    own, problem = slot_selection_code(code, slot.position, context.cabinet.index, slot.position.label)
    if problem:
        raise EditRefused(f"{problem.problem}; {problem.fix}")
    return own


def _cash_price(context: EditContext, slot: Slot) -> float | None:
    if slot.product_id is None or slot.product_id not in context.catalogue:
        return slot.price
    return slot.cash_price(context.catalogue[slot.product_id].price)


def _own_card_price(context: EditContext, slot: Slot, price: float | None) -> float | None:
    """The card price a slot keeps: None where it equals the cash price, so cards follow cash again."""
    if price is None:
        return None
    if slot.product_id is None:
        raise EditRefused(f"{slot.position.label} is empty; place a product before pricing the slot")
    own, problem = slot_card_price(price, _cash_price(context, slot), slot.product_id, slot.position.label)
    if problem:
        raise EditRefused(f"{problem.problem}; {problem.fix}")
    return own


def set_capacity(context: EditContext, planogram: Planogram, positions: Iterable[Position], capacity: int) -> SlotEdit:
    """Bulk capacity change; quantity and par level are lowered where they would exceed it."""
    if capacity < 1:
        raise EditRefused("capacity must be at least 1")
    targets = sorted(set(positions))
    for position in targets:
        _check_inside(context, position)
    after: dict[Position, Slot | None] = {}
    for position in targets:
        slot = planogram.slot_at(position)
        after[position] = replace(
            slot, capacity=capacity, quantity=min(slot.quantity, capacity), par_level=min(slot.par_level, capacity)
        )
    if not after:
        raise EditRefused("select one or more slots first")
    return _edit(f"Set capacity {capacity} on {len(after)} slot{'s' if len(after) > 1 else ''}", planogram, after)


def copy_planogram(context: EditContext, planogram: Planogram, source: Planogram, source_cabinet: Cabinet) -> SlotEdit:
    """Copy another cabinet's layout onto this one; same shape only, every product must fit this zone."""
    cabinet = context.cabinet
    if (source_cabinet.rows, source_cabinet.columns) != (cabinet.rows, cabinet.columns):
        raise EditRefused(
            f"cabinet {source_cabinet.planogram_id} is {source_cabinet.rows}×{source_cabinet.columns} but this one "
            f"is {cabinet.rows}×{cabinet.columns}; copy from a cabinet of the same shape"
        )
    for slot in source.filled_slots():
        assert slot.product_id is not None
        try:
            _check_fits(context, slot.product_id)
        except EditRefused as refusal:
            raise EditRefused(f"{slot.position.label}: {refusal}") from None
    return _replace_all(
        f"Copy planogram from {source_cabinet.planogram_id}", planogram, _keeping_codes(source, planogram)
    )


def revert_to(context: EditContext, planogram: Planogram, version: Planogram) -> SlotEdit:
    """Bring back a stored version's layout as one undoable edit (saving it makes a new version)."""
    if (version.device_id, version.cabinet_index) != (planogram.device_id, planogram.cabinet_index):
        raise EditRefused(f"version {version.version} belongs to cabinet {version.planogram_id}, not this one")
    if version.slots == planogram.slots:
        raise EditRefused(f"the layout is already that of version {version.version}")
    return _replace_all(f"Revert to version {version.version}", planogram, version)


def fill_empty_slots(context: EditContext, planogram: Planogram, proposal: Iterable[Slot]) -> SlotEdit:
    """Accept an auto-fill proposal: products into empty slots only, each checked like a drop."""
    after: dict[Position, Slot | None] = {}
    for slot in proposal:
        _check_inside(context, slot.position)
        if not planogram.slot_at(slot.position).is_empty:
            raise EditRefused(f"{slot.position.label} is no longer empty; propose the fill again")
        assert slot.product_id is not None
        _check_fits(context, slot.product_id)
        after[slot.position] = replace(slot, selection_code=planogram.slot_at(slot.position).selection_code)
    if not after:
        raise EditRefused("there are no empty slots to fill")
    return _edit(f"Fill {len(after)} empty slot{'s' if len(after) != 1 else ''}", planogram, after)


def replace_layout(
    context: EditContext, planogram: Planogram, proposed: Planogram, text: str, *, codes_from_proposal: bool = False
) -> SlotEdit:
    """Replace the whole layout with a validated proposal (a file, a personalisation) as one undoable edit.

    The cabinet keeps its selection codes unless ``codes_from_proposal`` (a file, which carries its own)."""
    if not codes_from_proposal:
        proposed = _keeping_codes(proposed, planogram)
    for slot in proposed.filled_slots():
        _check_inside(context, slot.position)
        assert slot.product_id is not None
        _check_fits(context, slot.product_id)
    if proposed.slots == planogram.slots:
        raise EditRefused("the proposal holds exactly the layout already shown")
    return _replace_all(text, planogram, proposed)


def import_layout(context: EditContext, planogram: Planogram, imported: Planogram) -> SlotEdit:
    """Load a validated planogram file into this cabinet (saving makes it a version)."""
    return replace_layout(context, planogram, imported, "Import planogram file", codes_from_proposal=True)


def set_par_levels(context: EditContext, planogram: Planogram, par_levels: Mapping[int, int]) -> SlotEdit:
    """New par levels per product (from the demand forecast) on every slot holding it, within capacity."""
    after: dict[Position, Slot | None] = {}
    for slot in planogram.filled_slots():
        wanted = par_levels.get(slot.product_id)  # type: ignore[arg-type]
        if wanted is None:
            continue
        par = max(0, min(int(wanted), slot.capacity))
        if par != slot.par_level:
            after[slot.position] = replace(slot, par_level=par)
    if not after:
        raise EditRefused("no slot of this cabinet changes: its products already have these par levels")
    return _edit(f"Set par levels on {len(after)} slot{'s' if len(after) != 1 else ''}", planogram, after)


def place_together(context: EditContext, planogram: Planogram, product_ids: Iterable[int]) -> SlotEdit:
    """Bring products bought together into adjacent slots (reading order from the first one), by swapping."""
    wanted = [p for p in dict.fromkeys(product_ids) if p in planogram.product_ids()]
    if len(wanted) < 2:
        raise EditRefused("fewer than two of these products stand in this cabinet; place them first")
    where = {slot.product_id: slot.position for slot in planogram.filled_slots()}
    order = sorted(context.cabinet.positions())
    start = order.index(where[wanted[0]])
    start = min(start, len(order) - len(wanted))
    targets = order[start : start + len(wanted)]
    working = dict(planogram.slots)
    for product_id, target in zip(wanted, targets, strict=True):
        source = next(p for p, s in working.items() if s.product_id == product_id)
        if source == target:
            continue
        moving, other = working[source], working.get(target)
        working[target] = _moved(moving, other or Slot(target))
        if other is not None:
            working[source] = _moved(other, moving)
        elif moving.selection_code is not None:
            working[source] = Slot(source, selection_code=moving.selection_code)
        else:
            del working[source]
    changed = {p for p in set(working) | set(planogram.slots) if working.get(p) != planogram.slots.get(p)}
    if not changed:
        raise EditRefused("these products already stand side by side")
    names = ", ".join(context.catalogue[p].name for p in wanted[:3]) + ("…" if len(wanted) > 3 else "")
    return _edit(f"Place together: {names}", planogram, {p: working.get(p) for p in changed})


def restore_unsaved(context: EditContext, planogram: Planogram, recovered: Planogram) -> SlotEdit:
    """After a crash: bring back the journaled document as one undoable edit on top of its stored base."""
    if (recovered.device_id, recovered.cabinet_index) != (planogram.device_id, planogram.cabinet_index):
        raise EditRefused(f"the recovered edits belong to cabinet {recovered.planogram_id}, not this one")
    return _replace_all("Restore unsaved edits", planogram, recovered)


def _keeping_codes(source: Planogram, planogram: Planogram) -> Planogram:
    """``source``'s products and prices under ``planogram``'s selection codes (the machine's numbering stays)."""
    slots = {p: replace(slot, selection_code=planogram.slot_at(p).selection_code) for p, slot in source.slots.items()}
    for position, slot in planogram.slots.items():
        if slot.selection_code is not None and position not in slots:
            slots[position] = Slot(position, selection_code=slot.selection_code)
    return Planogram(
        source.device_id, source.cabinet_index, slots, source.name, source.status, source.version, source.id
    )


def _replace_all(text: str, planogram: Planogram, source: Planogram) -> SlotEdit:
    after: dict[Position, Slot | None] = {position: None for position in planogram.slots}
    after.update(source.slots)
    return _edit(text, planogram, after)


def _name(context: EditContext, slot: Slot) -> str:
    if slot.product_id is not None and slot.product_id in context.catalogue:
        return context.catalogue[slot.product_id].name
    return slot.position.label
