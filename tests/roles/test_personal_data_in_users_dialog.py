"""Tools → Users…: an admin exports a person's data to a file and deletes it, audited; the list shows the change."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox
from pytestqt.qtbot import QtBot
from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.schema import prepare_database
from storage.tables import AiPrediction, AuditLogRecord, User
from storage.users import sign_in
from tests.gui.fixture_fleet import build_fixture_fleet
from widgets.dialogs.users import UsersDialog
from widgets.workers import BackgroundJobs


@pytest.fixture(autouse=True)
def no_leaked_threads(qapp: QApplication) -> Iterator[None]:
    yield
    qapp.processEvents()


@pytest.fixture
def fleet(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path}/people.sqlite"
    build_fixture_fleet(url)
    engine = prepare_database(url)
    with Session(engine) as session, session.begin():
        session.add_all([User(username="ana.admin", role="admin"), User(username="dan.driver", role="driver")])
        session.flush()
        dan = session.scalar(select(User.id).where(User.username == "dan.driver"))
        session.add(AiPrediction(prediction_type="revenue", device_id=1, input_data='{"asked": "by Dan"}',
                                 prediction_result="{}", created_by=dan))  # fmt: skip
    engine.dispose()
    return url


def test_an_admin_exports_then_deletes_a_persons_data_from_the_users_dialog(
    qtbot: QtBot, fleet: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = prepare_database(fleet)
    admin = sign_in(engine, "ana.admin")
    holder = QApplication.activeWindow()
    jobs = BackgroundJobs(holder)
    dialog = UsersDialog(engine, admin, jobs)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: bool(dialog.users), timeout=10_000)
    dialog.table.selectRow([user.username for user in dialog.users].index("dan.driver"))
    out = tmp_path / "dan.json"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_a, **_k: (str(out), ""))
    monkeypatch.setattr(QMessageBox, "question", lambda *_a, **_k: QMessageBox.StandardButton.Yes)

    dialog.export_selected()
    qtbot.waitUntil(lambda: "exported to" in dialog.status.text(), timeout=10_000)
    dialog.delete_selected()
    qtbot.waitUntil(lambda: "was deleted" in dialog.status.text(), timeout=10_000)

    assert json.loads(out.read_text())["predictions"][0]["input_data"] == {"asked": "by Dan"}
    assert "deleted-user-" in " ".join(user.username for user in dialog.users)
    with Session(engine) as session:
        assert session.scalars(select(AiPrediction)).all() == []
        assert "privacy.user_deleted" in session.scalars(select(AuditLogRecord.action)).all()
    dialog.close()
    jobs.shutdown()
    engine.dispose()
