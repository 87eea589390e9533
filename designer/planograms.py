"""Planogram documents: which product stands in which slot of one cabinet, in which version."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum

from designer.positions import Position


class PlanogramStatus(StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"  # what the machine runs
    ARCHIVED = "archived"


@dataclass(frozen=True, slots=True)
class Slot:
    """One selection of the machine. ``product_id`` None means the slot is empty.

    ``price`` is the cash price when it differs from the catalogue (CVD keeps a price per slot, so the same
    crisps may cost more in a hospital cooler); None follows the product's catalogue price. ``card_price`` is
    what cards pay when it differs from cash (None: the cash price). ``selection_code`` is the code a customer
    keys in when it is not the default one (:func:`default_selection_code`); it belongs to the machine's
    position, not to the product, so it stays where it is when products move.
    """

    position: Position
    product_id: int | None = None
    quantity: int = 0
    capacity: int = 10
    par_level: int = 8
    price: float | None = None
    selection_code: str | None = None
    card_price: float | None = None

    @property
    def is_empty(self) -> bool:
        return self.product_id is None

    @property
    def fill_ratio(self) -> float:
        """How full the slot is, 0–1, for the fill bar."""
        if self.capacity <= 0:
            return 0.0
        return max(0.0, min(1.0, self.quantity / self.capacity))

    def cash_price(self, catalogue_price: float) -> float:
        """What the machine charges for cash here: the slot's own price, else the catalogue's (the one rule)."""
        return catalogue_price if self.price is None else self.price

    effective_price = cash_price  # the name models and older callers know the cash price by

    def card_price_or_cash(self, catalogue_price: float) -> float:
        """What cards pay here: the slot's card price, else its cash price."""
        return self.cash_price(catalogue_price) if self.card_price is None else self.card_price

    def effective_selection_code(self, cabinet_index: int = 0) -> str:
        """The code a customer keys in for this slot: its own, else the default for its position."""
        return self.selection_code or default_selection_code(self.position, cabinet_index)

    def cleared(self) -> Slot:
        """No product, so no price of its own; the selection code stays with the machine's position."""
        return replace(self, product_id=None, quantity=0, price=None, card_price=None)


def default_selection_code(position: Position, cabinet_index: int = 0) -> str:
    """The common snack-machine numbering: row number then column number, both from 1 (A1 → "11", D8 → "48",
    A10 → "110", J20 → "1020"); with at most 10 rows and 20 columns no two positions of a cabinet share one.

    A device's cabinets share one selection space, so a further cabinet's codes name it first: cabinet index 1
    (the second cabinet) gives "2-11" for A1. A machine numbered otherwise gets its codes typed in the inspector.
    """
    code = f"{position.row + 1}{position.column + 1}"
    return code if cabinet_index == 0 else f"{cabinet_index + 1}-{code}"


@dataclass(slots=True)
class Planogram:
    """The layout of one cabinet; slots absent from ``slots`` are empty."""

    device_id: int
    cabinet_index: int
    slots: dict[Position, Slot] = field(default_factory=dict)
    name: str = ""
    status: PlanogramStatus = PlanogramStatus.DRAFT
    version: int = 1
    id: int | None = None

    @classmethod
    def from_slots(cls, device_id: int, cabinet_index: int, slots: Iterable[Slot], **details: object) -> Planogram:
        return cls(device_id, cabinet_index, {slot.position: slot for slot in slots}, **details)  # type: ignore[arg-type]

    @property
    def planogram_id(self) -> str:
        """The seed's planogram id: ``"{device_id}_{cabinet_index}"``."""
        return f"{self.device_id}_{self.cabinet_index}"

    def slot_at(self, position: Position) -> Slot:
        return self.slots.get(position) or Slot(position)

    def filled_slots(self) -> Iterator[Slot]:
        for position in sorted(self.slots):
            slot = self.slots[position]
            if not slot.is_empty:
                yield slot

    def product_ids(self) -> set[int]:
        return {slot.product_id for slot in self.filled_slots() if slot.product_id is not None}

    def selection_code(self, position: Position) -> str:
        """The code the machine sells ``position`` under, in this cabinet."""
        return self.slot_at(position).effective_selection_code(self.cabinet_index)


def slot_to_dict(slot: Slot) -> dict[str, object]:
    return {
        "position": slot.position.label,
        "product_id": slot.product_id,
        "quantity": slot.quantity,
        "capacity": slot.capacity,
        "par_level": slot.par_level,
        "price": slot.price,
        "selection_code": slot.selection_code,
        "card_price": slot.card_price,
    }


def slot_from_dict(entry: Mapping[str, object]) -> Slot:
    """The inverse of :func:`slot_to_dict` for trusted data."""
    return Slot(
        Position.parse(entry["position"]),
        entry.get("product_id"),  # type: ignore[arg-type]
        int(entry.get("quantity", 0)),  # type: ignore[call-overload]
        int(entry.get("capacity", 10)),  # type: ignore[call-overload]
        int(entry.get("par_level", 8)),  # type: ignore[call-overload]
        None if entry.get("price") is None else float(entry["price"]),  # type: ignore[arg-type]
        entry.get("selection_code"),  # type: ignore[arg-type]
        None if entry.get("card_price") is None else float(entry["card_price"]),  # type: ignore[arg-type]
    )


def planogram_to_dict(planogram: Planogram) -> dict[str, object]:
    """A JSON-ready form (slots in reading order) for recovery journals and exports."""
    return {
        "planogram_id": planogram.planogram_id,
        "device_id": planogram.device_id,
        "cabinet_index": planogram.cabinet_index,
        "name": planogram.name,
        "status": planogram.status.value,
        "version": planogram.version,
        "id": planogram.id,
        "slots": [slot_to_dict(planogram.slots[position]) for position in sorted(planogram.slots)],
    }


def planogram_from_dict(data: dict[str, object]) -> Planogram:
    """The inverse of :func:`planogram_to_dict` for trusted data (validate untrusted input first)."""
    slots = [slot_from_dict(entry) for entry in data.get("slots", [])]  # type: ignore[union-attr]
    return Planogram.from_slots(
        int(data["device_id"]),  # type: ignore[call-overload]
        int(data["cabinet_index"]),  # type: ignore[call-overload]
        slots,
        name=str(data.get("name", "")),
        status=PlanogramStatus(data.get("status", PlanogramStatus.DRAFT.value)),
        version=int(data.get("version", 1)),  # type: ignore[call-overload]
        id=data.get("id"),
    )
