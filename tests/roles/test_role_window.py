"""The window as each role sees it: who is signed in, what is disabled and why, and switching user."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QCheckBox, QComboBox
from pytestqt.qtbot import QtBot
from sqlalchemy import select
from sqlalchemy.orm import Session

from designer.positions import Position
from storage.app_context import AppContext
from storage.schema import prepare_database
from storage.tables import AuditLogRecord, User
from tests.gui.fixture_fleet import build_fixture_fleet
from tests.worker_threads import assert_no_worker_left
from widgets.app import open_main_window
from widgets.dialogs.users import UsersDialog
from widgets.window.main_window import MainWindow

ROLES = {"admin": "admin", "maria.manager": "manager", "dan.driver": "driver", "vera.viewer": "viewer"}


@pytest.fixture(autouse=True)
def no_leaked_threads(qapp: QApplication) -> Iterator[None]:
    yield
    assert_no_worker_left(30_000)


@pytest.fixture
def fleet_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path}/roles.sqlite"
    build_fixture_fleet(url)
    with Session(prepare_database(url)) as session, session.begin():
        session.add_all(User(username=name, role=role, ai_features_enabled=True) for name, role in ROLES.items())
    return url


def open_as(qtbot: QtBot, url: str, username: str) -> MainWindow:
    window = open_main_window(AppContext.create(database=url, login=username))
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.assistant.ready, timeout=60_000):
        qtbot.waitSignal(window.layout_shown, timeout=10_000).wait()
    return window


def audit_actions(url: str) -> list[str]:
    with Session(prepare_database(url)) as session:
        return list(session.scalars(select(AuditLogRecord.action).order_by(AuditLogRecord.id)))


def test_a_driver_sees_read_only_and_may_export(qtbot: QtBot, fleet_url: str) -> None:
    window = open_as(qtbot, fleet_url, "dan.driver")
    assert window.roles.label.text() == "Signed in: dan.driver (driver)"
    edit_refusal = "Only a manager or admin can edit planograms; you are signed in as a driver"
    assert not window.save_action.isEnabled() and edit_refusal in window.save_action.toolTip()
    assert not window.activate_action.isEnabled() and not window.analysis.compare_action.isEnabled()
    assert window.field_sheets.export_action.isEnabled()
    assert not window.roles.users_action.isEnabled()
    assert window.roles.banner.isVisible() and edit_refusal in window.roles.banner.text()
    view = window.current_editable_view()
    assert view is not None
    before = dict(view.editor.planogram.slots)
    assert edit_refusal in (view.drop_product(Position(0, 0), 1) or "")
    assert view.editor.planogram.slots == before and not view.editor.is_modified
    view.select([Position(0, 0)])
    assert window.inspector.title.text() == "Slot A1"  # the driver sees the slot, but every field is locked
    assert not window.inspector.capacity.isEnabled() and not window.inspector.apply.isEnabled()
    assert edit_refusal in window.inspector.toolTip()
    assert audit_actions(fleet_url) == ["user.sign_in"]


def test_a_manager_edits_but_does_not_manage_users(qtbot: QtBot, fleet_url: str) -> None:
    window = open_as(qtbot, fleet_url, "maria.manager")
    assert window.save_action.isEnabled() and window.analysis.compare_action.isEnabled()
    assert not window.roles.banner.isVisible()
    assert "Only an admin can manage users" in window.roles.users_action.toolTip()
    view = window.current_editable_view()
    assert view is not None and view.read_only is None


def test_signing_in_as_an_admin_enables_users_and_a_role_change_is_audited(qtbot: QtBot, fleet_url: str) -> None:
    window = open_as(qtbot, fleet_url, "vera.viewer")
    assert not window.save_action.isEnabled()
    with qtbot.waitSignal(window.roles.user_changed, timeout=10_000):
        window.roles.sign_in("admin")
    assert window.roles.users_action.isEnabled() and window.save_action.isEnabled()
    assert window.current_editable_view().read_only is None  # type: ignore[union-attr]
    dialog = UsersDialog(window.repository.engine, window.roles.user, window.jobs, window)  # type: ignore[arg-type]
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.table.rowCount() == len(ROLES), timeout=10_000)
    row = [user.username for user in dialog.users].index("dan.driver")
    roles = dialog.table.cellWidget(row, 1)
    ai = dialog.table.cellWidget(row, 2)
    assert isinstance(roles, QComboBox) and isinstance(ai, QCheckBox)
    roles.setCurrentIndex(roles.findData("manager"))
    ai.setChecked(False)
    with qtbot.waitSignal(dialog.accepted, timeout=10_000):
        dialog.apply()
    assert audit_actions(fleet_url) == ["user.sign_in", "user.sign_in", "user.role_changed"]
    with Session(prepare_database(fleet_url)) as session:
        row_details = session.scalars(
            select(AuditLogRecord.details).where(AuditLogRecord.action == "user.role_changed")
        )
        assert json.loads(row_details.one()) == {
            "username": "dan.driver",
            "role": ["driver", "manager"],
            "ai_features_enabled": [True, False],
        }


def test_a_manager_sees_claudes_settings_locked_and_may_change_the_labour_cost(
    qtbot: QtBot, fleet_url: str, tmp_path: Path
) -> None:
    from storage.settings import SettingsStore
    from widgets.dialogs.settings import SettingsDialog

    window = open_as(qtbot, fleet_url, "maria.manager")
    store = SettingsStore(tmp_path / "settings.json")
    keys = window.explanations.claude and window.context.keys
    dialog = SettingsDialog(store, keys, lambda _key: None, user=window.roles.user, engine=window.repository.engine)
    qtbot.addWidget(dialog)
    assert not dialog.cap.isEnabled() and not dialog.models.isEnabled() and not dialog.save_key_button.isEnabled()
    assert "Only an admin can change AI settings" in dialog.cap.toolTip()
    dialog.labour.setValue(3.0)
    dialog.accept()
    assert SettingsStore(tmp_path / "settings.json").current.labour_cost_per_slot == 3.0
    assert audit_actions(fleet_url)[-1] == "settings.changed"


def test_starting_an_ai_feature_in_the_designer_is_audited_with_its_device(qtbot: QtBot, fleet_url: str) -> None:
    window = open_as(qtbot, fleet_url, "maria.manager")
    assert window.analysis.ai_started("affinity-analysis", 1)  # what Tools → Products bought together… calls first
    qtbot.waitUntil(lambda: "ai.affinity-analysis" in audit_actions(fleet_url), timeout=10_000)
    with Session(prepare_database(fleet_url)) as session:
        row = session.scalars(select(AuditLogRecord).where(AuditLogRecord.action == "ai.affinity-analysis")).one()
    assert (row.resource_type, row.resource_id) == ("device", 1)
    assert json.loads(row.details)["source"] == "designer"


def test_a_driver_starting_an_ai_feature_is_told_why_not(qtbot: QtBot, fleet_url: str) -> None:
    window = open_as(qtbot, fleet_url, "dan.driver")
    assert window.analysis.show_affinity() is None
    assert "Only a manager or admin can run AI features" in window.statusBar().currentMessage()
    assert "ai.affinity-analysis" not in audit_actions(fleet_url)


def test_a_driver_cannot_revert_or_activate_from_the_version_history(qtbot: QtBot, fleet_url: str) -> None:
    window = open_as(qtbot, fleet_url, "dan.driver")
    editor = window.current_editor()
    assert editor is not None
    history = window.session.versions.history(editor.cabinet.device_id, editor.cabinet.index)
    window._activate_version(editor, history[-1].id)
    assert "Only a manager or admin can activate a planogram" in window.statusBar().currentMessage()
    window._revert(editor, history[-1].id)
    assert "Only a manager or admin can edit planograms" in window.statusBar().currentMessage()
    assert not editor.is_modified and audit_actions(fleet_url) == ["user.sign_in"]
