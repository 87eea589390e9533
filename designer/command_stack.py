"""A Qt-free undo stack over :class:`~designer.editing.SlotEdit` (the window uses QUndoStack the same way)."""

from __future__ import annotations

from collections.abc import Callable

from designer.editing import SlotEdit
from designer.planograms import Planogram

Listener = Callable[[frozenset], None]


class CommandStack:
    """Undo/redo for one planogram; ``clean`` marks the last saved state."""

    def __init__(self, planogram: Planogram) -> None:
        self.planogram = planogram
        self._edits: list[SlotEdit] = []
        self._index = 0
        self._clean_index: int | None = 0
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def _notify(self, edit: SlotEdit) -> None:
        for listener in self._listeners:
            listener(edit.changed)

    def push(self, edit: SlotEdit) -> None:
        edit.apply(self.planogram)
        del self._edits[self._index :]
        if self._clean_index is not None and self._clean_index > self._index:
            self._clean_index = None  # the saved state can no longer be reached by undo/redo
        self._edits.append(edit)
        self._index += 1
        self._notify(edit)

    def undo(self) -> None:
        if self.can_undo:
            self._index -= 1
            edit = self._edits[self._index]
            edit.revert(self.planogram)
            self._notify(edit)

    def redo(self) -> None:
        if self.can_redo:
            edit = self._edits[self._index]
            edit.apply(self.planogram)
            self._index += 1
            self._notify(edit)

    @property
    def can_undo(self) -> bool:
        return self._index > 0

    @property
    def can_redo(self) -> bool:
        return self._index < len(self._edits)

    @property
    def undo_text(self) -> str:
        return self._edits[self._index - 1].text if self.can_undo else ""

    @property
    def redo_text(self) -> str:
        return self._edits[self._index].text if self.can_redo else ""

    @property
    def is_clean(self) -> bool:
        return self._clean_index == self._index

    def set_clean(self) -> None:
        self._clean_index = self._index

    def history(self) -> list[str]:
        return [edit.text for edit in self._edits]
