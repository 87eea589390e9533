"""A drag comes into the cabinet view the way a hand brings it: over the grey margin first, then onto a slot.

Qt asks a widget once, on entering, whether it takes the drag at all; a view that says no there is passed over
for the rest of the drag and the drop is lost without a word (issue 16). The real-input suite drives this with
an X mouse; here the same events are sent as Qt delivers them (ENVIRONMENT.md).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt
from PySide6.QtGui import QCursor, QDragEnterEvent, QDragLeaveEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QMessageBox, QToolTip
from pytestqt.qtbot import QtBot

from designer.positions import Position
from storage.app_context import AppContext
from widgets.app import open_main_window
from widgets.canvas.cabinet_editing import EditableCabinetView
from widgets.canvas.mime import product_mime
from widgets.window.main_window import MainWindow

ICE_CREAM = 19  # frozen: refused in device 1's ambient cabinet 0
TRAIL_MIX = 7
EMPTY = Position.parse("A5")
ACTIONS = Qt.DropAction.CopyAction | Qt.DropAction.MoveAction
LEFT, NONE = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier


@pytest.fixture
def window(qtbot: QtBot, fleet_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[MainWindow]:
    # Closing with unsaved edits asks; a modal box would hang offscreen, so the test's answer is Discard.
    monkeypatch.setattr(QMessageBox, "question", lambda *_args, **_kwargs: QMessageBox.StandardButton.Discard)
    window = open_main_window(AppContext.create(database=fleet_url))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitSignal(window.layout_shown, timeout=10_000).wait()
    yield window
    window.close()


def view_of(window: MainWindow) -> EditableCabinetView:
    view = window.current_cabinet_view()
    assert isinstance(view, EditableCabinetView)
    return view


def centre_of(view: EditableCabinetView, position: Position) -> QPoint:
    item = view.slot_item(position)
    assert item is not None
    return view.mapFromScene(item.sceneBoundingRect().center())


def on_a_slot(view: EditableCabinetView, point: QPoint) -> bool:
    return any(view.mapFromScene(item.sceneBoundingRect()).containsPoint(point, Qt.FillRule.OddEvenFill)
               for item in view.slot_items())  # fmt: skip


def drag_in_over_the_margin(view: EditableCabinetView, target: Position, mime: QMimeData) -> list[bool]:
    """Enter at the view's right edge, level with ``target``, and move there in 2-pixel steps.

    Returns whether Qt was told "drop here" at each step, the enter first (Qt sends the first move itself).
    """
    goal = centre_of(view, target)
    point = QPoint(view.viewport().width() - 2, goal.y())
    assert not on_a_slot(view, point), "the drag comes in over the margin, not over a slot"
    enter = QDragEnterEvent(point, ACTIONS, mime, LEFT, NONE)
    QApplication.sendEvent(view.viewport(), enter)
    answers = [enter.isAccepted()]
    while point.x() > goal.x():
        point = QPoint(max(goal.x(), point.x() - 2), point.y())
        move = QDragMoveEvent(point, ACTIONS, mime, LEFT, NONE)
        QApplication.sendEvent(view.viewport(), move)
        answers.append(move.isAccepted())
    return answers


def test_a_drag_entering_over_the_margin_is_taken_and_lands_on_the_empty_slot(window: MainWindow) -> None:
    view = view_of(window)
    assert view.slot_item(EMPTY).is_empty  # type: ignore[union-attr]

    mime = product_mime(TRAIL_MIX, "Trail Mix")  # kept: the events only point at it
    answers = drag_in_over_the_margin(view, EMPTY, mime)

    assert answers[0], "the view takes the drag where it enters, over the margin"
    assert not answers[1], "no drop on the margin itself: Qt shows its no-drop cursor there"
    assert answers[-1], "over the empty slot the drop is welcome"
    drop = QDropEvent(QPointF(centre_of(view, EMPTY)), ACTIONS, mime, LEFT, NONE)
    QApplication.sendEvent(view.viewport(), drop)
    assert drop.isAccepted()
    assert view.editor.planogram.slot_at(EMPTY).product_id == TRAIL_MIX
    assert window.tab_texts()[0].endswith("•")


def test_a_drag_released_over_a_slot_that_refuses_it_says_why_in_the_status_bar(window: MainWindow) -> None:
    view = view_of(window)
    before = dict(view.editor.planogram.slots)
    mime = product_mime(ICE_CREAM, "Vanilla Ice Cream Sandwich")
    answers = drag_in_over_the_margin(view, EMPTY, mime)
    assert answers[0] and not answers[-1], "taken on entering, refused over a slot of the wrong temperature"
    assert "must be kept frozen" in QToolTip.text(), "the reason is shown at the cursor while hovering"

    # Released there, Qt delivers no drop (the last move was refused), only a leave with the cursor still on it.
    QCursor.setPos(view.viewport().mapToGlobal(centre_of(view, EMPTY)))
    QApplication.sendEvent(view.viewport(), QDragLeaveEvent())

    assert "must be kept frozen" in window.statusBar().currentMessage()
    assert window.statusBar().currentMessage().startswith("Not changed:")
    assert view.editor.planogram.slots == before and not window.isWindowModified()


def test_a_drag_that_just_passes_through_leaves_no_message(window: MainWindow) -> None:
    view = view_of(window)
    mime = product_mime(ICE_CREAM, "Vanilla Ice Cream Sandwich")
    drag_in_over_the_margin(view, EMPTY, mime)
    QCursor.setPos(view.viewport().mapToGlobal(QPoint(-40, -40)))  # gone on, out of the view
    QApplication.sendEvent(view.viewport(), QDragLeaveEvent())
    assert "must be kept frozen" not in window.statusBar().currentMessage()
