"""One small demo fleet (12 machines × 60 days) and one models folder, shared by the template tests; each test
works on its own copy of the database."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage.simulator import build_demo_fleet


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
