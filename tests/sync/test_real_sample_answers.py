"""The real CVD sample, pulled, answers with the operator's own data: sales fall inside layout spans, the
placement and revenue services accept every active layout (warnings, not refusals), affinity says why it has
no pairs. Skips without ../shared, fails in CI (:func:`tests.shared_sample.cvd_sample_path`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

from ai import affinity, realtime_analysis, revenue_prediction
from ai.placement_history import read_placement_history
from ai.services import Services
from storage.tables import Device, PlanogramRecord, PlanogramSlotRecord, ProductRecord, SaleRecord

ASSETS = ("222", "555", "999", "45363", "6453")


def _layouts(engine: Engine) -> list[tuple[int, int, list[dict[str, Any]]]]:
    """(device id, cabinet index, slot entries) of every active layout of :data:`ASSETS`."""
    with engine.connect() as connection:
        planograms = connection.execute(
            select(PlanogramRecord.id, PlanogramRecord.device_id, PlanogramRecord.cabinet_index)
            .join(Device, Device.id == PlanogramRecord.device_id)
            .where(Device.asset_number.in_(ASSETS), PlanogramRecord.status == "active")
            .order_by(PlanogramRecord.device_id, PlanogramRecord.cabinet_index)
        ).all()
        layouts = []
        for planogram, device, cabinet in planograms:
            slots = connection.execute(
                select(
                    PlanogramSlotRecord.position,
                    PlanogramSlotRecord.product_id,
                    PlanogramSlotRecord.quantity,
                    PlanogramSlotRecord.capacity,
                    PlanogramSlotRecord.par_level,
                ).where(PlanogramSlotRecord.planogram_id == planogram, PlanogramSlotRecord.product_id.is_not(None))
            ).all()
            entries = [
                {"position": p, "product_id": q, "quantity": n, "capacity": c, "par_level": par}
                for p, q, n, c, par in slots
            ]
            layouts.append((device, cabinet, entries))
    return layouts


def test_sales_of_products_a_layout_holds_fall_inside_its_span(pulled: tuple[str, Engine, Path]) -> None:
    """779 of the 2,731 CVD sales rows are matched (each spread over the slots holding its product, 3,531 rows in
    all); the other 1,952 are of products no layout of their device holds."""
    _, engine, _ = pulled
    history = read_placement_history(engine)
    with engine.connect() as connection:
        unplaced = connection.scalar(select(func.count()).where(SaleRecord.position == ""))
        matched_cvd_rows = connection.scalar(
            select(func.count(func.distinct(SaleRecord.transaction_id))).where(SaleRecord.position != "")
        )

    assert history.sales_rows == 1952 + 3531
    assert history.unmatched_sales == unplaced == 1952  # every sale of a held product is inside a span
    assert matched_cvd_rows == 779


def test_nos_energy_needs_refrigeration_as_cvd_keeps_it(pulled: tuple[str, Engine, Path]) -> None:
    _, engine, _ = pulled
    with engine.connect() as connection:
        need = connection.scalar(
            select(ProductRecord.temperature_requirement).where(ProductRecord.name == "NOS Energy")
        )
    assert need == "refrigerated"


def test_realtime_analysis_answers_every_active_layout_with_scores_that_differ(
    pulled: tuple[str, Engine, Path], services: Services
) -> None:
    _, engine, _ = pulled
    layouts = _layouts(engine)
    assert {device for device, _, _ in layouts} and len(layouts) >= 9
    spread = []
    for device, cabinet, entries in layouts:
        requests = [
            {
                "planogram_id": f"{device}_{cabinet}",
                "product_id": entry["product_id"],
                "slot_position": entry["position"],
                "context": {"current_slots": entries},
            }
            for entry in entries
        ]
        answer = realtime_analysis.answer(requests, services)
        assert answer.valid, answer.body
        scores = {body["placement_score"] for body in answer.body}
        spread.append(len(scores))
        assert all(body["data_quality"]["warnings"] for body in answer.body)  # assumed dates, unplaced sales
    assert max(spread) > 1  # slots where sales differ score differently (not all 100 or 0)


def test_predict_revenue_accepts_every_active_layout_and_warns_of_stock_above_capacity(
    pulled: tuple[str, Engine, Path], services: Services
) -> None:
    _, engine, _ = pulled
    over_capacity = 0
    earned: dict[int, float] = {}
    for device, cabinet, entries in _layouts(engine):
        request = {
            "device_id": device,
            "cabinet_index": cabinet,
            "current_planogram": {"slots": entries},
            "proposed_planogram": {"slots": entries},
            "prediction_horizon_days": 30,
        }
        answer = revenue_prediction.answer(request, services)
        assert answer.valid, answer.body
        earned[device] = earned.get(device, 0.0) + answer.body["predictions"]["baseline"]["daily_revenue"]
        warnings = answer.body["data_quality"]["warnings"]
        over_capacity += sum("current_planogram: quantity" in w and "more than the capacity" in w for w in warnings)
    assert over_capacity > 0
    with engine.connect() as connection:
        tied = set(connection.scalars(select(SaleRecord.device_id).where(SaleRecord.position != "").distinct()))
    assert {device for device, revenue in earned.items() if revenue > 0} == tied & set(earned)  # not 45363, 6453


def test_the_sample_holds_77_slots_above_capacity_and_each_comes_back_as_a_warning(
    pulled: tuple[str, Engine, Path], services: Services
) -> None:
    _, engine, _ = pulled
    with engine.connect() as connection:
        active = connection.execute(
            select(PlanogramRecord.id, PlanogramRecord.device_id, PlanogramRecord.cabinet_index).where(
                PlanogramRecord.status == "active"
            )
        ).all()
    warned = 0
    for planogram, device, cabinet in active:
        with engine.connect() as connection:
            slots = connection.execute(
                select(
                    PlanogramSlotRecord.position,
                    PlanogramSlotRecord.product_id,
                    PlanogramSlotRecord.quantity,
                    PlanogramSlotRecord.capacity,
                ).where(PlanogramSlotRecord.planogram_id == planogram, PlanogramSlotRecord.product_id.is_not(None))
            ).all()
        if not slots:
            continue
        entries = [{"position": p, "product_id": q, "quantity": n, "capacity": c} for p, q, n, c in slots]
        request = {
            "planogram_id": f"{device}_{cabinet}",
            "product_id": entries[0]["product_id"],
            "slot_position": entries[0]["position"],
            "context": {"current_slots": entries},
        }
        answer = realtime_analysis.answer(request, services)
        assert answer.valid, answer.body
        warned += sum("more than the capacity" in w for w in answer.body["data_quality"]["warnings"])
    assert warned == 77


def test_affinity_without_baskets_says_why_and_what_data_would_give_pairs(
    pulled: tuple[str, Engine, Path], services: Services
) -> None:
    _, engine, _ = pulled
    with engine.connect() as connection:
        device = connection.scalar(select(Device.id).where(Device.asset_number == "222"))

    answer = affinity.answer({"device_id": device, "analysis_period_days": 365}, services)

    assert answer.valid and answer.body["affinity_pairs"] == []
    assert answer.body["reason"] == affinity.NO_BASKETS
    assert answer.body["data_quality"]["warnings"] == [affinity.NO_BASKETS]
    assert "telemetry" in affinity.NO_BASKETS and "transaction ids" in affinity.NO_BASKETS
