"""The simulated clock: a fixed history ending 2026-06-30, its weekdays and its public holidays.

Every timestamp the simulator writes comes from here, never from the wall clock, so the same arguments
give the same database on any day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import numpy as np

HISTORY_END = date(2026, 6, 30)
SECONDS_PER_DAY = 86_400
MIN_DAYS = 14
MAX_DAYS = 3_660


@dataclass(frozen=True)
class History:
    """``days`` whole days of trading ending on :data:`HISTORY_END`; times are seconds from the first midnight."""

    days: int
    end: date = HISTORY_END

    @property
    def start(self) -> date:
        return self.end - timedelta(days=self.days - 1)

    @property
    def start_moment(self) -> datetime:
        return datetime.combine(self.start, time())

    @property
    def end_moment(self) -> datetime:
        """The last second of history: when the build is recorded as having happened."""
        return datetime.combine(self.end, time(23, 59, 59))

    @property
    def seconds(self) -> int:
        return self.days * SECONDS_PER_DAY

    def dates(self) -> list[date]:
        return [self.start + timedelta(days=day) for day in range(self.days)]

    def weekdays(self) -> np.ndarray:
        """Monday = 0 … Sunday = 6 for each day of history."""
        return (np.arange(self.days) + self.start.weekday()) % 7

    def day_of_year(self) -> np.ndarray:
        return np.array([d.timetuple().tm_yday for d in self.dates()])

    def moment(self, seconds: float) -> datetime:
        return self.start_moment + timedelta(seconds=int(seconds))

    def holiday_flags(self) -> np.ndarray:
        """True on each day of history that is a public holiday."""
        holidays = {day for day, _ in public_holidays(self.start, self.end)}
        return np.array([d in holidays for d in self.dates()])


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The ``n``-th ``weekday`` of a month; ``n = -1`` is the last one."""
    if n > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    following = date(year + month // 12, month % 12 + 1, 1)
    last = following - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def _holidays_of(year: int) -> list[tuple[date, str]]:
    monday, thursday = 0, 3
    return [
        (date(year, 1, 1), "New Year's Day"),
        (_nth_weekday(year, 1, monday, 3), "Martin Luther King Jr. Day"),
        (_nth_weekday(year, 2, monday, 3), "Presidents' Day"),
        (_nth_weekday(year, 5, monday, -1), "Memorial Day"),
        (date(year, 6, 19), "Juneteenth"),
        (date(year, 7, 4), "Independence Day"),
        (_nth_weekday(year, 9, monday, 1), "Labor Day"),
        (_nth_weekday(year, 11, thursday, 4), "Thanksgiving Day"),
        (date(year, 12, 25), "Christmas Day"),
    ]


def public_holidays(start: date, end: date) -> list[tuple[date, str]]:
    """The fixed US-style public holidays between ``start`` and ``end`` inclusive, in date order."""
    found = [entry for year in range(start.year, end.year + 1) for entry in _holidays_of(year)]
    return sorted(entry for entry in found if start <= entry[0] <= end)
