"""Checks that a planogram can be loaded into the machine, with messages a merchandiser can act on.

Every problem names the slot, what is wrong and how to fix it. Raw entries (from JSON, CSV or an API
request) are checked before they become a :class:`Planogram`, so malformed input never half-loads.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from designer.cabinets import Cabinet, suitable_zones, zone_accepts
from designer.planograms import Planogram, Slot
from designer.positions import Position, PositionError
from designer.products import Catalogue


@dataclass(frozen=True, slots=True)
class Problem:
    slot: str | None
    problem: str
    fix: str

    def __str__(self) -> str:
        where = f"slot {self.slot}: " if self.slot else ""
        return f"{where}{self.problem}. Fix: {self.fix}."


class PlanogramInvalid(ValueError):
    """Raised with every problem found, so the user can fix them all in one pass."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(problem) for problem in problems))


def check_product(product_id: object, catalogue: Catalogue, slot: str | None) -> Problem | None:
    """The product-id rules shared by slot entries and single placements."""
    if product_id is None:
        return Problem(
            slot,
            "no product is given (product id is null)",
            "pick a product from the palette, or clear the slot to leave it empty",
        )
    if isinstance(product_id, bool) or not isinstance(product_id, int):
        return Problem(
            slot, f"product id {product_id!r} is not a whole number", "use the numeric id of a product in the catalogue"
        )
    if product_id <= 0:
        return Problem(
            slot, f"product id {product_id} is not valid (ids are positive)", "use the id of a product in the catalogue"
        )
    if product_id not in catalogue:
        return Problem(
            slot,
            f"product {product_id} is not in the catalogue",
            "add the product to the catalogue first, or pick an existing one",
        )
    return None


def check_position(text: object, cabinet: Cabinet) -> tuple[Position | None, Problem | None]:
    """Parse a position and check it lies inside ``cabinet``."""
    label = text if isinstance(text, str) else repr(text)
    try:
        position = Position.parse(text)
    except PositionError as error:
        return None, Problem(label, str(error), "use a position such as 'A1'")
    if not cabinet.contains(position):
        return None, Problem(
            position.label,
            f"the slot is outside the cabinet, which has {cabinet.describe_extent()}",
            "use a position inside the cabinet or choose a larger cabinet",
        )
    return position, None


def check_temperature(slot: Slot, cabinet: Cabinet, catalogue: Catalogue) -> Problem | None:
    if slot.product_id is None or slot.product_id not in catalogue:
        return None
    product = catalogue[slot.product_id]
    if zone_accepts(cabinet.zone, product.temperature_requirement):
        return None
    places = " or ".join(zone.value for zone in suitable_zones(product.temperature_requirement))
    return Problem(
        slot.position.label,
        f"{product.name} must be kept {product.temperature_requirement.value} but this cabinet is {cabinet.zone.value}",
        f"place it in a {places} cabinet",
    )


MAX_SLOT_PRICE = 100.0  # dollars; far above any vend in the CVD sample ($6.50), low enough to catch 150 for 1.50


def check_price(price: float | None, label: str | None) -> Problem | None:
    """A slot's own price: None follows the catalogue; otherwise a sum of dollars the machine can charge."""
    if price is None:
        return None
    if isinstance(price, bool) or not isinstance(price, int | float) or price != price:
        return Problem(label, f"price {price!r} is not a number", "enter the price in dollars, e.g. 1.50")
    if price < 0:
        return Problem(label, f"price ${price:,.2f} is negative", "enter zero or a positive price, e.g. 1.50")
    if price > MAX_SLOT_PRICE:
        return Problem(
            label,
            f"price ${price:,.2f} is more than ${MAX_SLOT_PRICE:,.2f}, the most a slot may charge",
            "enter the price in dollars (1.50, not 150)",
        )
    return None


def check_stock(slot: Slot) -> list[Problem]:
    label = slot.position.label
    problems: list[Problem] = []
    price = check_price(slot.price, label)
    if price:
        problems.append(price)
    if slot.capacity < 0 or slot.quantity < 0 or slot.par_level < 0:
        problems.append(
            Problem(label, "quantity, capacity and par level cannot be negative", "enter zero or a positive number")
        )
    return problems + check_fill(slot)


def check_fill(slot: Slot) -> list[Problem]:
    """Stock or par level above capacity: refused where a person types it, noted where an operator's stored
    layout has it (CVD lets stock exceed capacity)."""
    label = slot.position.label
    problems: list[Problem] = []
    if slot.quantity > slot.capacity:
        problems.append(
            Problem(
                label,
                f"quantity {slot.quantity} is more than the capacity {slot.capacity}",
                f"lower the quantity to at most {slot.capacity} or raise the capacity",
            )
        )
    if slot.par_level > slot.capacity:
        problems.append(
            Problem(
                label,
                f"par level {slot.par_level} is more than the capacity {slot.capacity}",
                f"lower the par level to at most {slot.capacity}",
            )
        )
    return problems


def validate_planogram(planogram: Planogram, cabinet: Cabinet, catalogue: Catalogue) -> list[Problem]:
    """Everything wrong with a planogram document; empty when it can be activated."""
    problems: list[Problem] = []
    for position in sorted(planogram.slots):
        slot = planogram.slots[position]
        if not cabinet.contains(position):
            problems.append(
                Problem(
                    position.label,
                    f"the slot is outside the cabinet, which has {cabinet.describe_extent()}",
                    "move or clear the slot",
                )
            )
            continue
        if slot.product_id is not None:
            problem = check_product(slot.product_id, catalogue, position.label)
            if problem:
                problems.append(problem)
        problems.extend(check_stock(slot))
        temperature = check_temperature(slot, cabinet, catalogue)
        if temperature:
            problems.append(temperature)
    return problems


def _whole_number(entry: Mapping[str, object], key: str, default: int, label: str) -> tuple[int, Problem | None]:
    value = entry.get(key, default)
    if value is None:
        return default, None
    if isinstance(value, bool) or not isinstance(value, int):
        return default, Problem(
            label,
            f"{key.replace('_', ' ')} {value!r} is not a whole number",
            f"enter {key.replace('_', ' ')} as a whole number",
        )
    return value, None


def slot_price(
    value: object, product_id: object, catalogue: Catalogue, label: str
) -> tuple[float | None, Problem | None]:
    """A slot's price from a file entry or the inspector: absent, null or the catalogue's own follow the catalogue."""
    if value is None or product_id is None:
        return None, None
    problem = check_price(value, label)  # type: ignore[arg-type]
    if problem:
        return None, problem
    price = round(float(value), 2)  # type: ignore[arg-type]
    if isinstance(product_id, int) and product_id in catalogue and price == round(catalogue[product_id].price, 2):
        return None, None
    return price, None


def slots_from_entries(
    entries: Iterable[Mapping[str, object]],
    cabinet: Cabinet,
    catalogue: Catalogue,
    *,
    allow_empty: bool = True,
    warnings: list[Problem] | None = None,
) -> list[Slot]:
    """Turn raw slot entries into slots, or raise :class:`PlanogramInvalid` with every problem.

    An entry is ``{"position", "product_id", "quantity", "capacity", "par_level", "price"}``; a missing or
    null ``product_id`` is an empty slot when ``allow_empty`` (the CVD app's ``EMPTY_SLOT``).
    With a ``warnings`` list the entries are a layout as the operator has it (to analyse, not to load): stock
    above capacity and products outside their temperature zone are added there instead of refused.
    """
    problems: list[Problem] = []
    slots: list[Slot] = []
    seen: set[Position] = set()
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, Mapping):
            problems.append(
                Problem(
                    None,
                    f"slot entry {number} is not an object",
                    'give each slot as {"position": "A1", "product_id": 3, …}',
                )
            )
            continue
        position, problem = check_position(entry.get("position"), cabinet)
        if problem:
            problems.append(problem)
            continue
        assert position is not None
        label = position.label
        if position in seen:
            problems.append(Problem(label, "the same slot is listed twice", "keep one entry per slot"))
            continue
        seen.add(position)
        product_id = entry.get("product_id")
        if product_id is None and allow_empty:
            product_id = None
        else:
            problem = check_product(product_id, catalogue, label)
            if problem:
                problems.append(problem)
                continue
        quantity, quantity_problem = _whole_number(entry, "quantity", 0, label)
        capacity, capacity_problem = _whole_number(entry, "capacity", max(quantity, 10), label)
        par_level, par_problem = _whole_number(entry, "par_level", min(8, capacity), label)
        price, price_problem = slot_price(entry.get("price"), product_id, catalogue, label)
        found = [p for p in (quantity_problem, capacity_problem, par_problem, price_problem) if p]
        if found:
            problems.extend(found)
            continue
        slot = Slot(position, product_id, quantity, capacity, par_level, price)  # type: ignore[arg-type]
        noted = problems if warnings is None else warnings
        fill = check_fill(slot)
        problems.extend(problem for problem in check_stock(slot) if problem not in fill)
        noted.extend(fill)
        temperature = check_temperature(slot, cabinet, catalogue)
        if temperature:
            noted.append(temperature)
        slots.append(slot)
    if problems:
        raise PlanogramInvalid(problems)
    return slots
