"""The sync log: what each sync with CVD did, read back from the working copy's audit trail.

Every sync writes audit rows as it goes (``sync.push`` per layout pushed, ``sync.conflict`` when CVD changed
the same layout, ``sync.pull`` with its counts, ``sync.conflict.resolved``), so the log needs no table of its
own and shows exactly what was audited. Newest first.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select

from designer.wording import counted
from storage.engine import session_factory
from storage.tables import AuditLogRecord, User

SYNC_ACTIONS = ("sync.pull", "sync.push", "sync.conflict", "sync.conflict.resolved")
DIRECTIONS = {
    "sync.pull": "from CVD",
    "sync.push": "to CVD",
    "sync.conflict": "to CVD",
    "sync.conflict.resolved": "here",
}


@dataclass(frozen=True, slots=True)
class SyncLogEntry:
    """One step of a sync, as the Sync log window lists it."""

    at: datetime  # as the audit trail stored it: naive UTC (shown with designer.local_time)
    direction: str  # "from CVD", "to CVD", "here"
    result: str
    counts: str
    by: str  # who ran it; "the app" for steps no person started (queued pushes)


def describe(action: str, details: dict[str, Any]) -> tuple[str, str]:
    """The result and the counts of one audited sync step, in a merchandiser's words."""
    if action == "sync.pull":
        counts = ", ".join([
            counted(int(details.get("layouts_changed", 0)), "layout") + " changed",
            counted(int(details.get("sales_new", 0)), "new sale"),
            counted(int(details.get("devices", 0)), "device"),
        ])  # fmt: skip
        return "pulled", counts
    if action == "sync.push":
        outcome = str(details.get("result", "pushed"))
        key = details.get("planogram_key", "")
        return outcome, f"{key}: {counted(int(details.get('slots', 0)), 'slot')}" if key else ""
    if action == "sync.conflict":
        return "conflict: changed in CVD too, waiting for your decision", str(details.get("planogram_key", ""))
    choice = details.get("choice", "")
    slots = details.get("conflicts", [])
    return f"conflict resolved ({choice})", counted(len(slots), "slot") + " decided" if slots else ""


def sync_log(engine: Engine, limit: int = 500) -> list[SyncLogEntry]:
    """The newest ``limit`` sync steps of this working copy."""
    query = (
        select(AuditLogRecord.created_at, AuditLogRecord.action, AuditLogRecord.details, User.username)
        .outerjoin(User, User.id == AuditLogRecord.user_id)
        .where(AuditLogRecord.action.in_(SYNC_ACTIONS))
        .order_by(AuditLogRecord.created_at.desc(), AuditLogRecord.id.desc())
        .limit(limit)
    )
    entries = []
    with session_factory(engine)() as session:
        for created_at, action, details, username in session.execute(query):
            try:
                facts = json.loads(details or "{}")
            except ValueError:
                facts = {}
            result, counts = describe(action, facts if isinstance(facts, dict) else {})
            entries.append(SyncLogEntry(created_at, DIRECTIONS[action], result, counts, username or "the app"))
    return entries
