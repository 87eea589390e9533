"""A cabinet's version history: who saved what and when, which one the machine runs; revert or activate."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from designer.local_time import local_text
from designer.planograms import PlanogramStatus
from storage.versions import VersionInfo

HEADERS = ("Version", "Status", "Name", "Saved", "By", "Activated", "Products")


class VersionHistoryDialog(QDialog):
    """Lists versions newest first; the choice is emitted, the window does the work in a worker."""

    revert_requested = Signal(int)  # planogram id
    activate_requested = Signal(int)

    def __init__(self, title: str, versions: list[VersionInfo], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Version history — {title}")
        self.resize(760, 380)
        self.versions = versions
        self.table = QTableWidget(len(versions), len(HEADERS))
        self.table.setHorizontalHeaderLabels(HEADERS)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        bold = QFont()
        bold.setBold(True)
        for row, info in enumerate(versions):
            cells = (
                f"v{info.version}",
                info.status.value,
                info.name or "—",
                local_text(info.created_at),
                info.created_by,
                local_text(info.activated_at) if info.activated_at else "—",
                str(info.filled_slots),
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if info.status is PlanogramStatus.ACTIVE:
                    item.setFont(bold)
                self.table.setItem(row, column, item)
        self.table.resizeColumnsToContents()

        note = QLabel("The active version is what the machine runs. Reverting loads a version into the designer "
                      "as one undoable edit; save it to make it a new version.")  # fmt: skip
        note.setWordWrap(True)
        self.revert = QPushButton("Revert to this version")
        self.activate = QPushButton("Activate")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.revert, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.activate, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(note)
        layout.addWidget(buttons)

        self.revert.clicked.connect(lambda: self._emit(self.revert_requested))
        self.activate.clicked.connect(lambda: self._emit(self.activate_requested))
        self.table.itemSelectionChanged.connect(self._update_buttons)
        if versions:
            self.table.selectRow(0)
        self._update_buttons()

    def selected(self) -> VersionInfo | None:
        rows = self.table.selectionModel().selectedRows()
        return self.versions[rows[0].row()] if rows else None

    def _update_buttons(self) -> None:
        info = self.selected()
        self.revert.setEnabled(info is not None)
        self.activate.setEnabled(info is not None and info.status is not PlanogramStatus.ACTIVE)

    def _emit(self, signal: Signal) -> None:  # type: ignore[type-arg]
        info = self.selected()
        if info is not None:
            signal.emit(info.id)  # type: ignore[attr-defined]
            self.accept()
