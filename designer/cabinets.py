"""Cabinets: a grid of slots at one temperature, and which products may stand in it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

from designer.positions import MAX_COLUMNS, MAX_ROWS, ROW_LETTERS, Position


class TemperatureZone(StrEnum):
    AMBIENT = "ambient"
    REFRIGERATED = "refrigerated"
    FROZEN = "frozen"

    @classmethod
    def parse(cls, text: object) -> TemperatureZone:
        try:
            return cls(str(text).strip().lower())
        except ValueError:
            names = ", ".join(zone.value for zone in cls)
            raise ValueError(f"temperature zone {text!r} is unknown; use one of {names}") from None


# Which product requirements each cabinet zone can hold. A requirement is "this cold or colder" for chilled
# goods: ambient goods keep in a cooler, and a refrigerated product keeps cold in a freezer (operators do stock
# energy drinks in a freezer: CVD keeps NOS Energy in both). Ambient goods stay out of a freezer (bottles freeze
# and burst, crisps go soft), chilled goods spoil on a warm shelf, and frozen goods thaw anywhere but a freezer.
_ACCEPTS: dict[TemperatureZone, frozenset[TemperatureZone]] = {
    TemperatureZone.AMBIENT: frozenset({TemperatureZone.AMBIENT}),
    TemperatureZone.REFRIGERATED: frozenset({TemperatureZone.AMBIENT, TemperatureZone.REFRIGERATED}),
    TemperatureZone.FROZEN: frozenset({TemperatureZone.REFRIGERATED, TemperatureZone.FROZEN}),
}


def zone_accepts(cabinet_zone: TemperatureZone, requirement: TemperatureZone) -> bool:
    """Whether a product needing ``requirement`` may be sold from a cabinet at ``cabinet_zone``.

    Ambient cabinets take ambient goods; coolers take ambient and refrigerated goods; freezers take frozen goods
    and refrigerated ones (a colder cabinet keeps them cold), never ambient goods. Frozen goods need a freezer.
    """
    return requirement in _ACCEPTS[cabinet_zone]


# What a proposal (auto-fill, personalisation, the demo fleet's operator) puts in a cabinet: a freezer accepts a
# chilled product the operator keeps there, but nothing proposes one (it is colder, dearer space for a drink).
_PROPOSES: dict[TemperatureZone, frozenset[TemperatureZone]] = {
    TemperatureZone.AMBIENT: frozenset({TemperatureZone.AMBIENT}),
    TemperatureZone.REFRIGERATED: frozenset({TemperatureZone.AMBIENT, TemperatureZone.REFRIGERATED}),
    TemperatureZone.FROZEN: frozenset({TemperatureZone.FROZEN}),
}


def zone_proposes(cabinet_zone: TemperatureZone, requirement: TemperatureZone) -> bool:
    """Whether a generated proposal puts a product needing ``requirement`` in a cabinet at ``cabinet_zone``: what
    :func:`zone_accepts` allows, except a chilled product in a freezer (accepted where a person put it)."""
    return requirement in _PROPOSES[cabinet_zone]


def suitable_zones(requirement: TemperatureZone) -> list[TemperatureZone]:
    return [zone for zone in TemperatureZone if requirement in _ACCEPTS[zone]]


class CabinetTooLarge(ValueError):
    """A cabinet beyond what the designer processes (10 rows × 20 columns)."""


@dataclass(frozen=True, slots=True)
class Cabinet:
    """One cabinet of a device: ``rows`` × ``columns`` slots at a single temperature."""

    device_id: int
    index: int
    rows: int
    columns: int
    zone: TemperatureZone
    name: str = ""

    def __post_init__(self) -> None:
        check_cabinet_size(self.rows, self.columns)

    @property
    def planogram_id(self) -> str:
        """The seed's planogram id: ``"{device_id}_{cabinet_index}"``."""
        return f"{self.device_id}_{self.index}"

    @property
    def slot_count(self) -> int:
        return self.rows * self.columns

    def contains(self, position: Position) -> bool:
        return 0 <= position.row < self.rows and 0 <= position.column < self.columns

    def positions(self) -> Iterator[Position]:
        """Every position, row by row from the top left, as a driver reads the machine."""
        for row in range(self.rows):
            for column in range(self.columns):
                yield Position(row, column)

    def describe_extent(self) -> str:
        last = Position(self.rows - 1, self.columns - 1)
        return f"{self.rows} rows × {self.columns} columns (A1 to {last.label})"


def check_cabinet_size(rows: int, columns: int) -> None:
    """Refuse cabinets the designer cannot process, naming the limit."""
    if rows < 1 or columns < 1:
        raise CabinetTooLarge(f"a cabinet of {rows} × {columns} has no slots; it needs at least 1 row and 1 column")
    if rows > MAX_ROWS or columns > MAX_COLUMNS:
        raise CabinetTooLarge(
            f"a cabinet of {rows} rows × {columns} columns is larger than the designer processes "
            f"(at most {MAX_ROWS} rows, A–{ROW_LETTERS[MAX_ROWS - 1]}, × {MAX_COLUMNS} columns); "
            "split it into several cabinets of the device"
        )
