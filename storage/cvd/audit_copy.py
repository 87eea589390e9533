"""Copying our audit rows into CVD's ``audit_log``, once: user mapped to CVD's id, host into ``ip_address``.

Each batch is one CVD transaction that skips rows CVD already holds (same user, action, time and details),
then the rows are marked ``pushed_at`` locally: a copy interrupted between the two is finished, not doubled,
by the next sync. Rows by a user CVD does not know (e.g. a local login) wait until that user exists in CVD.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, insert, select, update

from storage.cvd import schema as cvd
from storage.cvd.links import Links
from storage.engine import session_factory
from storage.stored_time import as_stored, stored_now
from storage.tables import AuditLogRecord

BATCH = 500


def cvd_audit_time(moment: datetime) -> str:
    """A stored time (naive UTC, or aware) as CVD's ``CURRENT_TIMESTAMP`` text (UTC)."""
    return as_stored(moment).strftime("%Y-%m-%d %H:%M:%S")


def copy_audit(cvd_engine: Engine, local: Engine) -> tuple[int, int]:
    """(rows copied now, rows still waiting for a CVD user)."""
    sessions = session_factory(local)
    copied = 0
    with sessions() as session:
        users = Links(session, "user").by_local()
        waiting = session.scalars(
            select(AuditLogRecord).where(AuditLogRecord.pushed_at.is_(None)).order_by(AuditLogRecord.id)
        ).all()
    rows = [row for row in waiting if row.user_id in users]
    for start in range(0, len(rows), BATCH):
        batch = rows[start : start + BATCH]
        with cvd_engine.begin() as connection:
            for row in batch:
                values = {
                    "user_id": users[row.user_id],
                    "action": row.action,
                    "resource_type": row.resource_type,
                    "resource_id": row.resource_id,
                    "details": row.details,
                    "ip_address": row.host,
                    "created_at": cvd_audit_time(row.created_at),
                }
                log = cvd.audit_log.c
                exists = connection.scalar(
                    select(log.id).where(
                        log.user_id == values["user_id"],
                        log.action == values["action"],
                        log.created_at == values["created_at"],
                        log.details == values["details"],
                    )
                )
                if exists is None:
                    connection.execute(insert(cvd.audit_log).values(**values))
        with sessions.begin() as session:
            session.execute(
                update(AuditLogRecord)
                .where(AuditLogRecord.id.in_([row.id for row in batch]))
                .values(pushed_at=stored_now())
            )
        copied += len(batch)
    return copied, len(waiting) - len(rows)
