"""What a device's figures rest on that CVD does not record is said above its cabinets, not only in API answers."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot
from windows import keyless_window

from tests.cvd_builder import pulled_working_copy


@pytest.fixture
def pulled_copy(tmp_path: Path) -> str:
    """A working copy pulled from a generated CVD database: CVD records each layout from its last change only."""
    return pulled_working_copy(tmp_path)


def test_a_pulled_device_says_its_layouts_are_assumed_and_which_sales_no_slot_holds(
    qtbot: QtBot, pulled_copy: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with keyless_window(qtbot, pulled_copy, monkeypatch) as window:
        notice = window.header.quality
        qtbot.waitUntil(notice.isVisible, timeout=10_000)
        lines = notice.text().splitlines()
        assert lines[0].startswith("⚠ Cabinets 0, 1 and 2: CVD records their layouts only from")
        assert "assumed to have stood since the first sale" in lines[0]
        assert "are in none of its layouts" in lines[1] and "of its revenue" in lines[1]
        assert len(lines) == 2  # one line for the three cabinets, not three

        window.device_list.select_device(17)  # empty cabinets and no sales: nothing its figures rest on
        qtbot.waitUntil(lambda: window.layout_on_screen is not None and window.layout_on_screen.device.id == 17)
        qtbot.wait(300)
        assert not notice.isVisible()


def test_the_demo_fleet_shows_no_data_quality_notice(
    qtbot: QtBot, fleet_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with keyless_window(qtbot, fleet_url, monkeypatch) as window:
        qtbot.wait(300)
        assert not window.header.quality.isVisible()
        assert window.header.quality.text() == ""
