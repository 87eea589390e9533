"""The window's side of sync: Sync now runs in the background with progress and Cancel in the status bar, and a
layout changed on both sides is settled slot by slot in the conflict dialog."""

from __future__ import annotations

import os
from collections.abc import Iterator

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path

import pytest
from PySide6.QtCore import QThreadPool
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from designer.sync_merge import Choice
from storage.app_context import AppContext
from storage.cvd.pull import pull
from storage.cvd.queue import conflicts, resolve_conflict
from storage.cvd.sync import sync
from storage.engine import make_engine
from storage.fleet import FleetRepository
from storage.schema import prepare_database
from storage.tables import SaleRecord
from tests.cvd_builder import generated_fleet
from tests.protected_sample import type_passwords
from tests.sync.helpers import add_cvd_sales, edit_and_activate, local_product
from widgets.app import open_main_window
from widgets.sync.conflicts import THEIRS_TEXT, ConflictDialog


def _wait_for_fleet(qtbot: QtBot, window) -> None:  # type: ignore[no-untyped-def]
    """Until the device list is read (by state, not by signal: it may have arrived already)."""
    qtbot.waitUntil(lambda: "device" in window.device_count_label.text(), timeout=20_000)


def _sales(url: str) -> int:
    engine = make_engine(url)
    with engine.connect() as connection:
        count = connection.scalar(select(func.count(func.distinct(SaleRecord.transaction_id))))  # CVD rows
    engine.dispose()
    return int(count)


def test_sync_now_shows_progress_and_cancel_stops_it_cleanly(qtbot: QtBot, cvd_file: Path, tmp_path: Path) -> None:
    working = f"sqlite:///{tmp_path / 'working.sqlite'}"
    sync(str(cvd_file), working)
    cvd = make_engine(f"sqlite:///{cvd_file}")
    add_cvd_sales(cvd, 150_000)  # a long day at the depot: enough to cancel half-way
    cvd.dispose()
    window = open_main_window(AppContext.create(database=working, login="manager2"))
    qtbot.addWidget(window)
    _wait_for_fleet(qtbot, window)
    qtbot.waitUntil(lambda: window.roles.user is not None, timeout=10_000)
    assert window.sync.sync_action.isEnabled() and window.sync.sync_action.shortcut().toString() == "F5"

    window.sync.sync_action.trigger()
    qtbot.waitUntil(lambda: window.sync.progress.bar.value() >= 45, timeout=60_000)  # in the sales
    assert window.sync.progress.isVisible()
    window.sync.progress.cancel_button.click()
    qtbot.waitUntil(lambda: not window.sync.progress.isVisible(), timeout=60_000)

    assert "Sync stopped" in window.statusBar().currentMessage()
    partial = _sales(working)
    before = generated_fleet().sales  # what the first sync pulled
    assert before < partial < before + 150_000 and (partial - before) % 20_000 == 0  # whole batches only
    window.sync.sync_action.trigger()
    qtbot.waitUntil(lambda: not window.sync.progress.isVisible(), timeout=120_000)
    assert _sales(working) == before + 150_000
    window.close()
    QThreadPool.globalInstance().waitForDone(10_000)


def test_the_conflict_dialog_settles_a_layout_changed_on_both_sides(
    qtbot: QtBot, cvd_file: Path, tmp_path: Path
) -> None:
    cvd = make_engine(f"sqlite:///{cvd_file}")
    mine = prepare_database(f"sqlite:///{tmp_path / 'mine.sqlite'}")
    theirs = prepare_database(f"sqlite:///{tmp_path / 'theirs.sqlite'}")
    pull(cvd, mine)
    pull(cvd, theirs)
    edit_and_activate(theirs, "444", 0, {"A1": (11, 10, 6), "C1": (19, 9, 4)})
    sync(str(cvd_file), f"sqlite:///{tmp_path / 'theirs.sqlite'}", pull_too=False)
    edit_and_activate(mine, "444", 0, {"A1": (7, 12, 7), "B2": (16, 8, 5)})
    sync(str(cvd_file), f"sqlite:///{tmp_path / 'mine.sqlite'}", pull_too=False)
    (conflict,) = conflicts(mine)
    names = {pid: product.name for pid, product in FleetRepository(mine).catalogue().items()}

    dialog = ConflictDialog(conflict, names)
    qtbot.addWidget(dialog)

    shown = {dialog.table.item(row, 0).text() for row in range(dialog.table.rowCount())}
    assert shown == {"A1", "B2", "C1"}
    assert list(dialog.choosers) == ["A1"] and dialog.merge_button.isDefault()
    assert "Pepsi" in dialog.table.item(0, 3).text()  # CVD's A1
    dialog.choosers["A1"].setCurrentText(THEIRS_TEXT)
    dialog.merge_button.click()
    assert (dialog.choice, dialog.per_slot) == (Choice.MERGE, {"A1": Choice.THEIRS})

    result = resolve_conflict(mine, conflict.push_id, dialog.choice, dialog.per_slot)
    assert result.layout["A1"].product_id == local_product(mine, 11)  # CVD's, as picked
    assert result.layout["B2"].product_id == local_product(mine, 16)  # mine, changed only here
    cvd.dispose()
    mine.dispose()
    theirs.dispose()


def test_a_viewer_is_told_why_sync_is_refused(qtbot: QtBot, cvd_file: Path, tmp_path: Path) -> None:
    working = f"sqlite:///{tmp_path / 'working.sqlite'}"
    sync(str(cvd_file), working)
    window = open_main_window(AppContext.create(database=working, login="viewer3"))
    qtbot.addWidget(window)
    _wait_for_fleet(qtbot, window)
    qtbot.waitUntil(lambda: window.roles.user is not None, timeout=10_000)

    window.sync.sync_action.trigger()

    assert window.statusBar().currentMessage().startswith("Not synced:")
    assert not window.sync.progress.isVisible()
    window.close()
    QThreadPool.globalInstance().waitForDone(10_000)


def test_open_cvd_database_pulls_it_and_shows_its_devices(
    qtbot: QtBot, cvd_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown = type_passwords(monkeypatch, ("manager2", "manager2-password"))  # the pull brings CVD's passwords
    empty = f"sqlite:///{tmp_path / 'empty.sqlite'}"
    context = AppContext.create(database=empty)
    window = open_main_window(context)
    qtbot.addWidget(window)
    _wait_for_fleet(qtbot, window)
    assert not window.sync.sync_action.isEnabled()  # a local database has nothing to sync with

    with qtbot.waitSignal(window.fleet_loaded, timeout=60_000) as loaded:
        window.sync.open_cvd(f"sqlite:///{cvd_file}")

    assert loaded.args == [generated_fleet().devices]
    assert window.database_url == f"sqlite:///{context.folders.working_copy(f'sqlite:///{cvd_file}')}"
    assert shown == ["signed in manager2"]  # the pulled copy is protected: who acts signed in with a password
    assert window.context.login == "manager2" and window.context.settings is context.settings
    assert window.sync.source == f"sqlite:///{cvd_file}" and window.sync.sync_action.isEnabled()
    window.close()
    QThreadPool.globalInstance().waitForDone(10_000)


@pytest.fixture
def cvd_server_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """The generated CVD database on the PostgreSQL test server (no SQLite twin: this is about server passwords)."""
    support = pytest.importorskip("tests.postgres_support")
    url = support.cvd_generated_postgres(request.node.name[:40])
    yield url
    support.drop_database(url)


def test_a_cvd_server_password_goes_to_the_keyring_and_the_server_opens(
    qtbot: QtBot, cvd_server_url: str, tmp_path: Path, memory_keyring: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    from storage.cvd.source import keyring_entry, without_password

    type_passwords(monkeypatch, ("admin1", "admin1-password"))  # the server's hashes came with the pull

    cvd_url = cvd_server_url

    empty = f"sqlite:///{tmp_path / 'empty.sqlite'}"
    window = open_main_window(AppContext.create(database=empty))
    qtbot.addWidget(window)
    _wait_for_fleet(qtbot, window)

    with qtbot.waitSignal(window.fleet_loaded, timeout=60_000) as loaded:
        window.sync.open_server(cvd_url, password="typed-once")

    assert loaded.args == [generated_fleet().devices]
    assert memory_keyring.passwords == {("planogram-studio", keyring_entry(cvd_url)): "typed-once"}  # type: ignore[attr-defined]
    assert window.sync.source == without_password(cvd_url)
    window.close()
    QThreadPool.globalInstance().waitForDone(10_000)


def test_starting_on_a_cvd_file_opens_the_window_at_once_and_fills_it_from_the_pull(
    qtbot: QtBot, cvd_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import widgets.sync.open_cvd as sync_open

    type_passwords(monkeypatch, ("manager2", "manager2-password"))  # asked once the pull protected the copy

    loads: list[int] = []
    windows = []
    real_open = sync_open.open_main_window

    def watched(context, start=None):  # type: ignore[no-untyped-def]
        window = real_open(context, start=start)
        qtbot.addWidget(window)
        window.fleet_loaded.connect(loads.append)
        windows.append(window)
        return window

    class Application:  # the real one's event loop, run by qtbot until the pulled fleet is on screen
        def exec(self) -> int:
            qtbot.waitUntil(lambda: len(loads) >= 2, timeout=60_000)
            return 0

    monkeypatch.setattr(sync_open, "open_main_window", watched)
    monkeypatch.setattr(sync_open, "application", Application)
    monkeypatch.setattr(sync_open, "apply_style", lambda _app: None)

    assert sync_open.run_designer_on_cvd(AppContext.create(), str(cvd_file)) == 0

    assert loads == [0, generated_fleet().devices]  # an empty working copy at once, then the pulled fleet
    windows[0].close()
    assert QThreadPool.globalInstance().waitForDone(60_000), "a worker of the closed window is still running"


def test_a_conflict_found_by_sync_now_is_settled_in_the_dialog_and_pushed(
    qtbot: QtBot, cvd_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtWidgets import QDialog

    from storage.cvd.queue import queue_status
    from widgets.sync.conflicts import ConflictDialog as Dialog

    working = f"sqlite:///{tmp_path / 'mine.sqlite'}"
    other_url = f"sqlite:///{tmp_path / 'theirs.sqlite'}"
    sync(str(cvd_file), working)
    sync(str(cvd_file), other_url)
    other = prepare_database(other_url)
    edit_and_activate(other, "444", 0, {"A1": (11, 10, 6)})
    sync(str(cvd_file), other_url, pull_too=False)
    window = open_main_window(AppContext.create(database=working, login="manager2"))
    qtbot.addWidget(window)
    _wait_for_fleet(qtbot, window)
    qtbot.waitUntil(lambda: window.roles.user is not None, timeout=10_000)
    edit_and_activate(window.repository.engine, "444", 0, {"A1": (7, 12, 7), "B2": (16, 8, 5)})
    asked: list[Dialog] = []

    def answer(dialog: Dialog) -> int:
        asked.append(dialog)
        dialog.merge_button.click()
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(Dialog, "exec", answer)
    window.sync.sync_action.trigger()
    qtbot.waitUntil(lambda: queue_status(window.repository.engine).get("done") == 1, timeout=60_000)
    qtbot.waitUntil(lambda: not window.sync.progress.isVisible(), timeout=60_000)

    assert len(asked) == 1 and [c.position for c in asked[0].conflict.merge().conflicts] == ["A1"]
    with make_engine(f"sqlite:///{cvd_file}").connect() as connection:
        from storage.cvd import schema as cvd

        slots = dict(
            connection.execute(
                select(cvd.planogram_slots.c.slot_position, cvd.planogram_slots.c.product_id)
                .join(cvd.planograms, cvd.planograms.c.id == cvd.planogram_slots.c.planogram_id)
                .where(cvd.planograms.c.planogram_key == "444-Stockwell Cooler-0")
            ).all()
        )
    assert (slots["A1"], slots["B2"]) == (7, 16)  # merged: mine where both changed, my B2 too
    window.close()
    other.dispose()
    QThreadPool.globalInstance().waitForDone(10_000)
