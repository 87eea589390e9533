"""A template edited like a cabinet: the same grid, drag and drop, undo and rules, saved as the template's next
version (the machines that follow it then get a proposal)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QMessageBox, QVBoxLayout

from widgets.canvas.cabinet_editing import EditableCabinetView
from widgets.editing.undo import DeviceUndo
from widgets.panels.palette import ProductPalette

if TYPE_CHECKING:
    from designer.products import Catalogue
    from designer.templates import Template
    from widgets.window.services import WindowServices


class TemplateEditorDialog(QDialog):
    """The template's cabinet with the palette beside it; Save writes a new version of the template."""

    def __init__(self, window: WindowServices, template: Template, catalogue: Catalogue) -> None:
        super().__init__(window.parent)
        self.window, self.template = window, template
        self.saved: Template | None = None
        self.proposal: int | None = None
        self.setWindowTitle(f"Template {template.label} — {template.shape_label} {template.zone.value}")
        self.undo = DeviceUndo(0, self)
        self.editor = self.undo.open(template.as_cabinet(), template.as_planogram(), catalogue, None)
        layout = QVBoxLayout(self)
        note = QLabel("Drag products from the palette into the slots; Ctrl+Z undoes. Saving makes a new version; "
                      "machines that follow the template are offered it as a proposal.")  # fmt: skip
        note.setWordWrap(True)
        layout.addWidget(note)
        row = QHBoxLayout()
        self.palette = ProductPalette()
        self.palette.show_catalogue(catalogue)
        self.palette.setMaximumWidth(300)
        self.view = EditableCabinetView(self.editor)
        self.view.show_cabinet(self.editor.cabinet, self.editor.planogram, catalogue)
        self.view.refused.connect(lambda reason: self.status.setText(reason))
        row.addWidget(self.palette)
        row.addWidget(self.view, 1)
        layout.addLayout(row, 1)
        self.status = QLabel()
        layout.addWidget(self.status)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.undo_button = buttons.addButton("&Undo", QDialogButtonBox.ButtonRole.ActionRole)
        self.save_button = buttons.addButton(
            f"&Save as v{template.version + 1}", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.undo_button.clicked.connect(self.undo.stack.undo)
        self.save_button.clicked.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(1000, 680)

    def save(self) -> None:
        from dataclasses import replace

        from storage.fleet_operations import save_template

        slots = tuple(self.editor.planogram.slots[p] for p in sorted(self.editor.planogram.slots))
        try:
            self.saved, self.proposal = save_template(
                self.window.repository().engine, replace(self.template, slots=slots), user_id=self.window.user_id()
            )
        except (ValueError, PermissionError) as refused:
            QMessageBox.warning(self, "Save template", str(refused))
            return
        proposed = f"; proposed to its machines (fleet operation {self.proposal})" if self.proposal else ""
        self.window.say(f"Template {self.saved.label} saved{proposed}", 8000)
        self.accept()
