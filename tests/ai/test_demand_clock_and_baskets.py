"""The two measurements under the placement model: demand-weighted exposure, and basket lift."""

from __future__ import annotations

import numpy as np
import pytest

from ai.basket_lift import BasketCounts
from ai.demand_clock import HOURS_PER_WEEK, DemandClock, seconds_since_monday

HOUR = 3600
DAY = 24 * HOUR


def office_hours() -> np.ndarray:
    """Vends only Monday–Friday 09:00–17:00."""
    counts = np.zeros((1, HOURS_PER_WEEK))
    for day in range(5):
        counts[0, day * 24 + 9 : day * 24 + 17] = 100
    return counts


def test_a_flat_clock_counts_calendar_days() -> None:
    clock = DemandClock(np.ones((1, HOURS_PER_WEEK)))
    assert clock.days_between(np.array([0]), np.array([3 * HOUR]), np.array([10 * DAY + 3 * HOUR]))[0] == (
        pytest.approx(10)
    )


def test_an_office_sold_out_over_the_weekend_lost_almost_no_demand() -> None:
    clock = DemandClock.from_sales(office_hours() * 50)
    friday_evening, monday_morning = 4 * DAY + 18 * HOUR, 7 * DAY + 8 * HOUR
    lost = clock.days_between(np.array([0]), np.array([friday_evening]), np.array([monday_morning]))[0]
    whole_week = clock.days_between(np.array([0]), np.array([0]), np.array([7 * DAY]))[0]
    assert whole_week == pytest.approx(7)
    assert lost < 0.05  # the calendar says 2.6 days


def test_a_quiet_machine_borrows_the_fleets_rhythm() -> None:
    counts = np.vstack([office_hours() * 50, np.zeros(HOURS_PER_WEEK)])
    counts[1, 3] = 1  # one vend at 03:00 on a Monday
    clock = DemandClock.from_sales(counts)
    assert clock.weights[1, 3] < 2 and clock.weights[1, 10] > 1


def test_timestamps_count_from_a_monday() -> None:
    monday = np.array(["2026-06-29T09:30:00"], dtype="datetime64[s]")  # 29 June 2026 is a Monday
    assert seconds_since_monday(monday)[0] % (7 * DAY) == 9 * HOUR + 30 * 60


def test_lift_counts_each_basket_once_and_finds_the_pair_bought_together() -> None:
    # baskets: 1 {a, b}, 2 {a, b, b}, 3 {c}, 4 {a}, 5 {c}, 6 {b, c}
    transactions = np.array([1, 1, 2, 2, 2, 3, 4, 5, 6, 6])
    products = np.array([0, 1, 0, 1, 1, 2, 0, 2, 1, 2])
    counts = BasketCounts.from_sales(transactions, products, 3)
    assert counts.baskets == 6
    assert counts.product_baskets.tolist() == [3, 3, 3]
    assert counts.pair_baskets[0, 1] == counts.pair_baskets[1, 0] == 2
    assert counts.support()[0, 1] == pytest.approx(2 / 6)
    assert counts.confidence()[0, 1] == pytest.approx(2 / 3)
    raw = counts.lift(prior_baskets=0)
    assert raw[0, 1] == pytest.approx((2 / 3) / (3 / 6))
    assert raw[0, 2] == 0
    shrunk = counts.lift()
    assert 1 < shrunk[0, 1] < raw[0, 1] and raw[0, 2] < shrunk[0, 2] < 1


def test_no_sales_means_no_affinity() -> None:
    counts = BasketCounts.from_sales(np.zeros(0), np.zeros(0), 2)
    assert np.all(counts.lift() == 1)
