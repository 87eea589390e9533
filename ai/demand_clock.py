"""Time measured in shoppers rather than hours: how much of a machine's demand a stretch of time holds.

A slot sold out from Friday evening to Monday morning in an office lost almost no shoppers; the same
weekend in a gym lost many. Exposure (the denominator of "sales per day") is therefore counted on a
clock that runs at the machine's own hour-of-week pace, learnt from when its vends happen, so censored
stretches are taken out in proportion to the demand they really held.
"""

from __future__ import annotations

import numpy as np

HOURS_PER_WEEK = 168
SECONDS_PER_HOUR = 3600
SECONDS_PER_WEEK = HOURS_PER_WEEK * SECONDS_PER_HOUR
MONDAY_EPOCH = np.datetime64("1970-01-05T00:00:00", "s")
"""Timestamps become seconds since this Monday midnight, so hour 0 of every week is Monday 00:00."""

PRIOR_SALES_PER_HOUR = 5.0
"""Each device's hour-of-week profile is shrunk toward the fleet's by this many vends per hour of the week,
so a quiet machine borrows the fleet's rhythm instead of trusting a handful of sales."""


def seconds_since_monday(timestamps: np.ndarray) -> np.ndarray:
    """Naive local timestamps (datetime64) → whole seconds since :data:`MONDAY_EPOCH` (int64)."""
    return (np.asarray(timestamps, dtype="datetime64[s]") - MONDAY_EPOCH).astype(np.int64)


def hour_of_week(seconds: np.ndarray) -> np.ndarray:
    return (seconds // SECONDS_PER_HOUR) % HOURS_PER_WEEK


class DemandClock:
    """Per device, a clock on which one day is an average day's share of that machine's demand."""

    def __init__(self, weights: np.ndarray) -> None:
        """``weights``: devices × 168 hour-of-week demand rates, mean 1 per device (Monday 00:00 first)."""
        self.weights = np.asarray(weights, dtype=np.float64)
        hours_in_days = self.weights / 24.0
        self._start_of_hour = np.concatenate(
            [np.zeros((len(self.weights), 1)), np.cumsum(hours_in_days, axis=1)], axis=1
        )  # days elapsed in the week at the start of each hour

    @classmethod
    def from_sales(cls, counts: np.ndarray) -> DemandClock:
        """Learn the clock from vends counted per device × hour of week."""
        counts = np.asarray(counts, dtype=np.float64)
        total = counts.sum(axis=0)
        fleet = total / total.sum() if total.sum() > 0 else np.full(HOURS_PER_WEEK, 1 / HOURS_PER_WEEK)
        prior = PRIOR_SALES_PER_HOUR * HOURS_PER_WEEK
        shares = (counts + prior * fleet) / (counts.sum(axis=1, keepdims=True) + prior)
        return cls(shares * HOURS_PER_WEEK)

    def reading(self, device: np.ndarray, seconds: np.ndarray) -> np.ndarray:
        """Demand-days elapsed since the epoch at each (device index, second) pair."""
        device = np.asarray(device, dtype=np.int64)
        seconds = np.asarray(seconds, dtype=np.int64)
        weeks, within = np.divmod(seconds, SECONDS_PER_WEEK)
        hour, into_hour = np.divmod(within, SECONDS_PER_HOUR)
        partial = into_hour / SECONDS_PER_HOUR * self.weights[device, hour] / 24.0
        return weeks * 7.0 + self._start_of_hour[device, hour] + partial

    def days_between(self, device: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
        """Demand-days from ``start`` to ``end`` (seconds; zero where end ≤ start)."""
        elapsed = self.reading(device, end) - self.reading(device, start)
        return np.where(np.asarray(end) > np.asarray(start), elapsed, 0.0)
