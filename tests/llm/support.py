"""What the Claude tests share besides fixtures: the fake key, a fake clock, fast settings, the seed's facts.

A plain module (not the conftest) so test files import it by its full name wherever pytest runs them from.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

from storage.settings import AppSettings

FAKE_KEY = "sk-ant-api03-FAKE-planogram-studio-9f8e7d6c5b4a-never-leak"


class FakeClock:
    """Time that moves only when told to (sleeping moves it too)."""

    def __init__(self, start: datetime | None = None) -> None:
        self.wall = start or datetime(2026, 11, 5, 9, 0, tzinfo=UTC)
        self.mono = 1000.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.mono

    def now(self) -> datetime:
        return self.wall

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.advance(seconds)

    def advance(self, seconds: float) -> None:
        self.mono += seconds
        self.wall += timedelta(seconds=seconds)


def fast_settings(**timeouts: float) -> AppSettings:
    """Defaults with short time limits, so timeout tests take a fraction of a second."""
    settings = AppSettings()
    models = dict(settings.llm.models)
    for task, choice in models.items():
        models[task] = dataclasses.replace(choice, timeout_s=timeouts.get(task.value, 1.0))
    return dataclasses.replace(settings, llm=dataclasses.replace(settings.llm, models=models))


# --- facts shaped like the seed's responses ------------------------------------------------------------


def slot_facts(score: float = 42.0, **overrides: Any) -> dict[str, Any]:
    """A realtime-analysis answer (the seed's shape) for one slot."""
    facts: dict[str, Any] = {
        "success": True,
        "placement_score": score,
        "confidence": 0.81,
        "feedback": {
            "pros": ["Eye-level placement", "High velocity product: sells 3.20 a day at similar machines"],
            "cons": ["Away from complementary items"],
            "suggestions": ["Consider placing near beverages"],
        },
        "zone_analysis": {
            "current_zone_value": 1.5,
            "optimal_zones": ["A4", "A5"],
            "reason": "Premium visibility zone",
        },
        "response_time_ms": 3,
    }
    facts.update(overrides)
    return facts


def revenue_facts() -> dict[str, Any]:
    """A predict-revenue answer (the seed's example)."""
    return {
        "success": True,
        "predictions": {
            "baseline": {"daily_revenue": 145.50, "monthly_revenue": 4365.00, "top_products": []},
            "proposed": {
                "daily_revenue": 168.75,
                "monthly_revenue": 5062.50,
                "revenue_lift": 16.0,
                "confidence_interval": {"lower": 155.20, "upper": 182.30},
            },
            "break_even_analysis": {"implementation_cost": 25.00, "days_to_recover": 1.1, "roi_30_days": 672.50},
            "risk_factors": [
                {"factor": "New product introduction", "impact": "medium", "mitigation": "Monitor closely first week"}
            ],
        },
        "model_metadata": {"model_version": "2.1.0", "confidence_score": 0.87, "data_quality_score": 0.92},
    }
