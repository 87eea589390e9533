"""The revenue model and the predict-revenue answer on a small demo fleet."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from ai.revenue_model import (
    MAX_DEPARTURE,
    Calibration,
    expected_sales,
    fit_fleet_index,
    restock_gaps,
    stretch_level,
    substitute_factors,
)
from ai.revenue_prediction import answer, compare_planograms, comparison_body
from ai.services import Services
from designer.planograms import Planogram
from storage.fleet import FleetRepository
from storage.tables import AiPrediction


def active(services: Services, device_id: int = 1, cabinet_index: int = 0) -> tuple:
    cabinet = services.cabinet(device_id, cabinet_index)
    planogram = FleetRepository(services.engine).active_planogram(device_id, cabinet_index)
    assert cabinet is not None and planogram is not None
    return cabinet, planogram


def entries(planogram: Planogram) -> list[dict]:
    return [
        {"position": p.label, "product_id": s.product_id, "quantity": s.quantity, "capacity": s.capacity}
        for p, s in sorted(planogram.slots.items(), key=lambda i: (i[0].row, i[0].column))
        if s.product_id is not None
    ]


def request(planogram: Planogram, proposed: list[dict] | None = None) -> dict:
    current = entries(planogram)
    return {
        "device_id": planogram.device_id,
        "cabinet_index": planogram.cabinet_index,
        "current_planogram": {"slots": current},
        "proposed_planogram": {"slots": current if proposed is None else proposed},
        "prediction_horizon_days": 30,
        "include_confidence_intervals": True,
    }


def test_monthly_is_daily_times_thirty_and_an_unchanged_planogram_has_no_lift(services: Services) -> None:
    _cabinet, planogram = active(services)
    found = answer(request(planogram), services)
    assert found.valid, found.body
    p = found.body["predictions"]
    for side in ("baseline", "proposed"):
        assert p[side]["monthly_revenue"] == pytest.approx(p[side]["daily_revenue"] * 30, abs=0.005)
    assert p["proposed"]["daily_revenue"] == p["baseline"]["daily_revenue"] > 0
    assert p["proposed"]["revenue_lift"] == 0
    assert p["break_even_analysis"]["implementation_cost"] == 0
    assert p["break_even_analysis"]["days_to_recover"] == 0
    interval = p["proposed"]["confidence_interval"]
    assert interval["lower"] < p["proposed"]["daily_revenue"] < interval["upper"]
    meta = found.body["model_metadata"]
    assert 0 <= meta["confidence_score"] <= 1 and 0 <= meta["data_quality_score"] <= 1


def test_emptying_half_the_cabinet_lowers_revenue_and_costs_labour(services: Services) -> None:
    _cabinet, planogram = active(services)
    current = entries(planogram)
    found = answer(request(planogram, current[::2]), services)
    p = found.body["predictions"]
    assert p["proposed"]["daily_revenue"] < p["baseline"]["daily_revenue"]
    assert p["proposed"]["revenue_lift"] < 0
    emptied = len(current) - len(current[::2])
    assert p["break_even_analysis"]["implementation_cost"] == pytest.approx(emptied * 1.0)  # default labour cost
    assert p["break_even_analysis"]["days_to_recover"] is None
    assert any("less" in r["factor"] for r in p["risk_factors"])


def test_each_answer_is_recorded_in_ai_predictions(services: Services) -> None:
    _, planogram = active(services)
    with services.engine.connect() as connection:
        before = len(connection.execute(select(AiPrediction.id)).all())
    answer(request(planogram), services)
    with Session(services.engine) as session:
        rows = session.scalars(select(AiPrediction).order_by(AiPrediction.id)).all()
    assert len(rows) == before + 1
    row = rows[-1]
    assert row.prediction_type == "revenue" and row.device_id == planogram.device_id
    assert json.loads(row.prediction_result)["success"] is True
    assert row.model_version and row.response_time_ms is not None and row.confidence_score is not None


def test_invalid_requests_name_the_problem(services: Services) -> None:
    _, planogram = active(services)
    bad = request(planogram)
    bad["device_id"] = 999_999
    found = answer(bad, services)
    assert not found.valid and found.body["success"] is False and "999999" in found.body["error"]
    twice = request(planogram, entries(planogram) + entries(planogram)[:1])
    assert not answer(twice, services).valid
    assert not answer([1, 2], services).valid


def test_capacity_limits_sales_between_restocks() -> None:
    demand = np.array([0.5, 5.0, 5.0])
    sold = expected_sales(demand, np.array([10, 10, 4]), (2.0, 2.0, 3.0))
    assert sold[0] == pytest.approx(0.5, rel=0.01)  # plenty of room: sells its demand
    assert sold[1] < 5.0  # 10 units over a 3-day gap at 5/day sells out
    assert sold[2] < sold[1] <= 10 / 2  # smaller spiral, fewer sales; never above capacity per gap
    assert sold[2] <= 4 / 2 + 1e-9


def test_restock_days_come_from_the_weekdays_the_driver_visits() -> None:
    monday = date(2026, 3, 2)
    visits = [monday + timedelta(days=7 * week + day) for week in range(6) for day in (0, 2, 4)]
    visits = [*visits[1:], date(2026, 3, 14)]  # Mon/Wed/Fri, one visit unseen and one stray Saturday
    gaps, known = restock_gaps(visits)
    assert known and sorted(gaps) == [2.0, 2.0, 3.0]
    assert restock_gaps([]) == ((7.0,), False)


def test_a_new_substitute_lowers_the_pair(services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    cabinet, planogram = active(services)
    scorer = services.placement_scorer
    filled = [s for s in planogram.slots.values() if s.product_id is not None]
    first = filled[0]
    category = services.catalogue[first.product_id].category
    rival = next(
        p.id
        for p in services.catalogue.values()
        if p.category == category
        and p.id not in planogram.product_ids()
        and p.temperature_requirement == services.catalogue[first.product_id].temperature_requirement
    )
    pair = {first.product_id, rival}
    original = scorer.lift_between
    monkeypatch.setattr(scorer, "lift_between", lambda a, b: 0.01 if {a, b} == pair else max(original(a, b), 10.0))
    empty = next(p for p in cabinet.positions() if planogram.slot_at(p).product_id is None or p == filled[-1].position)
    slots = dict(planogram.slots)
    slots[empty] = replace(planogram.slot_at(empty), product_id=rival, capacity=10)
    proposed = replace(planogram, slots=slots)
    factors = substitute_factors(scorer, services.catalogue, proposed, planogram)
    assert factors[first.product_id][0] < 1 and rival in factors[first.product_id][1]
    comparison = compare_planograms(services, cabinet, planogram, proposed, labour_cost_per_slot=1.0)
    before = {s.product_id: s.revenue for s in comparison.baseline.slots}
    after = {s.product_id: s.revenue for s in comparison.proposed.slots}
    assert after[first.product_id] < before[first.product_id]
    body = comparison_body(comparison, services.catalogue)
    assert any("cannibalise" in r["factor"] for r in body["predictions"]["risk_factors"])


def test_a_product_never_sold_here_is_predicted_and_flagged(services: Services) -> None:
    cabinet, planogram = active(services)
    scorer = services.placement_scorer
    device_products = {p for c in services.repository.cabinets(1) for p in (FleetRepository(services.engine)
                       .active_planogram(1, c.index) or Planogram(1, c.index)).product_ids()}  # fmt: skip
    newcomer = next(
        p.id
        for p in services.catalogue.values()
        if scorer.history_days(1, p.id) == 0
        and p.id not in device_products
        and p.temperature_requirement.value == cabinet.zone.value
        and p.category != "system"
    )
    target = next(s for s in planogram.slots.values() if s.product_id is not None)
    slots = dict(planogram.slots)
    slots[target.position] = replace(target, product_id=newcomer)
    proposed = replace(planogram, slots=slots)
    comparison = compare_planograms(services, cabinet, planogram, proposed, labour_cost_per_slot=2.5)
    new_slot = next(s for s in comparison.proposed.slots if s.product_id == newcomer)
    assert new_slot.history_days == 0 and new_slot.revenue > 0  # borrowed from similar machines
    body = comparison_body(comparison, services.catalogue)
    assert body["predictions"]["break_even_analysis"]["implementation_cost"] == 2.5
    risks = body["predictions"]["risk_factors"]
    assert any(r["factor"].startswith("New product introduction") for r in risks)
    assert comparison.proposed.relative_half_width > comparison.baseline.relative_half_width


def test_the_conformal_half_width_is_a_finite_sample_quantile() -> None:
    scores = np.linspace(0.01, 0.20, 20)
    assert Calibration(scores).half_width(0.10) == pytest.approx(0.19)  # the ceil(21 × 0.9) = 19th of 20
    assert Calibration(np.arange(1, 100) / 100).half_width(0.10) == pytest.approx(0.90)
    assert Calibration(np.zeros(3)).half_width() == 0.25  # too few scores: the stated default


def test_recent_residuals_weigh_more_in_the_conformal_quantile() -> None:
    scores = np.concatenate([np.full(20, 0.05), np.full(20, 0.30)])  # old residuals small, recent ones large
    equal = Calibration(scores).half_width(0.10)
    recent = Calibration(scores, np.concatenate([np.full(20, 0.1), np.ones(20)])).half_width(0.10)
    assert equal == pytest.approx(0.30) and recent == pytest.approx(0.30)
    older = Calibration(scores, np.concatenate([np.ones(20), np.full(20, 0.01)])).half_width(0.10)
    assert older == pytest.approx(0.05)  # the recent large residuals barely count when they are the old ones


def test_each_temperature_zone_gets_the_width_of_its_own_cabinets_errors() -> None:
    scores = np.concatenate([np.linspace(0.01, 0.10, 50), np.linspace(0.05, 0.50, 50), np.full(5, 0.9)])
    zones = np.array(["ambient"] * 50 + ["frozen"] * 50 + ["refrigerated"] * 5, dtype=object)
    calibration = Calibration(scores, zones=zones)
    snacks, freezer = calibration.half_width(0.10, "ambient"), calibration.half_width(0.10, "frozen")
    assert snacks == pytest.approx(0.01 + 45 * 0.09 / 49)  # the 46th smallest of 50 (ceil(51 × 0.9))
    assert freezer > 4 * snacks
    # too few scores of its own: the fleet's width, as without a zone
    assert calibration.half_width(0.10, "refrigerated") == calibration.half_width(0.10)


def test_the_fleet_index_is_the_weekly_pattern_the_cabinets_of_a_zone_share() -> None:
    days = pd.date_range("2026-01-05", periods=56)  # eight whole weeks, the last ending the day before "end"
    weekly = np.repeat([0.8, 0.9, 1.0, 1.1, 1.2, 1.3, 1.2, 1.1], 7)  # oldest week first
    levels = {("a", 0): 10.0, ("b", 0): 40.0, ("c", 0): 25.0}
    daily = {key: pd.Series(level * weekly, index=days) for key, level in levels.items()}
    daily[("d", 0)] = pd.Series(np.full(56, 5.0), index=days)  # a snack cabinet: flat, its own zone
    zones = {("a", 0): "refrigerated", ("b", 0): "refrigerated", ("c", 0): "refrigerated", ("d", 0): "ambient"}
    index = fit_fleet_index(daily, zones)
    assert index.end == date(2026, 3, 2)
    chilled = index.of("refrigerated", [d.date() for d in days])
    # the shared pattern, scaled so the last four weeks average 1 (their mean is 1.2)
    assert chilled == pytest.approx(weekly / 1.2, rel=1e-3)
    assert index.of("ambient", [d.date() for d in days]) == pytest.approx(np.ones(56))
    assert index.of("frozen", [date(2026, 2, 1)]) == pytest.approx([1.0])  # a zone never sold from counts 1
    assert index.of("refrigerated", [date(2025, 6, 1)]) == pytest.approx([1.0])  # before the fitted weeks


def test_the_level_reads_the_whole_stretch_through_the_fleet_index() -> None:
    index = np.repeat([0.8, 0.9, 1.0, 1.1, 1.2, 1.3, 1.2, 1.1], 7) / 1.2
    values = 30.0 * index  # a cabinet that moves exactly with its fleet: its level now is 30 (the index ~1)
    assert stretch_level(values, index, 0.0) == pytest.approx(30.0 * index[-28:].mean())
    noisy = values * np.where(np.arange(56) % 2, 1.2, 0.8)  # day-to-day noise averages out over the stretch
    assert stretch_level(noisy, index, 0.0) == pytest.approx(stretch_level(values, index, 0.0), rel=0.01)
    assert stretch_level(np.zeros(56), index) is None  # nothing sold: no level, the model's figure stands
    # with weight 1 the trailing month alone; and never further than MAX_DEPARTURE from it
    assert stretch_level(noisy, index, 1.0) == pytest.approx(noisy[-28:].mean())
    fallen = np.r_[np.full(28, 60.0), np.full(28, 20.0)]  # the site emptied a month ago
    assert stretch_level(fallen, np.ones(56), 0.0) == pytest.approx(20.0 * MAX_DEPARTURE)
