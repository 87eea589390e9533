"""How far to trust a placement estimate: it grows with the days this product has stood in this machine.

The product brief (issue 4) sets the feel: about 0.3 after one day of history, 0.5 after a week, 0.8
after a month and 0.95 after a quarter. A saturating curve ``1 − exp(−((days + offset) / scale) ** shape)``
passes within 0.01 of all four (its three constants are the least-squares fit to them). With no history
at all it still gives about 0.24: the model then leans on the product's sales at similar machines.
"""

from __future__ import annotations

import numpy as np

OFFSET_DAYS = 2.27
SCALE_DAYS = 16.0
SHAPE = 0.652


def history_confidence(days: float | np.ndarray) -> float | np.ndarray:
    """Confidence 0–1 after ``days`` of this product's history at this machine (negative days count as 0)."""
    days = np.maximum(np.asarray(days, dtype=np.float64), 0.0)
    confidence = 1.0 - np.exp(-(((days + OFFSET_DAYS) / SCALE_DAYS) ** SHAPE))
    return float(confidence) if confidence.ndim == 0 else confidence
