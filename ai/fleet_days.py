"""Days with data: the days on which some device of the fleet sold.

A CVD export can miss whole days (the sample has no sales row on any device from 16 to 31 July 2025, nor on 12–13
July): those are gaps in collection, not days of zero sales. Every rate, trailing window and trend is taken over
days with data, so a gap neither drags a rate down nor stretches a "last 28 days" back into older weeks. A day on
which one device sold nothing while others sold stays a real zero for that device. On a fleet that sells every
day (the demo fleet) nothing changes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta

from storage.database import Engine
from storage.sales_history import fleet_sale_days


def as_date(value: object) -> date:
    """A day as the database's date function or a driver gives it."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value)
    return datetime.fromisoformat(text[:19]).date() if len(text) > 10 else date.fromisoformat(text)


def data_days(engine: Engine, since: date | None = None, until: date | None = None) -> list[date]:
    """Days with a sale anywhere in the fleet, ascending, from ``since`` to ``until`` inclusive."""
    start = datetime.combine(since, datetime.min.time()) if since is not None else None
    stop = datetime.combine(until + timedelta(days=1), datetime.min.time()) if until is not None else None
    return sorted({as_date(day) for day in fleet_sale_days(engine, start, stop)})


def silent_days(days_with_data: Iterable[date]) -> list[date]:
    """The days between the first and the last day with data on which no device sold."""
    known = sorted(set(days_with_data))
    if not known:
        return []
    held = set(known)
    span = (known[-1] - known[0]).days
    return [day for day in (known[0] + timedelta(days=i) for i in range(span + 1)) if day not in held]


def silent_stretches(days_with_data: Iterable[date]) -> list[tuple[date, date]]:
    """Runs of silent days as (first silent day, day after the last), for clipping spans of time."""
    stretches: list[tuple[date, date]] = []
    for day in silent_days(days_with_data):
        if stretches and stretches[-1][1] == day:
            stretches[-1] = (stretches[-1][0], day + timedelta(days=1))
        else:
            stretches.append((day, day + timedelta(days=1)))
    return stretches


def trailing(days_with_data: Sequence[date], until: date, count: int) -> list[date]:
    """The last ``count`` days with data up to ``until`` inclusive (fewer when the history is shorter)."""
    before = [day for day in days_with_data if day <= until]
    return before[-count:] if count > 0 else []
