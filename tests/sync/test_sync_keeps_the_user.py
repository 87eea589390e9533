"""Sync never changes who is signed in, and its result stays where a person can read it (issue 16).

A manager signed in with File → Sign in as… pressed F5 and found themselves "root (viewer)" behind the read-only
banner: the fleet read after the sync signed the OS login in again. The sync's message was covered at once by
"Loading…"; now it stays in the status bar for RESULT_SHOWN_MS and in File → Sync log….
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path

from PySide6.QtCore import QThreadPool
from pytestqt.qtbot import QtBot

from designer.local_time import local
from storage.app_context import AppContext
from storage.cvd.sync import sync
from storage.engine import make_engine
from storage.sync_log import sync_log
from tests.sync.conftest import sqlite_rows
from widgets.app import open_main_window
from widgets.sync.status import RESULT_SHOWN_MS
from widgets.window.main_window import MainWindow

OS_LOGIN = "night.clerk"  # not a CVD user: signed in here, they may only read


def sign_ins(working: Path, username: str) -> int:
    query = ("SELECT count(*) FROM audit_log JOIN users ON users.id = audit_log.user_id "
             "WHERE audit_log.action = 'user.sign_in' AND users.username = ?")  # fmt: skip
    return int(sqlite_rows(working, query, username)[0][0])


def opened_as_manager(qtbot: QtBot, working: Path) -> MainWindow:
    window = open_main_window(AppContext.create(database=f"sqlite:///{working}", login=OS_LOGIN))
    qtbot.addWidget(window)
    qtbot.waitUntil(
        lambda: window.roles.user is not None and "device" in window.device_count_label.text(), timeout=20_000
    )
    assert window.roles.user.username == OS_LOGIN and window.roles.banner.isVisibleTo(window)
    window.roles.sign_in("manager2")  # File → Sign in as…
    qtbot.waitUntil(lambda: window.roles.user.username == "manager2", timeout=10_000)
    assert not window.roles.banner.isVisibleTo(window)
    return window


def test_f5_keeps_the_manager_signed_in_and_shows_the_result(qtbot: QtBot, cvd_file: Path, tmp_path: Path) -> None:
    working = tmp_path / "working.sqlite"
    sync(str(cvd_file), f"sqlite:///{working}")
    window = opened_as_manager(qtbot, working)
    clerk_sign_ins = sign_ins(working, OS_LOGIN)

    with qtbot.waitSignal(window.fleet_loaded, timeout=60_000):  # the fleet is read again after the sync
        window.sync.sync_action.trigger()
    qtbot.waitUntil(lambda: window.layout_on_screen is not None, timeout=10_000)

    assert window.roles.user.username == "manager2"
    assert window.roles.label.text().startswith("Signed in: manager2 (manager")
    assert not window.roles.banner.isVisibleTo(window), "no read-only banner: the manager may still edit"
    assert window.save_action.isEnabled()
    assert sign_ins(working, OS_LOGIN) == clerk_sign_ins, "the OS login was not signed in again"
    pulls = sqlite_rows(working, "SELECT count(*) FROM audit_log WHERE action = 'sync.pull'")[0][0]
    assert pulls == 2

    # The fleet read and the device load said their piece; the sync's result is still there to read.
    assert window.sync.result.isVisibleTo(window)
    assert window.sync.result.text().startswith("Synced with CVD:")
    assert RESULT_SHOWN_MS >= 10_000
    window.close()
    QThreadPool.globalInstance().waitForDone(10_000)


def test_the_sync_log_lists_each_sync_in_local_time(qtbot: QtBot, cvd_file: Path, tmp_path: Path) -> None:
    working = tmp_path / "working.sqlite"
    sync(str(cvd_file), f"sqlite:///{working}")
    sync(str(cvd_file), f"sqlite:///{working}")
    engine = make_engine(f"sqlite:///{working}")
    entries = sync_log(engine)
    engine.dispose()
    pulls = [entry for entry in entries if entry.direction == "from CVD"]
    assert len(pulls) == 2 and all(entry.result == "pulled" for entry in pulls)
    assert "0 new sales" in pulls[0].counts, "the second pull found nothing new"
    assert "0 new sales" not in pulls[1].counts, "the first brought the sales in"

    window = opened_as_manager(qtbot, working)
    window.sync.log_action.trigger()  # File → Sync log…
    qtbot.waitUntil(lambda: window.sync.log_dialog is not None and window.sync.log_dialog.isVisible(), timeout=10_000)
    rows = window.sync.log_dialog.row_texts()
    assert [row[1:3] for row in rows[:2]] == [["from CVD", "pulled"], ["from CVD", "pulled"]]
    assert rows[0][0] == f"{local(pulls[0].at):%Y-%m-%d %H:%M:%S}"  # stored UTC, shown in local time
    window.sync.log_dialog.grab().save(str(tmp_path / "sync-log.png"))
    window.sync.log_dialog.close()
    window.close()
    QThreadPool.globalInstance().waitForDone(10_000)
