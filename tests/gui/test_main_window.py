"""The main window as a merchandiser meets it: pick a device, see its cabinets and what stands in them."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fixture_fleet import PRODUCTS, active_slots, build_fixture_fleet
from PySide6.QtCore import Qt, QThreadPool
from PySide6.QtWidgets import QFileDialog, QMessageBox
from pytestqt.qtbot import QtBot

from designer.positions import Position
from storage.app_context import AppContext
from widgets.app import open_main_window
from widgets.window.main_window import DEFAULT_SIZE, MainWindow
from widgets.workers import JobState

PRODUCT_NAMES = {product_id: name for product_id, name, *_ in PRODUCTS}


def open_window(qtbot: QtBot, url: str) -> MainWindow:
    window = open_main_window(AppContext.create(database=url))
    qtbot.addWidget(window)
    qtbot.waitSignal(window.layout_shown, timeout=10_000).wait()
    return window


@pytest.fixture
def window(qtbot: QtBot, fleet_url: str) -> Iterator[MainWindow]:
    window = open_window(qtbot, fleet_url)
    yield window
    window.close()


def choose(qtbot: QtBot, window: MainWindow, device_id: int) -> None:
    """Click the device's row in the list, as the user does, and wait for its cabinets."""
    list_ = window.device_list
    row = list_.model.row_of(device_id)
    assert row is not None
    index = list_.proxy.mapFromSource(list_.model.index(row, 0))
    with qtbot.waitSignal(window.layout_shown, timeout=10_000):
        qtbot.mouseClick(list_.table.viewport(), Qt.MouseButton.LeftButton, pos=list_.table.visualRect(index).center())


def test_the_window_shows_device_1_products(window: MainWindow) -> None:
    expected = {PRODUCT_NAMES[slot.product_id] for slot in active_slots(1, 0) if slot.product_id is not None}
    view = window.cabinet_views()[0]
    shown = {item.product.name for item in view.slot_items() if item.product is not None}
    assert shown == expected
    assert "Draft Only Granola" not in shown  # drafts are not what the machine runs
    assert window.device_list.selected_device_id() == 1
    assert window.header.title.text() == "Lobby Snack Tower"
    assert "VM-1001" in window.header.details.text()
    assert "Harbour Point offices, lobby" in window.header.details.text()


def test_the_window_names_the_database_and_counts_the_devices(window: MainWindow, fleet_url: str) -> None:
    assert window.shown_title() == "t.sqlite (unprotected) — Planogram Studio"
    assert fleet_url.removeprefix("sqlite:///") in window.database_label.text()
    assert window.device_count_label.text() == "5 devices"
    assert (window.width(), window.height()) == DEFAULT_SIZE


def test_device_1_cabinets_are_tabs_named_by_index_zone_and_size(window: MainWindow) -> None:
    assert window.tab_texts() == ["Cabinet 0 · ambient · 5×6", "Cabinet 1 · refrigerated · 4×5"]


def test_selecting_another_device_shows_its_cabinets_as_tabs(qtbot: QtBot, window: MainWindow) -> None:
    choose(qtbot, window, 3)
    assert window.header.title.text() == "North High Cafeteria"
    assert window.tab_texts() == [
        "Cabinet 0 · ambient · 4×5",
        "Cabinet 1 · refrigerated · 3×5",
        "Cabinet 2 · frozen · 2×4",
    ]
    banners = [view.banner.title for view in window.cabinet_views() if view.banner is not None]
    assert banners == ["AMBIENT", "REFRIGERATED", "FROZEN"]
    frozen = window.cabinet_views()[2]
    assert len(frozen.slot_items()) == 8
    assert all(item.is_empty for item in frozen.slot_items())  # that cabinet has no active planogram


def test_empty_slots_are_shown_as_empty(window: MainWindow) -> None:
    view = window.cabinet_views()[0]
    empty = {item.position.label for item in view.slot_items() if item.is_empty}
    assert empty == {"A5", "C3", "D2", "E6"}  # D2 is stored with a null product, the others are absent
    c3 = view.slot_item(Position.parse("C3"))
    assert c3 is not None
    assert c3.text is None
    assert c3.toolTip() == "C3 (selection 33) — empty slot"  # the keypad still reaches an empty slot
    a1 = view.slot_item(Position.parse("A1"))
    assert a1 is not None and a1.text is not None
    assert a1.text.price.startswith("$")


def test_the_latest_device_choice_wins(qtbot: QtBot, window: MainWindow) -> None:
    shown: list[int] = []
    window.layout_shown.connect(shown.append)
    window.device_list.select_device(2)
    with qtbot.waitSignal(window.layout_shown, timeout=10_000):
        window.device_list.select_device(3)
    QThreadPool.globalInstance().waitForDone(5_000)
    qtbot.wait(50)
    assert shown == [3]
    assert window.layout_on_screen is not None and window.layout_on_screen.device.id == 3


def test_a_device_without_cabinets_says_so(qtbot: QtBot, window: MainWindow) -> None:
    choose(qtbot, window, 5)
    assert window.cabinet_views() == []
    assert window.cabinet_area.currentWidget() is window.notice
    assert "has no cabinets" in window.notice.text()


def test_filtering_the_device_list_by_name(qtbot: QtBot, window: MainWindow) -> None:
    qtbot.keyClicks(window.device_list.filter_edit, "riverside")
    assert window.device_list.visible_device_ids() == [2]
    window.device_list.filter_edit.clear()
    qtbot.keyClicks(window.device_list.filter_edit, "vm-1004")  # asset numbers, any case
    assert window.device_list.visible_device_ids() == [4]
    window.device_list.filter_edit.clear()
    assert window.device_list.visible_device_ids() == [1, 2, 3, 4, 5]


def test_filtering_the_device_list_by_location_type(window: MainWindow) -> None:
    combo = window.device_list.location_type_combo
    assert [combo.itemText(i) for i in range(combo.count())] == [
        "All location types",
        "Gym",
        "Hospital",
        "Office",
        "School",
    ]
    combo.setCurrentIndex(combo.findData("office"))
    assert window.device_list.visible_device_ids() == [1, 5]
    window.device_list.filter_edit.setText("depot")
    assert window.device_list.visible_device_ids() == [5]
    assert window.device_list.count_label.text() == "Showing 1 of 5 devices"


def test_filtering_does_not_switch_the_device_on_screen(qtbot: QtBot, window: MainWindow) -> None:
    with qtbot.assertNotEmitted(window.device_list.device_selected, wait=100):
        window.device_list.filter_edit.setText("gym")
        window.device_list.filter_edit.clear()
    assert window.header.title.text() == "Lobby Snack Tower"
    assert window.device_list.table.selectionModel().currentIndex().row() == 0


def test_an_unreadable_database_gives_a_message_and_keeps_the_current_one(
    qtbot: QtBot, window: MainWindow, fleet_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(b"this is not a database, just some bytes \x00\xff" * 200)
    warnings: list[tuple[str, str]] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, title, text, *_: warnings.append((title, text)))
    window.open_database(f"sqlite:///{garbage}")
    qtbot.waitUntil(lambda: bool(warnings), timeout=10_000)
    title, text = warnings[0]
    assert title == "Cannot open database"
    assert "garbage.sqlite" in text and "not a readable database" in text
    assert window.database_url == fleet_url
    assert window.shown_title() == "t.sqlite (unprotected) — Planogram Studio"
    assert window.device_count_label.text() == "5 devices"
    assert window.header.title.text() == "Lobby Snack Tower"


def test_file_open_switches_to_the_chosen_database(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = tmp_path / "other" / "depot.db"
    other.parent.mkdir()
    build_fixture_fleet(f"sqlite:///{other}")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *_args, **_kwargs: (str(other), ""))
    with qtbot.waitSignal(window.database_opened, timeout=10_000):
        window.open_action.trigger()
    qtbot.waitSignal(window.layout_shown, timeout=10_000).wait()
    assert window.shown_title() == "depot.db (unprotected) — Planogram Studio"
    assert "depot.db" in window.database_label.text()
    assert window.device_list.selected_device_id() == 1


def test_the_view_menu_zooms_and_fits_the_cabinet(qtbot: QtBot, window: MainWindow) -> None:
    view = window.current_cabinet_view()
    assert view is not None
    qtbot.waitExposed(window)
    fitted = view.zoom
    window.zoom_in_action.trigger()
    assert view.zoom == pytest.approx(fitted * 1.25)
    window.zoom_out_action.trigger()
    window.zoom_out_action.trigger()
    assert view.zoom == pytest.approx(fitted / 1.25)
    window.fit_action.trigger()
    assert view.zoom == pytest.approx(fitted)


def test_closing_the_window_stops_and_waits_for_its_workers(qtbot: QtBot, window: MainWindow) -> None:
    started = threading.Event()
    seen_stop: list[bool] = []

    def slow(state: JobState) -> None:
        started.set()
        while not state.should_stop():
            time.sleep(0.001)
        seen_stop.append(True)

    window.jobs.start("slow", slow, on_success=lambda _result: pytest.fail("a closed window got a result"))
    assert started.wait(5)
    window.close()
    assert QThreadPool.globalInstance().activeThreadCount() == 0
    assert seen_stop == [True]
    qtbot.wait(50)  # a stale delivery, if any, would arrive now and fail the test


def test_once_the_model_is_loaded_the_app_keeps_long_lived_objects_out_of_full_gc_passes(
    qtbot: QtBot, fleet_url: str
) -> None:
    import gc

    from widgets.app import keep_long_lived_objects_out_of_gc, open_main_window

    window = open_main_window(AppContext.create(database=fleet_url))
    qtbot.addWidget(window)
    keep_long_lived_objects_out_of_gc(window)
    try:
        with qtbot.waitSignal(window.assistant.ready, timeout=60_000):
            pass
        assert gc.get_freeze_count() > 10_000  # modules, the model, the catalogue: no longer scanned
    finally:
        gc.unfreeze()  # the rest of the test session collects as usual
