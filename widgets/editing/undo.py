"""The Qt side of undo: thin adapters over the designer's device :class:`~designer.command_stack.CommandStack`.

One stack per device (a personalisation changes every cabinet in one step); a :class:`CabinetEditor` per
open cabinet pushes its edits there and repaints the slots each step names; every change is handed to the
recovery journal's writer thread at once (on disk within 0.2 s, no fsync on the GUI thread).
:class:`UndoGroup` gives the Edit menu's Undo/Redo and the history list the stack of the device on screen.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction

from designer.cabinets import Cabinet
from designer.command_stack import Changes, CommandStack, DeviceEdit
from designer.editing import EditContext, EditRefused, SlotEdit
from designer.planograms import Planogram
from designer.products import Catalogue
from designer.recovery import RecoveryJournal

MakeEdit = Callable[[EditContext, Planogram], SlotEdit]


class DeviceUndo(QObject):
    """One device's undo stack and the editors of its open cabinets."""

    changed = Signal()  # the stack moved: the Edit menu and the history follow
    modified_changed = Signal()  # a cabinet became modified, or clean again

    def __init__(self, device_id: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.device_id = device_id
        self.stack = CommandStack()
        self.editors: dict[int, CabinetEditor] = {}
        self._modified = self.stack.modified()
        self.stack.subscribe(self._heard)

    def open(
        self, cabinet: Cabinet, planogram: Planogram, catalogue: Catalogue, journal: RecoveryJournal | None
    ) -> CabinetEditor:
        """The cabinet's document joins the device's stack, as stored."""
        self.stack.add(planogram)
        editor = CabinetEditor(self, cabinet, planogram, catalogue, journal)
        self.editors[cabinet.index] = editor
        return editor

    def attempt_together(self, text: str, makes: Mapping[int, MakeEdit]) -> dict[int, str | None]:
        """Edit several cabinets as ONE undo step named ``text``; returns each cabinet's refusal (None: changed).

        A cabinet that refuses is left as it was and the others still change; nothing is pushed when all refuse.
        """
        edits: dict[int, SlotEdit] = {}
        refusals: dict[int, str | None] = {}
        for index, make in sorted(makes.items()):
            editor = self.editors[index]
            try:
                edits[index] = make(editor.context, editor.planogram)
            except EditRefused as refusal:
                refusals[index] = str(refusal)
                editor.refused.emit(str(refusal))
                continue
            refusals[index] = None
        if edits:
            self.stack.push(DeviceEdit.together(text, edits))
        return refusals

    def forget(self) -> None:
        """The documents are closed (discarded, or another database opened): nothing may journal them again."""
        for editor in self.editors.values():
            editor.journal = None

    def _heard(self, changes: Changes) -> None:
        for index, positions in changes.items():
            editor = self.editors[index]
            editor.journal_now()
            editor.edited.emit(positions)
        self.changed.emit()
        self.check_modified()

    def check_modified(self) -> None:
        modified = self.stack.modified()
        if modified != self._modified:
            self._modified = modified
            self.modified_changed.emit()


class CabinetEditor(QObject):
    """One cabinet's working document: its planogram, its place on the device's stack and its journal entry."""

    edited = Signal(object)  # frozenset[Position]: the slots to repaint
    refused = Signal(str)  # why an edit was refused; nothing changed

    def __init__(
        self,
        device: DeviceUndo,
        cabinet: Cabinet,
        planogram: Planogram,
        catalogue: Catalogue,
        journal: RecoveryJournal | None,
    ) -> None:
        super().__init__(device)
        self.device = device
        self.stack = device.stack
        self.cabinet = cabinet
        self.planogram = planogram
        self.context = EditContext(cabinet, catalogue)
        self.base_id = planogram.id
        self.journal = journal

    @property
    def is_modified(self) -> bool:
        return not self.stack.is_clean(self.cabinet.index)

    def attempt(self, make: MakeEdit) -> str | None:
        """Build and push an edit as one step; returns the refusal reason instead when a rule forbids it."""
        try:
            edit = make(self.context, self.planogram)
        except EditRefused as refusal:
            self.refused.emit(str(refusal))
            return str(refusal)
        self.stack.push_edit(self.cabinet.index, edit)
        return None

    def discard_unsaved(self) -> None:
        """Back to the stored document, as one step of its own: the device's other cabinets keep their edits."""
        if self.stack.restore_stored(self.cabinet.index, f"Discard unsaved changes to cabinet {self.cabinet.index}"):
            self.journal_now()
            self.device.changed.emit()
            self.device.check_modified()

    def mark_saved(self, planogram: Planogram) -> None:
        """After a save: the stored version is the new base and nothing is pending."""
        self.planogram.id = planogram.id
        self.planogram.version = planogram.version
        self.planogram.status = planogram.status
        self.base_id = planogram.id
        self.stack.set_clean(self.cabinet.index)
        if self.journal is not None:
            self.journal.discard(self.cabinet.device_id, self.cabinet.index)
        self.device.check_modified()

    def journal_now(self) -> None:
        """Write the unsaved document to the recovery journal, or drop it there once it is as stored."""
        if self.journal is None:
            return
        if not self.is_modified:
            self.journal.discard(self.cabinet.device_id, self.cabinet.index)
        else:
            edit_count = self.stack.edit_count(self.cabinet.index)
            # A copy (the slots dict; slots are frozen): the writer thread reads it while later edits go on.
            snapshot = replace(self.planogram, slots=dict(self.planogram.slots))
            self.journal.record_soon(snapshot, base_id=self.base_id, edit_count=edit_count)


class UndoGroup(QObject):
    """The device stacks of a window; the one on screen is active, and the Edit menu and history follow it."""

    changed = Signal()  # the active stack moved, or another became active

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.active: DeviceUndo | None = None

    def add(self, device: DeviceUndo) -> None:
        device.changed.connect(lambda: self._moved(device))

    def remove(self, device: DeviceUndo) -> None:
        device.changed.disconnect()
        if device is self.active:
            self.set_active(None)

    def set_active(self, device: DeviceUndo | None) -> None:
        if device is not self.active:
            self.active = device
            self.changed.emit()

    def _moved(self, device: DeviceUndo) -> None:
        if device is self.active:
            self.changed.emit()

    @property
    def stack(self) -> CommandStack | None:
        return None if self.active is None else self.active.stack

    def undo(self) -> None:
        if self.stack is not None:
            self.stack.undo()

    def redo(self) -> None:
        if self.stack is not None:
            self.stack.redo()

    def create_undo_action(self, parent: QObject, prefix: str = "Undo") -> QAction:
        """Like QUndoGroup's: enabled when there is something to undo, its text names it ("Undo Place …")."""
        return self._action(parent, prefix, self.undo, lambda stack: stack.can_undo, lambda stack: stack.undo_text)

    def create_redo_action(self, parent: QObject, prefix: str = "Redo") -> QAction:
        return self._action(parent, prefix, self.redo, lambda stack: stack.can_redo, lambda stack: stack.redo_text)

    def _action(
        self,
        parent: QObject,
        prefix: str,
        run: Callable[[], None],
        possible: Callable[[CommandStack], bool],
        text: Callable[[CommandStack], str],
    ) -> QAction:
        action = QAction(prefix, parent)
        action.triggered.connect(lambda _checked=False: run())

        def follow() -> None:
            stack = self.stack
            enabled = stack is not None and possible(stack)
            action.setEnabled(enabled)
            action.setText(f"{prefix} {text(stack)}" if enabled and stack is not None else prefix)

        self.changed.connect(follow)
        follow()
        return action
