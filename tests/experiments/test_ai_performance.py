"""The dashboard's figures on the demo fleet: comparison predictions scored, AI-designed versions told apart."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from designer.planograms import Planogram
from designer.suggestions import Measure, Suggestion, SuggestionKind, Verdict
from storage.ai_performance import read_ai_performance
from storage.feedback import record_feedback
from storage.llm_tables import LlmCallRecord
from storage.tables import AiPrediction, PlanogramRecord, SaleRecord
from storage.versions import PlanogramVersions

END = date(2026, 6, 30)


def _steady_cabinet(engine: Engine, since: date) -> tuple[int, int]:
    """A cabinet whose active planogram went live before ``since``: its planogram did not change after."""
    with Session(engine) as session:
        before = datetime.combine(since, datetime.min.time())
        steady = (PlanogramRecord.status == "active", PlanogramRecord.activated_at < before)
        query = select(PlanogramRecord.device_id, PlanogramRecord.cabinet_index).where(*steady)
        row = session.execute(query.order_by(PlanogramRecord.id).limit(1)).one()
    return int(row[0]), int(row[1])


def _revenue_per_day(engine: Engine, device: int, cabinet: int, first: date, days: int) -> float:
    with Session(engine) as session:
        total = session.scalar(
            select(func.sum(SaleRecord.quantity * SaleRecord.unit_price)).where(
                SaleRecord.device_id == device,
                SaleRecord.cabinet_index == cabinet,
                SaleRecord.sold_at >= datetime.combine(first, datetime.min.time()),
                SaleRecord.sold_at < datetime.combine(first + timedelta(days=days), datetime.min.time()),
            )
        )
    return float(total) / days


def _comparison(engine: Engine, device: int, cabinet: int, as_of: date, baseline: float) -> None:
    body = {
        "success": True,
        "predictions": {
            "baseline": {"daily_revenue": baseline},
            "proposed": {"daily_revenue": baseline * 1.2},
            "break_even_analysis": {"horizon_days": 30},
        },
        "model_metadata": {"as_of": as_of.isoformat()},
    }
    with Session(engine) as session, session.begin():
        request = json.dumps({"device_id": device})
        session.add(AiPrediction(prediction_type="revenue", device_id=device, cabinet_index=cabinet,
                                 input_data=request, prediction_result=json.dumps(body)))  # fmt: skip


def test_a_comparison_whose_cabinet_kept_its_planogram_is_scored_on_its_baseline(plain_fleet: Engine) -> None:
    as_of = END - timedelta(days=35)
    device, cabinet = _steady_cabinet(plain_fleet, as_of)
    actual = _revenue_per_day(plain_fleet, device, cabinet, as_of + timedelta(days=1), 28)
    _comparison(plain_fleet, device, cabinet, as_of, baseline=actual * 1.1)  # 10 % too high
    _comparison(plain_fleet, device, cabinet, END - timedelta(days=5), baseline=actual)  # horizon not over yet
    found = read_ai_performance(plain_fleet, roll_up_cabinets=False)
    assert found.scored_predictions == 1
    assert list(found.revenue_mape.values()) == [pytest.approx(0.1, abs=1e-9)]


def test_accepted_fill_then_saved_version_counts_as_ai_designed_and_claude_spend_is_summed(plain_fleet: Engine) -> None:
    fill = Suggestion(SuggestionKind.FILL, 2, Measure.CABINET_REVENUE, 3.0, cabinet_index=0, gain=True)
    record_feedback(plain_fleet, fill, Verdict.ACCEPTED, user_id=None)
    versions = PlanogramVersions(plain_fleet)
    with Session(plain_fleet) as session:
        cabinet = (PlanogramRecord.device_id == 2, PlanogramRecord.cabinet_index == 0)
        active = session.scalar(select(PlanogramRecord.id).where(*cabinet, PlanogramRecord.status == "active"))
    current = versions.load(active)
    versions.save(Planogram(2, 0, dict(current.slots), name="filled"), activate=True)
    with Session(plain_fleet) as session, session.begin():
        for month, cost in (("2026-10", 0.25), ("2026-11", 0.5), ("2026-11", 0.25)):
            session.add(LlmCallRecord(created_at=datetime(2026, 11, 1), month=month, task="explain", model="m",
                                      outcome="answered", cost_usd=cost))  # fmt: skip
    found = read_ai_performance(plain_fleet)
    assert found.ai_planograms == 1
    assert found.llm_spend == {"2026-10": 0.25, "2026-11": 0.75}
    assert found.decisions == {"fill": {"accepted": 1, "rejected": 0, "modified": 0}}
    assert found.acceptance_rate() == 1.0
    assert set(found.revenue_per_cabinet_day) == {"AI-designed", "hand-designed"}
    assert found.revenue_per_cabinet_day["hand-designed"]  # the daily roll-ups were made on reading
