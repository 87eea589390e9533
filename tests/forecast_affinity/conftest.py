"""One small demo fleet shared by the forecast and affinity tests; Qt offscreen for the view smoke tests."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from storage.schema import prepare_database
from storage.simulator import build_demo_fleet

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(scope="session")
def fleet_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    path = tmp_path_factory.mktemp("fa-fleet") / "demo.sqlite"
    build_demo_fleet(f"sqlite:///{path}", devices=6, days=180, seed=7)
    engine = prepare_database(f"sqlite:///{path}")
    yield engine
    engine.dispose()
