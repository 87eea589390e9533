"""Claude's usage ledger and answer cache as the LLM client reads and writes them.

The ledger's tables are defined in :mod:`storage.llm_tables`; this is the name the models import, so that
``ai/`` never reaches a table module itself.
"""

from __future__ import annotations

from storage.llm_tables import CallRecord, LlmLedger

__all__ = ["CallRecord", "LlmLedger"]
