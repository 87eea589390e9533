"""How many AI requests one user may make, and when a refused one may come back: the seed's per-user limits.

The seed sets three budgets per user — realtime analysis 100 a minute, predictions 20 a minute, model training
5 an hour — answered beyond them with HTTP 429 and ``Retry-After``. This module holds the numbers (a setting,
so tests and operators can change them), which budget each endpoint draws on, and the sliding-window decision;
who counted what and when is kept by the caller (``storage.api_calls`` keeps it in the database, so every worker
of the HTTP service and every ``api`` command share one count). Pure Python: no clock is read here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class Budget(StrEnum):
    """What a request spends: the seed's three rate-limited kinds of AI work."""

    REALTIME = "realtime"
    PREDICTIONS = "predictions"
    TRAINING = "training"


ENDPOINT_BUDGETS: dict[str, Budget] = {
    "realtime-analysis": Budget.REALTIME,
    "predict-revenue": Budget.PREDICTIONS,
    "demand-forecast": Budget.PREDICTIONS,
    "affinity-analysis": Budget.PREDICTIONS,
    "personalize-location": Budget.PREDICTIONS,
}
"""The budget each endpoint's request draws on (a batch is one request); a request that has to train the
placement model first also spends one :attr:`Budget.TRAINING`."""

TRAINS_PLACEMENT_MODEL = frozenset({"realtime-analysis", "predict-revenue", "personalize-location"})
"""The endpoints that stand on the placement model, so train it first when no saved model fits the data."""


@dataclass(frozen=True, slots=True)
class RateLimits:
    """Requests per user per window; 0 refuses every request of that kind."""

    realtime_per_minute: int = 100
    predictions_per_minute: int = 20
    training_per_hour: int = 5

    def window(self, budget: Budget) -> tuple[int, timedelta]:
        """(how many requests, over what window) for ``budget``."""
        if budget is Budget.REALTIME:
            return self.realtime_per_minute, timedelta(minutes=1)
        if budget is Budget.PREDICTIONS:
            return self.predictions_per_minute, timedelta(minutes=1)
        return self.training_per_hour, timedelta(hours=1)

    def longest_window(self) -> timedelta:
        return max(self.window(budget)[1] for budget in Budget)

    def problem(self) -> str | None:
        """Why these numbers cannot be used (negative or huge), or None."""
        for budget in Budget:
            count, _ = self.window(budget)
            if not 0 <= count <= 1_000_000:
                return f"the {budget.value} rate limit must be between 0 and 1,000,000 requests"
        return None


@dataclass(frozen=True, slots=True)
class OverLimit:
    """A refused request: which budget is spent, and in how many whole seconds one request frees up."""

    budget: Budget
    limit: int
    window: timedelta
    retry_after_s: int

    def message(self) -> str:
        per = "an hour" if self.window >= timedelta(hours=1) else "a minute"
        return (
            f"rate limit exceeded: {self.limit} {self.budget.value} requests {per} per user. "
            f"Fix: wait {self.retry_after_s} s (Retry-After) and send it again"
        )


def over_limit(budget: Budget, limits: RateLimits, earlier: Sequence[datetime], now: datetime) -> OverLimit | None:
    """Refuse the request at ``now`` when ``earlier`` (this user's counted requests of ``budget``) already fill the
    window; else None. The oldest request in the window says when a place frees up."""
    limit, window = limits.window(budget)
    recent = sorted(moment for moment in earlier if now - window < moment <= now)
    if len(recent) < limit:
        return None
    if limit == 0:
        return OverLimit(budget, limit, window, math.ceil(window.total_seconds()))
    frees_at = recent[len(recent) - limit] + window
    return OverLimit(budget, limit, window, max(1, math.ceil((frees_at - now).total_seconds())))
