"""The "Undo history" dock: the steps of the device on screen, the current one marked; click a step to go there.

What QUndoView offered over QUndoStack, over the designer's own device stack: the first row is the
document as opened ("As stored"), undone steps are greyed, clicking a row undoes or redoes up to it.
"""

from __future__ import annotations

from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QListWidget, QWidget

from widgets.editing.undo import UndoGroup


class UndoHistoryView(QListWidget):
    """A list over the active device stack's history; row ``n`` is the state after ``n`` steps."""

    def __init__(self, group: UndoGroup, empty_label: str = "As stored", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.group = group
        self.empty_label = empty_label
        self.setUniformItemSizes(True)
        group.changed.connect(self.follow)
        self.currentRowChanged.connect(self._jump)
        self.follow()

    def follow(self) -> None:
        """Show the active stack as it is now: rows change only when the history did (never under a click)."""
        stack = self.group.stack
        texts = [] if stack is None else [self.empty_label, *stack.history()]
        self.blockSignals(True)
        if texts != [self.item(row).text() for row in range(self.count())]:
            self.clear()
            self.addItems(texts)
        if stack is not None:
            done = self.palette().color(QPalette.ColorGroup.Active, QPalette.ColorRole.Text)
            undone = self.palette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
            for row in range(self.count()):
                self.item(row).setForeground(undone if row > stack.index else done)
            self.setCurrentRow(stack.index)
            self.scrollToItem(self.currentItem())
        self.blockSignals(False)

    def _jump(self, row: int) -> None:
        stack = self.group.stack
        if stack is not None and row >= 0 and row != stack.index:
            stack.set_index(row)
