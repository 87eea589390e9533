"""Three-way merge of one cabinet's layout, slot by slot: what we pulled (base), ours (mine), CVD's now (theirs).

A slot changed on one side only takes that side's change; changed identically on both, it is simply the
same; changed differently on both, it is a conflict. The default resolution loses nothing: conflicts keep
mine (the merchandiser's deliberate edit) and are listed, and the caller keeps theirs as a draft version so
the office's change can be brought back with one click. "Take theirs" and "keep mine" apply to every slot;
a per-slot choice overrides the default for that slot only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class Choice(StrEnum):
    MINE = "mine"
    THEIRS = "theirs"
    MERGE = "merge"


@dataclass(frozen=True, slots=True)
class SlotContent:
    """What a layout says about one position (stock on hand is not layout and is not merged)."""

    product_id: int
    capacity: int
    par_level: int


Layout = Mapping[str, SlotContent]  # absent position = empty slot


@dataclass(frozen=True, slots=True)
class SlotConflict:
    position: str
    base: SlotContent | None
    mine: SlotContent | None
    theirs: SlotContent | None


@dataclass(slots=True)
class MergeResult:
    layout: dict[str, SlotContent]
    conflicts: list[SlotConflict] = field(default_factory=list)
    from_theirs: list[str] = field(default_factory=list)  # positions where CVD's change was taken
    from_mine: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.conflicts


def merge_layouts(
    base: Layout,
    mine: Layout,
    theirs: Layout,
    choice: Choice = Choice.MERGE,
    per_slot: Mapping[str, Choice] | None = None,
) -> MergeResult:
    """The merged layout and the true conflicts (reported whatever the choice, so the dialog can list them)."""
    per_slot = per_slot or {}
    result = MergeResult(layout={})
    for position in sorted(set(base) | set(mine) | set(theirs), key=_position_order):
        was, ours, other = base.get(position), mine.get(position), theirs.get(position)
        if ours != was and other != was and ours != other:
            result.conflicts.append(SlotConflict(position, was, ours, other))
            decided = per_slot.get(position, choice)
            take_theirs = decided is Choice.THEIRS
        elif choice is Choice.MERGE:
            take_theirs = other != was  # only theirs changed (or both identically)
        else:
            take_theirs = per_slot.get(position, choice) is Choice.THEIRS
        picked = other if take_theirs else ours
        if take_theirs and other != ours:
            result.from_theirs.append(position)
        elif not take_theirs and ours != was:
            result.from_mine.append(position)
        if picked is not None:
            result.layout[position] = picked
    return result


def _position_order(label: str) -> tuple[str, int]:
    digits = "".join(ch for ch in label if ch.isdigit())
    return label.rstrip("0123456789"), int(digits or 0)
