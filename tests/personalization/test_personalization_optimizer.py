"""The proposal: one product per slot, a few facings at most per cabinet, zones respected, goals pulling their way."""

from __future__ import annotations

import numpy as np
import pytest

from ai.auto_fill import best_assignment
from ai.endpoints import ENDPOINTS, PERSONALIZE_LOCATION
from ai.personalization import PersonalizationRequest, answer, location_factor, personalize
from ai.personalization_optimizer import MAX_FACINGS, GoalWeights
from ai.services import Services
from designer.cabinets import zone_accepts


def request(device_id: int = 1, kind: str = "office", goals: dict[str, float] | None = None) -> dict[str, object]:
    return {
        "device_id": device_id,
        "location_context": {
            "type": kind,
            "demographics": {"age_range": "18-35", "gender_split": {"male": 0.6, "female": 0.4}},
            "traffic_patterns": {"peak_hours": ["08:00", "12:00", "15:00"], "daily_traffic": 200},
        },
        "optimization_goals": goals or {"revenue": 0.4, "variety": 0.3, "health_score": 0.3},
    }


def run(services: Services, device_id: int, revenue: float, variety: float, health: float, kind: str = "office"):
    goals = GoalWeights.normalised(revenue, variety, health)
    return personalize(services, PersonalizationRequest(device_id, kind, goals))


def test_the_endpoint_is_registered() -> None:
    assert ENDPOINTS["personalize-location"] is PERSONALIZE_LOCATION


@pytest.mark.parametrize("device", ["demo", "four cabinets"])
def test_zones_are_respected_and_facings_stay_within_bounds(services, four_cabinet_device, device) -> None:
    device_id = 1 if device == "demo" else four_cabinet_device
    result = run(services, device_id, 0.4, 0.3, 0.3)
    cabinets = {cabinet.index: cabinet for cabinet in result.cabinets}
    assert len(cabinets) == (3 if device == "demo" else 4)
    seen_slots: set[tuple[int, str]] = set()
    for placement in result.proposal.placements:
        cabinet = cabinets[placement.cabinet_index]
        assert cabinet.contains(placement.position)
        assert zone_accepts(cabinet.zone, placement.product.temperature_requirement), placement
        assert (placement.cabinet_index, placement.position.label) not in seen_slots
        seen_slots.add((placement.cabinet_index, placement.position.label))
    for index, planogram in result.planograms.items():
        products = [slot.product_id for slot in planogram.filled_slots()]
        assert max(products.count(p) for p in products) <= MAX_FACINGS, index


def test_a_cabinet_larger_than_its_range_keeps_the_rest_empty(services, four_cabinet_device) -> None:
    result = run(services, four_cabinet_device, 0.4, 0.3, 0.3)
    frozen_products = [p for p in services.catalogue.values() if p.temperature_requirement.value == "frozen"]
    big = result.planograms[3]
    filled = list(big.filled_slots())
    assert {slot.product_id for slot in filled} <= {p.id for p in frozen_products}
    assert len(frozen_products) <= len(filled) <= MAX_FACINGS * len(frozen_products)
    assert result.proposal.empty_slots == 200 - len(filled)
    assert result.body["personalized_planogram"]["empty_slots"] == result.proposal.empty_slots


def test_more_health_weight_raises_the_mean_health_score(services) -> None:
    means = [run(services, 1, 1 - health, 0.0, health).proposal.mean_health for health in (0.0, 0.3, 0.7)]
    assert means[0] <= means[1] <= means[2]
    assert means[2] > means[0] + 0.5, means


def test_more_variety_weight_spreads_the_categories(services) -> None:
    low = run(services, 1, 1.0, 0.0, 0.0).proposal.category_entropy
    high = run(services, 1, 0.3, 0.7, 0.0).proposal.category_entropy
    assert high > low, (low, high)


def test_more_revenue_weight_raises_the_expected_revenue(services) -> None:
    low = run(services, 1, 0.1, 0.45, 0.45).proposal.expected_daily_revenue
    high = run(services, 1, 1.0, 0.0, 0.0).proposal.expected_daily_revenue
    assert high > low, (low, high)


def test_revenue_alone_reaches_the_revenue_optimum(services) -> None:
    """With only revenue weighted the objective is the revenue share of the best revenue-only proposal."""
    result = run(services, 1, 1.0, 0.0, 0.0)
    assert result.proposal.revenue_share > 0.95
    assert result.proposal.objective == pytest.approx(result.proposal.revenue_share)


def test_another_location_type_moves_the_expected_sales(services, scorer) -> None:
    factor = location_factor(scorer, 1, "gym")
    assert factor and any(abs(np.log(f)) > 0.05 for f in factor.values())
    assert location_factor(scorer, 1, "office") == {}
    office = run(services, 1, 1.0, 0.0, 0.0, "office").body["personalized_planogram"]["recommendations"]
    gym = run(services, 1, 1.0, 0.0, 0.0, "gym").body["personalized_planogram"]["recommendations"]
    assert [r["product"] for r in office] != [r["product"] for r in gym]


def test_the_answer_has_the_seed_shape(services) -> None:
    reply = answer(request(), services)
    assert reply.valid
    plan = reply.body["personalized_planogram"]
    assert sum(plan["category_mix"].values()) == pytest.approx(1.0, abs=0.01)
    assert set(plan["category_mix"]) <= {p.category for p in services.catalogue.values()}
    assert {"morning", "lunch", "afternoon"} <= set(plan["time_based_suggestions"])
    assert any(plan["time_based_suggestions"].values())
    assert all(r["reason"] and r["expected_velocity"] >= 0 for r in plan["recommendations"])
    competition = reply.body["competitive_analysis"]
    assert 0 <= competition["differentiation_score"] <= 1
    assert competition["peer_devices"] and 1 not in competition["peer_devices"]


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"device_id": 999999}, "device 999999"),
        ({"device_id": "one"}, "device_id"),
        ({"location_context": {"type": "the moon"}}, "location type"),
        ({"optimization_goals": {"revenue": -1, "variety": 1, "health_score": 1}}, "revenue"),
        ({"optimization_goals": {"revenue": 0, "variety": 0, "health_score": 0}}, "every goal weight is 0"),
        ({"optimization_goals": {"revenue": 1, "profit": 1}}, "'profit'"),
        ({"location_context": {"type": "gym", "traffic_patterns": {"peak_hours": ["25:00"]}}}, "peak hour"),
        ({"location_context": {"type": "gym", "demographics": {"age_range": "35-18"}}}, "age_range"),
        (
            {"location_context": {"type": "gym", "demographics": {"gender_split": {"male": 0.9, "female": 0.4}}}},
            "gender",
        ),
    ],
)
def test_invalid_requests_name_the_problem_and_a_fix(services, change, words) -> None:
    reply = answer({**request(), **change}, services)
    assert not reply.valid
    assert reply.body["success"] is False
    assert words in reply.body["error"] and "Fix:" in reply.body["error"]


def test_a_non_object_request_is_refused(services) -> None:
    reply = answer([request()], services)
    assert not reply.valid and "JSON object" in reply.body["error"]


def test_best_assignment_never_returns_a_forbidden_pair() -> None:
    value = np.array([[5.0, 1.0, 9.0], [4.0, 2.0, 0.0]])
    allowed = np.array([[True, True, False], [False, True, False]])
    rows, columns = best_assignment(value, allowed)
    assert all(allowed[r, c] for r, c in zip(rows, columns, strict=True))
    assert sorted(zip(rows.tolist(), columns.tolist(), strict=True)) == [(0, 0), (1, 1)]
