"""A device's undo stack, Qt-free: each step is one or several cabinets' :class:`~designer.editing.SlotEdit`.

Undo belongs to the device, not the cabinet: applying a personalisation or the forecast's par levels
changes every cabinet at once, and one Ctrl+Z must take all of it back. The window's Undo/Redo, history
list and recovery journal are thin adapters over this stack (``widgets.editing.undo``).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from designer.editing import SlotEdit
from designer.planograms import Planogram, Slot
from designer.positions import Position

Changes = Mapping[int, frozenset[Position]]  # cabinet index → the slots views must repaint
Listener = Callable[[Changes], None]


@dataclass(frozen=True, slots=True)
class DeviceEdit:
    """One undo step: the edit of each cabinet it touches, applied and taken back together."""

    text: str
    edits: Mapping[int, SlotEdit]  # cabinet index → that cabinet's slots before and after

    @classmethod
    def of(cls, cabinet_index: int, edit: SlotEdit) -> DeviceEdit:
        """A one-cabinet step keeps the edit's own words ("Place … in A5")."""
        return cls(edit.text, {cabinet_index: edit})

    @classmethod
    def together(cls, text: str, edits: Mapping[int, SlotEdit]) -> DeviceEdit:
        """Several cabinets changed by one operation are one step named for it; one cabinet keeps its edit's words."""
        if len(edits) == 1:
            ((index, edit),) = edits.items()
            return cls.of(index, edit)
        return cls(text, dict(sorted(edits.items())))

    @property
    def cabinets(self) -> frozenset[int]:
        return frozenset(self.edits)

    @property
    def changed(self) -> dict[int, frozenset[Position]]:
        return {index: edit.changed for index, edit in self.edits.items()}

    def do(self, planograms: Mapping[int, Planogram]) -> None:
        for index, edit in self.edits.items():
            edit.apply(planograms[index])

    def undo(self, planograms: Mapping[int, Planogram]) -> None:
        for index, edit in reversed(list(self.edits.items())):
            edit.revert(planograms[index])


@dataclass(frozen=True, slots=True)
class _Step:
    serial: int  # never reused: a cabinet's state is the serial of the last applied step touching it
    edit: DeviceEdit


class CommandStack:
    """Undo/redo for one device's cabinets; each cabinet knows on its own whether it is as saved.

    A cabinet's state is named by the last applied step that touched it (0: none, as opened), so steps on
    other cabinets never make it modified, and a saved state dropped from the redo branch is never clean again.
    """

    def __init__(self, *planograms: Planogram) -> None:
        self.planograms: dict[int, Planogram] = {}
        self._steps: list[_Step] = []
        self._index = 0
        self._serials = itertools.count(1)
        self._clean: dict[int, set[int]] = {}  # cabinet index → the states whose document is the stored one
        self._stored: dict[int, dict[Position, Slot]] = {}  # cabinet index → the stored slots
        self._listeners: list[Listener] = []
        for planogram in planograms:
            self.add(planogram)

    def add(self, planogram: Planogram) -> None:
        """A cabinet whose document opens joins the device's stack, as stored (clean)."""
        index = planogram.cabinet_index
        if index in self.planograms:
            raise ValueError(f"cabinet {index} is already on this stack")
        self.planograms[index] = planogram
        self._clean[index] = {self.state(index)}
        self._stored[index] = dict(planogram.slots)

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    # --- changing ----------------------------------------------------------------------------

    def push(self, edit: DeviceEdit) -> None:
        """Apply a step; whatever could be redone is dropped."""
        unknown = edit.cabinets - set(self.planograms)
        if not edit.edits or unknown:
            raise ValueError(f"a step must touch this device's open cabinets, not {sorted(unknown) or 'none'}")
        edit.do(self.planograms)
        del self._steps[self._index :]
        self._steps.append(_Step(next(self._serials), edit))
        self._index += 1
        self._notify(edit.changed)

    def push_edit(self, cabinet_index: int, edit: SlotEdit) -> None:
        """One cabinet's edit as one step."""
        self.push(DeviceEdit.of(cabinet_index, edit))

    def undo(self) -> None:
        if self.can_undo:
            self.set_index(self._index - 1)

    def redo(self) -> None:
        if self.can_redo:
            self.set_index(self._index + 1)

    def set_index(self, index: int) -> None:
        """Jump to just after step ``index`` (0: before the first), undoing or redoing every step between."""
        if not 0 <= index <= len(self._steps):
            raise IndexError(f"the history has {len(self._steps)} steps, not {index}")
        changes: dict[int, frozenset[Position]] = {}
        while self._index > index:
            self._index -= 1
            self._steps[self._index].edit.undo(self.planograms)
            _merge(changes, self._steps[self._index].edit.changed)
        while self._index < index:
            self._steps[self._index].edit.do(self.planograms)
            _merge(changes, self._steps[self._index].edit.changed)
            self._index += 1
        if changes:
            self._notify(changes)

    def _notify(self, changes: Changes) -> None:
        for listener in self._listeners:
            listener(changes)

    # --- what the Edit menu and the history show ------------------------------------------------

    @property
    def index(self) -> int:
        """How many steps are applied."""
        return self._index

    @property
    def can_undo(self) -> bool:
        return self._index > 0

    @property
    def can_redo(self) -> bool:
        return self._index < len(self._steps)

    @property
    def undo_text(self) -> str:
        return self._steps[self._index - 1].edit.text if self.can_undo else ""

    @property
    def redo_text(self) -> str:
        return self._steps[self._index].edit.text if self.can_redo else ""

    def history(self) -> list[str]:
        return [step.edit.text for step in self._steps]

    # --- each cabinet's saved state ------------------------------------------------------------

    def state(self, cabinet_index: int) -> int:
        """Names the cabinet's current document: equal states, equal documents (a save compares them)."""
        for step in reversed(self._steps[: self._index]):
            if cabinet_index in step.edit.edits:
                return step.serial
        return 0

    def edit_count(self, cabinet_index: int) -> int:
        """How many applied steps changed this cabinet."""
        return sum(cabinet_index in step.edit.edits for step in self._steps[: self._index])

    def is_clean(self, cabinet_index: int) -> bool:
        return self.state(cabinet_index) in self._clean[cabinet_index]

    def set_clean(self, cabinet_index: int) -> None:
        """The cabinet was saved: its document as it is now is the stored one."""
        self._clean[cabinet_index] = {self.state(cabinet_index)}
        self._stored[cabinet_index] = dict(self.planograms[cabinet_index].slots)

    def modified(self) -> frozenset[int]:
        """The cabinets whose document differs from the stored one."""
        return frozenset(index for index in self.planograms if not self.is_clean(index))

    def restore_stored(self, cabinet_index: int, text: str) -> bool:
        """Take one cabinet back to its stored document as one step (undo brings the edits back).

        Unlike undoing, no other cabinet's edits are touched. Returns False when there was nothing to take back.
        """
        planogram = self.planograms[cabinet_index]
        stored = self._stored[cabinet_index]
        if planogram.slots == stored:
            if self.is_clean(cabinet_index):
                return False
        else:
            after: dict[Position, Slot | None] = {position: None for position in planogram.slots}
            after.update(stored)
            before = {position: planogram.slots.get(position) for position in after}
            self.push_edit(cabinet_index, SlotEdit(text, before, after))
        self._clean[cabinet_index].add(self.state(cabinet_index))  # undoing back to the old state is clean too
        return True


def _merge(changes: dict[int, frozenset[Position]], more: Changes) -> None:
    for index, positions in more.items():
        changes[index] = changes.get(index, frozenset()) | positions
