"""Small guards around a remote service: a clock to inject, a circuit breaker, per-user rate limits, retries.

Each is a plain class with an injectable :class:`Clock`, so tests step time instead of sleeping.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Protocol


class Clock(Protocol):
    def monotonic(self) -> float: ...

    def now(self) -> datetime:
        """Wall-clock time, UTC and time-zone aware: months of the spending cap, cache expiry, audit rows."""
        ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def monotonic(self) -> float:
        return time.monotonic()

    def now(self) -> datetime:
        return datetime.now(UTC)

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreaker:
    """After ``threshold`` consecutive failures, refuse calls for ``open_for_s``; then let one trial through.

    While open, callers fall back at once instead of waiting on timeouts and retries that will fail too.
    """

    def __init__(self, clock: Clock, threshold: int = 5, open_for_s: float = 60.0) -> None:
        self._clock = clock
        self.threshold = threshold
        self.open_for_s = open_for_s
        self._failures = 0
        self._opened_at: float | None = None
        self._trial_running = False
        self._lock = threading.Lock()

    @property
    def state(self) -> BreakerState:
        with self._lock:
            return self._state()

    def _state(self) -> BreakerState:
        if self._opened_at is None:
            return BreakerState.CLOSED
        if self._clock.monotonic() - self._opened_at >= self.open_for_s:
            return BreakerState.HALF_OPEN
        return BreakerState.OPEN

    def seconds_until_retry(self) -> float:
        with self._lock:
            if self._opened_at is None:
                return 0.0
            return max(0.0, self.open_for_s - (self._clock.monotonic() - self._opened_at))

    def allow(self) -> bool:
        """May a call go out now? In the half-open state only one trial call at a time is let through."""
        with self._lock:
            state = self._state()
            if state is BreakerState.CLOSED:
                return True
            if state is BreakerState.HALF_OPEN and not self._trial_running:
                self._trial_running = True
                return True
            return False

    def record_success(self) -> None:
        with self._lock:
            self._failures = 0
            self._opened_at = None
            self._trial_running = False

    def record_failure(self) -> None:
        with self._lock:
            self._trial_running = False
            if self._state() is BreakerState.HALF_OPEN:
                self._opened_at = self._clock.monotonic()  # the trial failed: open again for a full period
                return
            self._failures += 1
            if self._failures >= self.threshold:
                self._opened_at = self._clock.monotonic()

    def release_trial(self) -> None:
        """A let-through call ended without telling anything about the service (cancelled, refused locally)."""
        with self._lock:
            self._trial_running = False


class RateLimiter:
    """At most ``limit`` calls per ``window_s`` per user (a sliding window of call times)."""

    def __init__(self, clock: Clock, limit: int, window_s: float = 60.0) -> None:
        self._clock = clock
        self.limit = limit
        self.window_s = window_s
        self._calls: dict[Hashable, deque[float]] = {}
        self._lock = threading.Lock()

    def try_acquire(self, user: Hashable) -> float:
        """Take a slot for ``user``: 0.0 if granted, else the seconds until one frees up."""
        now = self._clock.monotonic()
        with self._lock:
            calls = self._calls.setdefault(user, deque())
            while calls and now - calls[0] >= self.window_s:
                calls.popleft()
            if len(calls) >= self.limit:
                return max(0.0, self.window_s - (now - calls[0]))
            calls.append(now)
            return 0.0


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Bounded retries with exponential back-off, never past the task's own deadline."""

    retries: int
    first_delay_s: float = 0.25
    max_delay_s: float = 2.0

    def delay(self, attempt: int, retry_after_s: float | None = None) -> float:
        """The wait before retry number ``attempt`` (1-based); a server's Retry-After wins if it is longer."""
        backoff = min(self.max_delay_s, self.first_delay_s * 2 ** (attempt - 1))
        return max(backoff, retry_after_s or 0.0)
