"""Identical requests are answered once: an in-memory LRU in front of the database's ``llm_cache`` table.

The key is a SHA-256 of the whole (already redacted) request — model, system prompt, answer schema and facts —
so a changed fact, model or prompt is a different key, and the key itself reveals nothing. Only answers that
passed the checks are stored; entries expire after ``ttl`` (memory and database alike).
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from datetime import datetime, timedelta
from typing import Any

from storage.llm_ledger import LlmLedger

DEFAULT_TTL = timedelta(hours=24)


def request_key(request: dict[str, Any]) -> str:
    canonical = json.dumps(request, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class AnswerCache:
    """Thread-safe; ``ledger`` may be None for a memory-only cache (no database open)."""

    def __init__(self, ledger: LlmLedger | None, ttl: timedelta = DEFAULT_TTL, capacity: int = 512) -> None:
        self._ledger = ledger
        self.ttl = ttl
        self.capacity = capacity
        self._memory: OrderedDict[str, tuple[datetime, dict[str, Any]]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str, now: datetime) -> dict[str, Any] | None:
        with self._lock:
            entry = self._memory.get(key)
            if entry is not None:
                expires, answer = entry
                if expires > now:
                    self._memory.move_to_end(key)
                    return answer
                del self._memory[key]
        if self._ledger is None:
            return None
        stored = self._ledger.cached_answer(key, now)
        if stored is None:
            return None
        answer = json.loads(stored)
        self._remember(key, now + self.ttl, answer)
        return answer

    def put(
        self, key: str, task: str, model: str, answer: dict[str, Any], now: datetime, user_id: int | None = None
    ) -> None:
        expires = now + self.ttl
        self._remember(key, expires, answer)
        if self._ledger is not None:
            self._ledger.store_answer(key, task, model, json.dumps(answer, sort_keys=True), now, expires, user_id)

    def clear_memory(self) -> None:
        with self._lock:
            self._memory.clear()

    def _remember(self, key: str, expires: datetime, answer: dict[str, Any]) -> None:
        with self._lock:
            self._memory[key] = (expires, answer)
            self._memory.move_to_end(key)
            while len(self._memory) > self.capacity:
                self._memory.popitem(last=False)
