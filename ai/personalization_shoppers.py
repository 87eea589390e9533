"""Who shops at the location, as stated in the request, turned into demand multipliers per product.

The sales history records no shopper's age or health habits, so these effects cannot be learnt from it.
They are *stated priors*: the table below, in the open, so an operator can judge or change them, and the
response reports every multiplier it applied. They are deliberately moderate (at most ×1.4 up, ×0.3 down for
products many places do not sell to minors) and act on expected demand only — the user's goal weights stay
as given. Gender split is accepted but moves nothing: we have no prior for it that we could defend.

- **Age range** ("18-35", "65+"): the range's years are spread over the bands below; each category's
  multiplier is the geometric mean of the bands' multipliers, weighted by the years in each band.
- **Health consciousness** ("low" | "medium" | "high", or a share 0–1 of health-conscious shoppers): demand
  tilts toward healthier products, ×exp(tilt × (health score − 5) / 5), tilt from −0.15 (low) to +0.5 (high).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from designer.products import Product

AGE_BANDS: dict[tuple[int, int], dict[str, float]] = {
    (0, 17): {
        "candy": 1.3,
        "soda": 1.2,
        "ice cream": 1.2,
        "chips": 1.15,
        "cookies": 1.15,
        "healthy snacks": 0.85,
        "coffee": 0.4,
        "energy drinks": 0.3,
    },
    (18, 35): {
        "energy drinks": 1.4,
        "sports drinks": 1.25,
        "coffee": 1.15,
        "healthy snacks": 1.1,
        "dairy": 0.9,
    },
    (36, 55): {
        "coffee": 1.3,
        "sandwiches": 1.15,
        "nuts": 1.15,
        "fresh food": 1.1,
        "healthy snacks": 1.1,
        "water": 1.1,
        "candy": 0.9,
        "energy drinks": 0.85,
    },
    (56, 99): {
        "dairy": 1.25,
        "juice": 1.2,
        "fresh food": 1.2,
        "coffee": 1.15,
        "crackers": 1.15,
        "candy": 0.9,
        "soda": 0.85,
        "sports drinks": 0.7,
        "energy drinks": 0.4,
    },
}
"""Category demand multipliers per age band (absent = 1): the stated prior."""

HEALTH_TILT = {"low": -0.15, "medium": 0.0, "high": 0.5}
"""Demand tilt toward healthier products by the shoppers' health consciousness."""

AGE_RANGE = re.compile(r"^\s*(\d{1,3})\s*(?:-|–)\s*(\d{1,3})\s*$|^\s*(\d{1,3})\s*\+\s*$")
OLDEST = 99


@dataclass(frozen=True)
class ShopperProfile:
    """What the request says about the shoppers, and what it does to each category's and product's demand."""

    ages: tuple[int, int] | None = None
    health_tilt: float = 0.0
    categories: dict[str, float] = field(default_factory=dict)  # category → multiplier (only those ≠ 1)
    notes: tuple[str, ...] = ()

    def factor(self, product: Product) -> float:
        tilt = math.exp(self.health_tilt * (float(product.health_score) - 5.0) / 5.0)
        return self.categories.get(product.category, 1.0) * tilt

    def factors(self, catalogue: Mapping[int, Product]) -> dict[int, float]:
        return {product_id: self.factor(product) for product_id, product in catalogue.items()}

    def report(self) -> dict[str, object]:
        """The applied priors, as the response shows them."""
        return {
            "age_range": f"{self.ages[0]}-{self.ages[1]}" if self.ages else None,
            "category_multipliers": {c: round(m, 3) for c, m in sorted(self.categories.items())},
            "health_tilt": round(self.health_tilt, 3),
            "notes": list(self.notes),
            "source": "stated prior table (ai/personalization_shoppers.py), not learnt from sales",
        }


def age_span(text: str) -> tuple[int, int] | None:
    """ "18-35" → (18, 35); "65+" → (65, 99); None when it is not a range of ages."""
    match = AGE_RANGE.match(text)
    if match is None:
        return None
    if match.group(3) is not None:
        return int(match.group(3)), OLDEST
    low, high = int(match.group(1)), int(match.group(2))
    return (low, high) if low <= high else None


def health_tilt(value: object) -> float | None:
    """The tilt for "low" | "medium" | "high" or a share 0–1 of health-conscious shoppers; None if neither."""
    if isinstance(value, str):
        return HEALTH_TILT.get(value.strip().lower())
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 1:
        low, high = HEALTH_TILT["low"], HEALTH_TILT["high"]
        return low + (high - low) * float(value)
    return None


def shopper_profile(demographics: Mapping[str, object]) -> ShopperProfile:
    """The profile of checked demographics (see :func:`ai.personalization.read_request`)."""
    notes: list[str] = []
    ages = age_span(demographics["age_range"]) if isinstance(demographics.get("age_range"), str) else None
    categories: dict[str, float] = {}
    if ages is not None:
        weights = {band: _overlap(ages, band) for band in AGE_BANDS}
        total = sum(weights.values())
        names = {name for table in AGE_BANDS.values() for name in table}
        for name in sorted(names):
            log = sum(w * math.log(AGE_BANDS[band].get(name, 1.0)) for band, w in weights.items()) / total
            if abs(log) > 1e-9:
                categories[name] = math.exp(log)
        lifted = [f"{name} ×{m:.2f}" for name, m in sorted(categories.items(), key=lambda kv: -kv[1]) if m > 1.05]
        lowered = [f"{name} ×{m:.2f}" for name, m in sorted(categories.items(), key=lambda kv: kv[1]) if m < 0.95]
        notes.append(
            f"shoppers aged {ages[0]}-{ages[1]}: "
            + "; ".join(part for part in (", ".join(lifted), ", ".join(lowered)) if part)
        )
    tilt = health_tilt(demographics.get("health_consciousness", "medium"))
    tilt = 0.0 if tilt is None else tilt
    if tilt:
        notes.append(
            f"health consciousness tilts demand ×{math.exp(tilt):.2f} for a health score of 10, "
            f"×{math.exp(-tilt):.2f} for 0"
        )
    if demographics.get("gender_split") is not None:
        notes.append("gender split moves nothing: no prior we could defend")
    return ShopperProfile(ages, tilt, categories, tuple(notes))


def _overlap(ages: tuple[int, int], band: tuple[int, int]) -> float:
    """Years of ``ages`` inside ``band`` (whole years, both ends included); a tiny weight keeps a sum above 0."""
    return max(min(ages[1], band[1]) - max(ages[0], band[0]) + 1, 0) + 1e-9
