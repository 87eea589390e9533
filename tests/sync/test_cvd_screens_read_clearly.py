"""A CVD working copy as a merchandiser sees it: margins CVD cannot know shown as unknown, deleted devices
marked whole, stock above capacity warned about, and a wide cabinet fitted so its slots can be read."""

from __future__ import annotations

import os
from collections.abc import Iterator

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path

import keyring
import pytest
from keyring.backends.fail import Keyring as NoKeyring
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QMessageBox, QStyleOptionViewItem
from pytestqt.qtbot import QtBot

from storage.app_context import AppContext
from storage.cvd.sync import sync
from widgets.app import open_main_window
from widgets.canvas.cabinet_editing import EditableCabinetView
from widgets.canvas.cabinet_view import name_font
from widgets.panels.device_list import DeviceTableModel
from widgets.panels.palette import MARGIN_UNKNOWN
from widgets.window.main_window import MainWindow


@pytest.fixture
def window(qtbot: QtBot, cvd_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[MainWindow]:
    working = f"sqlite:///{tmp_path / 'working.sqlite'}"
    sync(str(cvd_file), working)
    previous = keyring.get_keyring()
    keyring.set_keyring(NoKeyring())
    monkeypatch.setattr(QMessageBox, "question", lambda *_a, **_k: QMessageBox.StandardButton.Discard)
    window = open_main_window(AppContext.create(database=working, login="manager2"))
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.current_editable_view() is not None, timeout=20_000)
    qtbot.waitExposed(window)
    yield window
    window.close()
    keyring.set_keyring(previous)


def test_margins_cvd_cannot_know_show_as_unknown_and_say_why(window: MainWindow) -> None:
    palette = window.palette
    model = palette.table.model()
    margins = {model.index(row, 2).data() for row in range(model.rowCount())}
    prices = {model.index(row, 1).data() for row in range(model.rowCount())}
    assert margins == {"—"} and prices != {"—"}, "CVD keeps no unit cost: no margin equal to the price"
    assert model.index(0, 2).data(Qt.ItemDataRole.ToolTipRole) == MARGIN_UNKNOWN
    assert "unit cost not recorded" in model.index(0, 0).data(Qt.ItemDataRole.ToolTipRole)
    assert "no unit costs recorded" in palette.count.text()
    assert "no unit cost" in model.headerData(2, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)


def test_a_device_deleted_in_cvd_says_so_without_being_cut_off(window: MainWindow) -> None:
    devices = window.device_list
    table, proxy = devices.table, devices.proxy
    row = next(r for r in range(proxy.rowCount()) if proxy.index(r, 0).data(DeviceTableModel.REMOVED_ROLE))
    name_index, location_index = proxy.index(row, 0), proxy.index(row, 2)
    shown = QStyleOptionViewItem()
    devices.name_delegate.initStyleOption(shown, name_index)
    assert shown.text == name_index.data(DeviceTableModel.NAME_ROLE), "the name cell holds the name alone"
    note = location_index.data()
    assert note == "deleted in CVD"
    font = location_index.data(Qt.ItemDataRole.FontRole)
    needed = QFontMetrics(font).horizontalAdvance(note) + 2 * table.style().pixelMetric(
        table.style().PixelMetric.PM_FocusFrameHMargin
    )
    assert table.visualRect(location_index).width() >= needed, "'deleted in CVD' reads whole"


def test_stock_above_capacity_is_marked_on_the_slot_and_in_the_inspector(qtbot: QtBot, window: MainWindow) -> None:
    view = window.current_editable_view()
    assert view is not None
    over = [item for item in view.slot_items() if not item.is_empty and item.slot.quantity > item.slot.capacity]
    assert over, "the showcase cooler holds stock above capacity (row D)"
    item = over[0]
    assert item.text is not None and item.text.over_capacity and item.text.stock.startswith("⚠")
    assert f"quantity {item.slot.quantity} is more than the capacity {item.slot.capacity}" in item.toolTip()
    fine = next(i for i in view.slot_items() if not i.is_empty and i.slot.quantity <= i.slot.capacity)
    assert fine.text is not None and not fine.text.over_capacity

    view.select([item.position])
    warning = window.inspector.stock_warning
    assert warning.isVisibleTo(window.inspector)
    assert f"more than the capacity {item.slot.capacity}" in warning.text() and "raise the capacity" in warning.text()
    view.select([fine.position])
    assert not warning.isVisibleTo(window.inspector)


def test_a_wide_cabinet_fills_the_view_with_readable_slots(qtbot: QtBot, window: MainWindow) -> None:
    tabs = window.cabinet_tabs
    widest = max(range(tabs.count()), key=lambda i: tabs.widget(i).editor.cabinet.columns)
    tabs.setCurrentIndex(widest)
    view = tabs.widget(widest)
    assert isinstance(view, EditableCabinetView) and view.editor.cabinet.columns >= 8
    qtbot.waitExposed(view)
    view.fit_to_window()
    scene = view.scene().sceneRect()
    whole = min(view.viewport().width() / scene.width(), view.viewport().height() / scene.height())
    assert whole * name_font().pixelSize() < 7, "the whole cabinet at once would print names under 7 pixels"

    assert view.zoom * name_font().pixelSize() >= 9, "product names read at 9 pixels or more"
    shown = view.mapFromScene(scene).boundingRect()
    assert shown.height() >= 0.6 * view.viewport().height(), "the grid uses the view's height"
    first = view.mapFromScene(view.slot_items()[0].sceneBoundingRect()).boundingRect()
    assert view.viewport().rect().contains(first), "it starts from the first column"
    assert view.horizontalScrollBar().maximum() > 0, "the other columns are a sideways scroll away"
