"""Opening the designer in GUI tests: the window on a database, with its first device and placement model ready."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import keyring
import pytest
from keyring.backends.fail import Keyring as NoKeyring
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from storage.app_context import AppContext
from storage.simulator import build_demo_fleet
from widgets.app import open_main_window
from widgets.window.main_window import MainWindow


def open_trained_window(qtbot: QtBot, url: str) -> MainWindow:
    window = open_main_window(AppContext.create(database=url))
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.assistant.ready, timeout=60_000):
        qtbot.waitSignal(window.layout_shown, timeout=10_000).wait()
    return window


def small_demo_fleet(tmp_path_factory: pytest.TempPathFactory, name: str) -> str:
    """Two simulated devices over 30 days: enough sales for the models, quick to build."""
    url = f"sqlite:///{tmp_path_factory.mktemp(name) / 'demo.sqlite'}"
    build_demo_fleet(url, devices=2, days=30, seed=5)
    return url


@contextmanager
def keyless_window(qtbot: QtBot, url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[MainWindow]:
    """The trained designer on a headless box with no key (Claude is never called); unsaved edits are discarded
    on closing."""
    previous = keyring.get_keyring()
    keyring.set_keyring(NoKeyring())
    monkeypatch.setattr(QMessageBox, "question", lambda *_a, **_k: QMessageBox.StandardButton.Discard)
    try:
        window = open_trained_window(qtbot, url)
        yield window
        window.close()
    finally:
        keyring.set_keyring(previous)
