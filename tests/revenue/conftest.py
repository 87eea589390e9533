"""One small demo fleet and its trained services, shared by the revenue tests (offscreen Qt for the window)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator
from pathlib import Path

import pytest

from ai.model_store import ModelStore
from ai.services import Services
from storage.simulator import build_demo_fleet


@pytest.fixture(scope="session")
def revenue_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("revenue-fleet") / "demo.sqlite"
    build_demo_fleet(f"sqlite:///{path}", devices=6, days=150, seed=5)
    return path


@pytest.fixture(scope="session")
def services(revenue_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    found = Services(f"sqlite:///{revenue_db}", ModelStore(tmp_path_factory.mktemp("revenue-models")))
    found.open()
    _ = found.placement_scorer
    yield found
    found.engine.dispose()
