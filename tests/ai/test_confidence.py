"""Confidence grows with the days a product has stood in the machine, as the product brief sets it."""

from __future__ import annotations

import numpy as np
import pytest

from ai.confidence import history_confidence


@pytest.mark.parametrize(("days", "expected"), [(1, 0.3), (7, 0.5), (30, 0.8), (90, 0.95)])
def test_confidence_meets_the_briefs_anchor_points(days: int, expected: float) -> None:
    assert history_confidence(days) == pytest.approx(expected, abs=0.02)


def test_confidence_rises_smoothly_and_stays_between_0_and_1() -> None:
    days = np.linspace(0, 730, 5000)
    confidence = history_confidence(days)
    assert np.all(np.diff(confidence) > 0)
    assert 0 < confidence[0] < 0.3 and confidence[-1] < 1
    assert history_confidence(10_000) <= 1


def test_no_history_still_leans_on_similar_machines_but_says_little() -> None:
    assert 0.15 < history_confidence(0) < history_confidence(1)
    assert history_confidence(-5) == history_confidence(0)
