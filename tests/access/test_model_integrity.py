"""Saved models carry an HMAC keyed from this user's key: a modified or foreign file is refused, audited and the
model retrains; an untouched one is reused."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

import ai.model_store
from ai.model_store import ModelStore, load_or_train_placement_model, signature_of
from ai.placement_model import PlacementModel
from storage.schema import prepare_database
from storage.simulator import build_demo_fleet


@pytest.fixture(scope="module")
def fleet_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("integrity") / "fleet.sqlite"
    build_demo_fleet(f"sqlite:///{path}", devices=2, days=30, seed=3)
    return path


@pytest.fixture
def trained(fleet_file: Path, tmp_path: Path):  # type: ignore[no-untyped-def]
    path = tmp_path / "fleet.sqlite"
    path.write_bytes(fleet_file.read_bytes())
    url = f"sqlite:///{path}"
    engine = prepare_database(url)
    store = ModelStore(tmp_path / "models")
    model = load_or_train_placement_model(engine, url, store)
    yield url, engine, store, model
    engine.dispose()


def _trainings(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Count the trainings while letting them happen."""
    calls: list[str] = []
    train = ai.model_store._train

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append("trained")
        return train(*args, **kwargs)

    monkeypatch.setattr(ai.model_store, "_train", counted)
    return calls


def _refusals(url: str) -> list[dict]:  # type: ignore[type-arg]
    with sqlite3.connect(url.removeprefix("sqlite:///")) as connection:
        rows = connection.execute("SELECT details FROM audit_log WHERE action = 'model.refused'").fetchall()
    return [json.loads(details) for (details,) in rows]


def test_an_untouched_signed_model_is_reused(trained, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    url, engine, store, _model = trained
    trainings = _trainings(monkeypatch)
    assert signature_of(store.path_for(url)).is_file()
    load_or_train_placement_model(engine, url, ModelStore(store.folder))
    assert trainings == [] and _refusals(url) == []


def test_a_modified_model_file_is_refused_audited_and_retrained(trained, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    url, engine, store, model = trained
    path = store.path_for(url)
    replace(model, intercept=model.intercept + 5.0).save(path)  # a well-formed file with other numbers
    trainings = _trainings(monkeypatch)

    reloaded = load_or_train_placement_model(engine, url, ModelStore(store.folder))

    assert trainings == ["trained"]
    assert reloaded.intercept == pytest.approx(model.intercept)
    assert [refusal["file"] for refusal in _refusals(url)] == [path.name]
    assert "modified" in _refusals(url)[0]["reason"]
    assert PlacementModel.load(path).intercept == pytest.approx(model.intercept)  # replaced, and signed again
    assert ModelStore(store.folder).load(url, model.fingerprint) is not None


def test_a_foreign_model_file_without_this_computers_signature_is_refused(  # type: ignore[no-untyped-def]
    trained, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, engine, store, _model = trained
    signature_of(store.path_for(url)).unlink()
    trainings = _trainings(monkeypatch)

    load_or_train_placement_model(engine, url, ModelStore(store.folder))

    assert trainings == ["trained"] and "no signature" in _refusals(url)[0]["reason"]
