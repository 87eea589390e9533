"""One way to write ``audit_log``: who did what to which resource, from which host.

Rows carry CVD's own columns (``resource_type``, ``resource_id``) so that sync can copy them into CVD's
``audit_log`` unchanged; ``pushed_at`` stays empty until it has.
"""

from __future__ import annotations

import json
import socket
from datetime import datetime
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from storage.database import skip_write_on_read_only
from storage.engine import session_factory
from storage.stored_time import as_stored, stored_now
from storage.tables import AuditLogRecord

HOST = socket.gethostname()


def audit_row(
    user_id: int | None,
    action: str,
    details: dict[str, Any] | None = None,
    *,
    resource_type: str | None = None,
    resource_id: int | None = None,
    now: datetime | None = None,
) -> AuditLogRecord:
    """An unsaved row; callers pass ids, counts and reasons only (never a key, a password or shopper data)."""
    return AuditLogRecord(
        user_id=user_id,
        action=action[:80],
        details=json.dumps(details or {}, sort_keys=True, default=str),
        host=HOST,
        created_at=as_stored(now) if now is not None else stored_now(),
        resource_type=resource_type,
        resource_id=resource_id,
    )


def record(
    session: Session, user_id: int | None, action: str, details: dict[str, Any] | None = None, **resource: Any
) -> None:
    """Add an audit row to ``session`` so it commits (or rolls back) with the change it describes."""
    session.add(audit_row(user_id, action, details, **resource))


def record_now(
    engine: Engine, user_id: int | None, action: str, details: dict[str, Any] | None = None, **resource: Any
) -> None:
    """Write an audit row in its own transaction (for actions that change nothing else in the database).

    On a database opened read-only (a command that only reads it) the row is skipped with a one-line warning.
    """
    if skip_write_on_read_only(engine, "the audit row"):
        return
    with session_factory(engine).begin() as session:
        record(session, user_id, action, details, **resource)


def record_ai_run(
    engine: Engine, user_id: int | None, feature: str, device_ids: list[int], cabinet_indexes: list[int], **facts: Any
) -> None:
    """``ai.<feature>``: which machines an AI feature ran for, and how (time, outcome) — never the request."""
    devices = sorted(set(device_ids))
    details = {"device_ids": devices, "cabinet_indexes": sorted(set(cabinet_indexes)), **facts}
    single = devices[0] if len(devices) == 1 else None
    record_now(engine, user_id, f"ai.{feature}", details, resource_type="device", resource_id=single)
