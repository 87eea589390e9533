"""File → Sync log…: every sync step of this working copy, newest first, in local time.

The status bar's sync message fades; this is where a merchandiser checks afterwards what the last syncs did
(pulled how many sales, pushed which layouts, which conflicts wait for a decision).
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from designer.local_time import local
from storage.sync_log import SyncLogEntry

COLUMNS = ("When", "Direction", "Result", "Counts", "By")


class SyncLogDialog(QDialog):
    """A read-only table of sync steps; Close or Esc closes it."""

    def __init__(self, source: str, entries: Sequence[SyncLogEntry], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Sync log")
        self.summary = QLabel(
            f"Syncs of this working copy with {source}, newest first (times in this computer's time zone)."
            if entries
            else f"No sync with {source} has run on this working copy yet. Press F5 to sync now."
        )
        self.summary.setWordWrap(True)
        self.table = QTableWidget(len(entries), len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(False)
        for row, entry in enumerate(entries):
            when = local(entry.at)
            cells = (f"{when:%Y-%m-%d %H:%M:%S}", entry.direction, entry.result, entry.counts, entry.by)
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(row, column, item)
        header = self.table.horizontalHeader()
        for column in range(len(COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.resize(860, 420)

    def row_texts(self) -> list[list[str]]:
        """What the table shows, row by row (for tests and screen readers alike)."""
        return [
            [self.table.item(row, column).text() for column in range(self.table.columnCount())]
            for row in range(self.table.rowCount())
        ]
