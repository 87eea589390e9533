"""Keeping a person's AI data no longer than the settings say: the purge that runs when the app starts.

Predictions older than ``data_protection.predictions_days`` go with the feedback on them; Claude's usage log
and cached answers older than ``data_protection.llm_log_days`` go too. What was purged is audited
(``privacy.purged``, counts only). The same start also seals AI values an older release wrote in the clear
(``storage.sealed_columns``). A database opened read-only is left as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, select

from designer.data_protection import DataProtection
from storage.audit import record
from storage.database import is_read_only
from storage.engine import session_factory
from storage.llm_tables import LlmCacheRecord, LlmCallRecord
from storage.sealed_columns import seal_plaintext
from storage.stored_time import as_stored
from storage.tables import AiFeedback, AiPrediction


@dataclass(frozen=True, slots=True)
class Purged:
    """How many rows the purge removed, by kind."""

    predictions: int = 0
    feedback: int = 0
    llm_calls: int = 0
    llm_cache: int = 0

    @property
    def total(self) -> int:
        return self.predictions + self.feedback + self.llm_calls + self.llm_cache


def purge_expired(engine: Engine, keep: DataProtection, now: datetime) -> Purged:
    """Delete what is older than the retention settings (``now`` is UTC); audited when anything went."""
    predictions_before = as_stored(now - timedelta(days=keep.predictions_days))
    llm_before = as_stored(now - timedelta(days=keep.llm_log_days))
    expired = (
        select(AiPrediction.id).where(AiPrediction.created_at < predictions_before),
        select(LlmCallRecord.id).where(LlmCallRecord.created_at < llm_before),
        select(LlmCacheRecord.key).where(LlmCacheRecord.created_at < llm_before),
    )
    with engine.connect() as connection:  # a look first: no write lock is taken when nothing is due
        if all(connection.execute(query.limit(1)).first() is None for query in expired):
            return Purged()
    with session_factory(engine).begin() as session:
        old = select(AiPrediction.id).where(AiPrediction.created_at < predictions_before)
        feedback = session.execute(delete(AiFeedback).where(AiFeedback.prediction_id.in_(old))).rowcount
        predictions = session.execute(delete(AiPrediction).where(AiPrediction.created_at < predictions_before)).rowcount
        calls = session.execute(delete(LlmCallRecord).where(LlmCallRecord.created_at < llm_before)).rowcount
        cache = session.execute(delete(LlmCacheRecord).where(LlmCacheRecord.created_at < llm_before)).rowcount
        purged = Purged(predictions, feedback, calls, cache)
        if purged.total:
            details = {
                "predictions": predictions,
                "feedback": feedback,
                "llm_calls": calls,
                "llm_cache": cache,
                "predictions_days": keep.predictions_days,
                "llm_log_days": keep.llm_log_days,
            }
            record(session, None, "privacy.purged", details, resource_type="privacy")
    return purged


def on_start(engine: Engine, keep: DataProtection, now: datetime) -> Purged:
    """What the app does to a database it opens for writing: purge by the retention settings, and seal the AI
    values an older release left in the clear (once per database)."""
    if is_read_only(engine):
        return Purged()
    purged = purge_expired(engine, keep, now)
    seal_plaintext(engine)  # reads one row per column once all are sealed; writes nothing then
    return purged
