"""One small demo fleet (12 machines × 60 days) and one models folder, shared by the template tests; each test
works on its own copy of the database."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMainWindow
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine

from storage.fleet import FleetRepository
from storage.simulator import build_demo_fleet
from storage.users import sign_in
from widgets.window.services import WindowServices
from widgets.window.sign_in import RoleGate
from widgets.workers import BackgroundJobs


@pytest.fixture(scope="session")
def demo_fleet_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template-fleet") / "demo.sqlite"
    build_demo_fleet(f"sqlite:///{path}", devices=12, days=60, seed=7)
    return path


@pytest.fixture(scope="session")
def shared_data_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the placement model trained by the first test stays for the others (the app's data folder)."""
    return tmp_path_factory.mktemp("template-data")


@pytest.fixture
def fleet_database(
    demo_fleet_file: Path, shared_data_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    monkeypatch.setenv("XDG_DATA_HOME", str(shared_data_home))
    copy = tmp_path / "fleet.sqlite"
    copy.write_bytes(demo_fleet_file.read_bytes())
    return copy


@pytest.fixture
def window_services(qtbot: QtBot) -> Callable[[Engine, str], WindowServices]:
    """What the main window lends its collaborators, built from plain parts for ``username`` on ``engine``'s
    database (a bare main window as the parent, the real role gate)."""

    def build(engine: Engine, username: str) -> WindowServices:
        repository = FleetRepository(engine)
        window = QMainWindow()
        qtbot.addWidget(window)
        jobs = BackgroundJobs(window)
        roles = RoleGate(window, jobs)
        roles.show_user(sign_in(engine, username, audit=False), engine)
        return WindowServices(window, jobs, roles, lambda _text, _ms: None, lambda: None, lambda: repository)  # type: ignore[arg-type, return-value]

    return build
