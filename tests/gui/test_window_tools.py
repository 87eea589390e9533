"""The window's tools: explain a slot (locally when Claude is unreachable), import a file, export, settings."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backends.fail import Keyring as NoKeyring
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot
from windows import open_trained_window

from designer.editing import move_slot
from designer.planogram_files import planogram_to_csv
from storage.simulator import build_demo_fleet
from widgets.canvas.cabinet_editing import EditableCabinetView
from widgets.dialogs.settings import SettingsDialog
from widgets.field_sheets.export_dialog import ExportDialog
from widgets.window.main_window import MainWindow


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('tools') / 'demo.sqlite'}"
    build_demo_fleet(url, devices=2, days=30, seed=5)
    return url


@pytest.fixture
def window(qtbot: QtBot, demo_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[MainWindow]:
    previous = keyring.get_keyring()
    keyring.set_keyring(NoKeyring())  # a headless box: no key, so Claude is never called
    monkeypatch.setattr(QMessageBox, "question", lambda *_a, **_k: QMessageBox.StandardButton.Discard)
    window = open_trained_window(qtbot, demo_url)
    yield window
    window.close()
    keyring.set_keyring(previous)


def view_of(window: MainWindow) -> EditableCabinetView:
    view = window.current_cabinet_view()
    assert isinstance(view, EditableCabinetView)
    return view


def test_explaining_a_slot_without_a_key_gives_the_local_explanation(qtbot: QtBot, window: MainWindow) -> None:
    view = view_of(window)
    filled = next(item.position for item in view.slot_items() if not item.is_empty)
    view.select([filled])
    with qtbot.waitSignal(window.explanations.panel.explained, timeout=10_000) as explained:
        window.explanations.explain_action.trigger()
    explanation = explained.args[0]
    assert explanation.fallback is True and explanation.text
    assert filled.label in window.explanations.panel.title.text()
    assert window.explanations.panel.text.toPlainText() == explanation.text


def test_importing_a_file_loads_it_as_one_undoable_edit(
    window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    view = view_of(window)
    editor = view.editor
    before = dict(editor.planogram.slots)
    changed = editor.planogram.__class__(editor.cabinet.device_id, editor.cabinet.index, dict(before))
    filled = [p for p, slot in before.items() if not slot.is_empty]
    empty = next(p for p in editor.cabinet.positions() if changed.slot_at(p).is_empty)
    move_slot(editor.context, changed, filled[0], empty).apply(changed)
    path = tmp_path / "layout.csv"
    path.write_text(planogram_to_csv(changed, editor.context.catalogue))
    opened = (str(path), "")
    monkeypatch.setattr("widgets.field_sheets.export_dialog.QFileDialog.getOpenFileName", lambda *_a, **_k: opened)
    window.field_sheets.import_action.trigger()
    assert editor.planogram.slot_at(empty).product_id == before[filled[0]].product_id
    assert window.undo_action.text() == "Undo Import planogram file"
    window.undo_action.trigger()
    assert editor.planogram.slots == before


def test_export_and_settings_open_their_dialogs(window: MainWindow, monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[str] = []
    monkeypatch.setattr(ExportDialog, "exec", lambda self: opened.append(f"export {self.device_id}") or 0)
    monkeypatch.setattr(SettingsDialog, "exec", lambda self: opened.append("settings") or 0)
    window.field_sheets.export_action.trigger()
    window.settings_action.trigger()
    assert opened == ["export 1", "settings"]


def test_slots_that_differ_on_a_cabinet_photo_are_outlined(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    from PySide6.QtGui import QColor, QImage

    from ai.llm.compliance import ComplianceCheck, SlotDifference
    from ai.llm.costs import CostLine
    from widgets.canvas.cabinet_view import DropHint

    photo = tmp_path / "cabinet.png"
    image = QImage(640, 480, QImage.Format.Format_RGB32)
    image.fill(QColor("#886644"))
    assert image.save(str(photo))
    with qtbot.waitSignal(window.explanations.panel.photo_checked, timeout=10_000) as checked:
        window.explanations.check_photo(str(photo))
    assert checked.args[0].checked is False  # no key here: reported as not checked, nothing outlined
    view = view_of(window)
    assert all(item.drop_hint is None for item in view.slot_items())
    seen = ComplianceCheck(True, (SlotDifference("A2", "empty", "nothing on the spiral"),), CostLine(0.0, 0.0, 20.0))
    window.explanations.panel.photo_checked.emit(seen)
    item = view.slot_item(view.slot_items()[1].position)
    assert item is not None and item.drop_hint is DropHint.REFUSE and "empty — nothing on the spiral" in item.toolTip()


def test_a_personalised_proposal_loads_into_each_cabinet_as_an_undoable_edit(window: MainWindow) -> None:
    from designer.planograms import Planogram

    view = view_of(window)
    editor = view.editor
    before = dict(editor.planogram.slots)
    proposed = Planogram(editor.cabinet.device_id, editor.cabinet.index, {})
    first = next(slot for slot in before.values() if not slot.is_empty)
    proposed.slots[first.position] = first
    window.analysis.apply_proposals(editor.cabinet.device_id, {editor.cabinet.index: proposed})
    assert editor.planogram.product_ids() == {first.product_id}
    assert window.undo_action.text() == "Undo Apply personalised planogram"
    window.undo_action.trigger()
    assert editor.planogram.slots == before


def test_forecast_par_levels_and_place_together_act_in_the_designer(qtbot: QtBot, window: MainWindow) -> None:
    view = view_of(window)
    editor = view.editor
    filled = [slot for slot in editor.planogram.filled_slots()]
    first, second = filled[0], filled[-1]
    dialog = window.analysis.show_forecast()
    assert dialog is not None and dialog.isVisible()
    window.analysis.apply_par_levels(editor.cabinet.device_id, {first.product_id: 1})
    assert editor.planogram.slot_at(first.position).par_level == 1
    affinity = window.analysis.show_affinity()
    assert affinity is not None
    affinity.view.place_together.emit([first.product_id, second.product_id])
    neighbour = first.position.moved(0, 1)
    assert editor.planogram.slot_at(neighbour).product_id == second.product_id
    dialog.close()
    affinity.close()


def test_comparing_with_the_active_planogram_predicts_and_can_be_explained(qtbot: QtBot, window: MainWindow) -> None:
    view = view_of(window)
    editor = view.editor
    filled = next(slot.position for slot in editor.planogram.filled_slots())
    view.select([filled])
    window.clear_selected_slots()
    window.analysis.compare_action.trigger()
    qtbot.waitUntil(lambda: window.analysis.comparison is not None, timeout=10_000)
    comparison = window.analysis.comparison
    qtbot.waitUntil(lambda: comparison.body is not None or comparison.error is not None, timeout=30_000)
    assert comparison.error is None
    predictions = comparison.body["predictions"]
    assert predictions["proposed"]["daily_revenue"] < predictions["baseline"]["daily_revenue"]
    assert predictions["break_even_analysis"]["implementation_cost"] > 0
    with qtbot.waitSignal(window.explanations.panel.explained, timeout=10_000) as explained:
        comparison.explain_button.click()
    assert explained.args[0].fallback is True
    comparison.close()
