"""The designer on a protected database (a CVD sample copy with known passwords): the password dialog, a wrong
password and a lock shown in it, a switched-off user refused, the idle lock, and the admin's Users dialog
re-asking the password; an unprotected database says so in the title bar."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from storage.app_context import AppContext, DataFolders
from storage.keys import KeyStore
from tests.protected_sample import protected_sample, type_passwords
from widgets.dialogs.password import PasswordDialog
from widgets.window import access_guard
from widgets.window.access_guard import IdleLock, password_check, sign_in_on


@pytest.fixture(scope="module")
def protected_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real CVD sample with "<username>-password" set on a copy, pulled into a working copy."""
    return protected_sample(tmp_path_factory.mktemp("gui-protected"))[1]


@pytest.fixture
def context(protected_copy: Path, tmp_path: Path) -> AppContext:
    copy = tmp_path / "working.sqlite"
    shutil.copyfile(protected_copy, copy)
    return AppContext.create(
        database=str(copy), login="someone", folders=DataFolders.under(tmp_path / "app"), keys=KeyStore()
    )


def test_the_right_password_signs_the_cvd_user_in_by_email(
    qtbot: QtBot, context: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown = type_passwords(monkeypatch, ("manager2@example.invalid", "manager2-password"))
    admitted = sign_in_on(context.engine, context, None)
    assert admitted is not None and admitted.login == "manager2" and shown == ["signed in manager2"]
    context.close()


def test_a_wrong_password_is_said_in_the_dialog_and_five_lock_the_account(
    qtbot: QtBot, context: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    attempts = [("admin1", "guess")] * 5 + [("admin1", "admin1-password")]
    shown = type_passwords(monkeypatch, *attempts)
    assert sign_in_on(context.engine, context, None) is None
    assert shown[0] == "wrong username or password"
    assert "locked" in shown[4] and "locked" in shown[5]
    context.close()


def test_a_switched_off_user_cannot_sign_in(qtbot: QtBot, context: AppContext, monkeypatch: pytest.MonkeyPatch) -> None:
    shown = type_passwords(monkeypatch, ("viewer3", "viewer3-password"))
    assert sign_in_on(context.engine, context, None) is None and "switched off" in shown[0]
    context.close()


def test_the_idle_lock_asks_the_password_again_and_closing_it_closes_the_window(
    qtbot: QtBot, context: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtWidgets import QWidget

    now = [datetime(2026, 3, 2, 9, 0, tzinfo=UTC)]
    window = QWidget()
    qtbot.addWidget(window)
    window.show()
    check = password_check(context.engine, context.database_url, context.folders.data, lambda: now[0])
    lock = IdleLock(window, check, lambda: "driver4", minutes=15, clock=lambda: now[0])
    shown = type_passwords(monkeypatch, ("driver4", "driver4-password"))

    now[0] += timedelta(minutes=14)
    assert lock.check_idle() and shown == []  # not yet
    now[0] += timedelta(minutes=2)
    assert lock.check_idle() and shown == ["signed in driver4"]

    type_passwords(monkeypatch)  # the person walks away: the lock is closed
    now[0] += timedelta(minutes=16)
    assert not lock.check_idle() and not window.isVisible()
    lock.stop()
    context.close()


def test_the_sign_in_dialog_as_the_person_sees_it(qtbot: QtBot, context: AppContext, tmp_path: Path) -> None:
    check = password_check(context.engine, context.database_url, context.folders.data, context.clock)
    dialog = PasswordDialog(check, "admin1", title="Sign in", why=access_guard.sign_in_reason(context.database_url))
    qtbot.addWidget(dialog)
    dialog.password.setText("wrong")
    dialog.try_sign_in()
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.grab().save(str(tmp_path / "sign-in.png"))  # the README's picture is made the same way
    assert dialog.refusal.isVisible() and dialog.password.echoMode() == dialog.password.EchoMode.Password
    context.close()
