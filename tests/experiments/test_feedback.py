"""Suggestion feedback round trips: the decision and its prediction are stored, and scored once sales cover them."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from designer.suggestions import Measure, Suggestion, SuggestionKind, Verdict
from storage.feedback import accuracy_score, feedback_summary, record_feedback, score_outcomes
from storage.tables import AiFeedback, AiPrediction, SaleRecord

END = date(2026, 6, 30)


def _units(engine: Engine, device: int, product: int, first: date, last: date) -> float:
    with Session(engine) as session:
        total = session.scalar(
            select(func.coalesce(func.sum(SaleRecord.quantity), 0)).where(
                SaleRecord.device_id == device,
                SaleRecord.product_id == product,
                SaleRecord.sold_at >= datetime.combine(first, datetime.min.time()),
                SaleRecord.sold_at < datetime.combine(last + timedelta(days=1), datetime.min.time()),
            )
        )
    return float(total) / ((last - first).days + 1)


def _best_seller(engine: Engine, device: int) -> int:
    with Session(engine) as session:
        return session.scalar(
            select(SaleRecord.product_id).where(SaleRecord.device_id == device)
            .group_by(SaleRecord.product_id).order_by(func.count().desc()).limit(1)
        )  # fmt: skip


def test_a_par_level_decision_is_scored_from_the_sales_after_its_horizon(plain_fleet: Engine) -> None:
    product = _best_seller(plain_fleet, 2)
    as_of = END - timedelta(days=14)
    truth = _units(plain_fleet, 2, product, as_of + timedelta(days=1), as_of + timedelta(days=7))
    exact = Suggestion(SuggestionKind.PAR_LEVEL, 2, Measure.PRODUCT_UNITS, truth, product_id=product,
                       details={"suggested_par": 9})  # fmt: skip
    double = Suggestion(SuggestionKind.PAR_LEVEL, 2, Measure.PRODUCT_UNITS, 2 * truth, product_id=product)
    first = record_feedback(plain_fleet, exact, Verdict.ACCEPTED, user_id=None, as_of=as_of)
    second = record_feedback(plain_fleet, double, Verdict.MODIFIED, user_id=None, as_of=as_of, note="par 12")

    assert score_outcomes(plain_fleet) == 2
    assert score_outcomes(plain_fleet) == 0  # scored once
    with Session(plain_fleet) as session:
        right = session.get(AiFeedback, first.feedback_id)
        off = session.get(AiFeedback, second.feedback_id)
        assert float(right.accuracy_score) == 1.0
        assert float(off.accuracy_score) == 0.5  # predicted twice what sold
        outcome = json.loads(off.actual_outcome)
        assert outcome["actual"] == pytest.approx(truth, abs=1e-4) and outcome["tested"] is True
        assert off.user_feedback == "par 12" and off.feedback_type == "modified"
        prediction = session.get(AiPrediction, first.prediction_id)
        assert prediction.prediction_type == "par_level"
        assert json.loads(prediction.input_data)["suggested_par"] == 9


def test_a_decision_whose_horizon_the_sales_do_not_cover_yet_waits(plain_fleet: Engine) -> None:
    suggestion = Suggestion(SuggestionKind.PLACEMENT, 3, Measure.PRODUCT_UNITS, 1.0, cabinet_index=0, product_id=1)
    record_feedback(plain_fleet, suggestion, Verdict.ACCEPTED, user_id=None)  # anchored on the latest sale
    assert score_outcomes(plain_fleet) == 0


def test_a_rejected_fill_gets_its_actual_outcome_but_no_accuracy(plain_fleet: Engine) -> None:
    fill = Suggestion(SuggestionKind.FILL, 1, Measure.CABINET_REVENUE, 5.0, cabinet_index=0, gain=True)
    recorded = record_feedback(plain_fleet, fill, Verdict.REJECTED, user_id=None, as_of=END - timedelta(days=10))
    score_outcomes(plain_fleet)
    with Session(plain_fleet) as session:
        prediction = json.loads(session.get(AiPrediction, recorded.prediction_id).prediction_result)
        assert prediction["predicted"] == pytest.approx(prediction["baseline"] + 5.0)
        feedback = session.get(AiFeedback, recorded.feedback_id)
        assert feedback.accuracy_score is None
        assert json.loads(feedback.actual_outcome)["tested"] is False


def test_the_summary_counts_decisions_per_kind(plain_fleet: Engine) -> None:
    for verdict in (Verdict.ACCEPTED, Verdict.ACCEPTED, Verdict.REJECTED):
        suggestion = Suggestion(SuggestionKind.PERSONALISATION, 1, Measure.DEVICE_REVENUE, 50.0)
        record_feedback(plain_fleet, suggestion, verdict, user_id=None)
    assert feedback_summary(plain_fleet) == {"personalization": {"accepted": 2, "rejected": 1, "modified": 0}}


def test_accuracy_is_one_minus_the_relative_error() -> None:
    assert accuracy_score(10, 10) == 1.0
    assert accuracy_score(10, 8) == pytest.approx(0.8)
    assert accuracy_score(0, 3) == 0.0
