"""Two demo fleets for the explanation tests: one with months of sales, one whose machines sold for five days."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete, func, select

from ai.model_store import ModelStore
from ai.services import Services
from storage.schema import prepare_database
from storage.simulator import build_demo_fleet
from storage.tables import SaleRecord
from tests.sync.conftest import pulled  # noqa: F401  (the real CVD sample, pulled into a working copy)

THIN_DAYS = 5


def _services(
    tmp_path_factory: pytest.TempPathFactory, name: str, devices: int, days: int, thin_device: int | None = None
) -> Iterator[Services]:
    path = tmp_path_factory.mktemp(name) / "demo.sqlite"
    build_demo_fleet(f"sqlite:///{path}", devices=devices, days=days, seed=5)
    if thin_device is not None:
        _keep_last_days(f"sqlite:///{path}", thin_device, THIN_DAYS)
    found = Services(f"sqlite:///{path}", ModelStore(tmp_path_factory.mktemp(f"{name}-models")))
    found.open()
    _ = found.placement_scorer
    yield found
    found.engine.dispose()


@pytest.fixture(scope="session")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    """Six machines, 120 days of sales: a model with history behind it."""
    yield from _services(tmp_path_factory, "why-fleet", 6, 120)


@pytest.fixture(scope="session")
def thin_services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    """Three machines, and machine 1 has only its last five days of sales (a machine just installed)."""
    yield from _services(tmp_path_factory, "why-thin", 3, 14, thin_device=1)


def _keep_last_days(url: str, device_id: int, days: int) -> None:
    """Forget the device's sales before its last ``days`` days (the simulator writes at least two weeks)."""
    engine = prepare_database(url)
    with engine.begin() as connection:
        latest = connection.scalar(select(func.max(SaleRecord.sold_at)).where(SaleRecord.device_id == device_id))
        first_kept = datetime.combine(latest.date() - timedelta(days=days - 1), datetime.min.time())
        connection.execute(delete(SaleRecord).where(SaleRecord.device_id == device_id, SaleRecord.sold_at < first_kept))
    engine.dispose()


@pytest.fixture(scope="module")
def sample_services(pulled: tuple[str, Engine, Path]) -> Services:  # noqa: F811
    """The AI services on the working copy pulled from the real sample."""
    url, engine, folder = pulled
    return Services(url, ModelStore(folder / "models"), engine=engine, login="manager2")
