"""A trained model is saved, reused on the next start while the data is unchanged, and retrained after."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

import ai.model_store
from ai.model_store import (
    ModelStore,
    TrainingCancelled,
    load_or_train_placement_model,
    train_placement_model,
)
from ai.placement_feedback import analyse_placement
from ai.placement_model import PlacementModel
from ai.placement_scoring import PlacementScorer
from designer.planograms import Planogram
from designer.positions import Position
from storage.app_context import DataFolders
from storage.fleet import FleetRepository
from storage.schema import prepare_database
from storage.simulator import build_demo_fleet
from storage.tables import CabinetRecord, Device, ProductRecord, SaleRecord


@pytest.fixture
def small_fleet(tmp_path: Path) -> Iterator[tuple[str, Engine]]:
    url = f"sqlite:///{tmp_path / 'small.sqlite'}"
    build_demo_fleet(url, devices=2, days=30, seed=3)
    engine = prepare_database(url)
    yield url, engine
    engine.dispose()


def refuse_training(*_args: object) -> PlacementModel:
    raise AssertionError("the saved model should have been reused")


def test_a_saved_model_is_reused_while_the_data_is_unchanged(
    small_fleet: tuple[str, Engine], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, engine = small_fleet
    store = ModelStore(tmp_path / "models")
    first = load_or_train_placement_model(engine, url, store)
    assert store.path_for(url).is_file()
    monkeypatch.setattr(ai.model_store, "_train", refuse_training)
    again = load_or_train_placement_model(engine, url, ModelStore(tmp_path / "models"))
    assert again.model_version == first.model_version
    assert np.array_equal(again.row_effect, first.row_effect)


def test_new_sales_make_the_model_retrain(small_fleet: tuple[str, Engine], tmp_path: Path) -> None:
    url, engine = small_fleet
    store = ModelStore(tmp_path / "models")
    first = load_or_train_placement_model(engine, url, store)
    with Session(engine) as session, session.begin():
        session.add(
            SaleRecord(
                device_id=1, cabinet_index=0, position="A1", product_id=1, sold_at=datetime(2026, 7, 1, 9),
                quantity=1, unit_price=Decimal("1.75"), transaction_id=10**9,
            )
        )  # fmt: skip
    assert store.load(url, ai.model_store.data_fingerprint(engine)) is None
    retrained = load_or_train_placement_model(engine, url, store)
    assert retrained.model_version != first.model_version
    assert retrained.summary["sales_rows"] == first.summary["sales_rows"] + 1


def test_a_damaged_model_file_is_retrained_not_trusted(small_fleet: tuple[str, Engine], tmp_path: Path) -> None:
    url, engine = small_fleet
    store = ModelStore(tmp_path / "models")
    first = load_or_train_placement_model(engine, url, store)
    store.path_for(url).write_bytes(b"PK\x03\x04 not really a model")
    again = load_or_train_placement_model(engine, url, store)
    assert again.model_version == first.model_version
    assert PlacementModel.load(store.path_for(url)).model_version == first.model_version


def test_models_live_in_the_user_data_directory() -> None:
    assert str(DataFolders.for_this_user().models).startswith(os.environ["XDG_DATA_HOME"])


def test_training_reports_progress_and_can_be_stopped(small_fleet: tuple[str, Engine], tmp_path: Path) -> None:
    url, engine = small_fleet
    seen: list[int] = []
    train_placement_model(engine, progress=lambda percent, _message: seen.append(percent))
    assert seen[0] == 0 and seen[-1] == 100 and seen == sorted(seen)

    store = ModelStore(tmp_path / "models")
    with pytest.raises(TrainingCancelled):
        load_or_train_placement_model(engine, url, store, progress=lambda *_: None, should_stop=lambda: True)
    assert not store.path_for(url).exists()


def test_a_saved_model_scores_without_any_database(small_fleet: tuple[str, Engine], tmp_path: Path) -> None:
    url, engine = small_fleet
    repository = FleetRepository(engine)
    catalogue, cabinet, planogram = repository.catalogue(), repository.cabinets(1)[0], repository.active_planogram(1, 0)
    assert planogram is not None
    store = ModelStore(tmp_path / "models")
    trained = load_or_train_placement_model(engine, url, store)
    engine.dispose()
    loaded = PlacementModel.load(store.path_for(url))
    product = next(iter(planogram.product_ids()))
    expected = PlacementScorer(trained, catalogue).heat_map(cabinet, planogram, product)
    assert np.array_equal(PlacementScorer(loaded, catalogue).heat_map(cabinet, planogram, product), expected)


def test_models_of_deleted_databases_are_cleared_away(small_fleet: tuple[str, Engine], tmp_path: Path) -> None:
    url, engine = small_fleet
    store = ModelStore(tmp_path / "models")
    model = train_placement_model(engine)
    gone = tmp_path / "scratch.sqlite"
    gone.write_bytes(b"")
    store.save(f"sqlite:///{gone}", model)
    gone.unlink()
    store.save(url, model)
    assert sorted(store.folder.glob("*.npz")) == [store.path_for(url)]


def test_a_database_without_sales_gives_a_model_that_scores_every_slot_alike(tmp_path: Path) -> None:
    engine = prepare_database(f"sqlite:///{tmp_path / 'new.sqlite'}")
    with Session(engine) as session, session.begin():
        session.add(Device(id=1, name="New machine", asset_number="N-1", location_type="office"))
        session.add(CabinetRecord(device_id=1, cabinet_index=0, rows=4, columns=5, temperature_zone="ambient"))
        session.add(ProductRecord(id=1, name="Classic Potato Chips", category="chips", price=Decimal("1.75")))
    scorer = PlacementScorer(train_placement_model(engine), FleetRepository(engine).catalogue())
    cabinet = FleetRepository(engine).cabinets(1)[0]
    assert not scorer.has_history
    assert np.all(scorer.heat_map(cabinet, Planogram(1, 0), 1) == 100)
    analysis = analyse_placement(scorer, cabinet, Planogram(1, 0), 1, Position.parse("A1"))
    assert analysis.cons[0].startswith("No sales in this database can be placed in a slot yet")
    engine.dispose()


def test_an_empty_database_trains_without_error(tmp_path: Path) -> None:
    engine = prepare_database(f"sqlite:///{tmp_path / 'empty.sqlite'}")
    model = train_placement_model(engine)
    assert model.summary["slot_spans"] == 0 and model.summary["sales_rows"] == 0
    engine.dispose()
