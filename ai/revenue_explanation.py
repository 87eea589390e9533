"""Why a revenue comparison says what it does: the model's own per-slot figures behind the lift.

The factors are the slots' shares of the difference between the proposal and today's planogram (the model's
expected daily revenue per slot, level applied, so they add up to the predicted change): each changed slot on its
own, the slots left as they are together (their figures move only through new neighbours and substitutes). When
nothing changes, the factors are the slots that make up the prediction. The level (what the cabinet takes now
against the model's figure), the interval's conformal calibration and the restock cycle are the fitted figures.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from ai.explanations import DataUsed, Explanation, Factor, ModelLogic
from ai.placement_explanation import PlacementExplainer
from ai.revenue_model import (
    ALPHA,
    LEVEL_DAYS,
    MIN_CALIBRATION,
    CabinetFacts,
    Calibration,
    RevenuePrediction,
    stood_days,
)
from designer.positions import Position
from designer.products import PLANOGRAM_CURRENCY


class RevenueComparison(Protocol):
    """What an explanation reads of a comparison (``ai.revenue_prediction.RevenueComparison``, which calls this
    module: naming it here would tie the two modules in a circle)."""

    @property
    def baseline(self) -> RevenuePrediction: ...
    @property
    def proposed(self) -> RevenuePrediction: ...
    @property
    def changed(self) -> tuple[Position, ...]: ...
    @property
    def facts(self) -> CabinetFacts: ...
    @property
    def model_version(self) -> str: ...
    def slot_deltas(self) -> dict[Position, float]: ...


REVENUE_LOGIC = (
    "Placement model demand per slot (Poisson GLM), substitutes' cannibalisation, Poisson sales capped by capacity "
    "between restock visits, anchored on the cabinet's recent takings; 90 % split-conformal interval on this "
    "database's rolling-origin errors"
)
LISTED_SLOTS = 6
"""Changed slots named one by one; the rest of the change is one line."""
PER_DAY = f"{PLANOGRAM_CURRENCY}/day"


def revenue_explanation(
    comparison: RevenueComparison,
    calibration: Calibration,
    placement: PlacementExplainer,
    catalogue: Mapping[int, object],
) -> Explanation:
    """The explanation of one comparison (what the API sends and the comparison window's "Why?" shows)."""
    facts = comparison.facts
    proposed = comparison.proposed
    logic = ModelLogic(
        REVENUE_LOGIC,
        comparison.model_version,
        placement.logic.fingerprint,
        {
            "level_factor": round(proposed.level, 4),
            "interval_half_width": round(proposed.relative_half_width, 4),
            "interval_level": 1 - ALPHA,
            "calibration_errors": len(calibration.scores),
            "restock_gaps_days": ", ".join(f"{gap:g}" for gap in facts.restock_gaps),
            "placement_deviance_explained": float(placement.logic.parameters.get("deviance_explained", 0.0)),
        },
    )
    window = list(facts.daily_revenue.index)
    data = DataUsed.between(
        window[0] if window else None,
        window[-1] if window else None,
        cabinet_days_with_data=len(window),
        cabinet_selling_days=facts.history_days,
        planogram_days_in_force=stood_days(facts),
        calibration_errors=len(calibration.scores),
        placement_sales_rows=placement.rows["sales_rows"],
    )
    return Explanation.of(logic, change_factors(comparison, catalogue), data, limitations(comparison, calibration))


def change_factors(comparison: RevenueComparison, catalogue: Mapping[int, object]) -> list[Factor]:
    """Each changed slot's part of the predicted change (the largest :data:`LISTED_SLOTS` by name), the rest of the
    changed slots as one line and the unchanged slots as one; with nothing changed, the proposal's slots."""
    before = {s.position: s for s in comparison.baseline.slots}
    after = {s.position: s for s in comparison.proposed.slots}
    if not comparison.changed:
        return [
            Factor(f"{slot.position.label}: {_name(catalogue, slot.product_id)}", round(slot.revenue, 4), PER_DAY,
                   f"{slot.units:.2f} a day at {slot.price:.2f}")
            for slot in comparison.proposed.top_products(len(comparison.proposed.slots))
        ]  # fmt: skip
    deltas = comparison.slot_deltas()
    changed = sorted(comparison.changed, key=lambda p: -abs(deltas.get(p, 0.0)))
    factors = [
        Factor(_move(position, before, after, catalogue), round(deltas.get(position, 0.0), 4), PER_DAY, "slot changed")
        for position in changed[:LISTED_SLOTS]
    ]
    rest = changed[LISTED_SLOTS:]
    if rest:
        factors.append(
            Factor(f"{len(rest)} other changed slots", round(sum(deltas.get(p, 0.0) for p in rest), 4), PER_DAY)
        )
    kept = round(sum(delta for position, delta in deltas.items() if position not in set(comparison.changed)), 4)
    factors.append(Factor("Slots left as they are (new neighbours, substitutes)", kept, PER_DAY))
    return factors


def _move(
    position: Position, before: Mapping[Position, object], after: Mapping[Position, object], catalogue: Mapping
) -> str:
    old, new = before.get(position), after.get(position)
    was = _name(catalogue, old.product_id) if old is not None else "empty"  # type: ignore[attr-defined]
    now = _name(catalogue, new.product_id) if new is not None else "empty"  # type: ignore[attr-defined]
    return f"{position.label}: {was} → {now}" if was != now else f"{position.label}: {now} (capacity changed)"


def _name(catalogue: Mapping[int, object], product_id: int) -> str:
    return str(getattr(catalogue.get(product_id), "name", product_id))


def limitations(comparison: RevenueComparison, calibration: Calibration) -> list[str]:
    """What the data says about how far to trust this comparison."""
    facts = comparison.facts
    found: list[str] = []
    errors = len(calibration.scores)
    if errors < MIN_CALIBRATION:
        found.append(
            f"Only {errors} past prediction errors to calibrate on: the interval is a default "
            f"±{comparison.proposed.relative_half_width:.0%}, not measured"
        )
    else:
        found.append(
            f"The {1 - ALPHA:.0%} interval is measured on {errors} past errors of this fleet (recent weeks weigh "
            "most); it is for the mean day over the horizon, not any single day"
        )
    if facts.history_days < LEVEL_DAYS // 2:
        found.append(f"Only {facts.history_days} selling days of this cabinet recently: its level is rough")
    if stood_days(facts) < LEVEL_DAYS:
        found.append(
            f"Today's planogram has stood {stood_days(facts)} days with data: the level leans on the model's figure"
        )
    new = [s for s in comparison.proposed.slots if s.history_days <= 0]
    total = max(comparison.proposed.daily_revenue, 1e-9)
    if new:
        share = sum(s.revenue for s in new) / total
        found.append(
            f"{len({s.product_id for s in new})} proposed products never sold at this machine: {share:.0%} of the "
            "predicted revenue comes from similar machines"
        )
    if not facts.restock_known:
        found.append("No restock recorded at this machine: a weekly visit is assumed for sell-outs")
    limited = [s for s in comparison.proposed.slots if s.capacity_limited]
    if limited:
        found.append(f"{len(limited)} slots sell out between visits: their demand beyond capacity is not counted")
    return found
