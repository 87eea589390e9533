"""The figures of the AI performance dashboard: did the predictions come true, were suggestions taken, did
AI-designed planograms sell better, and what Claude cost.

- Accuracy by week: weighted MAPE (Σ|actual − predicted| / Σ actual, so days that sold nothing do not divide
  by zero) of revenue predictions — scored auto-fill and personalisation decisions (:mod:`storage.feedback`)
  and revenue comparisons (``predict-revenue``) whose tested side can be told, see
  :func:`_comparison_outcomes` — and of scored demand forecasts (``demand_forecasts`` with ``actual_units``).
- Acceptance: decisions per suggestion kind.
- AI-designed against hand-designed: revenue per cabinet-day from the daily ``planogram_performance``
  roll-ups. A planogram version counts as AI-designed when an accepted or modified auto-fill or
  personalisation of its cabinet (or device) was recorded after the previous version and before it was saved.
- LLM spend per month from the ``llm_calls`` ledger.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from designer.suggestions import SuggestionKind, Verdict
from storage.engine import session_factory
from storage.feedback import as_date, last_sale_day
from storage.llm_tables import LlmCallRecord
from storage.performance import roll_up
from storage.tables import (
    AiFeedback,
    AiPrediction,
    CabinetRecord,
    DemandForecast,
    PlanogramPerformance,
    PlanogramRecord,
    PlanogramSlotRecord,
    SaleRecord,
)

REVENUE_KINDS = (SuggestionKind.FILL.value, SuggestionKind.PERSONALISATION.value)
COMPARISON_CHECK_DAYS = 28


@dataclass
class AiPerformance:
    """Everything the dashboard draws; weeks are the Monday that starts them."""

    revenue_mape: dict[date, float] = field(default_factory=dict)
    forecast_mape: dict[date, float] = field(default_factory=dict)
    decisions: dict[str, dict[str, int]] = field(default_factory=dict)  # kind → verdict → count
    revenue_per_cabinet_day: dict[str, dict[date, float]] = field(default_factory=dict)  # "AI"/"hand" → week → $
    llm_spend: dict[str, float] = field(default_factory=dict)  # "2026-11" → USD
    ai_planograms: int = 0
    scored_predictions: int = 0
    scored_forecasts: int = 0

    def acceptance_rate(self) -> float | None:
        total = sum(sum(v.values()) for v in self.decisions.values())
        taken = sum(
            v.get(Verdict.ACCEPTED.value, 0) + v.get(Verdict.MODIFIED.value, 0) for v in self.decisions.values()
        )
        return taken / total if total else None


def _week(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _weighted_mape(errors: dict[date, list[tuple[float, float]]]) -> dict[date, float]:
    out = {}
    for week, pairs in sorted(errors.items()):
        actual = sum(a for a, _p in pairs)
        if actual > 0:
            out[week] = sum(abs(a - p) for a, p in pairs) / actual
    return out


def read_ai_performance(engine: Engine, *, roll_up_cabinets: bool = True) -> AiPerformance:
    """Read (and first roll up, so the daily performance rows are current) every figure of the dashboard."""
    if roll_up_cabinets:
        with session_factory(engine)() as session:
            cabinets = session.execute(select(CabinetRecord.device_id, CabinetRecord.cabinet_index)).all()
        for device_id, cabinet_index in cabinets:
            roll_up(engine, device_id, cabinet_index)
    found = AiPerformance()
    with session_factory(engine)() as session:
        revenue: dict[date, list[tuple[float, float]]] = defaultdict(list)
        rows = session.execute(
            select(AiPrediction.prediction_type, AiPrediction.prediction_result, AiFeedback.actual_outcome)
            .join(AiFeedback, AiFeedback.prediction_id == AiPrediction.id)
            .where(AiFeedback.actual_outcome.is_not(None), AiPrediction.prediction_type.in_(REVENUE_KINDS))
        ).all()
        for _kind, result, outcome in rows:
            facts = json.loads(outcome)
            if facts.get("tested"):
                first_day = date.fromisoformat(json.loads(result)["window"][0])
                revenue[_week(first_day)].append((float(facts["actual"]), float(facts["predicted"])))
                found.scored_predictions += 1
        for week, pair in _comparison_outcomes(session):
            revenue[week].append(pair)
            found.scored_predictions += 1
        found.revenue_mape = _weighted_mape(revenue)

        forecasts: dict[date, list[tuple[float, float]]] = defaultdict(list)
        for day, actual, predicted in session.execute(
            select(DemandForecast.forecast_date, DemandForecast.actual_units, DemandForecast.predicted_units).where(
                DemandForecast.actual_units.is_not(None)
            )
        ):
            forecasts[_week(as_date(day))].append((float(actual), float(predicted or 0)))
            found.scored_forecasts += 1
        found.forecast_mape = _weighted_mape(forecasts)

        for kind, verdict, count in session.execute(
            select(AiPrediction.prediction_type, AiFeedback.feedback_type, func.count())
            .join(AiPrediction, AiPrediction.id == AiFeedback.prediction_id)
            .group_by(AiPrediction.prediction_type, AiFeedback.feedback_type)
        ):
            found.decisions.setdefault(kind, {v.value: 0 for v in Verdict})[verdict] = int(count)

        ai_designed = _ai_designed_planograms(session)
        found.ai_planograms = len(ai_designed)
        sums: dict[str, dict[date, list[float]]] = {
            "AI-designed": defaultdict(list),
            "hand-designed": defaultdict(list),
        }
        for planogram_id, day, revenue_today in session.execute(
            select(
                PlanogramPerformance.planogram_id,
                PlanogramPerformance.performance_date,
                PlanogramPerformance.daily_revenue,
            )
        ):
            kind = "AI-designed" if planogram_id in ai_designed else "hand-designed"
            sums[kind][_week(as_date(day))].append(float(revenue_today or 0))
        found.revenue_per_cabinet_day = {
            kind: {week: sum(values) / len(values) for week, values in sorted(weeks.items())}
            for kind, weeks in sums.items()
        }

        for month, cost in session.execute(
            select(LlmCallRecord.month, func.sum(LlmCallRecord.cost_usd)).group_by(LlmCallRecord.month)
        ):
            found.llm_spend[str(month)] = float(cost or 0)
    return found


def _ai_designed_planograms(session: Session) -> set[int]:
    """Versions saved after an accepted (or modified) fill or personalisation of their cabinet or device."""
    decisions = session.execute(
        select(AiPrediction.device_id, AiPrediction.prediction_type, AiPrediction.cabinet_index, AiFeedback.created_at)
        .join(AiFeedback, AiFeedback.prediction_id == AiPrediction.id)
        .where(
            AiPrediction.prediction_type.in_(REVENUE_KINDS),
            AiFeedback.feedback_type.in_([Verdict.ACCEPTED.value, Verdict.MODIFIED.value]),
        )
    ).all()
    if not decisions:
        return set()
    versions = session.execute(
        select(PlanogramRecord.id, PlanogramRecord.device_id, PlanogramRecord.cabinet_index, PlanogramRecord.created_at)
        .where(PlanogramRecord.device_id.in_({d for d, *_ in decisions}))
        .order_by(PlanogramRecord.device_id, PlanogramRecord.cabinet_index, PlanogramRecord.version)
    ).all()
    found, previous = set(), {}
    for planogram_id, device, cabinet, created in versions:
        since = previous.get((device, cabinet))
        for d, kind, decided_cabinet, decided_at in decisions:
            whole_device = kind == SuggestionKind.PERSONALISATION.value
            after_previous = since is None or decided_at > since
            if (
                d == device
                and (whole_device or decided_cabinet == cabinet)
                and after_previous
                and decided_at <= created
            ):
                found.add(planogram_id)
        previous[(device, cabinet)] = created
    return found


def _comparison_outcomes(session: Session) -> list[tuple[date, tuple[float, float]]]:
    """Revenue comparisons (``predict-revenue``) checked against the cabinet's revenue once sales cover up to
    COMPARISON_CHECK_DAYS after their as-of: the baseline side when the cabinet kept its planogram all along,
    the proposed side when a version with exactly the proposed slots went live by the first day; otherwise
    neither prediction was put to the test. (week, (actual, predicted)) per tested prediction."""
    found = []
    rows = session.execute(
        select(
            AiPrediction.device_id, AiPrediction.cabinet_index, AiPrediction.input_data, AiPrediction.prediction_result
        ).where(AiPrediction.prediction_type == "revenue")
    ).all()
    latest: dict[int, date | None] = {}
    for device, cabinet, request_text, body_text in rows:
        body = json.loads(body_text)
        as_of = (body.get("model_metadata") or {}).get("as_of")
        predictions = body.get("predictions") or {}
        if not as_of or "baseline" not in predictions:
            continue
        horizon = int(predictions.get("break_even_analysis", {}).get("horizon_days", COMPARISON_CHECK_DAYS))
        first = date.fromisoformat(as_of) + timedelta(days=1)
        last = first + timedelta(days=min(horizon, COMPARISON_CHECK_DAYS) - 1)
        if device not in latest:
            latest[device] = last_sale_day(session, device)
        if latest[device] is None or latest[device] < last:  # type: ignore[operator]
            continue
        side = _side_tested(session, device, cabinet or 0, json.loads(request_text), first, last)
        if side is None:
            continue
        actual = session.scalar(
            select(func.coalesce(func.sum(SaleRecord.quantity * SaleRecord.unit_price), 0)).where(
                SaleRecord.device_id == device,
                SaleRecord.cabinet_index == (cabinet or 0),
                SaleRecord.sold_at >= datetime.combine(first, time()),
                SaleRecord.sold_at < datetime.combine(last + timedelta(days=1), time()),
            )
        )
        days = (last - first).days + 1
        found.append((_week(first), (float(actual or 0) / days, float(predictions[side]["daily_revenue"]))))
    return found


def _side_tested(
    session: Session, device: int, cabinet: int, request: dict[str, object], first: date, last: date
) -> str | None:
    activations = session.execute(
        select(PlanogramRecord.id, PlanogramRecord.activated_at).where(
            PlanogramRecord.device_id == device,
            PlanogramRecord.cabinet_index == cabinet,
            PlanogramRecord.activated_at >= datetime.combine(first - timedelta(days=1), time()),
            PlanogramRecord.activated_at < datetime.combine(last + timedelta(days=1), time()),
        )
    ).all()
    if not activations:
        return "baseline"  # today's planogram ran the whole window: its prediction was tested
    proposed = request.get("proposed_planogram")
    early = [pid for pid, at in activations if at < datetime.combine(first + timedelta(days=1), time())]
    if len(activations) != 1 or not early or not isinstance(proposed, dict):
        return None
    wanted = {(str(s.get("position")), s.get("product_id")) for s in proposed.get("slots", [])
              if isinstance(s, dict) and s.get("product_id") is not None}  # fmt: skip
    live = set(
        session.execute(
            select(PlanogramSlotRecord.position, PlanogramSlotRecord.product_id).where(
                PlanogramSlotRecord.planogram_id == early[0], PlanogramSlotRecord.product_id.is_not(None)
            )
        ).all()
    )
    return "proposed" if live == wanted else None
