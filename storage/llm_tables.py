"""Claude's usage ledger and answer cache, and the queries on them (and on ``audit_log``) the LLM client needs.

Two tables (revision 0003_llm_usage): ``llm_calls`` is one row per request sent to Claude, with its token
counts and list-price cost, so the month's spending survives restarts and the cap holds across sessions;
``llm_cache`` keeps validated answers for identical requests until they expire. Neither ever holds the API
key or the text sent (the cache key is a hash of the redacted request), only answers and counts.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Float, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base
from storage.sealed_columns import SealedText


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
    answer: Mapped[str] = mapped_column(SealedText)  # the validated answer, JSON, sealed at rest
    user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # who asked (a person's data: issue 22)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
