"""The device list on its own: typing narrows it at once, and only the user's pick changes the device shown."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from storage.fleet import DeviceSummary
from widgets.panels.device_list import DeviceList

LOCATION_TYPES = ["office", "school", "gym", "hospital"]


def fleet(count: int) -> list[DeviceSummary]:
    return [
        DeviceSummary(
            id=number,
            name=f"Machine {number:04d}",
            asset_number=f"VM-{number:04d}",
            location_type=LOCATION_TYPES[number % len(LOCATION_TYPES)],
            location_name=f"Site {number % 37}",
            cabinet_count=1 + number % 3,
        )
        for number in range(1, count + 1)
    ]


@pytest.fixture
def device_list(qtbot: QtBot) -> DeviceList:
    widget = DeviceList()
    qtbot.addWidget(widget)
    widget.set_devices(fleet(1000), sorted(LOCATION_TYPES))
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_a_thousand_devices_narrow_as_the_user_types(qtbot: QtBot, device_list: DeviceList) -> None:
    assert device_list.count_label.text() == "1000 devices"
    qtbot.keyClicks(device_list.filter_edit, "machine 07")
    assert device_list.visible_device_ids() == list(range(700, 800))
    assert device_list.count_label.text() == "Showing 100 of 1000 devices"
    device_list.filter_edit.setText("site 36")  # matches the location name
    assert all(device_id % 37 == 36 for device_id in device_list.visible_device_ids())


def test_the_location_type_and_the_text_combine(device_list: DeviceList) -> None:
    combo = device_list.location_type_combo
    combo.setCurrentIndex(combo.findData("gym"))
    assert len(device_list.visible_device_ids()) == 250
    device_list.filter_edit.setText("VM-001")
    assert device_list.visible_device_ids() == [10, 14, 18]
    combo.setCurrentIndex(0)
    assert combo.currentText() == "All location types"
    assert device_list.visible_device_ids() == list(range(10, 20))


def test_ctrl_l_focuses_the_filter(qtbot: QtBot, device_list: DeviceList) -> None:
    device_list.activateWindow()
    device_list.table.setFocus()
    QTest.keyClick(device_list.table, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(device_list.filter_edit.hasFocus, timeout=2_000)
    assert device_list.filter_edit.placeholderText() == "Filter devices by name, asset or location (Ctrl+L)"


def test_choosing_a_device_tells_the_window_once(qtbot: QtBot, device_list: DeviceList) -> None:
    with qtbot.waitSignal(device_list.device_selected) as blocker:
        assert device_list.select_device(42)
    assert blocker.args == [42]
    with qtbot.assertNotEmitted(device_list.device_selected):
        device_list.select_device(42)
        device_list.filter_edit.setText("machine 09")  # hides device 42
        device_list.filter_edit.clear()
    assert device_list.selected_device_id() == 42
    assert device_list.table.selectionModel().currentIndex().row() == 41


def test_sorting_by_cabinets_keeps_the_chosen_device(qtbot: QtBot, device_list: DeviceList) -> None:
    device_list.select_device(5)
    with qtbot.assertNotEmitted(device_list.device_selected):
        device_list.table.sortByColumn(3, Qt.SortOrder.DescendingOrder)
    assert device_list.selected_device_id() == 5
    first = device_list.visible_device_ids()[0]
    assert fleet(1000)[first - 1].cabinet_count == 3


def test_a_device_deleted_in_cvd_is_listed_muted_with_the_reason(qtbot: QtBot) -> None:
    import dataclasses

    from widgets import style

    widget = DeviceList()
    qtbot.addWidget(widget)
    devices = fleet(3)
    devices[1] = dataclasses.replace(devices[1], removed=True)
    widget.set_devices(devices, sorted(LOCATION_TYPES))
    model = widget.table.model()
    names = [model.index(row, 0).data() for row in range(3)]
    assert names[1] == "Machine 0002 (deleted in CVD)" and "deleted" not in names[0]
    assert model.index(1, 0).data(Qt.ItemDataRole.ForegroundRole) == style.MUTED_TEXT
    assert "read-only" in model.index(1, 0).data(Qt.ItemDataRole.ToolTipRole)
