"""How a telemetry coil number names a slot: the rule each machine's coils are read by, stated and correctable.

Seed/ePort coils are three digits such as ``148``: a leading door (cabinet) digit, the tray, the column. The rule
strips the door digit to get the selection the customer keys (``48``) and, where the machine's planogram does not
already carry that selection code, reads the tray as the row (1 = A, the top) and the column digit as the column,
counted from 0 when the machine has a column 0 (``140`` is then the first slot, ``148`` the ninth: D9) and from 1
otherwise (``148`` → D8). A machine numbered otherwise gets its rule corrected (``door_digits``, ``first_column``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from designer.command_outcomes import RequestInvalid
from designer.positions import MAX_COLUMNS, MAX_ROWS, Position


@dataclass(frozen=True, slots=True)
class CoilRule:
    """``door_digits`` leading digits name the cabinet (1 = the first); the next digit is the tray (row), the rest
    the column, numbered from ``first_column`` (0 or 1)."""

    door_digits: int = 1
    first_column: int = 0

    def selection(self, coil: str) -> str:
        """The selection code the customer keys: the coil without its door digits."""
        return coil[self.door_digits :]

    def cabinet_index(self, coil: str) -> int:
        """The cabinet the door digits name (door 1 → cabinet index 0); no door digits: the first cabinet."""
        door = coil[: self.door_digits]
        return max(int(door) - 1, 0) if door.isdigit() else 0

    def position(self, coil: str) -> Position | None:
        """The slot the coil names by this rule; None when it names none a cabinet can have."""
        selection = self.selection(coil)
        if len(selection) < 2 or not selection.isdigit():
            return None
        row, column = int(selection[0]) - 1, int(selection[1:]) - self.first_column
        if not (0 <= row < MAX_ROWS and 0 <= column < MAX_COLUMNS):
            return None
        return Position(row, column)

    def describe(self, example: str = "148") -> str:
        """The rule in one sentence, with an example coil, for the import's summary."""
        position = self.position(example)
        door = (
            f"its first {self.door_digits} digit{'s' if self.door_digits > 1 else ''} the door (1 = the first cabinet)"
            if self.door_digits
            else "no door digit"
        )
        return (
            f"coil {example}: {door}, then the tray (1 = row A) and the column counted from {self.first_column}"
            f" → selection {self.selection(example)} → slot {position.label if position else 'none'}"
        )

    def to_json(self) -> dict[str, int]:
        return {"door_digits": self.door_digits, "first_column": self.first_column}


def infer_coil_rule(coils: Iterable[str]) -> CoilRule:
    """The rule a machine's coils suggest: a door digit when every coil has three digits or more; columns from 0
    when any coil has a column 0."""
    seen = [coil for coil in coils if coil.isdigit()]
    door = 1 if seen and all(len(c) >= 3 for c in seen) else 0
    has_column_zero = any(len(c) > door + 1 and int(c[door + 1 :]) == 0 for c in seen)
    return CoilRule(door, 0 if has_column_zero else 1)


def coil_rule_from_json(data: object, *, where: str) -> CoilRule:
    """A corrected rule (``{"door_digits": 1, "first_column": 0}``); a wrong one raises :class:`RequestInvalid`."""
    if not isinstance(data, Mapping):
        raise RequestInvalid(f'{where}: a coil rule is an object such as {{"door_digits": 1, "first_column": 0}}')
    door, first = data.get("door_digits", 1), data.get("first_column", 0)
    if not isinstance(door, int) or isinstance(door, bool) or not 0 <= door <= 2:
        raise RequestInvalid(f"{where}: door_digits must be 0, 1 or 2, not {door!r}")
    if first not in (0, 1) or isinstance(first, bool):
        raise RequestInvalid(f"{where}: first_column must be 0 or 1, not {first!r}")
    return CoilRule(door, int(first))
