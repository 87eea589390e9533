"""A merchandiser edits a planogram in the window: drag, drop, keyboard, inspector, undo, save, activate."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QInputDialog, QMessageBox
from pytestqt.qtbot import QtBot
from sqlalchemy import text

from designer.positions import Position
from storage.app_context import AppContext
from storage.schema import prepare_database
from widgets.app import open_main_window
from widgets.canvas.cabinet_editing import EditableCabinetView
from widgets.canvas.mime import product_mime, slot_mime
from widgets.window.main_window import MainWindow

P = Position.parse
ICE_CREAM = 19  # frozen: refused in device 1's ambient cabinet 0
TRAIL_MIX = 7


@pytest.fixture
def answers(monkeypatch: pytest.MonkeyPatch) -> list[QMessageBox.StandardButton]:
    """Scripted answers for QMessageBox.question (a modal box would hang offscreen); Discard by default."""
    queue: list[QMessageBox.StandardButton] = []

    def question(*_args: object, **_kwargs: object) -> QMessageBox.StandardButton:
        return queue.pop(0) if queue else QMessageBox.StandardButton.Discard

    monkeypatch.setattr(QMessageBox, "question", question)
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: QMessageBox.StandardButton.Ok)
    return queue


@pytest.fixture
def window(qtbot: QtBot, fleet_url: str, answers: list[QMessageBox.StandardButton]) -> Iterator[MainWindow]:
    window = open_main_window(AppContext.create(database=fleet_url))
    qtbot.addWidget(window)
    qtbot.waitSignal(window.layout_shown, timeout=10_000).wait()
    yield window
    window.close()


def view_of(window: MainWindow) -> EditableCabinetView:
    view = window.current_cabinet_view()
    assert isinstance(view, EditableCabinetView)
    return view


def product_at(view: EditableCabinetView, label: str) -> int | None:
    item = view.slot_item(P(label))
    assert item is not None
    return item.slot.product_id


def drag_onto(view: EditableCabinetView, label: str, mime: QMimeData) -> tuple[bool, bool]:
    """Enter, move and drop as Qt delivers them (ENVIRONMENT.md); returns (hover accepted, drop accepted)."""
    item = view.slot_item(P(label))
    assert item is not None
    point = view.mapFromScene(item.sceneBoundingRect().center())
    actions = Qt.DropAction.CopyAction | Qt.DropAction.MoveAction
    buttons, modifiers = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    QApplication.sendEvent(view.viewport(), QDragEnterEvent(point, actions, mime, buttons, modifiers))
    move = QDragMoveEvent(point, actions, mime, buttons, modifiers)
    QApplication.sendEvent(view.viewport(), move)
    drop = QDropEvent(QPointF(point), actions, mime, buttons, modifiers)
    QApplication.sendEvent(view.viewport(), drop)
    return move.isAccepted(), drop.isAccepted()


def stored(fleet_url: str, sql: str) -> list[tuple]:  # type: ignore[type-arg]
    engine = prepare_database(fleet_url)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql))]
    finally:
        engine.dispose()


def test_dropping_a_product_on_an_empty_slot_places_it_and_undo_takes_it_back(window: MainWindow) -> None:
    view = view_of(window)
    assert product_at(view, "A5") is None
    assert drag_onto(view, "A5", product_mime(TRAIL_MIX, "Trail Mix")) == (True, True)
    assert product_at(view, "A5") == TRAIL_MIX
    assert window.shown_title().startswith("t.sqlite*") and window.tab_texts()[0].endswith("•")
    window.undo_action.trigger()
    assert product_at(view, "A5") is None and not window.isWindowModified()
    window.redo_action.trigger()
    assert product_at(view, "A5") == TRAIL_MIX


def test_dropping_onto_an_occupied_slot_replaces_the_product(window: MainWindow) -> None:
    view = view_of(window)
    before = product_at(view, "A1")
    assert before not in (None, TRAIL_MIX)
    drag_onto(view, "A1", product_mime(TRAIL_MIX, "Trail Mix"))
    assert product_at(view, "A1") == TRAIL_MIX
    assert window.undo_action.text() == "Undo Replace with Trail Mix with Dark Chocolate and Almonds in A1"


def test_dragging_a_slot_onto_an_empty_one_moves_it(window: MainWindow) -> None:
    view = view_of(window)
    moving = product_at(view, "A1")
    assert drag_onto(view, "C3", slot_mime("1_0", "A1")) == (True, True)
    assert (product_at(view, "A1"), product_at(view, "C3")) == (None, moving)
    assert view.selected_positions() == [P("C3")]


def test_dragging_a_slot_onto_an_occupied_one_swaps_them(window: MainWindow) -> None:
    view = view_of(window)
    first, second = product_at(view, "A1"), product_at(view, "B2")
    drag_onto(view, "B2", slot_mime("1_0", "A1"))
    assert (product_at(view, "A1"), product_at(view, "B2")) == (second, first)
    window.undo_action.trigger()
    assert (product_at(view, "A1"), product_at(view, "B2")) == (first, second)


def test_a_refused_drop_shows_the_reason_and_changes_nothing(window: MainWindow) -> None:
    view = view_of(window)
    before = [item.slot for item in view.slot_items()]
    assert drag_onto(view, "A5", product_mime(ICE_CREAM, "Vanilla Ice Cream Sandwich")) == (False, False)
    assert "must be kept frozen" in view.last_refusal and "frozen cabinet" in view.last_refusal
    assert [item.slot for item in view.slot_items()] == before
    assert not window.undo_action.isEnabled() and not window.isWindowModified()


def test_a_slot_from_another_cabinet_cannot_be_dropped_here(window: MainWindow) -> None:
    view = view_of(window)
    assert drag_onto(view, "A5", slot_mime("1_1", "A1")) == (False, False)
    assert "within their own cabinet" in view.last_refusal
    assert product_at(view, "A5") is None


def test_keyboard_arrows_move_delete_clears_and_enter_opens_the_inspector(qtbot: QtBot, window: MainWindow) -> None:
    view = view_of(window)
    view.setFocus()
    view.select([P("A1")])
    qtbot.keyClick(view, Qt.Key.Key_Right)
    qtbot.keyClick(view, Qt.Key.Key_Down)
    assert view.selected_positions() == [P("B2")]
    assert window.inspector.title.text() == "Slot B2"
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    assert product_at(view, "B2") is None
    qtbot.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert product_at(view, "B2") is not None
    qtbot.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert product_at(view, "B2") is None
    qtbot.keyClick(view, Qt.Key.Key_Return)
    assert window.inspector.capacity.hasFocus() or window.inspector.quantity.hasFocus()


def test_the_inspector_edits_quantity_capacity_and_par_level(window: MainWindow) -> None:
    view = view_of(window)
    view.select([P("A2")])
    inspector = window.inspector
    inspector.capacity.setValue(15)
    inspector.quantity.setValue(9)
    inspector.par_level.setValue(11)
    inspector.apply.click()
    slot = view.slot_item(P("A2")).slot  # type: ignore[union-attr]
    assert (slot.quantity, slot.capacity, slot.par_level) == (9, 15, 11)
    inspector.quantity.setValue(20)
    inspector.apply.click()
    assert view.slot_item(P("A2")).slot.quantity == 9  # type: ignore[union-attr]
    assert "more than the capacity" in window.statusBar().currentMessage()


def test_bulk_capacity_and_bulk_clear_are_one_undo_step_each(window: MainWindow) -> None:
    view = view_of(window)
    view.select([P("A1"), P("A2"), P("B1")])
    assert window.inspector.title.text() == "3 slots selected"
    window.inspector.capacity.setValue(6)
    window.inspector.apply.click()
    assert {view.slot_item(P(label)).slot.capacity for label in ("A1", "A2", "B1")} == {6}  # type: ignore[union-attr]
    window.clear_selected_slots()
    assert [product_at(view, label) for label in ("A1", "A2", "B1")] == [None, None, None]
    window.undo_action.trigger()
    assert None not in [product_at(view, label) for label in ("A1", "A2", "B1")]
    window.undo_action.trigger()
    assert {view.slot_item(P(label)).slot.capacity for label in ("A1", "A2", "B1")} == {12}  # type: ignore[union-attr]


def test_double_clicking_a_product_places_it_in_the_selected_slot(window: MainWindow) -> None:
    view = view_of(window)
    view.select([P("E6")])
    window.palette.product_activated.emit(TRAIL_MIX)
    assert product_at(view, "E6") == TRAIL_MIX


def test_save_as_draft_then_activate_makes_new_versions(qtbot: QtBot, window: MainWindow, fleet_url: str) -> None:
    view = view_of(window)
    view.drop_product(P("A5"), TRAIL_MIX)
    with qtbot.waitSignal(window.session.saved, timeout=5_000):
        window.save_action.trigger()
    assert not window.isWindowModified()
    assert stored(fleet_url, "SELECT version, status FROM planograms WHERE device_id=1 AND cabinet_index=0 "
                  "ORDER BY version") == [(2, "active"), (3, "draft"), (4, "draft")]  # fmt: skip
    view.drop_product(P("C3"), TRAIL_MIX)
    with qtbot.waitSignal(window.session.saved, timeout=5_000):
        window.activate_action.trigger()
    rows = stored(fleet_url, "SELECT version, status FROM planograms WHERE device_id=1 AND cabinet_index=0 "
                  "ORDER BY version")  # fmt: skip
    assert rows[-1] == (5, "active") and (2, "archived") in rows
    slots = stored(
        fleet_url,
        "SELECT s.position, s.product_id FROM planogram_slots s JOIN planograms p "
        "ON p.id = s.planogram_id WHERE p.version = 5 AND p.device_id = 1 AND s.position IN ('A5','C3')",
    )
    assert sorted(slots) == [("A5", TRAIL_MIX), ("C3", TRAIL_MIX)]
    assert "version 5" in view.banner.detail  # type: ignore[union-attr]
    assert stored(fleet_url, "SELECT count(*) FROM audit_log WHERE action = 'planogram.activate'") == [(1,)]


def test_an_invalid_planogram_is_not_activated(qtbot: QtBot, window: MainWindow, fleet_url: str,
                                              monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, message: warnings.append(message))
    editor = window.current_editor()
    assert editor is not None
    editor.planogram.slots[P("A1")] = editor.planogram.slots[P("A1")].__class__(P("A1"), 1, 30, 12, 8)
    window.activate_action.trigger()
    assert warnings and "slot A1" in warnings[0] and "quantity 30 is more than the capacity 12" in warnings[0]
    assert stored(fleet_url, "SELECT max(version) FROM planograms WHERE device_id=1 AND cabinet_index=0") == [(3,)]


def test_reverting_to_a_version_loads_it_as_one_edit(qtbot: QtBot, window: MainWindow, fleet_url: str) -> None:
    (draft_id,) = stored(fleet_url, "SELECT id FROM planograms WHERE status = 'draft'")[0]
    view = view_of(window)
    with qtbot.waitSignal(view.editor.edited, timeout=5_000):
        window._revert(view.editor, draft_id)
    assert product_at(view, "A1") == 21 and product_at(view, "A2") is None
    assert window.undo_action.text() == "Undo Revert to version 3"


@pytest.fixture
def offered(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Pick the first cabinet the copy dialog offers, and remember what it offered."""
    seen: list[list[str]] = []

    def pick(_parent, _title, _label, items, *_rest):  # type: ignore[no-untyped-def]
        seen.append(list(items))
        return items[0], True

    monkeypatch.setattr(QInputDialog, "getItem", pick)
    return seen


def show_device(qtbot: QtBot, window: MainWindow, device_id: int, tab: int) -> EditableCabinetView:
    window.device_list.select_device(device_id)
    qtbot.waitUntil(lambda: window.layout_on_screen is not None and window.layout_on_screen.device.id == device_id)
    window.cabinet_tabs.setCurrentIndex(tab)
    return view_of(window)


def test_copying_a_planogram_from_a_cabinet_of_the_same_shape(
    qtbot: QtBot, window: MainWindow, offered: list[list[str]]
) -> None:
    view = show_device(qtbot, window, 1, 1)  # Lobby Snack Tower, cabinet 1: 4×5 refrigerated
    with qtbot.waitSignal(view.editor.edited, timeout=5_000):
        window.copy_from_cabinet()
    assert offered == [["North High Cafeteria · Cabinet 0 · ambient · 4×5"]]
    from fixture_fleet import active_slots

    expected = {slot.position: slot.product_id for slot in active_slots(3, 0)}
    assert {item.position.label: item.slot.product_id for item in view.slot_items() if not item.is_empty} == expected
    assert window.undo_action.text() == "Undo Copy planogram from 3_0"


def test_copying_chilled_products_into_an_ambient_cabinet_is_refused(
    qtbot: QtBot, window: MainWindow, offered: list[list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, message: warnings.append(message))
    view = show_device(qtbot, window, 3, 0)  # North High, cabinet 0: 4×5 ambient
    before = [item.slot for item in view.slot_items()]
    window.copy_from_cabinet()
    qtbot.waitUntil(lambda: bool(warnings), timeout=5_000)
    assert offered == [["Lobby Snack Tower · Cabinet 1 · refrigerated · 4×5"]]
    assert "must be kept refrigerated" in warnings[0]
    assert [item.slot for item in view.slot_items()] == before and not window.isWindowModified()


def test_closing_with_unsaved_changes_can_save_them_as_drafts(
    qtbot: QtBot, window: MainWindow, fleet_url: str, answers: list[QMessageBox.StandardButton]
) -> None:
    view_of(window).drop_product(P("A5"), TRAIL_MIX)
    answers.append(QMessageBox.StandardButton.Save)
    window.close()
    assert stored(fleet_url, "SELECT max(version), count(*) FROM planograms WHERE device_id=1 AND cabinet_index=0") == [
        (4, 3)
    ]
    assert window.session.journal.pending() == []
    assert stored(fleet_url, "SELECT version, status FROM planograms WHERE device_id=1 AND cabinet_index=0 "
                  "ORDER BY version") == [(2, "active"), (3, "draft"), (4, "draft")]  # fmt: skip


def test_cancel_keeps_the_window_open_with_the_edits(window: MainWindow, answers: list) -> None:  # type: ignore[type-arg]
    view_of(window).drop_product(P("A5"), TRAIL_MIX)
    answers.append(QMessageBox.StandardButton.Cancel)
    window.close()
    assert window.isVisible() and window.isWindowModified()


def test_pressing_and_dragging_a_slot_with_the_mouse_moves_it(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through the mouse: offscreen QDrag.exec is a stub, so a fake one delivers the drop (ENVIRONMENT.md)."""
    import widgets.canvas.cabinet_editing as module

    view = view_of(window)
    target = view.slot_item(P("C3"))
    assert target is not None

    class FakeDrag:
        def __init__(self, _source: object) -> None:
            self.mime: QMimeData | None = None

        def setMimeData(self, mime: QMimeData) -> None:
            self.mime = mime

        def exec(self, _action: Qt.DropAction) -> Qt.DropAction:
            assert self.mime is not None
            _hover, dropped = drag_onto(view, "C3", self.mime)
            return Qt.DropAction.MoveAction if dropped else Qt.DropAction.IgnoreAction

    monkeypatch.setattr(module, "QDrag", FakeDrag)
    moving = product_at(view, "A1")
    start = view.mapFromScene(view.slot_item(P("A1")).sceneBoundingRect().center())  # type: ignore[union-attr]
    qtbot.mousePress(view.viewport(), Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(view.viewport(), start + QPoint(40, 40))
    qtbot.mouseRelease(view.viewport(), Qt.MouseButton.LeftButton, pos=start + QPoint(40, 40))
    assert (product_at(view, "A1"), product_at(view, "C3")) == (None, moving)


def test_ctrl_click_adds_slots_to_the_selection(qtbot: QtBot, window: MainWindow) -> None:
    view = view_of(window)
    for label, modifier in (("A1", Qt.KeyboardModifier.NoModifier), ("B3", Qt.KeyboardModifier.ControlModifier)):
        point = view.mapFromScene(view.slot_item(P(label)).sceneBoundingRect().center())  # type: ignore[union-attr]
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, modifier, point)
    assert view.selected_positions() == [P("A1"), P("B3")]
    assert window.inspector.title.text() == "2 slots selected"
