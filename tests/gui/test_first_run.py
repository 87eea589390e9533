"""First run and start-up: building the demo fleet with progress and Cancel, and refusing unreadable databases."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

import widgets.app
import widgets.dialogs.first_run
from storage.app_context import AppContext
from widgets.app import run_designer
from widgets.dialogs.first_run import DemoFleetDialog, FirstRunOutcome
from widgets.window.main_window import MainWindow
from widgets.window.start_window import StartWindow


class FakeCancelled(Exception):
    """Stands in for the simulator's SimulationCancelled."""


def fake_simulator(calls: list[dict[str, object]], *, finish: threading.Event | None = None) -> Callable[..., object]:
    """A build that reports progress per device and honours should_stop, like the real simulator."""

    def build(url: str, *, progress: Callable[[int, str], None], should_stop: Callable[[], bool]) -> str:
        calls.append({"url": url})
        for device in range(1, 13):
            progress(round(100 * (device - 1) / 12), f"Simulating device {device} of 12")
            while finish is not None and not finish.is_set():
                if should_stop():
                    raise FakeCancelled("stopped")
                time.sleep(0.002)
            if device == 3 and finish is None:
                while not should_stop():
                    time.sleep(0.002)
                raise FakeCancelled("stopped")
        return "summary"

    return build


def test_the_progress_dialog_says_which_device_is_simulated(qtbot: QtBot, tmp_path: Path) -> None:
    calls: list[dict[str, object]] = []
    dialog = DemoFleetDialog(f"sqlite:///{tmp_path}/demo.sqlite", build=fake_simulator(calls))
    qtbot.addWidget(dialog)
    dialog.start()
    qtbot.waitUntil(lambda: "Simulating device 3 of 12" in dialog.labelText(), timeout=5_000)
    assert dialog.labelText().startswith("Building the demo fleet…")
    assert dialog.value() == 17
    with qtbot.waitSignal(dialog.finished, timeout=5_000):
        dialog.cancel_button.click()
    assert dialog.result_ is not None and dialog.result_.outcome is FirstRunOutcome.CANCELLED


def test_cancelling_stops_the_build_and_says_nothing_was_written(qtbot: QtBot, tmp_path: Path) -> None:
    calls: list[dict[str, object]] = []
    finish = threading.Event()
    dialog = DemoFleetDialog(f"sqlite:///{tmp_path}/demo.sqlite", build=fake_simulator(calls, finish=finish))
    qtbot.addWidget(dialog)
    dialog.start()
    qtbot.waitUntil(lambda: bool(calls), timeout=5_000)
    with qtbot.waitSignal(dialog.finished, timeout=5_000):
        dialog.reject()  # Escape, or the Cancel button
        assert "Stopping" in dialog.labelText()
        assert not dialog.cancel_button.isEnabled()
    assert dialog.result_ is not None
    assert dialog.result_.outcome is FirstRunOutcome.CANCELLED
    assert "nothing was written" in dialog.result_.message


def test_a_finished_build_closes_the_dialog(qtbot: QtBot, tmp_path: Path) -> None:
    finish = threading.Event()
    finish.set()
    dialog = DemoFleetDialog(f"sqlite:///{tmp_path}/demo.sqlite", build=fake_simulator([], finish=finish))
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.finished, timeout=5_000):
        dialog.start()
    assert dialog.result_ is not None and dialog.result_.outcome is FirstRunOutcome.BUILT
    assert dialog.value() == 100


def test_a_failed_build_is_reported(qtbot: QtBot, tmp_path: Path) -> None:
    def broken(_url: str, **_options: object) -> None:
        raise OSError("disk full")

    dialog = DemoFleetDialog(f"sqlite:///{tmp_path}/demo.sqlite", build=broken)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.finished, timeout=5_000):
        dialog.start()
    assert dialog.result_ is not None
    assert dialog.result_.outcome is FirstRunOutcome.FAILED
    assert "disk full" in dialog.result_.message


def test_cancelling_the_first_run_quits_with_a_message(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(widgets.dialogs.first_run, "build_demo_fleet", fake_simulator([], finish=threading.Event()))
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda _parent, _title, text, *_: shown.append(text))

    def press_cancel() -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, DemoFleetDialog):
            dialog.cancel_button.click()
        else:
            QTimer.singleShot(20, press_cancel)

    QTimer.singleShot(50, press_cancel)
    assert run_designer(AppContext.create(database=f"sqlite:///{tmp_path}/demo.sqlite"), build_demo=True) == 1
    assert shown and "nothing was written" in shown[0]
    assert not (tmp_path / "demo.sqlite").exists()


def test_an_unreadable_database_at_start_gives_a_message_and_its_status(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    garbage = tmp_path / "broken.sqlite"
    garbage.write_bytes(bytes(range(256)) * 64)
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda _parent, title, text, *_: shown.append((title, text)))
    assert run_designer(AppContext.create(database=f"sqlite:///{garbage}"), build_demo=False) == 11  # NOT_A_DATABASE
    assert shown[0][0] == "Cannot open database"
    assert "broken.sqlite is not a readable database" in shown[0][1]


def test_the_designer_opens_on_a_database_and_quits_cleanly(qtbot: QtBot, fleet_url: str) -> None:
    seen: list[str] = []

    def close_when_shown() -> None:
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        if windows and windows[0].layout_on_screen is not None:
            seen.append(windows[0].shown_title())
            windows[0].quit_action.trigger()
        else:
            QTimer.singleShot(20, close_when_shown)

    guard = QTimer()  # never hang the suite
    guard.setSingleShot(True)
    guard.timeout.connect(QApplication.quit)
    guard.start(20_000)
    QTimer.singleShot(20, close_when_shown)
    try:
        assert run_designer(AppContext.create(database=fleet_url), build_demo=False) == 0
    finally:
        guard.stop()
    assert seen == ["t.sqlite (unprotected) — Planogram Studio"]
    assert QApplication.applicationName() == "Planogram Studio"
    assert QApplication.organizationName() == "Planogram Studio"


def visible(kind: type) -> list:  # type: ignore[type-arg]
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()]


def test_the_designer_frame_shows_while_the_database_opens_and_the_designer_takes_its_place(
    qtbot: QtBot, fleet_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The screen is never blank: the frame says what is opening; the designer opens where the person put it."""
    opened = threading.Event()
    monkeypatch.setattr(widgets.app, "load_window_modules", lambda: opened.wait(10))
    seen: dict[str, object] = {}

    def watch() -> None:
        starts, mains = visible(StartWindow), visible(MainWindow)
        if starts and not mains and "frame" not in seen:
            seen["frame"] = starts[0].message.text()
            starts[0].setGeometry(37, 41, 1100, 760)  # moved and resized while the designer opens
            opened.set()
        if mains and mains[0].layout_on_screen is not None:
            seen["geometry"] = mains[0].geometry().getRect()
            seen["frames left"] = len(visible(StartWindow))
            mains[0].quit_action.trigger()
            return
        QTimer.singleShot(10, watch)

    QTimer.singleShot(0, watch)
    assert run_designer(AppContext.create(database=fleet_url), build_demo=False) == 0
    assert seen["frame"] == "Opening the database…"
    assert seen["geometry"] == (37, 41, 1100, 760)
    assert seen["frames left"] == 0


def test_closing_the_frame_while_the_database_opens_quits_without_a_designer(
    qtbot: QtBot, fleet_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened = threading.Event()
    monkeypatch.setattr(widgets.app, "load_window_modules", lambda: opened.wait(10))

    def close_the_frame() -> None:
        starts = visible(StartWindow)
        if not starts:
            QTimer.singleShot(10, close_the_frame)
            return
        starts[0].close()
        opened.set()

    QTimer.singleShot(0, close_the_frame)
    assert run_designer(AppContext.create(database=fleet_url), build_demo=False) == 1
    assert visible(MainWindow) == []


def test_the_installed_qt_bindings_keep_their_references_to_none() -> None:
    """PySide6 6.12.0 on Python 3.11 drops a reference to None per void call and aborts the app within
    minutes; pyproject.toml excludes it. This fails loudly if such a build is installed again."""
    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(1_000):
        probe.setObjectName("probe")
    assert sys.getrefcount(None) >= before, "these PySide6 bindings leak references to None: pin PySide6 < 6.12"
