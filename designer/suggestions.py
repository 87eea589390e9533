"""A suggestion the AI showed and what a person did with it: the values the designer's widgets report.

Plain values, so the widgets that show a suggestion and ``storage.feedback`` that records the decision
(``ai_feedback``) share one ``Suggestion`` and one ``Decision`` without a view importing the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

BASELINE_DAYS = 28  # a ``gain`` suggestion predicts a change on the level of this many recent days
DEFAULT_HORIZON_DAYS = 7


class SuggestionKind(StrEnum):
    PLACEMENT = "placement"  # best slot for a dragged product
    FILL = "fill"  # auto-fill of empty slots
    PERSONALISATION = "personalization"
    PAR_LEVEL = "par_level"


class Verdict(StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    MODIFIED = "modified"


class Measure(StrEnum):
    """The daily figure a prediction is checked against, read from ``sales``."""

    DEVICE_REVENUE = "device_revenue_per_day"
    CABINET_REVENUE = "cabinet_revenue_per_day"
    PRODUCT_UNITS = "product_units_per_day"  # on the device (or the cabinet, when one is named)


@dataclass(frozen=True)
class Suggestion:
    """A suggestion as shown: what it predicts (``predicted``, or a ``gain`` on the recent level) and where."""

    kind: SuggestionKind
    device_id: int
    measure: Measure
    predicted: float
    cabinet_index: int | None = None
    product_id: int | None = None
    gain: bool = False  # predicted is a change on the last BASELINE_DAYS' level, not a level
    horizon_days: int = DEFAULT_HORIZON_DAYS
    confidence: float | None = None
    model_version: str | None = None
    details: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Decision:
    """What a person did with a suggestion on screen (what the designer's widgets report)."""

    suggestion: Suggestion
    verdict: Verdict
    note: str | None = None
