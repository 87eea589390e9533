"""The designer's access on a protected database: the password at start, the idle lock, admin actions re-asked.

A database is protected when its users carry CVD password hashes (``storage.credentials.is_protected``); else it
is *unprotected* (the demo, a local database), which the title bar says, and a user is picked as before. The
idle lock watches the application's keyboard and mouse input; after ``data_protection.idle_lock_minutes`` of
none it asks the signed-in user's password again, and closing the lock closes the window. Nothing here keeps a
password: each check runs CVD's rule (:func:`storage.credentials.check_password`) and forgets it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QWidget

from widgets.dialogs.password import PasswordCheck, PasswordDialog

if TYPE_CHECKING:
    from storage.app_context import AppContext
    from storage.database import Engine
    from storage.users import SignedInUser

Clock = Callable[[], datetime]
UNPROTECTED = "unprotected"
INPUT_EVENTS = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
    }
)


def password_check(engine: Engine, database_url: str, data_folder: Path, clock: Clock) -> PasswordCheck:
    """CVD's check on ``engine``'s users, with the failures kept in this machine's access ledger."""
    from ai.model_store import database_identity
    from storage.access_ledger import AccessLedger
    from storage.credentials import check_password

    ledger = AccessLedger.in_folder(data_folder, database_identity(database_url))
    return lambda login, password: check_password(engine, login, password, ledger, clock())


def protected(engine: Engine) -> bool:
    """True when the database asks for passwords (never on PostgreSQL: there the server's login is the user)."""
    from storage.credentials import is_protected

    return engine.dialect.name != "postgresql" and is_protected(engine)


def ask_password(
    check: PasswordCheck, login: str, *, title: str, why: str, fixed: bool, parent: QWidget | None
) -> SignedInUser | None:
    """The user who typed a right password, or None when the dialog was cancelled."""
    dialog = PasswordDialog(check, login, title=title, why=why, fixed_login=fixed, parent=parent)
    return dialog.user if dialog.exec() == QDialog.DialogCode.Accepted else None


class IdleLock(QObject):
    """Locks the window after ``minutes`` without input (0: never): the password again, or the window closes."""

    CHECK_EVERY_MS = 15_000

    def __init__(
        self, window: QWidget, check: PasswordCheck, who: Callable[[], str | None], minutes: int, clock: Clock
    ) -> None:
        super().__init__(window)
        self.window = window
        self.check = check
        self.who = who
        self.idle_for = timedelta(minutes=minutes)
        self.clock = clock
        self.last_input = clock()
        self.locked = False
        self.timer = QTimer(self)
        self.timer.setInterval(self.CHECK_EVERY_MS)
        self.timer.timeout.connect(self.check_idle)
        if minutes > 0:
            app = QApplication.instance()
            if app is not None:
                app.installEventFilter(self)
            self.timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in INPUT_EVENTS and not self.locked:
            self.last_input = self.clock()
        return False

    def check_idle(self) -> bool:
        """Lock when the idle time has passed; True when the window is (still) unlocked afterwards."""
        if self.locked or not self.idle_for or self.clock() - self.last_input < self.idle_for:
            return True
        login = self.who()
        if login is None:
            return True
        self.locked = True
        minutes = int(self.idle_for.total_seconds() // 60)
        user = ask_password(
            self.check,
            login,
            title="Locked",
            why=f"Planogram Studio locked after {minutes} minutes without input. Enter {login}'s password to go on.",
            fixed=True,
            parent=self.window,
        )
        self.locked = False
        if user is None:
            self.window.close()
            return False
        self.last_input = self.clock()
        return True

    def stop(self) -> None:
        self.timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)


class AccessGuard(QObject):
    """The window's access state: whether its database is protected, the idle lock, and re-asking passwords."""

    def __init__(self, window: QWidget, context: AppContext, engine: Engine) -> None:
        super().__init__(window)
        self.window = window
        self.context = context
        self.engine = engine
        self.is_protected = protected(engine)
        self.idle_lock: IdleLock | None = None
        self.current_login: Callable[[], str | None] = lambda: None

    @property
    def title_note(self) -> str:
        """What the title bar adds: the database is unprotected (no passwords), or nothing."""
        return "" if self.is_protected else f" ({UNPROTECTED})"

    def check(self) -> PasswordCheck:
        return password_check(self.engine, self.context.database_url, self.context.folders.data, self.context.clock)

    def admit(self, engine: Engine, context: AppContext) -> AppContext | None:
        """``context`` acting as whoever signs in on ``engine``'s database (a password when it is protected); None
        when the person cancels. The idle lock follows the database."""
        admitted = sign_in_on(engine, context, self.window)
        if admitted is None:
            return None
        context, is_protected = admitted, protected(engine)
        self.context, self.engine, self.is_protected = context, engine, is_protected
        self.start_idle_lock()
        return context

    def start_idle_lock(self) -> None:
        if self.idle_lock is not None:
            self.idle_lock.stop()
            self.idle_lock = None
        if self.is_protected:
            minutes = self.context.settings.current.data_protection.idle_lock_minutes
            self.idle_lock = IdleLock(self.window, self.check(), self.current_login, minutes, self.context.clock)

    def confirm(self, login: str, what: str) -> bool:
        """An admin action on a protected database asks the signed-in user's password again; True to go on."""
        if not self.is_protected:
            return True
        why = f"{what} is an admin action: enter {login}'s password again."
        return ask_password(self.check(), login, title="Confirm", why=why, fixed=True, parent=self.window) is not None

    def choose(self, login: str) -> SignedInUser | None:
        """Sign in as another user of a protected database: their password, never a pick from a list."""
        why = "This database is protected by CVD passwords: sign in with the other user's name and password."
        return ask_password(self.check(), login, title="Sign in as", why=why, fixed=False, parent=self.window)

    def stop(self) -> None:
        if self.idle_lock is not None:
            self.idle_lock.stop()


def sign_in_reason(database_url: str) -> str:
    from storage.engine import display_url, sqlite_file

    file = sqlite_file(database_url)
    name = file.name if file is not None else display_url(database_url)
    return (
        f"{name} is protected by CVD passwords. Sign in with your CVD user name (or email) and password; "
        "5 wrong passwords lock the account for 15 minutes."
    )


def sign_in_on(engine: Engine, context: AppContext, parent: QWidget | None) -> AppContext | None:
    """``context`` acting as whoever signs in with a right password on a protected database (None: cancelled); the
    context as it is on an unprotected one."""
    if not protected(engine):
        return context
    check = password_check(engine, context.database_url, context.folders.data, context.clock)
    user = ask_password(
        check, context.login, title="Sign in", why=sign_in_reason(context.database_url), fixed=False, parent=parent
    )
    if user is None:
        return None
    return context.as_user(user.username) if user.username != context.login else context
