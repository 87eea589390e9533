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


def test_admin_actions_ask_the_admins_password_again(
    qtbot: QtBot, context: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tools → Users… and saving Settings are an admin's actions: on a protected database each asks the password
    again, and a cancelled or wrong one leaves the users dialog closed and the settings unsaved."""
    from widgets.app import open_main_window
    from widgets.dialogs.settings import SettingsDialog
    from widgets.dialogs.users import UsersDialog

    type_passwords(monkeypatch, ("admin1", "admin1-password"))
    admitted = sign_in_on(context.engine, context, None)
    assert admitted is not None
    window = open_main_window(admitted)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.roles.user is not None and window.roles.user.username == "admin1", timeout=20_000)

    users_shown: list[str] = []
    monkeypatch.setattr(UsersDialog, "exec", lambda dialog: users_shown.append("users") or 0)
    asked = type_passwords(monkeypatch)  # the admin cancels the password dialog
    window.roles.manage_users()
    assert users_shown == []
    asked = type_passwords(monkeypatch, ("admin1", "not-it"), ("admin1", "admin1-password"))
    window.roles.manage_users()
    assert users_shown == ["users"] and asked == ["wrong username or password", "signed in admin1"]

    saved: list[str] = []

    def change_labour_cost(dialog: SettingsDialog) -> int:
        dialog.labour.setValue(4.25)
        dialog.accept()
        saved.append(dialog.error.text())
        return 0

    monkeypatch.setattr(SettingsDialog, "exec", change_labour_cost)
    type_passwords(monkeypatch)
    window.open_settings()
    assert saved == ["Not saved: the password was not confirmed."]
    assert admitted.settings.current.labour_cost_per_slot != 4.25
    type_passwords(monkeypatch, ("admin1", "admin1-password"))
    window.open_settings()
    assert saved[-1] == "" and admitted.settings.current.labour_cost_per_slot == 4.25
    window.close()
