"""Synthetic per-device daily revenue with known truth: sizes, a season all devices share, day noise, drift."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, timedelta

import numpy as np

from ai.experiments import Metric, MetricPanel

START = date(2026, 3, 1)
DAYS_BEFORE = 28


def fleet_panel(
    rng: np.random.Generator,
    devices: int = 24,
    days_after: int = 28,
    effect: float = 0.0,
    treated: Collection[int] = (),
    drift: float = 0.03,
    metric: Metric = Metric.REVENUE,
    day_shape: float = 8.0,
) -> MetricPanel:
    """Devices 1..n; from START on, treated devices' demand × (1 + effect). Every machine drifts a little."""
    days = DAYS_BEFORE + days_after
    dates = tuple(START - timedelta(days=DAYS_BEFORE) + timedelta(days=i) for i in range(days))
    season = rng.gamma(20, 1 / 20, days) * (1 + 0.2 * np.sin(np.arange(days) / 9))
    after = np.arange(days) >= DAYS_BEFORE
    values = {}
    for device in range(1, devices + 1):
        size = rng.lognormal(4, 0.5)
        change = np.exp(rng.normal(0, drift)) * (1 + effect if device in treated else 1.0)
        level = size * season * np.where(after, change, 1.0) * rng.gamma(day_shape, 1 / day_shape, days)
        values[device] = rng.poisson(level) * 1.5
    return MetricPanel(metric, dates, values)
