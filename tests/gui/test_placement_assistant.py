"""While dragging, the cabinet shows where the product sells best; Fill proposes products for empty slots."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox
from pytestqt.qtbot import QtBot
from windows import open_trained_window

from designer.cabinets import zone_accepts
from designer.editing import clear_slots
from designer.positions import Position
from storage.schema import prepare_database
from storage.simulator import build_demo_fleet
from widgets.canvas.cabinet_editing import EditableCabinetView
from widgets.canvas.mime import product_mime
from widgets.placement.fill_preview import FillPreviewDialog
from widgets.window.main_window import MainWindow


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('assistant') / 'demo.sqlite'}"
    build_demo_fleet(url, devices=3, days=45, seed=11)
    return url


@pytest.fixture
def window(qtbot: QtBot, demo_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[MainWindow]:
    monkeypatch.setattr(QMessageBox, "question", lambda *_a, **_k: QMessageBox.StandardButton.Discard)
    window = open_trained_window(qtbot, demo_url)
    yield window
    window.close()


def view_of(window: MainWindow) -> EditableCabinetView:
    view = window.current_cabinet_view()
    assert isinstance(view, EditableCabinetView)
    return view


def hover(view: EditableCabinetView, position: Position, mime) -> QPointF:  # type: ignore[no-untyped-def]
    item = view.slot_item(position)
    assert item is not None
    point = view.mapFromScene(item.sceneBoundingRect().center())
    actions, buttons = Qt.DropAction.CopyAction | Qt.DropAction.MoveAction, Qt.MouseButton.LeftButton
    QApplication.sendEvent(
        view.viewport(), QDragEnterEvent(point, actions, mime, buttons, Qt.KeyboardModifier.NoModifier)
    )
    QApplication.sendEvent(
        view.viewport(), QDragMoveEvent(point, actions, mime, buttons, Qt.KeyboardModifier.NoModifier)
    )
    return QPointF(point)


def test_dragging_a_product_shows_its_heat_map_and_the_hovered_slots_score(qtbot: QtBot, window: MainWindow) -> None:
    view = view_of(window)
    cabinet = view.editor.cabinet
    product = next(p for p in window.catalogue.values() if zone_accepts(cabinet.zone, p.temperature_requirement))
    mime = product_mime(product.id, product.name)
    with (
        qtbot.waitSignal(window.assistant.heat_map_shown, timeout=5_000) as shown,
        qtbot.waitSignal(window.assistant.analysis_shown, timeout=5_000) as analysed,
    ):
        point = hover(view, Position(1, 1), mime)
    grid = shown.args[0]
    assert grid.scores.shape == (cabinet.rows, cabinet.columns) and grid.scores.max() == pytest.approx(100)
    assert view.heat_layer.isVisible() and len(view.heat_layer.best) == 3
    analysis = analysed.args[0]
    assert analysis.position == Position(1, 1)
    assert analysis.placement_score == pytest.approx(float(grid.scores[1, 1]))
    assert window.score_panel.score.text() == f"{analysis.placement_score:.0f}"
    assert product.name in window.score_panel.headline.text()
    drop = QDropEvent(point, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(view.viewport(), drop)
    assert not view.heat_layer.isVisible()
    assert view.slot_item(Position(1, 1)).slot.product_id == product.id  # type: ignore[union-attr]


def test_fill_proposes_a_different_suitable_product_for_every_empty_slot(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    view = view_of(window)
    editor = view.editor
    assert editor.attempt(lambda c, p: clear_slots(c, p, list(editor.cabinet.positions()))) is None
    monkeypatch.setattr(FillPreviewDialog, "exec", lambda self: QDialog.DialogCode.Accepted)
    with qtbot.waitSignal(editor.edited, timeout=10_000):
        window.fill_empty_slots()
    products = [item.slot.product_id for item in view.slot_items()]
    assert None not in products
    assert len(set(products)) == len(products)  # the demo catalogue has enough products for one cabinet
    assert all(zone_accepts(editor.cabinet.zone, window.catalogue[p].temperature_requirement) for p in products)
    assert window.fill_preview.view.slot_items()[0].slot.product_id == products[0]
    assert window.undo_action.text().startswith("Undo Fill")
    window.undo_action.trigger()
    assert all(item.is_empty for item in view.slot_items())


def test_history_overlays_colour_slots_by_what_they_sold_and_are_kept(qtbot: QtBot, window: MainWindow,
                                                                      demo_url: str) -> None:  # fmt: skip
    from sqlalchemy import text

    from widgets.canvas.history_overlay import Overlay

    view = view_of(window)
    with qtbot.waitSignal(window.history.shown, timeout=10_000):
        window.overlay_actions[Overlay.REVENUE].trigger()
    layer = view.heat_layer
    assert layer.isVisible() and layer.scores is not None and layer.scores.max() == pytest.approx(100)
    best = np.unravel_index(int(np.argmax(layer.scores)), layer.scores.shape)
    assert layer.labels[Position(int(best[0]), int(best[1]))].startswith("$")
    engine = prepare_database(demo_url)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT count(*), sum(daily_units) FROM planogram_performance")).one()
    engine.dispose()
    assert rows[0] > 0 and rows[1] > 0
    with qtbot.waitSignal(window.history.shown, timeout=10_000):
        window.overlay_actions[Overlay.NONE].trigger()
    assert not layer.isVisible()


def test_activating_a_planogram_refreshes_the_placement_model(qtbot: QtBot, window: MainWindow) -> None:
    view = view_of(window)
    before = window.assistant.scorer
    first = next(item.position for item in view.slot_items() if not item.is_empty)
    view.select([first])
    window.clear_selected_slots()
    with qtbot.waitSignal(window.assistant.ready, timeout=60_000):
        window.activate_action.trigger()
    assert window.assistant.scorer is not None and window.assistant.scorer is not before
    assert window.assistant.scorer.model.model_version != before.model.model_version  # type: ignore[union-attr]
