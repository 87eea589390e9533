"""Times as the database keeps them: naive UTC, whatever zone the computer is in.

Columns hold no zone (SQLite has none; CVD's own tables are naive UTC, as SQLite's ``CURRENT_TIMESTAMP`` writes
them), so every time we write is converted to UTC first and every view converts it back to local time
(:mod:`designer.local_time`). Before schema 0008 the app wrote some of them in local time; that migration
converted them.
"""

from __future__ import annotations

from datetime import UTC, datetime


def stored_now() -> datetime:
    """Now, as a stored time."""
    return datetime.now(UTC).replace(tzinfo=None)


def as_stored(moment: datetime) -> datetime:
    """An aware time as a stored one; a naive time is taken to be stored already (UTC)."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo is not None else moment
