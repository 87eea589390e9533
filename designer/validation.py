"""Checks that a planogram can be loaded into the machine, with messages a merchandiser can act on.

Every problem names the slot, what is wrong and how to fix it. Raw entries (from JSON, CSV or an API
request) are checked before they become a :class:`Planogram`, so malformed input never half-loads.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from designer.cabinets import Cabinet, suitable_zones, zone_accepts
from designer.planograms import Planogram, Slot, default_selection_code
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


def check_price(price: float | None, label: str | None, what: str = "price") -> Problem | None:
    """A slot's own (cash or card) price: None follows its default; otherwise dollars the machine can charge."""
    if price is None:
        return None
    if isinstance(price, bool) or not isinstance(price, int | float) or price != price:
        return Problem(label, f"{what} {price!r} is not a number", f"enter the {what} in dollars, e.g. 1.50")
    if price < 0:
        return Problem(label, f"{what} ${price:,.2f} is negative", f"enter zero or a positive {what}, e.g. 1.50")
    if price > MAX_SLOT_PRICE:
        return Problem(
            label,
            f"{what} ${price:,.2f} is more than ${MAX_SLOT_PRICE:,.2f}, the most a slot may charge",
            f"enter the {what} in dollars (1.50, not 150)",
        )
    return None


MAX_SELECTION_CODE = 16  # characters, as planogram_slots.selection_code stores it; DEX PA101 codes are shorter
_SELECTION_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]*$")


def check_selection_code(code: object, label: str | None) -> Problem | None:
    """A code a customer can key in: letters, digits and hyphens, as machines print them on the selection strip."""
    if code is None:
        return None
    if not isinstance(code, str):
        return Problem(label, f"selection code {code!r} is not text", 'write the code as text, e.g. "11" or "A1"')
    if not _SELECTION_CODE.match(code.strip().upper()):
        return Problem(
            label,
            f"selection code {code!r} is not a code a keypad can enter",
            "use letters and digits only, e.g. 11, 110 or A1",
        )
    if len(code.strip()) > MAX_SELECTION_CODE:
        return Problem(
            label,
            f"selection code {code!r} is longer than {MAX_SELECTION_CODE} characters",
            "use the code printed on the machine's selection strip",
        )
    return None


def slot_selection_code(
    value: object, position: Position, cabinet_index: int, label: str
) -> tuple[str | None, Problem | None]:
    """A slot's own selection code from a file or the inspector: blank or the default one keeps the default."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    problem = check_selection_code(value, label)
    if problem:
        return None, problem
    code = str(value).strip().upper()
    return (None if code == default_selection_code(position, cabinet_index) else code), None


def selection_code_clashes(
    planogram: Planogram,
    cabinet: Cabinet,
    others: Iterable[tuple[Planogram, Cabinet]] = (),
    *,
    last: Position | None = None,
) -> list[Problem]:
    """Slots of ``planogram`` whose selection code another slot already uses, in its cabinet (empty positions
    too: the keypad still reaches them) or in ``others``, the device's other cabinets, which share one selection
    space: the machine would vend one of them for both. ``last`` is checked after the rest, so a clash with a
    slot just edited names that slot."""
    taken: dict[str, str] = {}
    for other, other_cabinet in others:
        if other_cabinet.index == cabinet.index:
            continue
        for position in other_cabinet.positions():
            taken.setdefault(other.selection_code(position), f"{position.label} in cabinet {other_cabinet.index}")
    positions = [position for position in cabinet.positions() if position != last]
    problems = []
    for position in positions + ([last] if last is not None else []):
        code = planogram.selection_code(position)
        if code in taken:
            problems.append(
                Problem(
                    position.label,
                    f"selection code {code} is also the code of {taken[code]}",
                    "give each slot of the machine its own selection code in the inspector",
                )
            )
        else:
            taken[code] = position.label
    return problems


def check_stock(slot: Slot) -> list[Problem]:
    label = slot.position.label
    problems: list[Problem] = []
    for price in (check_price(slot.price, label), check_price(slot.card_price, label, "card price")):
        if price:
            problems.append(price)
    code = check_selection_code(slot.selection_code, label)
    if code:
        problems.append(code)
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
    return problems + selection_code_clashes(planogram, cabinet)


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


def slot_card_price(
    value: object, cash_price: float | None, product_id: object, label: str
) -> tuple[float | None, Problem | None]:
    """A slot's card price: absent, null or the cash price itself pay the cash price (``cash_price`` None: the
    cash price is not known here, so any valid card price is kept)."""
    if value is None or product_id is None:
        return None, None
    problem = check_price(value, label, "card price")  # type: ignore[arg-type]
    if problem:
        return None, problem
    price = round(float(value), 2)  # type: ignore[arg-type]
    return (None if cash_price is not None and price == round(cash_price, 2) else price), None


def slots_from_entries(
    entries: Iterable[Mapping[str, object]],
    cabinet: Cabinet,
    catalogue: Catalogue,
    *,
    allow_empty: bool = True,
    warnings: list[Problem] | None = None,
) -> list[Slot]:
    """Turn raw slot entries into slots, or raise :class:`PlanogramInvalid` with every problem.

    An entry is ``{"position", "product_id", "quantity", "capacity", "par_level", "price", "selection_code",
    "card_price"}`` (``price`` the cash price); a missing or null ``product_id`` is an empty slot when
    ``allow_empty`` (the CVD app's ``EMPTY_SLOT``).
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
        code, code_problem = slot_selection_code(entry.get("selection_code"), position, cabinet.index, label)
        found = [p for p in (quantity_problem, capacity_problem, par_problem, price_problem, code_problem) if p]
        if found:
            problems.extend(found)
            continue
        catalogue_price = catalogue[product_id].price if isinstance(product_id, int) else None
        cash = price if price is not None else catalogue_price
        card, card_problem = slot_card_price(entry.get("card_price"), cash, product_id, label)
        if card_problem:
            problems.append(card_problem)
            continue
        slot = Slot(position, product_id, quantity, capacity, par_level, price, code, card)  # type: ignore[arg-type]
        noted = problems if warnings is None else warnings
        fill = check_fill(slot)
        problems.extend(problem for problem in check_stock(slot) if problem not in fill)
        noted.extend(fill)
        temperature = check_temperature(slot, cabinet, catalogue)
        if temperature:
            noted.append(temperature)
        slots.append(slot)
    problems.extend(selection_code_clashes(Planogram.from_slots(cabinet.device_id, cabinet.index, slots), cabinet))
    if problems:
        raise PlanogramInvalid(problems)
    return slots
