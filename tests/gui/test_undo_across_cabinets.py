"""Through the real window: an operation on every cabinet of a device is one Ctrl+Z; Ctrl+Shift+Z brings it all back."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from designer.cabinets import zone_accepts
from designer.planograms import Planogram, Slot
from designer.positions import Position
from storage.app_context import AppContext
from widgets.app import open_main_window
from widgets.canvas.cabinet_editing import EditableCabinetView
from widgets.editing.undo import CabinetEditor
from widgets.window.main_window import MainWindow

CAFETERIA = 3  # North High Cafeteria: an ambient, a refrigerated and a frozen cabinet


@pytest.fixture
def window(qtbot: QtBot, fleet_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[MainWindow]:
    monkeypatch.setattr(QMessageBox, "question", lambda *_a, **_k: QMessageBox.StandardButton.Yes)
    window = open_main_window(AppContext.create(database=fleet_url))
    qtbot.addWidget(window)
    qtbot.waitSignal(window.layout_shown, timeout=10_000).wait()
    window.device_list.select_device(CAFETERIA)
    qtbot.waitUntil(
        lambda: window.layout_on_screen is not None and window.layout_on_screen.device.id == CAFETERIA, timeout=10_000
    )
    window.activateWindow()
    yield window
    window.session.discard_all()  # nothing left in the journal, no question on closing
    window.close()


def views(window: MainWindow) -> list[EditableCabinetView]:
    found = [window.cabinet_tabs.widget(index) for index in range(window.cabinet_tabs.count())]
    assert len(found) == 3 and all(isinstance(view, EditableCabinetView) for view in found)
    return found  # type: ignore[return-value]


def documents(window: MainWindow) -> dict[int, dict[Position, Slot]]:
    return {view.editor.cabinet.index: dict(view.editor.planogram.slots) for view in views(window)}


def painted(window: MainWindow) -> dict[int, dict[Position, Slot]]:
    """What each tab's grid shows, filled slots only: the repaint must follow every cabinet a step changed."""
    return {
        view.editor.cabinet.index: {item.position: item.slot for item in view.slot_items() if not item.is_empty}
        for view in views(window)
    }


def filled(slots: dict[int, dict[Position, Slot]]) -> dict[int, dict[Position, Slot]]:
    return {index: {p: s for p, s in cabinet.items() if not s.is_empty} for index, cabinet in slots.items()}


def proposal_for(editor: CabinetEditor) -> Planogram:
    """A proposal in the personalisation's form: products that suit the cabinet's zone in every other slot."""
    catalogue, cabinet = editor.context.catalogue, editor.cabinet
    suitable = [p.id for p in catalogue.values() if zone_accepts(cabinet.zone, p.temperature_requirement)]
    slots = {
        position: Slot(position, suitable[(number * 5 + 1) % len(suitable)], 4, 8, 6)
        for number, position in enumerate(sorted(cabinet.positions()))
        if number % 2 == 0
    }
    return Planogram(cabinet.device_id, cabinet.index, slots)


def modified_tabs(window: MainWindow) -> list[bool]:
    return [window.cabinet_tabs.tabText(index).endswith("•") for index in range(window.cabinet_tabs.count())]


def test_one_ctrl_z_takes_a_personalisation_back_from_every_cabinet(qtbot: QtBot, window: MainWindow) -> None:
    stored = documents(window)
    proposals = {view.editor.cabinet.index: proposal_for(view.editor) for view in views(window)}
    assert all(proposals[index].slots != stored[index] for index in stored)

    window.analysis.apply_proposals(CAFETERIA, proposals)
    assert documents(window) == {index: proposal.slots for index, proposal in proposals.items()}
    assert painted(window) == filled(documents(window))
    assert modified_tabs(window) == [True, True, True] and window.isWindowModified()
    assert window.undo_action.text() == "Undo Apply personalised planogram"
    assert len(window.session.journal.pending()) == 3

    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert documents(window) == stored and painted(window) == filled(stored)
    assert modified_tabs(window) == [False, False, False] and not window.isWindowModified()
    assert not window.undo_action.isEnabled() and window.redo_action.text() == "Redo Apply personalised planogram"
    assert window.session.journal.pending() == []

    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert documents(window) == {index: proposal.slots for index, proposal in proposals.items()}
    assert painted(window) == filled(documents(window)) and modified_tabs(window) == [True, True, True]


def test_forecast_par_levels_on_every_cabinet_are_one_step(window: MainWindow) -> None:
    stored = documents(window)
    levels = {slot.product_id: 1 for cabinet in stored.values() for slot in cabinet.values() if not slot.is_empty}
    window.analysis.apply_par_levels(CAFETERIA, levels)
    after = documents(window)
    assert all(slot.par_level == 1 for cabinet in after.values() for slot in cabinet.values() if not slot.is_empty)
    assert after[2] == stored[2] == {}  # the frozen cabinet has no planogram yet: nothing to set
    assert modified_tabs(window) == [True, True, False]
    assert window.statusBar().currentMessage().startswith("Par levels updated in 2 cabinet(s)")
    assert window.undo_action.text() == "Undo Set par levels"
    assert [window.undo_view.item(row).text() for row in range(window.undo_view.count())] == [
        "As stored",
        "Set par levels",
    ]
    window.undo_action.trigger()
    assert documents(window) == stored and modified_tabs(window) == [False, False, False]
    assert window.undo_view.currentRow() == 0
    window.redo_action.trigger()
    assert documents(window) == after


def test_saving_one_cabinet_makes_it_alone_clean_and_undo_past_the_save_modifies_it_again(
    qtbot: QtBot, window: MainWindow
) -> None:
    stored = documents(window)
    proposals = {view.editor.cabinet.index: proposal_for(view.editor) for view in views(window)}
    window.analysis.apply_proposals(CAFETERIA, proposals)
    frozen = views(window)[2].editor
    with qtbot.waitSignal(window.session.saved, timeout=10_000):
        window.session.save(frozen, activate=False)
    assert modified_tabs(window) == [True, True, False]
    assert [work.planogram.cabinet_index for work in window.session.journal.pending()] == [0, 1]

    window.undo_action.trigger()  # every cabinet back as stored before; the frozen one now differs from its draft
    assert documents(window) == stored and modified_tabs(window) == [False, False, True]
    assert [work.planogram.cabinet_index for work in window.session.journal.pending()] == [2]
    window.redo_action.trigger()
    assert modified_tabs(window) == [True, True, False]


def test_the_history_follows_the_device_on_screen_and_a_click_jumps_there(qtbot: QtBot, window: MainWindow) -> None:
    stored = documents(window)
    first = views(window)[0]
    one, other = [item.position for item in first.slot_items() if not item.is_empty][:2]
    assert first.drop_slot(one, other) is None
    window.analysis.apply_par_levels(CAFETERIA, {slot.product_id: 1 for slot in first.editor.planogram.filled_slots()})
    window.cabinet_tabs.setCurrentIndex(2)  # another cabinet of the same device: the same history
    assert window.undo_view.count() == 3 and window.undo_action.text().startswith("Undo Set par levels")

    window.undo_view.setCurrentRow(0)  # a click on "As stored"
    assert documents(window) == stored and window.redo_action.text().startswith("Redo Swap")
    window.undo_view.setCurrentRow(2)
    assert window.undo_action.text().startswith("Undo Set par levels")

    window.device_list.select_device(1)
    qtbot.waitUntil(
        lambda: window.layout_on_screen is not None and window.layout_on_screen.device.id == 1, timeout=10_000
    )
    assert not window.undo_action.isEnabled() and window.undo_view.count() == 1  # nothing done there yet
    window.device_list.select_device(CAFETERIA)
    qtbot.waitUntil(
        lambda: window.layout_on_screen is not None and window.layout_on_screen.device.id == CAFETERIA, timeout=10_000
    )
    assert window.undo_view.count() == 3 and window.undo_view.currentRow() == 2


def test_discarding_one_cabinet_leaves_the_others_edits_and_undo_brings_it_back(window: MainWindow) -> None:
    stored = documents(window)
    proposals = {view.editor.cabinet.index: proposal_for(view.editor) for view in views(window)}
    window.analysis.apply_proposals(CAFETERIA, proposals)
    window.cabinet_tabs.setCurrentIndex(1)
    window.discard_action.trigger()  # answered Yes
    assert documents(window)[1] == stored[1] and documents(window)[0] == proposals[0].slots
    assert modified_tabs(window) == [True, False, True]
    window.undo_action.trigger()
    assert documents(window)[1] == proposals[1].slots and modified_tabs(window) == [True, True, True]
