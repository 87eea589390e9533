"""The template and fleet-change actions, placed by the window in its Planogram menu: Save as template…, Template
library…, Apply template…, the fleet-wide edits, and Fleet operations… (undo, proposals). Manager and admin only
(the services refuse too); each opens its dialog over the window."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QInputDialog, QMessageBox

from designer.roles import Action
from widgets.menu_actions import menu_action

if TYPE_CHECKING:
    from ai.services import Services
    from designer.templates import Template
    from widgets.templates.fleet_change import FleetChangeDialog
    from widgets.window.services import OnScreen, WindowServices


class TemplateActions(QObject):
    """Owns the actions; ``services`` builds the AI services on the open database (predictions)."""

    def __init__(self, window: WindowServices, on_screen: OnScreen, services: Callable[[], Services]) -> None:
        super().__init__(window.parent)
        self.window, self.on_screen, self.services = window, on_screen, services
        self.dialog: FleetChangeDialog | None = None
        self.save_action = menu_action(window.parent, "Save cabinet as te&mplate…", "", self.save_as_template)
        self.library_action = menu_action(window.parent, "Template &library…", "", self.show_library)
        self.apply_action = menu_action(
            window.parent, "Apply &template…", "Ctrl+Shift+M", lambda: self.show_fleet_change("template")
        )
        self.replace_action = menu_action(
            window.parent, "Replace a product &everywhere…", "", lambda: self.show_fleet_change("replace_product")
        )
        self.price_action = menu_action(
            window.parent, "Change a &price across machines…", "", lambda: self.show_fleet_change("price")
        )
        self.par_action = menu_action(
            window.parent,
            "Par levels from the &forecast for a route…",
            "",
            lambda: self.show_fleet_change("par_levels"),
        )
        self.operations_action = menu_action(
            window.parent, "Fleet &operations and proposals…", "", self.show_operations
        )
        for action in self.actions():
            window.roles.gate(action, Action.EDIT)

    def actions(self) -> list[QAction]:
        return [self.save_action, self.library_action, self.apply_action, self.replace_action, self.price_action,
                self.par_action, self.operations_action]  # fmt: skip

    def save_as_template(self) -> Template | None:
        from designer.templates import template_from_planogram
        from storage.fleet_operations import save_template

        editor = self.on_screen.editor()
        if editor is None:
            self.window.say("Open a device's cabinet first: its layout becomes the template", 6000)
            return None
        parent = self.window.parent
        name, ok = QInputDialog.getText(
            parent, "Save as template", "Template name (an existing name gets a new version):"
        )
        if not ok or not name.strip():
            return None
        tags, ok = QInputDialog.getText(
            parent, "Save as template", "Tags, separated by commas (location type, model…):"
        )
        if not ok:
            return None
        template = template_from_planogram(name, editor.cabinet, editor.planogram, tags.split(","))
        try:
            saved, proposal = save_template(self.window.repository().engine, template, user_id=self.window.user_id())
        except (ValueError, PermissionError) as refused:
            QMessageBox.warning(parent, "Save as template", str(refused))
            return None
        proposed = f"; proposed to the machines that follow it (fleet operation {proposal})" if proposal else ""
        self.window.say(f"Saved template {saved.label}{proposed}", 8000)
        return saved

    def show_library(self) -> None:
        from storage.templates import TemplateLibrary
        from widgets.templates.library import TemplateLibraryDialog

        repository = self.window.repository()
        dialog = TemplateLibraryDialog(
            self.window, TemplateLibrary(repository.engine), repository.catalogue(),
            edit=self.edit_template, apply=lambda template: self.show_fleet_change("template", template),
        )  # fmt: skip
        dialog.show()

    def edit_template(self, template: Template) -> None:
        from widgets.templates.editor import TemplateEditorDialog

        TemplateEditorDialog(self.window, template, self.window.repository().catalogue()).exec()

    def show_fleet_change(self, kind: str, template: Template | None = None) -> FleetChangeDialog:
        from storage.templates import TemplateLibrary, machines
        from widgets.templates.fleet_change import FleetChangeDialog

        repository = self.window.repository()
        self.dialog = FleetChangeDialog(
            self.window, self.services, TemplateLibrary(repository.engine).latest(), machines(repository.engine),
            repository.catalogue(), kind=kind, template=template,
        )  # fmt: skip
        self.dialog.show()
        return self.dialog

    def show_operations(self) -> None:
        from widgets.templates.library import FleetOperationsDialog

        FleetOperationsDialog(self.window).show()
