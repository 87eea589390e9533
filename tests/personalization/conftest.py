"""A demo fleet, a placement model trained on it once, and a device with four cabinets added to it."""

from __future__ import annotations

import os

# Before anything imports Qt: the wizard's smoke test runs with no display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path

import pytest

from ai.model_store import ModelStore, train_placement_model
from ai.placement_scoring import PlacementScorer
from ai.services import Services
from storage.fleet import FleetRepository
from storage.schema import prepare_database
from storage.simulator import build_demo_fleet
from tests.personalization.device_builder import FOUR_CABINETS, add_device


@pytest.fixture(scope="session")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    folder = tmp_path_factory.mktemp("personalisation")
    url = f"sqlite:///{folder / 'demo.sqlite'}"
    build_demo_fleet(url, devices=12, days=120, seed=7)
    return url, folder


@pytest.fixture(scope="session")
def scorer(fleet: tuple[str, Path]) -> PlacementScorer:
    url, _ = fleet
    engine = prepare_database(url)
    model = train_placement_model(engine)
    return PlacementScorer(model, FleetRepository(engine).catalogue())


@pytest.fixture(scope="session")
def four_cabinet_device(fleet: tuple[str, Path]) -> int:
    """A new office machine with an ambient, a refrigerated, a frozen and a large (10 × 20) frozen cabinet."""
    url, _ = fleet
    return add_device(prepare_database(url), "office", FOUR_CABINETS)


@pytest.fixture
def services(fleet: tuple[str, Path], scorer: PlacementScorer, four_cabinet_device: int) -> Services:
    """Services on the demo fleet sharing the trained scorer; models (if any) go to the test's folder."""
    url, folder = fleet
    return Services(url, model_store=ModelStore(folder / "models"), placement_scorer=scorer)
