"""Which slot of a device carries a machine's selection code, by the planograms in force.

A slot's code is its own (typed in the inspector) or the default for its position (row then column, a further
cabinet's prefixed: :func:`designer.planograms.default_selection_code`); an empty slot still carries its code, so
a selection that vends from a slot the planogram leaves empty is found, and shown as such.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from designer.planograms import Planogram
from designer.positions import Position


@dataclass(frozen=True, slots=True)
class SelectionSlot:
    """Where a selection code sells from: the cabinet, the position, and the planogram version that said so."""

    cabinet_index: int
    position: Position
    planogram_id: int | None
    product_id: int | None


def slots_by_selection_code(cabinets: Iterable[tuple[Planogram, int, int]]) -> dict[str, SelectionSlot]:
    """Selection code → slot, over ``(planogram in force, rows, columns)`` of each cabinet of one device. Codes are
    unique per device; were two slots to share one, the first cabinet's (then the first position's) is kept."""
    found: dict[str, SelectionSlot] = {}
    for planogram, rows, columns in sorted(cabinets, key=lambda cabinet: cabinet[0].cabinet_index):
        for row in range(rows):
            for column in range(columns):
                position = Position(row, column)
                slot = planogram.slot_at(position)
                code = slot.effective_selection_code(planogram.cabinet_index)
                found.setdefault(code, SelectionSlot(planogram.cabinet_index, position, planogram.id, slot.product_id))
    return found
