"""Stored times (naive UTC) as the person reads them: in this computer's local time."""

from __future__ import annotations

from datetime import UTC, datetime


def local(moment: datetime) -> datetime:
    """``moment`` in local time; a naive time is a stored one, in UTC."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone()


def local_text(moment: datetime, pattern: str = "%Y-%m-%d %H:%M") -> str:
    return local(moment).strftime(pattern)
