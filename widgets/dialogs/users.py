"""An admin's list of the database's users: change a role or switch AI features off, each change audited; export
or delete a person's data (``storage.personal_data``: the same as ``main.py privacy export-user|delete-user``).

Reading and writing run in workers; the storage layer checks again that the one asking is an admin.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from designer.roles import Role
from widgets.workers import JobState

if TYPE_CHECKING:
    from storage.database import Engine
    from storage.users import SignedInUser
    from widgets.workers import BackgroundJobs

COLUMNS = ("User", "Role", "AI features")
READ = "read users"
WRITE = "change users"
PERSONAL_DATA = "a person's data"


class UsersDialog(QDialog):
    """OK applies the changed rows (role, AI switch) as one ``user.role_changed`` audit row per user."""

    def __init__(
        self, engine: Engine, admin: SignedInUser, jobs: BackgroundJobs, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Users")
        self.engine = engine
        self.admin = admin
        self.jobs = jobs
        self.users: list[SignedInUser] = []
        self.changed_me = False
        self.last_action = ""  # said after the list is read again
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.verticalHeader().hide()
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)  # whose data to export/delete
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # rows are edited through their own controls
        self.export_button = QPushButton("Export data…")
        self.export_button.setToolTip("Everything held about the selected user, as a JSON file")
        self.export_button.clicked.connect(lambda _checked=False: self.export_selected())
        self.delete_button = QPushButton("Delete data…")
        self.delete_button.setToolTip(
            "Erase the selected user's predictions, feedback, cached Claude answers and personal fields "
            "(sales stay); audited"
        )
        self.delete_button.clicked.connect(lambda _checked=False: self.delete_selected())
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.status = QLabel("Reading users…")
        self.status.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.apply)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        roles = QLabel(
            "Roles: viewer reads · driver also exports · manager also edits, activates, runs AI and "
            "experiments · admin also manages users and AI settings."
        )
        roles.setWordWrap(True)
        layout.addWidget(roles)
        layout.addWidget(self.table)
        personal = QHBoxLayout()
        personal.addWidget(QLabel("A person's data:"))
        personal.addWidget(self.export_button)
        personal.addWidget(self.delete_button)
        personal.addStretch(1)
        layout.addLayout(personal)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        self.resize(560, 360)
        self.load()

    def load(self) -> None:
        from storage.engine import session_factory
        from storage.users import cvd_source, list_users

        engine = self.engine

        def job(_state: JobState) -> tuple[list[SignedInUser], str | None]:
            with session_factory(engine)() as session:
                source = cvd_source(session)
            return list_users(engine), source

        self.jobs.start(READ, job, on_success=lambda found: self.show_users(*found), on_failure=self._failed)

    def show_users(self, users: list[SignedInUser], source: str | None = None) -> None:
        self.users = users
        self.table.setRowCount(len(users))
        for row, user in enumerate(users):
            name = QTableWidgetItem(user.username)
            name.setFlags(name.flags() & ~Qt.ItemFlag.ItemIsEditable)
            if user.notice:
                name.setToolTip(user.notice)
            self.table.setItem(row, 0, name)
            roles = QComboBox()
            for role in Role:
                roles.addItem(role.value, role.value)
            roles.setCurrentIndex(roles.findData(user.role.value))
            if user.id == self.admin.id:
                roles.setEnabled(False)
                roles.setToolTip("You cannot take your own admin role away; ask another admin")
            self.table.setCellWidget(row, 1, roles)
            ai = QCheckBox("on")
            ai.setChecked(user.ai_features_enabled)
            self.table.setCellWidget(row, 2, ai)
        note = " CVD owns these roles: the next sync brings CVD's back, so change them in CVD too." if source else ""
        self.status.setText(f"{len(users)} users. Changes are written to the audit log.{note}{self.last_action}")

    def wanted(self) -> list[tuple[int, Role | None, bool | None]]:
        """(user id, new role or None, new AI switch or None) for each row the admin changed."""
        changes = []
        for row, user in enumerate(self.users):
            roles = self.table.cellWidget(row, 1)
            ai = self.table.cellWidget(row, 2)
            assert isinstance(roles, QComboBox) and isinstance(ai, QCheckBox)
            role = Role(roles.currentData())
            new_role = role if role is not user.role else None
            new_ai = ai.isChecked() if ai.isChecked() != user.ai_features_enabled else None
            if new_role is not None or new_ai is not None:
                changes.append((user.id, new_role, new_ai))
        return changes

    def apply(self) -> None:
        from storage.users import change_user

        changes = self.wanted()
        if not changes:
            self.accept()
            return
        engine, admin = self.engine, self.admin
        self.changed_me = any(user_id == admin.id for user_id, _role, _ai in changes)

        def job(_state: JobState) -> int:
            for user_id, role, ai in changes:
                change_user(engine, admin, user_id, role=role, ai_features_enabled=ai)
            return len(changes)

        self.buttons.setEnabled(False)
        self.status.setText("Saving…")
        self.jobs.start(WRITE, job, on_success=lambda _count: self.accept(), on_failure=self._failed)

    def selected(self) -> SignedInUser | None:
        rows = self.table.selectionModel().selectedRows()
        return self.users[rows[0].row()] if rows and rows[0].row() < len(self.users) else None

    def export_selected(self) -> None:
        """Write everything held about the selected user to a JSON file the admin chooses."""
        from storage.personal_data import export_person

        user = self.selected()
        if user is None:
            self.status.setText("Select a user first.")
            return
        path, _ = QFileDialog.getSaveFileName(self, "Export a person's data", f"{user.username}.json", "JSON (*.json)")
        if not path:
            return
        engine, admin = self.engine, self.admin

        def job(_state: JobState) -> int:
            import json

            held = export_person(engine, admin.id, user.id)
            with open(path, "w", encoding="utf-8") as file:
                json.dump(held, file, indent=2, default=str)
            return len(held["predictions"])

        def done(count: int) -> None:
            self.status.setText(f"{user.username}'s data exported to {path} ({count} predictions).")

        self.jobs.start(PERSONAL_DATA, job, on_success=done, on_failure=self._failed)

    def delete_selected(self) -> None:
        """After a confirmation, erase the selected user's AI data and personal fields; the list is read again."""
        from storage.personal_data import delete_person

        user = self.selected()
        if user is None:
            self.status.setText("Select a user first.")
            return
        answer = QMessageBox.question(
            self,
            "Delete a person's data",
            f"Erase {user.username}'s predictions, feedback, cached Claude answers and personal fields? Sales and "
            "spending totals stay. This cannot be undone; it is written to the audit log.",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        engine, admin = self.engine, self.admin

        def job(_state: JobState) -> int:
            return delete_person(engine, admin.id, user.id).predictions

        def done(count: int) -> None:
            self.last_action = f" {user.username}'s data was deleted ({count} predictions)."
            self.load()

        self.jobs.start(PERSONAL_DATA, job, on_success=done, on_failure=self._failed)

    def _failed(self, error: Exception) -> None:
        self.buttons.setEnabled(True)
        self.status.setText(f"Not changed: {error}.")

    def done(self, result: int) -> None:
        self.jobs.abandon(READ)
        self.jobs.abandon(WRITE)
        self.jobs.abandon(PERSONAL_DATA)
        super().done(result)
