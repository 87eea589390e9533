"""Why the affinity analysis found what it found: the measured lifts themselves, and the baskets behind them.

Affinity is counting, not fitting (:mod:`ai.affinity`): the factors are the reported pairs' basket lifts (how many
times chance a pair shares a basket), the strongest first; the data used is the window of the device's sales and
its baskets; the limitations say how many baskets could show a pair at all.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence

import pandas as pd

from ai.explanations import MULTIPLIER, DataUsed, Explanation, Factor, ModelLogic

AFFINITY_LOGIC = (
    "Association rules over baskets (one transaction each): support = P(both), confidence = P(second | first), "
    "lift = confidence / P(second), phi correlation; substitutes from a fleet-wide test of sales with and without "
    "the other product, false discoveries controlled"
)
AFFINITY_VERSION = "af1"
LISTED_PAIRS = 8
FEW_BASKETS = 200
"""Under this many baskets of two or more products a lift moves a lot with a handful of baskets."""


def affinity_explanation(
    sales: pd.DataFrame,
    pairs: Sequence[Mapping[str, object]],
    rivals: int,
    days: int,
    start: dt.datetime | None,
    thresholds: Mapping[str, float],
) -> Explanation:
    """``sales``: the window's vends; ``pairs``: the response's ``affinity_pairs``; ``rivals``: substitutes listed."""
    baskets = sales.groupby("transaction_id")["product_id"].nunique() if not sales.empty else pd.Series(dtype=int)
    multi = int((baskets >= 2).sum())
    factors = pair_factors(pairs)
    logic = ModelLogic(AFFINITY_LOGIC, AFFINITY_VERSION, None, {**thresholds, "substitute_pairs": rivals})
    first = pd.Timestamp(sales["sold_at"].min()).date() if not sales.empty else None
    last = pd.Timestamp(sales["sold_at"].max()).date() if not sales.empty else None
    data = DataUsed.between(first, last, sales_rows=len(sales), baskets=len(baskets), baskets_with_two_or_more=multi)
    found: list[str] = []
    if not sales.empty and multi == 0:
        found.append("No basket holds two products: no pair can be measured from these sales")
    elif 0 < multi < FEW_BASKETS:
        found.append(f"Only {multi} baskets hold two products or more: lifts are rough")
    if start is not None and first is not None and (first - start.date()).days > 1:
        held = (last - first).days + 1 if last else 0
        found.append(f"Sales cover {held} of the {days} days asked for: the device's history is shorter")
    if len(factors) > LISTED_PAIRS:
        found.append(f"{len(factors)} pairs qualify; the {LISTED_PAIRS} strongest are listed as factors")
    if pairs and any(not math.isfinite(float(p["lift"])) for p in pairs):  # type: ignore[arg-type]
        found.append("Some lifts could not be measured")
    return Explanation.of(logic, factors[:LISTED_PAIRS], data, found)


def pair_factors(pairs: Sequence[Mapping[str, object]]) -> list[Factor]:
    """One factor per pair of products (lift is the same both ways; confidence is not, so the detail gives both),
    strongest lift first."""
    found: dict[frozenset[int], list[Mapping[str, object]]] = {}
    for pair in pairs:
        first, second = pair["product_1"], pair["product_2"]
        found.setdefault(frozenset((first["id"], second["id"])), []).append(pair)  # type: ignore[index]
    factors = []
    for both in found.values():
        first, second = both[0]["product_1"]["name"], both[0]["product_2"]["name"]  # type: ignore[index]
        confidences = ", ".join(
            f"{p['product_1']['name']} → {p['product_2']['name']} {float(p['confidence']):.2f}"  # type: ignore[index, arg-type]
            for p in both
        )
        factors.append(
            Factor(
                f"{first} + {second}",
                float(both[0]["lift"]),  # type: ignore[arg-type]
                MULTIPLIER,
                f"basket lift; confidence {confidences}; support {float(both[0]['support']):.4f}",  # type: ignore[arg-type]
            )
        )
    return sorted(factors, key=lambda f: -f.contribution)
