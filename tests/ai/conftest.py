"""One demo fleet (the default 12 machines × 180 days) and one model trained on it, shared by the AI tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ai.model_store import train_placement_model
from ai.placement_model import PlacementModel
from ai.placement_scoring import PlacementScorer
from storage.schema import prepare_database
from storage.simulator import build_demo_fleet
from tests.ai.demo_fleet import DemoFleet


@pytest.fixture(scope="session")
def demo_fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoFleet]:
    path = tmp_path_factory.mktemp("ai-fleet") / "demo.sqlite"
    build_demo_fleet(f"sqlite:///{path}", devices=12, days=180, seed=7)
    engine = prepare_database(f"sqlite:///{path}")
    yield DemoFleet(path, engine)
    engine.dispose()


@pytest.fixture(scope="session")
def placement_model(demo_fleet: DemoFleet) -> PlacementModel:
    return train_placement_model(demo_fleet.engine)


@pytest.fixture(scope="session")
def scorer(demo_fleet: DemoFleet, placement_model: PlacementModel) -> PlacementScorer:
    return PlacementScorer(placement_model, demo_fleet.repository.catalogue())
