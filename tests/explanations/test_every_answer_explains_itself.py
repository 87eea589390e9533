"""Every AI answer carries an explanation whose numbers are the fitted model's own: the factors multiply (or add)
up to the answer, the largest factor is the model's largest term, the rows are the rows the model read, and a
machine with five days of sales is told its data is thin."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ai import affinity, demand_forecast, personalization, realtime_analysis, revenue_prediction
from ai.explanations import Explanation
from ai.forecast_data import device_history, read_sales
from ai.revenue_prediction import calibration_for
from ai.services import Services
from designer.positions import Position


def slot_entries(services: Services, device_id: int, cabinet_index: int) -> list[dict[str, Any]]:
    planogram = services.repository.active_planogram(device_id, cabinet_index)
    assert planogram is not None
    return [
        {"position": s.position.label, "product_id": s.product_id, "quantity": s.quantity, "capacity": s.capacity}
        for s in planogram.filled_slots()
    ]


def placement_request(services: Services, slot: str = "B2", device_id: int = 1) -> dict[str, Any]:
    entries = slot_entries(services, device_id, 0)
    return {
        "planogram_id": f"{device_id}_0",
        "product_id": entries[0]["product_id"],
        "slot_position": slot,
        "context": {"current_slots": entries},
    }


def product_of_factors(explanation: dict[str, Any]) -> float:
    return math.prod(f["contribution"] for f in explanation["factors"])


# --- realtime-analysis ------------------------------------------------------------------------------------------


def test_a_slot_score_says_which_learnt_effects_make_its_expected_sales(services: Services) -> None:
    request = placement_request(services)
    body = realtime_analysis.answer(request, services).body
    assert isinstance(body, dict)
    explanation = body["explanation"]
    scorer = services.placement_scorer
    cabinet = services.cabinet(1, 0)
    assert cabinet is not None
    planogram = services.repository.active_planogram(1, 0)
    assert planogram is not None
    terms = scorer.contributions(cabinet, planogram, request["product_id"], Position.parse("B2"))
    grid = scorer.placement_grid(cabinet, planogram, request["product_id"])

    decision = explanation["decision"]
    assert math.isclose(decision["baseline_daily_sales"] * product_of_factors(explanation),
                        float(grid.expected_daily_sales[1, 1]), rel_tol=0.002)  # fmt: skip
    logs = {
        name: abs(value)
        for name, value in vars(terms).items()
        if name in {"product", "category", "price", "machine", "product_here", "row", "column", "neighbour",
                    "temperature"}
    }  # fmt: skip
    top = explanation["factors"][0]
    assert math.isclose(abs(math.log(top["contribution"])), max(logs.values()), rel_tol=1e-3)
    assert [f["weight"] for f in explanation["factors"]] == sorted((f["weight"] for f in explanation["factors"]),
                                                                   reverse=True)  # fmt: skip
    assert explanation["model"]["version"] == scorer.model.model_version == body["model_version"]
    assert explanation["data_used"]["rows"]["sales_rows"] == scorer.model.summary["sales_rows"]
    assert explanation["data_used"]["rows"]["slot_spans"] == scorer.model.summary["slot_spans"]
    assert explanation["data_used"]["first_day"] < explanation["data_used"]["last_day"]


def test_the_row_factor_is_the_one_the_score_panel_quotes(services: Services) -> None:
    body = realtime_analysis.answer(placement_request(services, "B2"), services).body
    assert isinstance(body, dict)
    row = next(f for f in body["explanation"]["factors"] if f["name"].startswith("Row B"))
    quoted = [text for text in body["feedback"]["pros"] + body["feedback"]["cons"] if "row B sells" in text]
    assert quoted and f"{row['contribution']:.2f}×" in quoted[0]


def test_a_batch_shares_one_model_part_and_explains_each_slot(services: Services) -> None:
    requests = [placement_request(services, slot) for slot in ("A1", "C3", "F6")]
    bodies = realtime_analysis.answer(requests, services).body
    assert isinstance(bodies, list)
    assert bodies[0]["explanation"]["model"] is bodies[2]["explanation"]["model"]
    rows = {next(f["name"] for f in b["explanation"]["factors"] if f["name"].startswith("Row")) for b in bodies}
    assert len(rows) == 3


def test_a_product_new_to_the_machine_is_named_as_a_limitation(services: Services) -> None:
    cabinet = services.cabinet(1, 0)
    assert cabinet is not None
    scorer = services.placement_scorer
    new = next(
        p.id for p in services.catalogue.values()
        if scorer.history_days(1, p.id) == 0 and p.temperature_requirement == cabinet.zone.value
    )  # fmt: skip
    body = realtime_analysis.answer({**placement_request(services), "product_id": new}, services).body
    assert isinstance(body, dict)
    limits = body["explanation"]["limitations"]
    assert any(text.startswith(f"No days of {services.catalogue[new].name} at this machine") for text in limits)
    assert body["explanation"]["data_used"]["rows"]["days_this_product_here"] == 0


# --- predict-revenue --------------------------------------------------------------------------------------------


def revenue_request(services: Services) -> dict[str, Any]:
    current = slot_entries(services, 1, 0)
    proposed = [dict(entry) for entry in current]
    proposed[0]["product_id"], proposed[1]["product_id"] = current[1]["product_id"], current[0]["product_id"]
    return {"device_id": 1, "cabinet_index": 0, "current_planogram": {"slots": current},
            "proposed_planogram": {"slots": proposed}}  # fmt: skip


def test_a_revenue_prediction_splits_its_lift_into_the_changed_slots(services: Services) -> None:
    body = revenue_prediction.answer(revenue_request(services), services).body
    assert isinstance(body, dict)
    explanation = body["explanation"]
    change = body["predictions"]["proposed"]["daily_revenue"] - body["predictions"]["baseline"]["daily_revenue"]
    assert math.isclose(sum(f["contribution"] for f in explanation["factors"]), change, abs_tol=0.02)
    names = [f["name"] for f in explanation["factors"]]
    assert any(name.startswith("A1:") for name in names) and any(name.startswith("A2:") for name in names)
    assert all(f["unit"] == "USD/day" for f in explanation["factors"])
    calibration = calibration_for(services, services.placement_scorer.model.model_version)
    assert explanation["data_used"]["rows"]["calibration_errors"] == len(calibration.scores)
    assert explanation["model"]["parameters"]["interval_half_width"] > 0
    assert any("past errors" in text for text in explanation["limitations"])


def test_an_unchanged_planogram_is_explained_by_its_own_slots(services: Services) -> None:
    request = revenue_request(services)
    request["proposed_planogram"] = request["current_planogram"]
    body = revenue_prediction.answer(request, services).body
    assert isinstance(body, dict)
    factors = body["explanation"]["factors"]
    assert math.isclose(sum(f["contribution"] for f in factors), body["predictions"]["proposed"]["daily_revenue"],
                        abs_tol=0.02)  # fmt: skip
    top = body["predictions"]["proposed"]["top_products"][0]
    assert top["name"] in factors[0]["name"]


def test_a_machine_with_five_days_of_sales_is_told_its_level_is_rough(thin_services: Services) -> None:
    request = revenue_request(thin_services)
    request["proposed_planogram"] = request["current_planogram"]
    body = revenue_prediction.answer(request, thin_services).body
    assert isinstance(body, dict)
    assert body["explanation"]["data_used"]["rows"]["cabinet_selling_days"] <= 5
    assert any("selling days of this cabinet" in text for text in body["explanation"]["limitations"])


# --- demand-forecast --------------------------------------------------------------------------------------------


def forecast_of(services: Services, device_id: int, days: int = 7) -> dict[str, Any]:
    products = sorted({entry["product_id"] for entry in slot_entries(services, device_id, 0)})[:2]
    body = demand_forecast.answer({"device_id": device_id, "products": products, "forecast_days": days}, services)
    assert body.valid and isinstance(body.body, dict)
    return body.body


def test_a_forecast_adds_up_from_its_own_factors(services: Services) -> None:
    body = forecast_of(services, 1, days=10)
    history = device_history(services.engine, 1)
    for product in body["forecasts"]:
        explanation = product["explanation"]
        total = sum(day["expected_units"] for day in product["daily_forecasts"])
        assert math.isclose(sum(f["contribution"] for f in explanation["factors"]), total, abs_tol=0.05)
        assert explanation["factors"][0]["name"] == "This machine's own sales of it"  # months of its own sales
        column = history.column(product["product_id"])
        assert column is not None
        rows = explanation["data_used"]["rows"]
        assert rows["days_with_data"] == len(history.days)
        assert rows["units_sold"] == round(float(history.units[:, column].sum()), 2)
        assert explanation["data_used"]["last_day"] == history.last_day.isoformat()


def test_a_forecast_from_five_days_says_it_leans_on_the_fleet(thin_services: Services) -> None:
    body = forecast_of(thin_services, 1)
    explanation = body["forecasts"][0]["explanation"]
    limits = " ".join(explanation["limitations"])
    assert "too few to check the forecast on held-out days" in limits
    assert "the fleet's rate" in limits
    share = explanation["model"]["parameters"]["own_share_of_level"]
    fleet = next(f for f in explanation["factors"] if f["name"].startswith("The fleet's rate"))
    assert share < 0.9 and fleet["contribution"] > 0


# --- affinity-analysis ------------------------------------------------------------------------------------------


def test_affinity_lists_the_strongest_measured_pair_first(services: Services) -> None:
    request = {"device_id": 1, "analysis_period_days": 90, "min_confidence": 0.1}
    body = affinity.answer(request, services).body
    assert isinstance(body, dict)
    explanation = body["explanation"]
    assert body["affinity_pairs"], "the demo fleet plants pairs bought together"
    strongest = max(body["affinity_pairs"], key=lambda pair: pair["lift"])
    assert explanation["factors"][0]["contribution"] == strongest["lift"]
    assert strongest["product_1"]["name"] in explanation["factors"][0]["name"]
    start = affinity.window_start(services.engine, 1, 90)
    assert explanation["data_used"]["rows"]["sales_rows"] == len(read_sales(services.engine, 1, start))
    assert explanation["data_used"]["rows"]["baskets"] == body["baskets"]["total"]


# --- personalize-location ---------------------------------------------------------------------------------------


def test_each_personalised_slot_multiplies_out_to_its_expected_velocity(services: Services) -> None:
    body = personalization.answer({"device_id": 1, "location_context": {"type": "gym"}}, services).body
    assert isinstance(body, dict)
    recommendations = body["personalized_planogram"]["recommendations"]
    assert recommendations
    for recommendation in recommendations:
        explanation = recommendation["explanation"]
        expected = explanation["decision"]["baseline_daily_sales"] * product_of_factors(explanation)
        assert math.isclose(expected, recommendation["expected_velocity"], rel_tol=0.01, abs_tol=0.006)
    assert body["explanation"]["model"]["version"] == services.placement_scorer.model.model_version
    revenue = sum(f["contribution"] for f in body["explanation"]["factors"])
    assert math.isclose(revenue, body["personalized_planogram"]["expected_daily_revenue"], abs_tol=0.05)


# --- the shared building ----------------------------------------------------------------------------------------


def test_an_explanation_reads_back_as_it_was_sent(services: Services) -> None:
    body = realtime_analysis.answer(placement_request(services), services).body
    assert isinstance(body, dict)
    sent = body["explanation"]
    read = Explanation.from_json(sent)
    assert [f.name for f in read.factors] == [f["name"] for f in sent["factors"]]
    assert np.allclose(read.weights(), [f["weight"] for f in sent["factors"]], atol=1e-4)
    assert read.data_used.rows["sales_rows"] == sent["data_used"]["rows"]["sales_rows"]
    assert read.model.version == sent["model"]["version"]
