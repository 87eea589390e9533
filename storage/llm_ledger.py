"""Claude's usage ledger and answer cache: each call's tokens, cost, user and outcome, the month's spend.

The rows are :mod:`storage.llm_tables`; this is the repository the LLM client reads and writes through, so
``ai/`` never reaches a table module itself.
"""

from __future__ import annotations

import json
import platform
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session

from storage.llm_tables import LlmCacheRecord, LlmCallRecord
from storage.tables import AuditLogRecord


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

    def store_answer(
        self, key: str, task: str, model: str, answer: str, now: datetime, expires: datetime, user_id: int | None = None
    ) -> None:
        with Session(self._engine) as session, session.begin():
            session.execute(delete(LlmCacheRecord).where(LlmCacheRecord.expires_at <= _naive(now)))
            session.merge(
                LlmCacheRecord(
                    key=key,
                    task=task,
                    model=model,
                    answer=answer,
                    created_at=_naive(now),
                    expires_at=_naive(expires),
                    user_id=user_id,
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
