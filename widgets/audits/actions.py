"""File → Import machine audit… and Planogram → Layout check against the machine…: DEX files in, and the device's
planogram beside what its machine reports.

An import reads and stores the files in a worker behind a progress dialog with Cancel (nothing is kept of a
cancelled or refused batch). A machine seen for the first time is linked to a device once: the person picks it,
the device on screen (or the one the files were dropped on) offered first. The summary says what was new, what was
already imported and what the files warned of, and offers the layout check.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox

from widgets.dialogs.job_progress import Cancelled, run_with_progress

if TYPE_CHECKING:
    from storage.machine_audits import ImportSummary
    from widgets.audits.layout_check_view import LayoutCheckDialog
    from widgets.window.services import OnScreen, WindowServices
    from widgets.workers import JobState

AUDIT_SUFFIXES = (".txt", ".dex", ".eva_dts")
FILE_FILTER = "Machine audits (*.txt *.dex *.eva_dts *.TXT *.DEX *.EVA_DTS);;All files (*)"


def is_audit_file(path: str) -> bool:
    """Whether a dropped file looks like a DEX audit by its name (its content is checked on import)."""
    return Path(path).suffix.lower() in AUDIT_SUFFIXES


class AuditActions(QObject):
    """Owns the audit import and layout check actions; the window places them in its File and Planogram menus."""

    def __init__(self, window: WindowServices, on_screen: OnScreen) -> None:
        super().__init__(window.parent)
        self.window = window
        self.on_screen = on_screen
        self.dialog: LayoutCheckDialog | None = None
        self.import_action = QAction("Import machine &audit…", window.parent)
        self.import_action.setShortcut(QKeySequence("Ctrl+Shift+I"))
        self.import_action.triggered.connect(lambda _checked=False: self.import_chosen())
        self.check_action = QAction("&Layout check against the machine…", window.parent)
        self.check_action.setShortcut(QKeySequence("Ctrl+Shift+L"))
        self.check_action.triggered.connect(lambda _checked=False: self.show_layout_check())

    def import_chosen(self) -> ImportSummary | None:
        paths, _filter = QFileDialog.getOpenFileNames(self.window.parent, "Import machine audits", "", FILE_FILTER)
        return self.import_files(paths) if paths else None

    def import_files(self, paths: Sequence[str], device_id: int | None = None) -> ImportSummary | None:
        """Import the files as one batch; a new machine is linked to ``device_id`` (asked when None)."""
        from storage.machine_audits import AuditFile, AuditFilesInvalid, import_audits, read_audit_files

        engine = self.window.repository().engine
        user = self.window.user_id()

        def job(state: JobState) -> ImportSummary:
            files = []
            for number, path in enumerate(paths):
                state.raise_if_stopped()
                state.report_progress(int(80 * number / max(len(paths), 1)), f"Reading {Path(path).name}")
                files.append(AuditFile(Path(path).name, Path(path).read_bytes(), _arrived(path)))
            parsed = read_audit_files(files)
            state.raise_if_stopped()
            state.report_progress(85, "Storing the reads")
            return import_audits(engine, parsed, device_id=device_id, user_id=user)

        try:
            summary = run_with_progress(self.window.parent, "Import machine audits", "Reading the audit files", job)
        except Cancelled:
            self.window.say("Import cancelled; nothing was imported", 6000)
            return None
        except AuditFilesInvalid as refused:
            QMessageBox.warning(self.window.parent, "Import machine audits", f"Nothing was imported.\n\n{refused}")
            return None
        except (OSError, ValueError) as error:
            QMessageBox.warning(self.window.parent, "Import machine audits", f"Nothing was imported: {error}")
            return None
        for machine in summary.not_linked:
            self._link(machine)
        self._tell(summary)
        return summary

    def _link(self, machine: str) -> None:
        """Ask which device the machine stands in, the device on screen first; remembered once chosen."""
        from storage.machine_audits import link_machine

        repository = self.window.repository()
        devices = repository.devices()
        layout = self.on_screen.layout()
        on_screen = layout.device.id if layout is not None else None
        devices.sort(key=lambda d: (d.id != on_screen, d.name))
        labels = [f"{d.name} (asset {d.asset_number})" if d.asset_number else d.name for d in devices]
        label, chosen = QInputDialog.getItem(
            self.window.parent,
            "Link machine to a device",
            f"Machine {machine} is new. Which device is it in? (asked once; the link is remembered)",
            labels,
            0,
            False,
        )
        if chosen and label:
            device = devices[labels.index(label)]
            link_machine(repository.engine, machine, device.id, user_id=self.window.user_id())
            self.window.say(f"Machine {machine} linked to {label}", 6000)

    def _tell(self, summary: ImportSummary) -> None:
        body = summary.as_json()
        lines = [f"{body.get('reads_new', 0)} new read(s), {body.get('reads_already_imported', 0)} already imported."]
        lines += [f"• {warning}" for warning in body.get("warnings", [])[:8]]  # type: ignore[union-attr]
        box = QMessageBox(QMessageBox.Icon.Information, "Import machine audits", "\n".join(lines),
                          QMessageBox.StandardButton.Close, self.window.parent)  # fmt: skip
        check = box.addButton("Show layout check", QMessageBox.ButtonRole.AcceptRole)
        box.exec()
        if box.clickedButton() is check:
            self.show_layout_check()

    def show_layout_check(self, device_id: int | None = None) -> LayoutCheckDialog | None:
        """The check of ``device_id`` (default: the device on screen), or a message saying what is missing."""
        from storage.layout_checks import NoAuditForDevice, device_layout_check
        from widgets.audits.layout_check_view import LayoutCheckDialog

        layout = self.on_screen.layout()
        if device_id is None:
            if layout is None:
                self.window.say("Choose a device first", 4000)
                return None
            device_id = layout.device.id
        try:
            check = device_layout_check(self.window.repository().engine, device_id)
        except NoAuditForDevice as missing:
            QMessageBox.information(self.window.parent, "Layout check", str(missing))
            return None
        editor = self.on_screen.editor()
        if editor is not None and editor.is_modified:
            self.window.say("The check reads the stored active planogram, not your unsaved edits", 8000)
        self.dialog = LayoutCheckDialog(check, self.window.parent)
        self.dialog.show()
        return self.dialog


def _arrived(path: str) -> datetime:
    """When the file arrived: its modification time, in UTC (naive, as stored)."""
    return datetime.fromtimestamp(Path(path).stat().st_mtime, UTC).replace(tzinfo=None)
