"""The Qt undo stack over the designer's edits, one per cabinet, journaled on every change."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from designer.cabinets import Cabinet
from designer.editing import EditContext, EditRefused, SlotEdit
from designer.planograms import Planogram
from designer.products import Catalogue
from designer.recovery import RecoveryJournal


class EditCommand(QUndoCommand):
    """A thin adapter: QUndoStack calls redo() on push, so the edit is applied exactly once per redo."""

    def __init__(self, edit: SlotEdit, editor: CabinetEditor) -> None:
        super().__init__(edit.text)
        self.edit = edit
        self._editor = editor

    def redo(self) -> None:
        self.edit.apply(self._editor.planogram)
        self._editor.edited.emit(self.edit.changed)

    def undo(self) -> None:
        self.edit.revert(self._editor.planogram)
        self._editor.edited.emit(self.edit.changed)


class CabinetEditor(QObject):
    """One cabinet's working document: its planogram, undo stack and recovery journal entry."""

    edited = Signal(object)  # frozenset[Position]: the slots to repaint
    refused = Signal(str)  # why an edit was refused; nothing changed

    def __init__(
        self,
        cabinet: Cabinet,
        planogram: Planogram,
        catalogue: Catalogue,
        journal: RecoveryJournal | None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.cabinet = cabinet
        self.planogram = planogram
        self.context = EditContext(cabinet, catalogue)
        self.base_id = planogram.id
        self.journal = journal
        self.stack = QUndoStack(self)
        self.stack.indexChanged.connect(self._journal)

    @property
    def is_modified(self) -> bool:
        return not self.stack.isClean()

    def attempt(self, make: Callable[[EditContext, Planogram], SlotEdit]) -> str | None:
        """Build and push an edit; returns the refusal reason instead when a rule forbids it."""
        try:
            edit = make(self.context, self.planogram)
        except EditRefused as refusal:
            self.refused.emit(str(refusal))
            return str(refusal)
        self.stack.push(EditCommand(edit, self))
        return None

    def mark_saved(self, planogram: Planogram) -> None:
        """After a save: the stored version is the new base and nothing is pending."""
        self.planogram.id = planogram.id
        self.planogram.version = planogram.version
        self.planogram.status = planogram.status
        self.base_id = planogram.id
        self.stack.setClean()
        if self.journal is not None:
            self.journal.discard(self.cabinet.device_id, self.cabinet.index)

    def _journal(self, _index: int) -> None:
        if self.journal is None:
            return
        if self.stack.isClean():
            self.journal.discard(self.cabinet.device_id, self.cabinet.index)
        else:
            self.journal.record(self.planogram, base_id=self.base_id, edit_count=self.stack.index())
