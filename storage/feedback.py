"""What people did with the AI's suggestions, and how right the suggestions turned out: ``ai_feedback``.

Every suggestion the designer shows (a best slot while dragging, an auto-fill, a personalised planogram, a
par level) can be accepted, rejected or modified. Each decision is one ``ai_feedback`` row linked to an
``ai_predictions`` row holding the prediction in a measurable form: a daily figure (revenue of a cabinet or
device, units of a product) over a horizon starting the day after the device's latest sale (the same anchor
as every other analysis, so a demo database gives reproducible answers). Once the sales cover the horizon,
:func:`score_outcomes` fills in ``actual_outcome`` and ``accuracy_score``; a rejected suggestion gets its
actual outcome but no accuracy, since its prediction was never put to the test.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from designer.suggestions import BASELINE_DAYS, Measure, Suggestion, SuggestionKind, Verdict
from storage.engine import session_factory
from storage.stored_time import stored_now
from storage.tables import AiFeedback, AiPrediction, SaleRecord


@dataclass(frozen=True)
class Recorded:
    prediction_id: int
    feedback_id: int


def record_feedback(
    engine: Engine,
    suggestion: Suggestion,
    verdict: Verdict,
    *,
    user_id: int | None,
    note: str | None = None,
    as_of: date | None = None,
) -> Recorded:
    """Store the prediction and the decision together (one transaction)."""
    with session_factory(engine).begin() as session:
        anchor = as_of or last_sale_day(session, suggestion.device_id)
        if anchor is None:
            raise ValueError(f"device {suggestion.device_id} has no sales to measure a suggestion by; sync first")
        baseline = None
        predicted = suggestion.predicted
        if suggestion.gain:
            since = anchor - timedelta(days=BASELINE_DAYS - 1)
            baseline = _measured(session, suggestion, since, anchor)
            predicted = baseline + suggestion.predicted
        window = (anchor + timedelta(days=1), anchor + timedelta(days=suggestion.horizon_days))
        prediction = AiPrediction(
            prediction_type=suggestion.kind.value,
            device_id=suggestion.device_id,
            cabinet_index=suggestion.cabinet_index or 0,
            input_data=json.dumps(
                {
                    "kind": suggestion.kind.value,
                    "measure": suggestion.measure.value,
                    "cabinet_index": suggestion.cabinet_index,
                    "product_id": suggestion.product_id,
                    "as_of": anchor.isoformat(),
                    "horizon_days": suggestion.horizon_days,
                    **suggestion.details,
                },
                default=str,
            ),
            prediction_result=json.dumps(
                {
                    "predicted": round(predicted, 4),
                    "measure": suggestion.measure.value,
                    "baseline": None if baseline is None else round(baseline, 4),
                    "window": [window[0].isoformat(), window[1].isoformat()],
                }
            ),
            confidence_score=None if suggestion.confidence is None else round(min(max(suggestion.confidence, 0), 1), 2),
            model_version=(suggestion.model_version or "")[:20] or None,
            created_at=stored_now(),
            created_by=user_id,
        )
        session.add(prediction)
        session.flush()
        feedback = AiFeedback(
            prediction_id=prediction.id,
            feedback_type=verdict.value,
            user_feedback=note,
            created_at=stored_now(),
            created_by=user_id,
        )
        session.add(feedback)
        session.flush()
        return Recorded(prediction.id, feedback.id)


def revise_feedback(engine: Engine, feedback_id: int, verdict: Verdict, *, note: str | None = None) -> None:
    """Change a recorded decision: a personalisation opened and then undone was, in the end, not taken."""
    with session_factory(engine).begin() as session:
        feedback = session.get(AiFeedback, feedback_id)
        if feedback is None:
            raise LookupError(f"feedback {feedback_id} does not exist")
        feedback.feedback_type = verdict.value
        feedback.user_feedback = note


def score_outcomes(engine: Engine) -> int:
    """Fill ``actual_outcome`` and ``accuracy_score`` of decisions whose horizon the sales now cover.

    accuracy = 1 − |actual − predicted| / max(actual, predicted), in [0, 1] (the forecasts' own measure).
    Run after a sync and when a database opens; returns how many were scored.
    """
    scored = 0
    with session_factory(engine).begin() as session:
        pending = session.execute(
            select(AiFeedback, AiPrediction)
            .join(AiPrediction, AiPrediction.id == AiFeedback.prediction_id)
            .where(AiFeedback.actual_outcome.is_(None))
        ).all()
        latest: dict[int, date | None] = {}
        for feedback, prediction in pending:
            facts = json.loads(prediction.input_data)
            result = json.loads(prediction.prediction_result)
            if "measure" not in result:
                continue  # not a suggestion recorded here (e.g. a revenue comparison)
            device = prediction.device_id
            if device not in latest:
                latest[device] = last_sale_day(session, device)
            first, last = (date.fromisoformat(day) for day in result["window"])
            if latest[device] is None or latest[device] < last:
                continue
            suggestion = Suggestion(
                SuggestionKind(facts["kind"]),
                device,
                Measure(result["measure"]),
                0.0,
                cabinet_index=facts.get("cabinet_index"),
                product_id=facts.get("product_id"),
            )
            actual = _measured(session, suggestion, first, last)
            predicted = float(result["predicted"])
            tested = feedback.feedback_type != Verdict.REJECTED.value
            accuracy = accuracy_score(actual, predicted) if tested else None
            feedback.actual_outcome = json.dumps(
                {
                    "actual": round(actual, 4),
                    "predicted": predicted,
                    "measure": result["measure"],
                    "window": result["window"],
                    "error": round(actual - predicted, 4),
                    "tested": tested,
                }
            )
            feedback.accuracy_score = None if accuracy is None else round(accuracy, 2)  # type: ignore[assignment]
            scored += 1
    return scored


def accuracy_score(actual: float, predicted: float) -> float:
    if actual == predicted:
        return 1.0
    return max(0.0, 1 - abs(actual - predicted) / max(abs(actual), abs(predicted)))


def as_date(value: object) -> date:
    """A day from what the driver returns for ``date(...)`` or a timestamp: text on SQLite, objects elsewhere."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def last_sale_day(session: Session, device_id: int) -> date | None:
    latest = session.scalar(select(func.max(SaleRecord.sold_at)).where(SaleRecord.device_id == device_id))
    return None if latest is None else as_date(latest)


def _measured(session: Session, suggestion: Suggestion, first: date, last: date) -> float:
    """The suggestion's measure per day from ``first`` to ``last`` inclusive, from the sales."""
    conditions = [
        SaleRecord.device_id == suggestion.device_id,
        SaleRecord.sold_at >= datetime.combine(first, time()),
        SaleRecord.sold_at < datetime.combine(last + timedelta(days=1), time()),
    ]
    if suggestion.cabinet_index is not None and suggestion.measure is not Measure.DEVICE_REVENUE:
        conditions.append(SaleRecord.cabinet_index == suggestion.cabinet_index)
    if suggestion.measure is Measure.PRODUCT_UNITS:
        conditions.append(SaleRecord.product_id == suggestion.product_id)
        total = func.sum(SaleRecord.quantity)
    else:
        total = func.sum(SaleRecord.quantity * SaleRecord.unit_price)
    value = session.scalar(select(func.coalesce(total, 0)).where(*conditions))
    return float(value or 0) / ((last - first).days + 1)


def feedback_summary(engine: Engine) -> dict[str, dict[str, int]]:
    """Decisions per suggestion kind: {kind: {accepted, rejected, modified}} (for the dashboard)."""
    with session_factory(engine)() as session:
        rows = session.execute(
            select(AiPrediction.prediction_type, AiFeedback.feedback_type, func.count())
            .join(AiPrediction, AiPrediction.id == AiFeedback.prediction_id)
            .group_by(AiPrediction.prediction_type, AiFeedback.feedback_type)
        ).all()
    out: dict[str, dict[str, int]] = {}
    for kind, verdict, count in rows:
        out.setdefault(kind, {v.value: 0 for v in Verdict})[verdict] = int(count)
    return out
