"""The real CVD sample, pulled: its answers explain themselves from the operator's own data, and say what the data
cannot show (CVD's sales are daily totals, so no basket holds two products). Skips without ../shared, fails in CI
(:func:`tests.shared_sample.cvd_sample_path`)."""

from __future__ import annotations

import math
from pathlib import Path

from sqlalchemy import Engine

from ai import affinity, realtime_analysis, revenue_prediction
from ai.services import Services
from tests.sync.test_real_sample_answers import ASSETS, _layouts


def test_every_slot_of_a_real_layout_is_explained_by_the_model_fitted_on_the_sample(
    pulled: tuple[str, Engine, Path], sample_services: Services
) -> None:
    _, engine, _ = pulled
    device, cabinet, entries = next(layout for layout in _layouts(engine) if layout[2])
    requests = [
        {"planogram_id": f"{device}_{cabinet}", "product_id": e["product_id"], "slot_position": e["position"],
         "context": {"current_slots": entries}}
        for e in entries
    ]  # fmt: skip
    bodies = realtime_analysis.answer(requests, sample_services).body
    assert isinstance(bodies, list)
    summary = sample_services.placement_scorer.model.summary
    for body in bodies:
        explanation = body["explanation"]
        assert explanation["data_used"]["rows"]["sales_rows"] == summary["sales_rows"]
        expected = explanation["decision"]["baseline_daily_sales"] * math.prod(
            f["contribution"] for f in explanation["factors"]
        )
        assert math.isclose(expected, explanation["decision"]["expected_daily_sales"], rel_tol=0.01, abs_tol=1e-4)


def test_a_real_revenue_prediction_names_its_calibration(
    pulled: tuple[str, Engine, Path], sample_services: Services
) -> None:
    _, engine, _ = pulled
    device, cabinet, entries = next(layout for layout in _layouts(engine) if layout[2])
    request = {"device_id": device, "cabinet_index": cabinet, "current_planogram": {"slots": entries},
               "proposed_planogram": {"slots": entries}}  # fmt: skip
    body = revenue_prediction.answer(request, sample_services).body
    assert isinstance(body, dict)
    explanation = body["explanation"]
    assert explanation["model"]["version"] == body["model_metadata"]["model_version"]
    assert explanation["limitations"]  # the sample is short: its calibration or its level says so
    assert math.isclose(
        sum(f["contribution"] for f in explanation["factors"]), body["predictions"]["proposed"]["daily_revenue"],
        abs_tol=0.02,
    )  # fmt: skip


def test_the_samples_daily_totals_are_said_to_hold_no_pairs(
    pulled: tuple[str, Engine, Path], sample_services: Services
) -> None:
    _, engine, _ = pulled
    device, _, _ = _layouts(engine)[0]
    body = affinity.answer({"device_id": device, "analysis_period_days": 365}, sample_services).body
    assert isinstance(body, dict)
    explanation = body["explanation"]
    assert explanation["factors"] == []
    assert explanation["data_used"]["rows"]["baskets_with_two_or_more"] == 0
    assert any("No basket holds two products" in text for text in explanation["limitations"])
    assert ASSETS  # the layouts read are the sample's active ones
