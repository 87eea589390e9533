"""The editable cabinet grid: drop products, drag slots to move or swap, select, and use the keyboard.

Gestures become calls to the designer's edit functions through a :class:`~widgets.editing.undo.CabinetEditor`;
the rules (temperature, cabinet bounds, stock) live there. A refused drop shows the reason at the
cursor and changes nothing.
"""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QCursor,
    QDrag,
    QDragEnterEvent,
    QDragLeaveEvent,
    QDragMoveEvent,
    QDropEvent,
    QKeyEvent,
    QMouseEvent,
)
from PySide6.QtWidgets import QApplication, QGraphicsItem, QGraphicsView, QToolTip, QWidget

from designer.editing import EditRefused, clear_slots, move_slot, place_product
from designer.positions import Position
from widgets.canvas.cabinet_view import CabinetView, DropHint, SlotItem
from widgets.canvas.mime import dragged_product, dragged_slot, slot_mime
from widgets.editing.undo import CabinetEditor
from widgets.placement.heat_map import HeatMapLayer

RELEASE_SETTLES_MS = 100
FOREIGN_SLOT = "slots move only within their own cabinet; drag a product from the palette instead"
ARROWS = {
    Qt.Key.Key_Left: (0, -1),
    Qt.Key.Key_Right: (0, 1),
    Qt.Key.Key_Up: (-1, 0),
    Qt.Key.Key_Down: (1, 0),
}


class EditableCabinetView(CabinetView):
    """A :class:`CabinetView` bound to a cabinet editor."""

    selection_changed = Signal(list)  # list[Position], in reading order
    inspect_requested = Signal()
    refused = Signal(str)
    drag_product_entered = Signal(int)  # the product being dragged over this cabinet: show its heat map
    drag_hovered = Signal(object)  # the Position under the cursor while dragging
    drag_finished = Signal()

    def __init__(self, editor: CabinetEditor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.editor = editor
        self.last_refusal = ""
        self.read_only: str | None = None  # why this user may not edit (their role); None when they may
        self._press: tuple[QPoint, Position] | None = None
        self._hinted: SlotItem | None = None
        self.setAcceptDrops(True)
        self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.show_cabinet(editor.cabinet, editor.planogram, editor.context.catalogue)
        self.heat_layer = HeatMapLayer(editor.cabinet)
        self.scene().addItem(self.heat_layer)
        self._hovered: Position | None = None
        self._refused_here: tuple[Position, str] | None = None  # the slot under a dragging cursor refuses, and why
        for item in self.slot_items():
            item.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable, True)
        self.scene().selectionChanged.connect(self._selection_changed)
        editor.edited.connect(self._edited)

    # --- what the window asks ----------------------------------------------------------------

    def selected_positions(self) -> list[Position]:
        return sorted(item.position for item in self.slot_items() if item.isSelected())

    def select(self, positions: list[Position]) -> None:
        wanted = set(positions)
        self.scene().blockSignals(True)
        for item in self.slot_items():
            item.setSelected(item.position in wanted)
        self.scene().blockSignals(False)
        self._selection_changed()
        if positions:
            item = self.slot_item(positions[-1])
            if item is not None:
                self.ensureVisible(item)

    def drop_product(self, position: Position, product_id: int) -> str | None:
        """Place or replace; returns the refusal reason, if any."""
        return self.attempt_edit(lambda c, p: place_product(c, p, position, product_id))

    def drop_slot(self, source: Position, target: Position) -> str | None:
        """Move onto an empty slot, swap with an occupied one."""
        result = self.attempt_edit(lambda c, p: move_slot(c, p, source, target))
        if result is None:
            self.select([target])
        return result

    def clear_selected(self) -> str | None:
        return self.attempt_edit(lambda c, p: clear_slots(c, p, self.selected_positions()))

    def attempt_edit(self, make) -> str | None:  # type: ignore[no-untyped-def]
        """Push an edit built by ``make(context, planogram)``; a refusal is shown and returned."""
        reason = self.read_only or self.editor.attempt(make)
        if reason is not None:
            self._refuse(reason)
        return reason

    def _refuse(self, reason: str, where: QPoint | None = None) -> None:
        self.last_refusal = reason
        self.refused.emit(reason)
        if where is not None:
            self._say_at(where, reason)

    def _say_at(self, where: QPoint, reason: str) -> None:
        QToolTip.showText(self.viewport().mapToGlobal(where), reason, self.viewport())

    # --- repaint after edits -----------------------------------------------------------------

    def _edited(self, changed: frozenset[Position]) -> None:
        self.refresh(self.editor.planogram, self.editor.context.catalogue, changed)
        self._selection_changed()  # the inspector shows the new values

    def _selection_changed(self) -> None:
        self.selection_changed.emit(self.selected_positions())

    # --- dragging out of a slot --------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        item = self._slot_at(event.position())
        self._press = (event.position().toPoint(), item.position) if item and not item.is_empty else None
        if item is not None and event.button() == Qt.MouseButton.LeftButton:
            # Press on a slot selects it (Ctrl/Shift add); the rubber band starts only between slots.
            modifiers = event.modifiers()
            if not modifiers & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier):
                if not item.isSelected():
                    self.select([item.position])
            else:
                item.setSelected(not item.isSelected())
            self.setFocus()
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._press is not None and event.buttons() & Qt.MouseButton.LeftButton:
            start, position = self._press
            if (event.position().toPoint() - start).manhattanLength() >= QApplication.startDragDistance():
                self._press = None
                self._start_slot_drag(position)
                return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._press = None
        super().mouseReleaseEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if self._slot_at(event.position()) is not None:
            self.inspect_requested.emit()
            event.accept()
            return
        super().mouseDoubleClickEvent(event)

    def _start_slot_drag(self, position: Position) -> None:
        if self.read_only:
            self._refuse(self.read_only)  # the window shows it in the status bar and the banner
            return
        drag = QDrag(self)
        drag.setMimeData(slot_mime(self.editor.cabinet.planogram_id, position.label))
        drag.exec(Qt.DropAction.MoveAction)

    # --- dropping onto a slot ----------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        mime = event.mimeData()
        if dragged_product(mime) is None and dragged_slot(mime) is None:
            event.ignore()
            return
        product_id = self._dragged_product_id(mime)
        if product_id is not None:
            self.drag_product_entered.emit(product_id)
        self._hovered = None
        self._hover(event)
        # Accepted wherever the cursor comes in (the margin around the grid, a gap, a refusing slot): an ignored
        # enter makes Qt pass this view over as the drop target for the whole drag, and the drop is lost.
        # Positions that take no drop are refused move by move (Qt's "no drop" cursor) while the drag goes on.
        event.acceptProposedAction()

    def _dragged_product_id(self, mime: QMimeData) -> int | None:
        """The product a drag carries: from the palette, or the one standing in the dragged slot."""
        product_id = dragged_product(mime)
        if product_id is not None:
            return product_id
        source = self._source_slot(mime)
        return None if source is None else self.editor.planogram.slot_at(source).product_id

    def _end_drag(self) -> None:
        self._hint(None, None)
        self._hovered = None
        self._refused_here = None
        self.heat_layer.clear()
        self.drag_finished.emit()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if self._hover(event):
            event.acceptProposedAction()
        else:
            event.ignore()  # no drop here; the drag goes on and the next move is asked again

    def _hover(self, event: QDragMoveEvent) -> bool:
        """Hint the slot under the cursor (its reason at the cursor if it refuses); True where a drop would land."""
        item = self._slot_at(event.position())
        self._refused_here = None
        if item is None:  # the margin around the grid or a gap between slots
            self._hint(None, None)
            QToolTip.hideText()
            return False
        if item.position != self._hovered:
            self._hovered = item.position
            self.drag_hovered.emit(item.position)
        reason = self._would_refuse(event.mimeData(), item.position)
        if reason is None:
            self._hint(item, DropHint.ACCEPT)
            QToolTip.hideText()
            return True
        self._hint(item, DropHint.REFUSE)
        self.last_refusal = reason
        self._refused_here = (item.position, reason)
        QToolTip.showText(self.viewport().mapToGlobal(event.position().toPoint()), reason, self.viewport())
        return False

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        """The drag left the view, or was released or cancelled over a place that takes no drop.

        Released over a slot that refuses it, Qt delivers no drop, only this: the reason then stays at the cursor
        and goes to the status bar, so the person learns why nothing changed.
        """
        refused_here = self._refused_here
        self._end_drag()
        at = self.viewport().mapFromGlobal(QCursor.pos())
        item = self._slot_at(QPointF(at)) if self.viewport().rect().contains(at) else None
        if refused_here is not None and item is not None and item.position == refused_here[0]:
            self._refuse(refused_here[1])
            # Shown once the drag is over: the button's release, delivered as it ends, would close it at once.
            QTimer.singleShot(RELEASE_SETTLES_MS, self, lambda: self._say_at(at, refused_here[1]))
        else:
            QToolTip.hideText()
        event.accept()

    def dropEvent(self, event: QDropEvent) -> None:
        self._end_drag()
        item = self._slot_at(event.position())
        if item is None:
            event.ignore()
            return
        mime = event.mimeData()
        product_id = dragged_product(mime)
        if product_id is not None:
            reason = self.drop_product(item.position, product_id)
        else:
            source = self._source_slot(mime)
            reason = FOREIGN_SLOT if source is None else self.drop_slot(source, item.position)
        if reason is None:
            event.acceptProposedAction()
            self.setFocus()
        else:
            self._refuse(reason, event.position().toPoint())
            event.ignore()

    def _would_refuse(self, mime: QMimeData, target: Position) -> str | None:
        """The same rule check the drop will make, without changing anything."""
        if self.read_only:
            return self.read_only
        product_id = dragged_product(mime)
        try:
            if product_id is not None:
                place_product(self.editor.context, self.editor.planogram, target, product_id)
            else:
                source = self._source_slot(mime)
                if source is None:
                    return FOREIGN_SLOT
                if source != target:  # hovering where the drag began is not a refusal
                    move_slot(self.editor.context, self.editor.planogram, source, target)
        except EditRefused as refusal:
            return str(refusal)
        return None

    def _source_slot(self, mime: QMimeData) -> Position | None:
        dragged = dragged_slot(mime)
        if dragged is None or dragged[0] != self.editor.cabinet.planogram_id:
            return None
        return Position.parse(dragged[1])

    def _hint(self, item: SlotItem | None, hint: DropHint | None) -> None:
        if self._hinted is not None and self._hinted is not item:
            self._hinted.set_drop_hint(None)
        self._hinted = item
        if item is not None:
            item.set_drop_hint(hint)

    def _slot_at(self, point: QPointF) -> SlotItem | None:
        for item in self.items(point.toPoint()):
            if isinstance(item, SlotItem):
                return item
        return None

    # --- keyboard ----------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in ARROWS:
            self._move_selection(*ARROWS[Qt.Key(key)])
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if self.selected_positions():
                self.inspect_requested.emit()
        elif key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            if self.selected_positions():
                self.clear_selected()
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    def _move_selection(self, rows: int, columns: int) -> None:
        selected = self.selected_positions()
        if not selected:
            self.select([Position(0, 0)])
            return
        target = selected[-1].moved(rows, columns)
        if self.editor.cabinet.contains(target):
            self.select([target])
