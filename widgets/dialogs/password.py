"""The password dialog of a protected database: sign in, unlock after the idle lock, confirm an admin action.

The check is CVD's (``storage.credentials.check_password``: username or email, active users only, 5 failures lock
15 minutes), handed in by the caller; this only asks and shows the refusal it gets. The password lives in the
field until the check returns and is never kept anywhere else.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

if TYPE_CHECKING:
    from storage.users import SignedInUser

PasswordCheck = Callable[[str, str], "SignedInUser"]
"""(username or email, password) → the signed-in user, or ``storage.credentials.SignInRefused``."""


class PasswordDialog(QDialog):
    """Asks for a CVD password; :attr:`user` is who signed in once it is accepted."""

    def __init__(
        self,
        check: PasswordCheck,
        login: str,
        *,
        title: str,
        why: str,
        fixed_login: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.check = check
        self.user: SignedInUser | None = None
        self.why = QLabel(why)
        self.why.setWordWrap(True)
        self.login = QLineEdit(login)
        self.login.setPlaceholderText("username or email")
        self.login.setReadOnly(fixed_login)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("CVD password")
        self.refusal = QLabel()
        self.refusal.setObjectName("signInRefusal")
        self.refusal.setStyleSheet("color: #a40000;")
        self.refusal.setWordWrap(True)
        self.refusal.hide()
        form = QFormLayout()
        form.addRow("User:", self.login)
        form.addRow("Password:", self.password)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Sign in")
        self.buttons.accepted.connect(self.try_sign_in)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.why)
        layout.addLayout(form)
        layout.addWidget(self.refusal)
        layout.addWidget(self.buttons)
        (self.password if login else self.login).setFocus()
        self.setMinimumWidth(380)

    def try_sign_in(self) -> None:
        """Check what was typed; a refusal is shown under the fields and the password field is emptied."""
        from storage.credentials import SignInRefused

        password = self.password.text()
        self.password.clear()
        try:
            self.user = self.check(self.login.text().strip(), password)
        except SignInRefused as refused:
            self.refusal.setText(str(refused))
            self.refusal.show()
            self.password.setFocus()
            return
        self.accept()
