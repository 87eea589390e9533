"""Windows as a laptop user meets them: Compare fits the screen and closes with Close or Esc, the View menu
brings panels back, Settings shows every column of its models table, and the title names the app once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QTabWidget
from pytestqt.qtbot import QtBot
from windows import keyless_window, small_demo_fleet

from widgets.app import application
from widgets.dialogs.settings import COLUMNS, SettingsDialog
from widgets.window.main_window import APP_TITLE, MainWindow


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return small_demo_fleet(tmp_path_factory, "windows")


@pytest.fixture
def window(qtbot: QtBot, demo_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[MainWindow]:
    with keyless_window(qtbot, demo_url, monkeypatch) as window:
        yield window


@pytest.mark.parametrize("close", ["Close button", "Esc"])
def test_compare_fits_the_screen_and_closes_with_its_button_or_esc(
    qtbot: QtBot, window: MainWindow, close: str
) -> None:
    window.analysis.compare_action.trigger()
    qtbot.waitUntil(lambda: window.analysis.comparison is not None, timeout=10_000)
    comparison = window.analysis.comparison
    qtbot.waitExposed(comparison)
    area = comparison.screen().availableGeometry()
    assert area.height() < 980, "the offscreen screen is smaller than the window's preferred size"
    assert area.contains(comparison.frameGeometry()), (area, comparison.frameGeometry())
    assert not comparison.close_button.visibleRegion().isEmpty(), "Close is on screen"
    qtbot.waitUntil(lambda: comparison.body is not None or comparison.error is not None, timeout=30_000)
    closed: list[bool] = []
    comparison.destroyed.connect(lambda _object=None: closed.append(True))
    if close == "Esc":
        qtbot.keyClick(comparison, Qt.Key.Key_Escape)
    else:
        qtbot.mouseClick(comparison.close_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(closed), timeout=5_000)


def test_the_view_menu_hides_and_shows_every_panel(qtbot: QtBot, window: MainWindow) -> None:
    docks = [window.palette_dock, window.inspector_dock, window.score_dock, window.history_dock,
             window.explanations.dock]  # fmt: skip
    toggles = {action.text(): action for action in window.view_menu.actions() if action.isCheckable()}
    for dock in docks:
        toggle = toggles[dock.windowTitle()]
        assert toggle.isEnabled(), f"{dock.windowTitle()} can be toggled from the View menu"
        dock.show()
        toggle.trigger()
        assert dock.isHidden() and not toggle.isChecked()
        toggle.trigger()
        assert not dock.isHidden() and toggle.isChecked()


def test_the_title_names_the_app_once(window: MainWindow) -> None:
    application()  # the names the designer runs with
    title = window.shown_title()
    assert title == "demo.sqlite (unprotected) — Planogram Studio"  # the demo has no passwords
    # Qt appends the display name to a title unless it already ends with it: it then shows no second copy
    assert title.endswith(QGuiApplication.applicationDisplayName()) and title.count(APP_TITLE) == 1


def test_settings_shows_every_column_of_the_models_table(qtbot: QtBot, window: MainWindow) -> None:
    claude = window.explanations.claude
    dialog = SettingsDialog(window.context.settings, window.context.keys, claude.test_key, parent=window)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.findChild(QTabWidget).setCurrentIndex(1)
    qtbot.waitExposed(dialog)
    table = dialog.models
    qtbot.waitUntil(lambda: table.isVisible())
    assert table.horizontalScrollBar().maximum() == 0, "no column hides behind a scrollbar"
    last = len(COLUMNS) - 1
    right_edge = table.columnViewportPosition(last) + table.columnWidth(last)
    assert right_edge <= table.viewport().width()
    box = table.cellWidget(0, last)
    assert box.width() >= box.sizeHint().width(), "the answer format reads whole"
    dialog.close()
