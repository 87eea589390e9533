"""The conflict dialog: one layout changed both here and in CVD since the last sync, shown slot by slot.

Merge is the default and loses nothing: every slot changed on one side only takes that change; where both
sides changed a slot, the per-slot choice applies (yours unless you pick CVD's), and CVD's whole layout is
kept as a draft version either way. "Keep mine" and "Take CVD's" apply to every slot.
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
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

from designer.sync_merge import Choice, SlotContent
from storage.cvd.queue import Conflict

COLUMNS = ("Slot", "Last synced", "Yours", "CVD now", "Result")
MINE_TEXT, THEIRS_TEXT = "Keep yours", "Take CVD's"


def slot_text(content: SlotContent | None, names: Mapping[int, str]) -> str:
    if content is None:
        return "empty"
    name = names.get(content.product_id, f"product {content.product_id}")
    return f"{name} (cap {content.capacity}, par {content.par_level})"


class ConflictDialog(QDialog):
    """Asks how to settle one conflict; ``choice`` and ``per_slot`` hold the answer after ``exec``."""

    def __init__(self, conflict: Conflict, names: Mapping[int, str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"{conflict.name}: changed in CVD too")
        self.conflict = conflict
        self.choice = Choice.MERGE
        self.per_slot: dict[str, Choice] = {}
        merged = conflict.merge()
        conflicting = {c.position for c in merged.conflicts}
        changed = sorted(
            {*merged.from_mine, *merged.from_theirs, *conflicting},
            key=lambda p: (p.rstrip("0123456789"), int("".join(ch for ch in p if ch.isdigit()) or 0)),
        )
        intro = QLabel(
            f"<b>{conflict.name}</b> was changed in CVD since your last sync, and you activated a new layout. "
            f"{len(conflicting)} slot(s) were changed on both sides. <b>Merge</b> keeps every change made on one "
            "side only and, where both changed a slot, your choice below (yours by default). CVD's layout is kept "
            "as a draft version, so nothing is lost."
        )
        intro.setWordWrap(True)
        self.table = QTableWidget(len(changed), len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.choosers: dict[str, QComboBox] = {}
        for row, position in enumerate(changed):
            cells = (
                position,
                slot_text(conflict.base.get(position), names),
                slot_text(conflict.mine.get(position), names),
                slot_text(conflict.theirs.get(position), names),
            )
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(text))
            if position in conflicting:
                chooser = QComboBox()
                chooser.addItems([MINE_TEXT, THEIRS_TEXT])
                chooser.setToolTip("Both sides changed this slot: pick which one the machine should run")
                self.table.setCellWidget(row, 4, chooser)
                self.choosers[position] = chooser
            else:
                side = "CVD's (changed only there)" if position in merged.from_theirs else "Yours (changed only here)"
                self.table.setItem(row, 4, QTableWidgetItem(side))
        buttons = QDialogButtonBox()
        self.merge_button = buttons.addButton("Merge", QDialogButtonBox.ButtonRole.AcceptRole)
        self.merge_button.setDefault(True)
        self.mine_button = QPushButton("Keep mine everywhere")
        self.theirs_button = QPushButton("Take CVD's everywhere")
        buttons.addButton(self.mine_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.theirs_button, QDialogButtonBox.ButtonRole.AcceptRole)
        later = buttons.addButton("Decide later", QDialogButtonBox.ButtonRole.RejectRole)
        later.setToolTip("The push stays parked; nothing is written to CVD until you decide")
        self.merge_button.clicked.connect(lambda: self._decide(Choice.MERGE))
        self.mine_button.clicked.connect(lambda: self._decide(Choice.MINE))
        self.theirs_button.clicked.connect(lambda: self._decide(Choice.THEIRS))
        later.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.resize(1120, 380)

    def _decide(self, choice: Choice) -> None:
        self.choice = choice
        if choice is not Choice.MERGE:  # "everywhere" means every slot, whatever the rows say
            self.per_slot = {}
            self.accept()
            return
        self.per_slot = {
            position: Choice.THEIRS if chooser.currentText() == THEIRS_TEXT else Choice.MINE
            for position, chooser in self.choosers.items()
        }
        self.accept()
