"""Planogram documents: which product stands in which slot of one cabinet, in which version."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from enum import StrEnum

from designer.positions import Position


class PlanogramStatus(StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"  # what the machine runs
    ARCHIVED = "archived"


@dataclass(frozen=True, slots=True)
class Slot:
    """One selection of the machine. ``product_id`` None means the slot is empty."""

    position: Position
    product_id: int | None = None
    quantity: int = 0
    capacity: int = 10
    par_level: int = 8

    @property
    def is_empty(self) -> bool:
        return self.product_id is None

    @property
    def fill_ratio(self) -> float:
        """How full the slot is, 0–1, for the fill bar."""
        if self.capacity <= 0:
            return 0.0
        return max(0.0, min(1.0, self.quantity / self.capacity))

    def cleared(self) -> Slot:
        return replace(self, product_id=None, quantity=0)


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
