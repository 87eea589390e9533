"""Planogram → Template library…: find a template (search by name, tag, zone or shape), see it, its versions with
who saved each and when, edit it like a cabinet, or apply it; and Planogram → Fleet operations…, the operations
and proposals there are, undone or answered from here."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from designer.local_time import local_text
from designer.roles import Action
from widgets.canvas.cabinet_view import CabinetView
from widgets.templates.fleet_change import undo_with_progress

if TYPE_CHECKING:
    from designer.products import Catalogue
    from designer.templates import Template
    from storage.templates import TemplateLibrary
    from widgets.window.services import WindowServices

LIBRARY_COLUMNS = ("Template", "Version", "Shape", "Zone", "Tags", "Products", "Saved by", "When")


class TemplateLibraryDialog(QDialog):
    """The library: a searchable list, the chosen template drawn as its cabinet, and its versions."""

    def __init__(
        self,
        window: WindowServices,
        library: TemplateLibrary,
        catalogue: Catalogue,
        *,
        edit: Callable[[Template], None],
        apply: Callable[[Template], None],
    ) -> None:
        super().__init__(window.parent)
        self.window, self.library, self.catalogue = window, library, catalogue
        self.setWindowTitle("Template library")
        self.shown: list[Template] = []
        layout = QVBoxLayout(self)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search templates: name, tag, zone or shape (e.g. office 6×6)")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(lambda _text: self.refresh())
        layout.addWidget(self.search)
        self.table = QTableWidget(0, len(LIBRARY_COLUMNS))
        self.table.setHorizontalHeaderLabels(LIBRARY_COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._chosen)
        layout.addWidget(self.table, 1)
        below = QHBoxLayout()
        self.view = CabinetView()
        self.view.setMinimumSize(420, 300)
        below.addWidget(self.view, 2)
        side = QVBoxLayout()
        side.addWidget(QLabel("Versions (newest first)"))
        self.versions = QListWidget()
        self.versions.currentRowChanged.connect(self._version_chosen)
        side.addWidget(self.versions)
        below.addLayout(side, 1)
        layout.addLayout(below, 2)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.edit_button = buttons.addButton("&Edit like a cabinet…", QDialogButtonBox.ButtonRole.ActionRole)
        self.apply_button = buttons.addButton("&Apply to machines…", QDialogButtonBox.ButtonRole.ActionRole)
        self.edit_button.clicked.connect(lambda: self.chosen() and edit(self.chosen()))  # type: ignore[arg-type]
        self.apply_button.clicked.connect(lambda: self.chosen() and apply(self.chosen()))  # type: ignore[arg-type]
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        reason = window.roles.why_not(Action.EDIT)
        for button in (self.edit_button, self.apply_button):
            button.setEnabled(reason is None)
            button.setToolTip(reason or "")
        self.version_shown: Template | None = None
        self.resize(900, 700)
        self.refresh()

    def refresh(self) -> None:
        self.shown = self.library.latest(self.search.text())
        self.table.setRowCount(len(self.shown))
        for row, template in enumerate(self.shown):
            when = local_text(template.created_at) if template.created_at else ""
            products = str(len(template.product_ids()))
            cells = (template.name, f"v{template.version}", template.shape_label, template.zone.value,
                     ", ".join(template.tags), products, template.created_by or "", when)  # fmt: skip
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        self.table.clearSelection()  # row 0 may be selected already, holding another template now: signal anew
        if self.shown:
            self.table.selectRow(0)
        else:
            self.versions.clear()

    def chosen(self) -> Template | None:
        """The version on screen (the newest unless an older one is picked)."""
        return self.version_shown

    def _chosen(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return
        template = self.shown[rows[0].row()]
        self._versions = self.library.versions(template.name)
        self.versions.clear()
        for version in self._versions:
            when = local_text(version.created_at) if version.created_at else ""
            self.versions.addItem(f"v{version.version} — {version.created_by or 'unknown'}, {when}")
        self.versions.setCurrentRow(0)
        self._version_chosen(0)  # row 0 may have been current already: no signal, yet another template is shown

    def _version_chosen(self, row: int) -> None:
        if row < 0 or row >= len(getattr(self, "_versions", [])):
            return
        self.version_shown = self._versions[row]
        self.view.show_cabinet(self.version_shown.as_cabinet(), self.version_shown.as_planogram(), self.catalogue)
        self.view.fit_to_window()


class FleetOperationsDialog(QDialog):
    """The fleet operations (newest first) with Undo, and the template versions waiting as proposals."""

    def __init__(self, window: WindowServices) -> None:
        super().__init__(window.parent)
        self.window = window
        self.setWindowTitle("Fleet operations and proposals")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Fleet operations, newest first"))
        self.table = QTableWidget(0, 6)
        self.table.setObjectName("operationsTable")
        self.table.setHorizontalHeaderLabels(("Operation", "What", "How", "Who", "When (UTC)", "Status"))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        layout.addWidget(self.table, 2)
        layout.addWidget(QLabel("Proposals: a template's new version for the machines that follow it"))
        self.proposal_list = QListWidget()
        layout.addWidget(self.proposal_list, 1)
        row = QHBoxLayout()
        self.undo_button = QPushButton("&Undo the chosen operation")
        self.accept_button = QPushButton("&Accept the chosen proposal (all its machines, as drafts)")
        self.decline_button = QPushButton("&Decline it")
        for button in (self.undo_button, self.accept_button, self.decline_button):
            row.addWidget(button)
        layout.addLayout(row)
        self.undo_button.clicked.connect(self.undo_chosen)
        self.accept_button.clicked.connect(lambda: self.answer(accept=True))
        self.decline_button.clicked.connect(lambda: self.answer(accept=False))
        reason = window.roles.why_not(Action.EDIT)
        for button in (self.undo_button, self.accept_button, self.decline_button):
            button.setEnabled(reason is None)
            button.setToolTip(reason or "")
        self.resize(900, 560)
        self.refresh()

    def refresh(self) -> None:
        from storage.fleet_operations import operations, proposals

        engine = self.window.repository().engine
        self.operations = operations(engine)
        self.table.setRowCount(len(self.operations))
        for row, operation in enumerate(self.operations):
            counts = ", ".join(f"{count} {state}" for state, count in sorted(operation["cabinets"].items()))
            cells = (str(operation["operation_id"]), operation["title"], f"{operation['mode']}; {counts}",
                     operation["created_by"], operation["created_at"], operation["status"])  # fmt: skip
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        self.proposals = proposals(engine)
        self.proposal_list.clear()
        for proposal in self.proposals:
            names = ", ".join(machine["name"] for machine in proposal["machines"])
            self.proposal_list.addItem(f"{proposal['template']} v{proposal['version']} → {names}")

    def undo_chosen(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            self.window.say("Choose an operation to undo", 4000)
            return
        operation = self.operations[rows[0].row()]
        if undo_with_progress(self, self.window, int(operation["operation_id"])) is not None:
            self.refresh()

    def answer(self, *, accept: bool) -> None:
        from storage.fleet_operations import answer_proposal

        row = self.proposal_list.currentRow()
        if row < 0:
            self.window.say("Choose a proposal", 4000)
            return
        proposal = self.proposals[row]
        try:
            result = answer_proposal(
                self.window.repository().engine, proposal["operation_id"], accept=accept, user_id=self.window.user_id()
            )
        except (ValueError, PermissionError) as refused:
            QMessageBox.warning(self, "Proposal", str(refused))
            return
        verb = "accepted" if accept else "declined"
        self.window.say(f"{proposal['template']} v{proposal['version']} {verb} for {result.written} cabinets", 8000)
        self.refresh()
