"""The real CVD sample with known passwords set on a copy, pulled into a working copy: a protected database.

The sample ships its password hashes redacted; the copy gets werkzeug hashes of "<username>-password", as CVD's
web app writes them, so sign-in, lockout and roles can be checked as the CVD app behaves.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from tests.shared_sample import cvd_sample_path


def protected_sample(folder: Path) -> tuple[Path, Path]:
    """(the CVD copy ``cvd.sqlite``, its pulled working copy ``working.sqlite``) in ``folder``."""
    from werkzeug.security import generate_password_hash

    from storage.cvd.pull import pull
    from storage.engine import make_engine
    from storage.schema import prepare_database

    cvd, working = folder / "cvd.sqlite", folder / "working.sqlite"
    shutil.copyfile(cvd_sample_path(), cvd)
    with sqlite3.connect(cvd) as connection:
        for (username,) in connection.execute("SELECT username FROM users").fetchall():
            known = generate_password_hash(f"{username}-password")
            connection.execute("UPDATE users SET password_hash = ? WHERE username = ?", (known, username))
    cvd_engine = make_engine(f"sqlite:///{cvd}")
    working_engine = prepare_database(f"sqlite:///{working}")
    pull(cvd_engine, working_engine)
    cvd_engine.dispose()
    working_engine.dispose()
    return cvd, working


def type_passwords(monkeypatch, *attempts: tuple[str, str]) -> list[str]:  # type: ignore[no-untyped-def]
    """Every password dialog is filled as a person would: each (login, password) typed and Sign in pressed until
    one is accepted (none given: the dialog is cancelled). Returns what the dialogs showed after each attempt."""
    from PySide6.QtWidgets import QDialog

    from widgets.dialogs.password import PasswordDialog

    shown: list[str] = []

    def exec_(dialog: PasswordDialog) -> int:
        for login, password in attempts:
            dialog.login.setText(login)
            dialog.password.setText(password)
            dialog.try_sign_in()
            shown.append(dialog.refusal.text() if dialog.user is None else f"signed in {dialog.user.username}")
            if dialog.user is not None:
                return QDialog.DialogCode.Accepted
        return QDialog.DialogCode.Rejected

    monkeypatch.setattr(PasswordDialog, "exec", exec_)
    return shown
