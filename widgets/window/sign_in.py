"""Who is signed in, shown in the window, and every action their role may not take disabled with the reason.

The checks themselves live in the services (``storage.users``); this only mirrors them so the user learns
before clicking. "Sign in as…" switches among the working copy's users; "Users…" lets an admin change roles.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QInputDialog, QLabel, QMainWindow, QMenu, QMessageBox

from designer.roles import Action
from widgets.workers import JobState

if TYPE_CHECKING:
    from storage.database import Engine
    from storage.users import SignedInUser
    from widgets.window.access_guard import AccessGuard
    from widgets.workers import BackgroundJobs

BANNER_STYLE = "background: #fff4d6; color: #6b4a00; border: 1px solid #e8c46a; border-radius: 4px; padding: 6px;"
SIGN_IN = "sign in"
USERS = "users"


def user_text(user: SignedInUser) -> str:
    """The status bar's words for who is signed in."""
    ai = "" if user.ai_features_enabled else ", AI off"
    return f"Signed in: {user.username} ({user.role.value}{ai})"


class RoleGate(QObject):
    """Keeps the window's gated actions, the read-only banner and the status bar in step with the user."""

    user_changed = Signal(object)  # the SignedInUser

    def __init__(self, window: QMainWindow, jobs: BackgroundJobs) -> None:
        super().__init__(window)
        self.window = window
        self.jobs = jobs
        self.user: SignedInUser | None = None
        self.access: AccessGuard | None = None  # the window's: set when its database may be protected
        self._engine: Engine | None = None
        self._gated: list[tuple[QAction, Action, str]] = []
        self.label = QLabel("Signing in…")
        self.banner = QLabel()
        self.banner.setObjectName("readOnlyBanner")
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet(BANNER_STYLE)
        self.banner.hide()
        self.sign_in_action = QAction("Si&gn in as…", window)  # &i is Import planogram file…
        self.sign_in_action.setStatusTip("Switch to another user of this database")
        self.sign_in_action.triggered.connect(lambda _checked=False: self.choose_user())
        self.users_action = QAction("&Users…", window)
        self.users_action.triggered.connect(lambda _checked=False: self.manage_users())
        self.gate(self.users_action, Action.MANAGE_USERS)

    def gate(self, action: QAction, needed: Action) -> None:
        """``action`` is enabled only while the user may do ``needed``; otherwise its tooltip says why."""
        self._gated.append((action, needed, action.statusTip()))
        self._apply(action, needed, self._gated[-1][2])
        for menu in action.associatedObjects():
            if isinstance(menu, QMenu):
                menu.setToolTipsVisible(True)  # a disabled item's tooltip says why

    def signed_in_on(self, engine: Engine) -> SignedInUser | None:
        """Who is signed in on ``engine``'s database (None before anyone is, or on another database).

        Reading the same database again (after a sync) keeps this person: a sync never changes who is signed in.
        """
        return self.user if self.user is not None and self._engine is engine else None

    def why_not(self, action: Action) -> str | None:
        if self.user is None:
            return "still signing in; try again in a moment"
        return self.user.why_not(action)

    def show_user(self, user: SignedInUser, engine: Engine) -> None:
        self.user, self._engine = user, engine
        self.label.setText(user_text(user))
        self.label.setToolTip(user.notice or "File → Sign in as… switches to another user of this database")
        for action, needed, tip in self._gated:
            self._apply(action, needed, tip)
        reason = self.why_not(Action.EDIT)
        self.banner.setText(f"Read-only: {reason}." if reason else "")
        self.banner.setVisible(reason is not None)
        self.user_changed.emit(user)

    def _apply(self, action: QAction, needed: Action, tip: str) -> None:
        reason = self.why_not(needed)
        action.setEnabled(reason is None)
        action.setToolTip(reason or tip)
        action.setStatusTip(reason or tip)

    # --- switching user ------------------------------------------------------------------------

    def choose_user(self) -> None:
        """List the database's users (in a worker), ask which one, then sign in as them."""
        engine = self._engine
        if engine is None:
            return
        if self.access is not None and self.access.is_protected:  # a password, never a pick from the list
            chosen = self.access.choose("")
            if chosen is not None:
                self.sign_in(chosen.username)
            return
        from storage.users import list_users

        def job(_state: JobState) -> list[SignedInUser]:
            return list_users(engine)

        self.jobs.start(SIGN_IN, job, on_success=self._pick, on_failure=self._failed)

    def _pick(self, users: list[SignedInUser]) -> None:
        names = [f"{user.username} — {user.role.value}" for user in users]
        current = next((i for i, user in enumerate(users) if self.user and user.id == self.user.id), 0)
        chosen, ok = QInputDialog.getItem(self.window, "Sign in as", "User of this database:", names, current, False)
        if ok and chosen:
            self.sign_in(users[names.index(chosen)].username)

    def sign_in(self, username: str) -> None:
        engine = self._engine
        if engine is None:
            return
        from storage.users import sign_in

        def job(_state: JobState) -> SignedInUser:
            return sign_in(engine, username)

        self.jobs.start(SIGN_IN, job, on_success=lambda user: self.show_user(user, engine), on_failure=self._failed)

    def _failed(self, error: Exception) -> None:
        QMessageBox.warning(self.window, "Sign in", f"Could not read the users ({error}); reopen the database.")

    # --- an admin's users dialog ---------------------------------------------------------------

    def manage_users(self) -> None:
        from widgets.dialogs.users import UsersDialog

        if self.user is None or self._engine is None or not self.user.can(Action.MANAGE_USERS):
            return
        if self.access is not None and not self.access.confirm(self.user.username, "Managing users"):
            return
        dialog = UsersDialog(self._engine, self.user, self.jobs, self.window)
        dialog.exec()
        if dialog.changed_me:
            self.sign_in(self.user.username)  # my own AI switch may have changed
