"""Anti-affinity against the simulator's planted rivalries: found across the fleet, no false alarms, fast."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

import storage.simulator.demand
from ai.affinity import analyse
from ai.forecast_data import active_slots
from ai.rivalry import MAX_RATE_RATIO, RivalPair, find_rivals, fleet_days, fleet_rivals
from storage.fleet import FleetRepository
from storage.schema import prepare_database
from storage.simulator import build_demo_fleet
from storage.tables import SimulationTruth


def _fleet(folder: Path, devices: int) -> Engine:
    build_demo_fleet(f"sqlite:///{folder / 'demo.sqlite'}", devices=devices, days=180, seed=7)
    return prepare_database(f"sqlite:///{folder / 'demo.sqlite'}")


@pytest.fixture(scope="module")
def wide_fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """40 devices × 180 days (≈ 4 s to build): rivals are carried together in some devices and periods and
    apart in others often enough to be measured."""
    engine = _fleet(tmp_path_factory.mktemp("rivalry-fleet"), 40)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def default_fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """What `python main.py demo` builds: 12 devices, 180 days, seed 7."""
    engine = _fleet(tmp_path_factory.mktemp("rivalry-default"), 12)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def fleet_without_rivals(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """The 40-device fleet with no rivalry planted: everything it flags would be a false alarm."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(storage.simulator.demand, "RIVALRIES", ())
        engine = _fleet(tmp_path_factory.mktemp("rivalry-null"), 40)
    yield engine
    engine.dispose()


def _truth(engine: Engine) -> dict[frozenset[int], float]:
    with engine.connect() as connection:
        value = connection.scalar(select(SimulationTruth.value).where(SimulationTruth.key == "rivalries"))
    return {frozenset(r["product_ids"]): r["multiplier_when_both_carried"] for r in json.loads(value)}


def _categories(engine: Engine) -> dict[int, str]:
    return {p.id: p.category for p in FleetRepository(engine).catalogue().values()}


def _rivals(engine: Engine) -> list[RivalPair]:
    return find_rivals(fleet_days(engine), _categories(engine))


def test_four_of_five_planted_rivalries_are_found_on_forty_devices_without_false_alarms(wide_fleet):
    truth = _truth(wide_fleet)
    rivals = _rivals(wide_fleet)
    flagged = {frozenset((r.a, r.b)) for r in rivals}
    assert len(flagged & set(truth)) >= 4, sorted(map(sorted, flagged))
    assert len(flagged - set(truth)) <= 1, sorted(map(sorted, flagged - set(truth)))
    for pair in rivals:
        assert pair.ratio <= MAX_RATE_RATIO and pair.z < 0 and pair.q_value <= 0.05
        low, high = pair.ci
        assert low < pair.ratio < high
        planted = truth.get(frozenset((pair.a, pair.b)))
        if planted is not None:  # the estimate is honest: its interval holds the planted multiplier
            assert low <= planted <= high, (pair, planted)


def test_the_default_demo_fleet_shows_its_best_measured_rivalries(default_fleet):
    """12 devices carry few rival pairs apart: two planted pairs have enough evidence to be shown, the others
    are never (or once) carried apart. At most one false alarm."""
    truth = _truth(default_fleet)
    flagged = {frozenset((r.a, r.b)) for r in _rivals(default_fleet)}
    assert len(flagged & set(truth)) >= 2, sorted(map(sorted, flagged))
    assert len(flagged - set(truth)) <= 1, sorted(map(sorted, flagged - set(truth)))


def test_a_fleet_without_planted_rivals_gets_no_substitute_warnings(fleet_without_rivals):
    assert _rivals(fleet_without_rivals) == []


def test_endpoint_lists_rivals_with_separation_advice_found_once_for_the_fleet(wide_fleet, monkeypatch):
    import ai.rivalry

    searches: list[int] = []
    real_find = ai.rivalry.find_rivals

    def counted_find(*args, **kwargs):  # type: ignore[no-untyped-def]
        searches.append(1)
        return real_find(*args, **kwargs)

    monkeypatch.setattr(ai.rivalry, "find_rivals", counted_find)
    ai.rivalry._CACHE.clear()
    catalogue = FleetRepository(wide_fleet).catalogue()
    rivals = fleet_rivals(wide_fleet, _categories(wide_fleet))
    truth = _truth(wide_fleet)
    planted = next(r for r in rivals if frozenset((r.a, r.b)) in truth)
    devices = [d.id for d in FleetRepository(wide_fleet).devices()]
    carry_both = [d for d in devices[:12] if {planted.a, planted.b} <= set(_carried(wide_fleet, d))]
    assert carry_both, "the 40-device fleet has devices carrying both rivals of a planted pair"
    seen_both = False
    for device_id in devices[:12]:
        body = analyse(wide_fleet, device_id, 90, 0.05, False, catalogue)
        for pair in body["anti_affinity"]:
            assert {"product_1", "product_2", "co_occurrence_ratio", "sales_drop", "recommendation"} <= set(pair)
            assert pair["recommendation"].startswith("Substitutes")
            if {pair["product_1"]["id"], pair["product_2"]["id"]} == {planted.a, planted.b} and pair["both_carried"]:
                seen_both = True
                assert "adjacent" in pair["recommendation"] or "different cabinets" in pair["recommendation"]
    assert seen_both, "a device carrying both planted rivals must be told to separate them"
    assert len(searches) == 1, "the fleet's rivals are searched once, then reused for every device (timing: bench)"


def _carried(engine: Engine, device_id: int) -> list[int]:
    return [int(p) for p in active_slots(engine, device_id)["product_id"]]


def test_small_fleet_answers_in_shape(fleet_engine):
    catalogue = FleetRepository(fleet_engine).catalogue()
    body = analyse(fleet_engine, 1, 90, 0.05, True, catalogue)
    assert isinstance(body["anti_affinity"], list)
    for pair in body["anti_affinity"]:
        assert pair["recommendation"] and 0 < pair["sales_drop"] < 1
