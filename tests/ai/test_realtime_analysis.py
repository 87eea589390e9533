"""The seed's realtime-analysis contract in process: shapes, batches, and invalid requests named with a fix."""

from __future__ import annotations

from typing import Any

import pytest

from ai.model_store import ModelStore
from ai.placement_scoring import PlacementScorer
from ai.realtime_analysis import answer
from ai.services import Services
from tests.ai.demo_fleet import DemoFleet


@pytest.fixture
def services(demo_fleet: DemoFleet, scorer: PlacementScorer, tmp_path_factory: pytest.TempPathFactory) -> Services:
    store = ModelStore(tmp_path_factory.mktemp("models"))
    return Services(demo_fleet.url, store, engine=demo_fleet.engine, placement_scorer=scorer)


def request(demo_fleet: DemoFleet, **changes: Any) -> dict[str, Any]:
    planogram = demo_fleet.repository.active_planogram(1, 0)
    assert planogram is not None
    slots = [
        {"position": s.position.label, "product_id": s.product_id, "quantity": s.quantity, "capacity": s.capacity}
        for s in planogram.filled_slots()
    ]
    body = {
        "planogram_id": "1_0",
        "product_id": slots[0]["product_id"],
        "slot_position": "B2",
        "context": {
            "current_slots": slots,
            "cabinet_config": {"rows": 6, "columns": 6, "temperature_zone": "ambient"},
        },
    }
    return {**body, **changes}


def test_a_valid_request_gets_every_field_of_the_seeds_response(demo_fleet: DemoFleet, services: Services) -> None:
    reply = answer(request(demo_fleet), services)
    body = reply.body
    assert reply.valid and isinstance(body, dict)
    assert body["success"] is True and 0 <= body["placement_score"] <= 100 and 0 <= body["confidence"] <= 1
    assert set(body["feedback"]) == {"pros", "cons", "suggestions"}
    assert set(body["zone_analysis"]) == {"current_zone_value", "optimal_zones", "reason"}
    assert 0 <= body["response_time_ms"] < 50
    assert body["model_version"] == services.placement_scorer.model.model_version


def test_the_database_cabinet_is_used_when_the_request_leaves_it_out(demo_fleet: DemoFleet, services: Services) -> None:
    full = request(demo_fleet)
    bare = {**full, "context": {"current_slots": full["context"]["current_slots"]}}
    with_config, without = answer(full, services).body, answer(bare, services).body
    assert isinstance(with_config, dict) and isinstance(without, dict)
    assert with_config["placement_score"] == without["placement_score"]


def test_a_batch_is_answered_in_order_with_errors_in_place(demo_fleet: DemoFleet, services: Services) -> None:
    reply = answer([request(demo_fleet, slot_position="A1"), request(demo_fleet, slot_position="Z99")], services)
    assert not reply.valid and isinstance(reply.body, list) and len(reply.body) == 2
    assert reply.body[0]["success"] is True
    assert reply.body[1] == {
        "success": False,
        "error": reply.body[1]["error"],
        "fallback_available": False,
        "fallback_score": None,
    }


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"slot_position": "Z99"}, "outside the cabinet"),
        ({"slot_position": ""}, "not a position"),
        ({"product_id": -1}, "ids are positive"),
        ({"product_id": 999999}, "not in the catalogue"),
        ({"product_id": None}, "product id is null"),
        ({"product_id": "3"}, "not a whole number"),
        ({"planogram_id": "not-a-planogram"}, "{device_id}_{cabinet_index}"),
        ({"planogram_id": "999_0"}, "device 999 is not in this database"),
        ({"planogram_id": "1_9", "context": {}}, "device 1 has no cabinet 9"),
        ({"context": {"cabinet_config": {"rows": 20, "columns": 30, "temperature_zone": "ambient"}}}, "at most 10"),
        ({"context": {"cabinet_config": {"rows": 6, "columns": 6, "temperature_zone": "lukewarm"}}}, "lukewarm"),
        ({"context": {"current_slots": [{"position": "A1", "product_id": -4}]}}, "slot A1"),
        ({"context": "nothing"}, "context is not a JSON object"),
    ],
)
def test_an_invalid_request_names_the_problem_and_a_fix(
    demo_fleet: DemoFleet, services: Services, change: dict[str, Any], words: str
) -> None:
    reply = answer(request(demo_fleet, **change), services)
    assert not reply.valid and isinstance(reply.body, dict)
    assert reply.body["success"] is False
    assert words in reply.body["error"] and "Fix:" in reply.body["error"]


def test_every_problem_of_a_request_is_reported_at_once(demo_fleet: DemoFleet, services: Services) -> None:
    reply = answer(request(demo_fleet, product_id=None, slot_position="Q7"), services)
    assert isinstance(reply.body, dict)
    assert "product id is null" in reply.body["error"] and "Q7" in reply.body["error"]


def test_a_request_that_is_not_an_object_is_refused(services: Services) -> None:
    reply = answer("score my planogram", services)
    assert not reply.valid and isinstance(reply.body, dict) and "not a JSON object" in reply.body["error"]
