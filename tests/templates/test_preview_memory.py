"""The preview remembers each cabinet's baseline prediction, so a second preview of the same machines predicts only
the proposals; that memory is bounded, and a cabinet it has let go is predicted afresh, to the same figures."""

from __future__ import annotations

from pathlib import Path

import pytest
from cachetools import LRUCache

from ai import fleet_preview
from ai.fleet_preview import BASELINES_KEPT, preview_template
from ai.model_store import ModelStore
from ai.services import Services
from designer.fleet_changes import MachineFilter
from designer.templates import template_from_planogram
from storage.fleet import FleetRepository
from storage.fleet_operations import save_template
from storage.schema import prepare_database
from storage.users import sign_in


def predictions(preview: fleet_preview.FleetPreview) -> dict[tuple[int, int], tuple[float, float, float]]:
    return {
        line.key: (line.prediction.change, line.prediction.lower, line.prediction.upper)
        for line in preview.machines
        if line.prediction is not None
    }


def test_a_preview_of_more_cabinets_than_remembered_predicts_each_as_a_fresh_one_does(
    fleet_database: Path, shared_data_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{fleet_database}"
    engine = prepare_database(url)
    user = sign_in(engine, "maria.manager", audit=False)
    services = Services(url, ModelStore(shared_data_home / "preview-models"), engine=engine, user=user)
    layout = FleetRepository(engine).device_layout(1)
    cabinet = layout.cabinets[0]
    template, _ = save_template(
        engine, template_from_planogram("Snacks", cabinet, layout.planogram_for(cabinet)), user_id=user.id
    )
    assert fleet_preview._BASELINES.maxsize == BASELINES_KEPT  # the designer's memory has a bound too

    monkeypatch.setattr(fleet_preview, "_BASELINES", LRUCache(maxsize=1000))
    fresh = predictions(preview_template(services, template, MachineFilter()))
    assert len(fresh) >= 3  # enough cabinets change for a memory of two to overflow
    remembered = predictions(preview_template(services, template, MachineFilter()))
    assert remembered == fresh

    small: LRUCache = LRUCache(maxsize=2)
    monkeypatch.setattr(fleet_preview, "_BASELINES", small)
    first = predictions(preview_template(services, template, MachineFilter()))
    second = predictions(preview_template(services, template, MachineFilter()))
    assert first == second == fresh
    assert len(small) == 2  # the two cabinets predicted last; the others were let go
    engine.dispose()
