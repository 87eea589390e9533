"""Anti-affinity against the simulator's planted rivalries: found across the fleet, few false alarms, fast."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, select

from ai.affinity import analyse
from ai.forecast_data import active_slots
from ai.rivalry import find_rivals, fleet_periods, fleet_rivals
from storage.fleet import FleetRepository
from storage.schema import prepare_database
from storage.simulator import build_demo_fleet
from storage.tables import SimulationTruth


@pytest.fixture(scope="module")
def wide_fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """40 devices × 180 days (≈ 4 s to build): rivals are carried together in some devices and periods and
    apart in others often enough to be measured; the 12-device default fleet rarely is (see the report)."""
    path = tmp_path_factory.mktemp("rivalry-fleet") / "demo.sqlite"
    build_demo_fleet(f"sqlite:///{path}", devices=40, days=180, seed=7)
    engine = prepare_database(f"sqlite:///{path}")
    yield engine
    engine.dispose()


def _truth(engine: Engine) -> set[frozenset[int]]:
    with engine.connect() as connection:
        value = connection.scalar(select(SimulationTruth.value).where(SimulationTruth.key == "rivalries"))
    return {frozenset(r["product_ids"]) for r in json.loads(value)}


def _categories(engine: Engine) -> dict[int, str]:
    return {p.id: p.category for p in FleetRepository(engine).catalogue().values()}


def test_planted_rivalries_are_found_with_few_false_alarms(wide_fleet):
    truth = _truth(wide_fleet)
    rivals = find_rivals(fleet_periods(wide_fleet), _categories(wide_fleet))
    flagged = {frozenset((r.a, r.b)) for r in rivals}
    hits = flagged & truth
    assert len(hits) >= 3, (sorted(map(sorted, hits)), sorted(map(sorted, flagged)))
    assert len(flagged - truth) <= 2, sorted(map(sorted, flagged - truth))
    for pair in rivals:
        ratios = [r for r in (pair.ratio_a, pair.ratio_b) if r == r]
        assert ratios and all(r < 1 for r in ratios) and pair.z < 0
        for ratio, (low, high) in ((pair.ratio_a, pair.ci_a), (pair.ratio_b, pair.ci_b)):
            if ratio == ratio:
                assert low < ratio < high
    # the planted multiplier is 0.70–0.75: the strongest direction's estimate is in a sensible range
    for pair in rivals:
        if frozenset((pair.a, pair.b)) in truth:
            assert 0.3 < 1 - pair.drop < 0.95


def test_endpoint_lists_rivals_with_separation_advice_and_stays_fast(wide_fleet):
    catalogue = FleetRepository(wide_fleet).catalogue()
    rivals = fleet_rivals(wide_fleet, _categories(wide_fleet))
    truth = _truth(wide_fleet)
    planted = next(r for r in rivals if frozenset((r.a, r.b)) in truth)
    devices = [d.id for d in FleetRepository(wide_fleet).devices()]
    carry_both = [d for d in devices[:12] if {planted.a, planted.b} <= set(_carried(wide_fleet, d))]
    assert carry_both, "the 40-device fleet has devices carrying both rivals of a planted pair"
    seen_both = False
    for device_id in devices[:12]:
        started = time.perf_counter()
        body = analyse(wide_fleet, device_id, 90, 0.05, False, catalogue)
        assert time.perf_counter() - started < 1.0  # the fleet's rivals are cached after the first device
        for pair in body["anti_affinity"]:
            assert {"product_1", "product_2", "co_occurrence_ratio", "sales_drop", "recommendation"} <= set(pair)
            assert pair["recommendation"].startswith("Substitutes")
            if {pair["product_1"]["id"], pair["product_2"]["id"]} == {planted.a, planted.b} and pair["both_carried"]:
                seen_both = True
                assert "adjacent" in pair["recommendation"] or "different cabinets" in pair["recommendation"]
    assert seen_both, "a device carrying both planted rivals must be told to separate them"


def _carried(engine: Engine, device_id: int) -> list[int]:
    return [int(p) for p in active_slots(engine, device_id)["product_id"]]


def test_small_fleet_answers_quickly_and_in_shape(fleet_engine):
    catalogue = FleetRepository(fleet_engine).catalogue()
    started = time.perf_counter()
    body = analyse(fleet_engine, 1, 90, 0.05, True, catalogue)
    assert time.perf_counter() - started < 2.0
    assert isinstance(body["anti_affinity"], list)
    for pair in body["anti_affinity"]:
        assert pair["recommendation"] and 0 < pair["sales_drop"] < 1
