"""Circuit breaker, rate limiter and retry policy, on a clock the tests move."""

from __future__ import annotations

from ai.llm.reliability import BreakerState, CircuitBreaker, RateLimiter, RetryPolicy
from tests.llm.support import FakeClock


def test_five_consecutive_failures_open_the_breaker_for_60_seconds() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(clock)
    for _ in range(4):
        breaker.record_failure()
    assert breaker.allow()
    breaker.record_failure()

    assert breaker.state is BreakerState.OPEN and not breaker.allow()
    clock.advance(59)
    assert not breaker.allow() and 0.9 < breaker.seconds_until_retry() <= 1.0
    clock.advance(1)
    assert breaker.state is BreakerState.HALF_OPEN
    assert breaker.allow() and not breaker.allow()  # one trial at a time


def test_a_failed_trial_opens_again_and_a_good_one_closes() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(clock, threshold=1, open_for_s=10)
    breaker.record_failure()
    clock.advance(10)
    assert breaker.allow()
    breaker.record_failure()
    assert breaker.state is BreakerState.OPEN
    clock.advance(10)
    assert breaker.allow()
    breaker.record_success()
    assert breaker.state is BreakerState.CLOSED


def test_a_success_resets_the_count() -> None:
    breaker = CircuitBreaker(FakeClock())
    for _ in range(4):
        breaker.record_failure()
    breaker.record_success()
    for _ in range(4):
        breaker.record_failure()
    assert breaker.state is BreakerState.CLOSED


def test_the_rate_limit_is_per_user_over_a_sliding_minute() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock, limit=3)
    assert [limiter.try_acquire("ann") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.try_acquire("ann") == 60.0
    assert limiter.try_acquire("bob") == 0.0
    clock.advance(30)
    assert limiter.try_acquire("ann") == 30.0
    clock.advance(30)
    assert limiter.try_acquire("ann") == 0.0


def test_retries_back_off_and_honour_retry_after() -> None:
    policy = RetryPolicy(retries=3)
    assert [policy.delay(attempt) for attempt in (1, 2, 3, 4, 5)] == [0.25, 0.5, 1.0, 2.0, 2.0]
    assert policy.delay(1, retry_after_s=1.5) == 1.5
