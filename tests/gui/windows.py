"""Opening the designer in GUI tests: the window on a database, with its first device and placement model ready."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from storage.app_context import AppContext
from widgets.app import open_main_window
from widgets.window.main_window import MainWindow


def open_trained_window(qtbot: QtBot, url: str) -> MainWindow:
    window = open_main_window(AppContext.create(database=url))
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.assistant.ready, timeout=60_000):
        qtbot.waitSignal(window.layout_shown, timeout=10_000).wait()
    return window
