"""Claude's usage ledger and answer cache, and the queries on them (and on ``audit_log``) the LLM client needs.

Two tables (revision 0003_llm_usage): ``llm_calls`` is one row per request sent to Claude, with its token
counts and list-price cost, so the month's spending survives restarts and the cap holds across sessions;
``llm_cache`` keeps validated answers for identical requests until they expire. Neither ever holds the API
key or the text sent (the cache key is a hash of the redacted request), only answers and counts.
"""

from __future__ import annotations

import json
import platform
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Engine, Float, Index, Integer, String, Text, delete, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage.base import Base
from storage.tables import AuditLogRecord


class LlmCallRecord(Base):
    __tablename__ = "llm_calls"
    __table_args__ = (
        Index("idx_llm_calls_month", "month"),
        Index("idx_llm_calls_analysis", "analysis_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    month: Mapped[str] = mapped_column(String(7))  # "2026-11", UTC: the cap's period
    user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    task: Mapped[str] = mapped_column(String(40))
    model: Mapped[str] = mapped_column(String(80))
    outcome: Mapped[str] = mapped_column(String(20))  # answered | malformed | cancelled | failed
    analysis_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    input_tokens: Mapped[int] = mapped_column(Integer, default=0)
    output_tokens: Mapped[int] = mapped_column(Integer, default=0)
    cache_write_tokens: Mapped[int] = mapped_column(Integer, default=0)
    cache_read_tokens: Mapped[int] = mapped_column(Integer, default=0)
    cost_usd: Mapped[float] = mapped_column(Float, default=0.0)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)


class LlmCacheRecord(Base):
    __tablename__ = "llm_cache"
    __table_args__ = (Index("idx_llm_cache_expires", "expires_at"),)

    key: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the redacted request
    task: Mapped[str] = mapped_column(String(40))
    model: Mapped[str] = mapped_column(String(80))
    answer: Mapped[str] = mapped_column(Text)  # the validated answer, JSON
    created_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)


@dataclass(frozen=True, slots=True)
class CallRecord:
    """What the ledger keeps of one request: counts and money, never text."""

    created_at: datetime
    user_id: int | None
    task: str
    model: str
    outcome: str
    analysis_id: str | None
    input_tokens: int
    output_tokens: int
    cache_write_tokens: int
    cache_read_tokens: int
    cost_usd: float
    duration_ms: int


def month_of(moment: datetime) -> str:
    return f"{moment.year:04d}-{moment.month:02d}"


def _naive(moment: datetime) -> datetime:
    """SQLite keeps no time zone: everything is stored as naive UTC."""
    return moment.replace(tzinfo=None) if moment.tzinfo is not None else moment


class LlmLedger:
    """The LLM client's database side: usage, spending, cached answers and audit rows. Thread-safe.

    Every method opens its own short session, so workers on several threads can share one ledger.
    """

    def __init__(self, engine: Engine, host: str | None = None) -> None:
        self._engine = engine
        self._host = (host if host is not None else platform.node())[:120] or None

    @property
    def engine(self) -> Engine:
        """The database the ledger writes to (the client's role check reads the user there)."""
        return self._engine

    def record_call(self, call: CallRecord) -> None:
        with Session(self._engine) as session, session.begin():
            session.add(
                LlmCallRecord(
                    created_at=_naive(call.created_at),
                    month=month_of(call.created_at),
                    user_id=call.user_id,
                    task=call.task,
                    model=call.model,
                    outcome=call.outcome,
                    analysis_id=call.analysis_id,
                    input_tokens=call.input_tokens,
                    output_tokens=call.output_tokens,
                    cache_write_tokens=call.cache_write_tokens,
                    cache_read_tokens=call.cache_read_tokens,
                    cost_usd=call.cost_usd,
                    duration_ms=call.duration_ms,
                )
            )

    def month_spent(self, moment: datetime) -> float:
        """US dollars spent at list prices in the (UTC) month of ``moment``."""
        with Session(self._engine) as session:
            total = session.scalar(
                select(func.coalesce(func.sum(LlmCallRecord.cost_usd), 0.0)).where(
                    LlmCallRecord.month == month_of(moment)
                )
            )
        return float(total or 0.0)

    def analysis_spent(self, analysis_id: str) -> float:
        with Session(self._engine) as session:
            total = session.scalar(
                select(func.coalesce(func.sum(LlmCallRecord.cost_usd), 0.0)).where(
                    LlmCallRecord.analysis_id == analysis_id
                )
            )
        return float(total or 0.0)

    def calls(self) -> list[CallRecord]:
        """Every recorded call, oldest first (for the diagnostics view and the cost benchmark)."""
        with Session(self._engine) as session:
            rows = session.scalars(select(LlmCallRecord).order_by(LlmCallRecord.id)).all()
        return [
            CallRecord(
                row.created_at,
                row.user_id,
                row.task,
                row.model,
                row.outcome,
                row.analysis_id,
                row.input_tokens,
                row.output_tokens,
                row.cache_write_tokens,
                row.cache_read_tokens,
                row.cost_usd,
                row.duration_ms,
            )
            for row in rows
        ]

    def cached_answer(self, key: str, now: datetime) -> str | None:
        with Session(self._engine) as session:
            row = session.get(LlmCacheRecord, key)
            if row is None or row.expires_at <= _naive(now):
                return None
            return row.answer

    def store_answer(self, key: str, task: str, model: str, answer: str, now: datetime, expires: datetime) -> None:
        with Session(self._engine) as session, session.begin():
            session.execute(delete(LlmCacheRecord).where(LlmCacheRecord.expires_at <= _naive(now)))
            session.merge(
                LlmCacheRecord(
                    key=key, task=task, model=model, answer=answer, created_at=_naive(now), expires_at=_naive(expires)
                )
            )

    def audit(self, user_id: int | None, action: str, details: dict[str, Any], now: datetime) -> None:
        """One ``audit_log`` row; callers pass counts, model ids and reasons only (no key, no facts, no PII)."""
        with Session(self._engine) as session, session.begin():
            session.add(
                AuditLogRecord(
                    user_id=user_id,
                    action=action[:80],
                    details=json.dumps(details, sort_keys=True),
                    host=self._host,
                    created_at=_naive(now),
                )
            )
