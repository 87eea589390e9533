"""Killing the app (kill -9) a second after the last edit loses none: the next start offers them back exactly."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from designer.planograms import planogram_to_dict
from storage.app_context import AppContext
from widgets.app import open_main_window

HERE = Path(__file__).resolve().parent


def edit_then_kill(fleet_url: str, tmp_path: Path) -> dict:  # type: ignore[type-arg]
    """A real designer process makes three edits and is killed with SIGKILL one second after."""
    expected = tmp_path / "expected.json"
    process = subprocess.Popen(
        [sys.executable, str(HERE / "crash_editor.py"), fleet_url, str(expected)],
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while not expected.exists():
            assert process.poll() is None, process.stderr.read().decode()[-2000:]  # type: ignore[union-attr]
            assert time.monotonic() < deadline, "the editor process never finished its edits"
            time.sleep(0.02)
        time.sleep(1.0)  # the promise: a kill loses at most the last second (the journal's writer takes 0.2 s)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(10)
    assert process.returncode == -signal.SIGKILL
    return json.loads(expected.read_text())


@pytest.mark.slow
def test_edits_survive_kill_9_and_restoring_gives_the_exact_document(
    qtbot: QtBot, fleet_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before_crash = edit_then_kill(fleet_url, tmp_path)

    asked: list[str] = []

    def question(_parent, title, text, *_rest):  # type: ignore[no-untyped-def]
        asked.append(f"{title}\n{text}")
        restoring = title == "Restore unsaved edits?"
        return QMessageBox.StandardButton.Yes if restoring else QMessageBox.StandardButton.Discard

    monkeypatch.setattr(QMessageBox, "question", question)
    window = open_main_window(AppContext.create(database=fleet_url))
    qtbot.addWidget(window)
    qtbot.waitSignal(window.layout_shown, timeout=10_000).wait()

    assert "Lobby Snack Tower, cabinet 0: 3 edits" in asked[0]
    editor = window.current_editor()
    assert editor is not None and (editor.cabinet.device_id, editor.cabinet.index) == (1, 0)
    assert planogram_to_dict(editor.planogram)["slots"] == before_crash["slots"]
    assert window.isWindowModified() and window.undo_action.text() == "Undo Restore unsaved edits"
    window.close()


@pytest.mark.slow
def test_declining_the_restore_discards_the_journal(
    qtbot: QtBot, fleet_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    edit_then_kill(fleet_url, tmp_path)
    monkeypatch.setattr(QMessageBox, "question", lambda *_a, **_k: QMessageBox.StandardButton.No)
    window = open_main_window(AppContext.create(database=fleet_url))
    qtbot.addWidget(window)
    qtbot.waitSignal(window.layout_shown, timeout=10_000).wait()
    assert not window.isWindowModified()
    assert window.session.journal.pending() == []
    window.close()
