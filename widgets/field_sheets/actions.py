"""File → Export sheets or planogram…, Route sheets… and Import planogram file…: what goes to and comes from
the field, for the device and cabinet on screen.

The Export dialog reads the stored planograms itself (a sheet shows what was approved, never unsaved edits; a
manager may pick the stored draft on screen instead, and its pages say so); an imported file becomes one undoable
edit of the cabinet on screen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence

from designer.editing import import_layout

if TYPE_CHECKING:
    from widgets.window.services import OnScreen, WindowServices


class FieldSheetActions(QObject):
    """Owns the export, route and import actions; the window places :meth:`actions` in its File menu."""

    def __init__(self, window: WindowServices, on_screen: OnScreen) -> None:
        super().__init__(window.parent)
        self.window = window
        self.on_screen = on_screen
        self.export_action = QAction("&Export sheets or planogram…", window.parent)
        self.export_action.setShortcut(QKeySequence("Ctrl+Shift+E"))
        self.export_action.triggered.connect(lambda _checked=False: self.export())
        self.route_action = QAction("&Route sheets…", window.parent)
        self.route_action.triggered.connect(lambda _checked=False: self.export(route=True))
        self.import_action = QAction("&Import planogram file…", window.parent)
        self.import_action.setShortcut(QKeySequence("Ctrl+I"))
        self.import_action.triggered.connect(lambda _checked=False: self.import_file())

    def actions(self) -> list[QAction]:
        return [self.export_action, self.route_action, self.import_action]

    def export(self, *, route: bool = False) -> None:
        from widgets.field_sheets.export_cli import ExportFormat
        from widgets.field_sheets.export_dialog import ExportDialog, OnScreenVersion

        layout = self.on_screen.layout()
        if layout is None:
            self.window.say("Choose a device first", 4000)
            return
        editor = self.on_screen.editor()
        if editor is not None and editor.is_modified:
            self.window.say("Sheets show the stored active planogram; your unsaved edits are not on them", 8000)
        cabinet = editor.cabinet.index if editor else None
        on_screen = OnScreenVersion(editor.planogram, editor.is_modified) if editor is not None else None
        context = self.window.context()
        dialog = ExportDialog(
            self.window.repository(),
            layout.device.id,
            cabinet,
            self.window.parent,
            settings=context.settings,
            user=self.window.roles.user,
            on_screen=on_screen,
            clock=context.clock,
        )
        if route:
            dialog.choose(ExportFormat.PDF, route=True)
        dialog.exec()

    def import_file(self) -> None:
        from widgets.field_sheets.export_dialog import import_planogram

        editor = self.on_screen.editor()
        if editor is None:
            self.window.say("Choose a cabinet to import into first", 4000)
            return
        imported = import_planogram(self.window.parent, editor.cabinet, editor.context.catalogue)
        if imported is not None:
            reason = editor.attempt(lambda context, document: import_layout(context, document, imported))
            self.window.say(reason or "Imported; save to keep it as a new version", 6000)
