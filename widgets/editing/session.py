"""The open documents of a window: one editor per cabinet touched, one undo stack per device, saving and recovery.

Editors outlive the device on screen, so switching devices never loses an edit; the recovery journal
holds every unsaved document on disk until it is saved or discarded.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from designer.cabinets import Cabinet
from designer.editing import restore_unsaved
from designer.planograms import Planogram
from designer.products import Catalogue
from designer.recovery import RecoveryJournal, UnsavedWork
from designer.validation import Problem, validate_planogram
from widgets.editing.undo import CabinetEditor, DeviceUndo, UndoGroup
from widgets.workers import BackgroundJobs, JobState

if TYPE_CHECKING:
    from storage.versions import PlanogramVersions

CabinetKey = tuple[int, int]  # device id, cabinet index


class EditingSession(QObject):
    """Owns the editors and their devices' stacks; the window shows them and asks it to save, restore or discard."""

    modified_changed = Signal(bool)
    saved = Signal(object)  # CabinetKey
    failed = Signal(str)

    def __init__(
        self, versions: PlanogramVersions, journal: RecoveryJournal, jobs: BackgroundJobs, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.versions = versions
        self.journal = journal
        self.jobs = jobs
        self.undo_group = UndoGroup(self)
        self.devices: dict[int, DeviceUndo] = {}
        self.editors: dict[CabinetKey, CabinetEditor] = {}
        self.recovered: dict[CabinetKey, UnsavedWork] = {}
        self.user_id: int | None = None
        self._saves = itertools.count(1)

    # --- editors -----------------------------------------------------------------------------

    def editor_for(self, cabinet: Cabinet, planogram: Planogram, catalogue: Catalogue) -> CabinetEditor:
        """The cabinet's editor: the open one, or a new one on the stored planogram (restoring a crash's edits)."""
        key = (cabinet.device_id, cabinet.index)
        editor = self.editors.get(key)
        if editor is not None:
            return editor
        editor = self.device_undo(cabinet.device_id).open(cabinet, planogram, catalogue, self.journal)
        self.editors[key] = editor
        work = self.recovered.pop(key, None)
        if work is not None:
            editor.base_id = work.base_id if work.base_id is not None else planogram.id
            editor.planogram.name = work.planogram.name
            editor.attempt(lambda context, document: restore_unsaved(context, document, work.planogram))
        return editor

    def device_undo(self, device_id: int) -> DeviceUndo:
        """The device's undo stack: one for all its cabinets, so one step may change several of them."""
        device = self.devices.get(device_id)
        if device is None:
            device = self.devices[device_id] = DeviceUndo(device_id, self)
            self.undo_group.add(device)
            device.modified_changed.connect(lambda: self.modified_changed.emit(self.any_modified()))
        return device

    def any_modified(self) -> bool:
        return any(editor.is_modified for editor in self.editors.values()) or bool(self.recovered)

    def modified_editors(self) -> list[CabinetEditor]:
        return [editor for key, editor in sorted(self.editors.items()) if editor.is_modified]

    def discard_all(self) -> None:
        """Throw away every unsaved edit, on screen and recovered, journal included; then close the editors."""
        for editor in self.modified_editors():
            self.journal.discard(editor.cabinet.device_id, editor.cabinet.index)
        self.discard_recovery(list(self.recovered.values()))
        self.close_all()

    def close_all(self) -> None:
        """Forget every editor (another database is being opened, or the window closes)."""
        for device in self.devices.values():
            self.undo_group.remove(device)
            device.modified_changed.disconnect()
            device.forget()  # a discarded document must not write the journal again
        self.devices.clear()
        self.editors.clear()
        self.recovered.clear()
        self.journal.close()  # what was handed over reaches the disk before another database or the exit
        self.modified_changed.emit(False)

    # --- recovery ----------------------------------------------------------------------------

    def pending_recovery(self) -> list[UnsavedWork]:
        return self.journal.pending()

    def restore(self, works: list[UnsavedWork]) -> None:
        """The edits come back when each cabinet's editor opens (its device is shown)."""
        for work in works:
            self.recovered[(work.planogram.device_id, work.planogram.cabinet_index)] = work
        self.modified_changed.emit(self.any_modified())

    def discard_recovery(self, works: list[UnsavedWork]) -> None:
        for work in works:
            self.journal.discard(work.planogram.device_id, work.planogram.cabinet_index)

    # --- saving ------------------------------------------------------------------------------

    def problems(self, editor: CabinetEditor) -> list[Problem]:
        return validate_planogram(editor.planogram, editor.cabinet, editor.context.catalogue)

    def save(
        self, editor: CabinetEditor, *, activate: bool, on_saved: Callable[[CabinetEditor], None] | None = None
    ) -> None:
        """Store the editor's document as a new version (a draft, or activated) in a worker."""
        snapshot = Planogram(
            editor.planogram.device_id,
            editor.planogram.cabinet_index,
            dict(editor.planogram.slots),
            name=editor.planogram.name,
            version=editor.planogram.version,
        )
        state = editor.stack.state(editor.cabinet.index)
        versions, user_id = self.versions, self.user_id

        def job(_state: JobState) -> Planogram:
            return versions.save(snapshot, user_id=user_id, activate=activate)

        def done(stored: Planogram) -> None:
            if editor.stack.state(editor.cabinet.index) == state:
                editor.mark_saved(stored)
            else:  # edited while saving: the new version is the base, the later edits stay unsaved
                editor.base_id = stored.id
                editor.planogram.version = stored.version
            self.saved.emit((editor.cabinet.device_id, editor.cabinet.index))
            if on_saved is not None:
                on_saved(editor)

        self.jobs.start(
            f"save {next(self._saves)}", job, on_success=done, on_failure=lambda error: self.failed.emit(str(error))
        )
