"""Revision 0003 adds the usage ledger and the answer cache to an existing database, matching the models."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import inspect

from storage.llm_ledger import CallRecord, LlmLedger
from storage.llm_tables import LlmCacheRecord, LlmCallRecord
from storage.schema import current_revision, head_revision, prepare_database


def test_an_older_database_gains_the_llm_tables_as_the_models_describe_them(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    prepare_database(url, revision="0002_seed_ai_tables").dispose()

    engine = prepare_database(url)

    assert current_revision(engine) == head_revision()
    inspector = inspect(engine)
    for model in (LlmCallRecord, LlmCacheRecord):
        columns = {column["name"] for column in inspector.get_columns(model.__tablename__)}
        assert columns == {column.name for column in model.__table__.columns}
    assert {index["name"] for index in inspector.get_indexes("llm_calls")} == {
        "idx_llm_calls_month",
        "idx_llm_calls_analysis",
    }
    engine.dispose()


def test_spending_is_summed_per_month_and_cache_entries_expire(tmp_path: Path) -> None:
    engine = prepare_database(f"sqlite:///{tmp_path / 'ledger.sqlite'}")
    ledger = LlmLedger(engine, host="test")
    october, november = datetime(2026, 10, 31, 23, 0, tzinfo=UTC), datetime(2026, 11, 1, 1, 0, tzinfo=UTC)
    for moment, cost in ((october, 0.5), (november, 0.25), (november, 0.125)):
        ledger.record_call(
            CallRecord(moment, None, "slot_explanation", "claude-haiku-5-5", "answered", "a", 1, 1, 0, 0, cost, 5)
        )

    assert ledger.month_spent(november) == 0.375
    assert ledger.month_spent(october) == 0.5
    assert ledger.analysis_spent("a") == 0.875

    ledger.store_answer("k" * 64, "slot_explanation", "m", '{"explanation": "x"}', november, november + timedelta(1))
    assert ledger.cached_answer("k" * 64, november + timedelta(hours=23)) == '{"explanation": "x"}'
    assert ledger.cached_answer("k" * 64, november + timedelta(days=1)) is None
    engine.dispose()
