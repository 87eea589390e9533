"""Times in UTC: rows the app wrote in the computer's local time are converted to UTC (naive, as stored).

Up to 0007 the app stamped audit rows, predictions, feedback, experiments, queued pushes and the versions a
person saved or activated with ``datetime.now()`` (local time), while SQLite's defaults, the LLM ledger and CVD
write UTC. Each value is converted with this computer's zone rules at that moment (daylight saving included);
on a computer whose zone is UTC nothing changes. Layouts pulled from CVD before 0008 keep their pull time as it
was written: it cannot be told from the CVD times stored beside it.

Revision ID: 0008_times_in_utc
Revises: 0007_cvd_status
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0008_times_in_utc"
down_revision = "0007_cvd_status"
branch_labels = None
depends_on = None

# table → (columns stamped in local time by the app, a condition selecting the rows it stamped, or None: all)
_ALWAYS_LOCAL: dict[str, tuple[tuple[str, ...], str | None]] = {
    "audit_log": (("created_at", "pushed_at"), "action NOT LIKE 'llm.%'"),  # the LLM ledger wrote UTC already
    "ai_predictions": (("created_at",), None),
    "ai_feedback": (("created_at",), None),
    "ai_experiments": (("created_at", "completed_at"), None),
    "pending_pushes": (("created_at", "pushed_at"), None),
}
# versions a person saved or activated: found through the audit trail the same transaction wrote
_PLANOGRAM_STAMPS = {
    "planogram.save": ("created_at", "updated_at"),
    "planogram.activate": ("activated_at", "updated_at"),
}


def _to_utc(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None)  # a naive value is read as local time


def _to_local(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC).astimezone().replace(tzinfo=None)


def _convert(
    table_name: str,
    columns: tuple[str, ...],
    where: sa.ColumnElement[bool] | None,
    shift: Callable[[datetime], datetime],
) -> None:
    connection = op.get_bind()
    table = sa.table(table_name, sa.column("id", sa.Integer), *(sa.column(c, sa.DateTime) for c in columns))
    query = sa.select(table.c.id, *(table.c[c] for c in columns))
    if where is not None:
        query = query.where(where)
    for row in connection.execute(query).all():
        values = {c: shift(row[i + 1]) for i, c in enumerate(columns) if row[i + 1] is not None}
        if any(values[c] != row[i + 1] for i, c in enumerate(columns) if c in values):
            connection.execute(sa.update(table).where(table.c.id == row[0]).values(**values))


def _planograms_stamped_by(action: str) -> sa.ColumnElement[bool]:
    audit = sa.table("audit_log", sa.column("action", sa.String), sa.column("resource_type", sa.String),
                     sa.column("resource_id", sa.Integer))  # fmt: skip
    stamped = sa.select(audit.c.resource_id).where(audit.c.action == action, audit.c.resource_type == "planogram")
    return sa.column("id", sa.Integer).in_(stamped)


def _migrate(shift: Callable[[datetime], datetime]) -> None:
    if time.timezone == 0 and time.altzone == 0:
        return  # the computer keeps UTC all year: every value is already what it should be
    for table_name, (columns, condition) in _ALWAYS_LOCAL.items():
        _convert(table_name, columns, sa.text(condition) if condition else None, shift)
    saved, activated = (_planograms_stamped_by(action) for action in ("planogram.save", "planogram.activate"))
    # each column of a version once, however many audit rows name it
    _convert("planograms", ("created_at",), saved, shift)
    _convert("planograms", ("activated_at",), activated, shift)
    _convert("planograms", ("updated_at",), sa.or_(saved, activated), shift)


def upgrade() -> None:
    _migrate(_to_utc)


def downgrade() -> None:
    _migrate(_to_local)
