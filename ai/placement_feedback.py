"""Why a slot scores what it does, in the merchandiser's words, from the placement model's own factors.

Every sentence quotes a number the model or the sales history holds: the row's and column's learnt
multipliers, the basket lift with the neighbours, the expected daily sales here against the cabinet's
other products and against the best alternative slots, the days of history behind the estimate. No
language model is involved, so the panel fills in while the product is still being dragged.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ai.placement_features import NEIGHBOUR_STEPS
from ai.placement_scoring import PlacementGrid, PlacementScorer
from designer.cabinets import Cabinet
from designer.planograms import Planogram, Slot
from designer.positions import Position
from designer.validation import check_temperature

NOTABLE = 0.05
"""Rows and columns within ±5 % of the cabinet average are not worth a sentence."""
COMPLEMENT_LIFT = 1.5
"""Bought together at least 1.5× as often as chance: a complement worth standing next to."""
SUGGESTION_GAIN = 0.05
"""An alternative slot is suggested when it is expected to sell at least 5 % more."""
LITTLE_HISTORY_DAYS = 7
OPTIMAL_ZONES = 3
VELOCITY_QUARTILE = 0.25


@dataclass(frozen=True)
class PlacementAnalysis:
    """The score panel's content for one product in one slot."""

    position: Position
    placement_score: float
    confidence: float
    expected_daily_sales: float
    zone_value: float
    pros: list[str]
    cons: list[str]
    suggestions: list[str]
    optimal_positions: list[Position]
    reason: str
    better_positions: list[Position] = field(default_factory=list)
    """The optimal positions the model expects to sell more than this one (none when this slot is the best)."""

    def feedback(self) -> dict[str, list[str]]:
        return {"pros": list(self.pros), "cons": list(self.cons), "suggestions": list(self.suggestions)}

    def zone_analysis(self) -> dict[str, object]:
        return {
            "current_zone_value": round(self.zone_value, 3),
            "optimal_zones": [position.label for position in self.optimal_positions],
            "reason": self.reason,
        }

    def zone_analysis_to_explain(self) -> dict[str, object]:
        """:meth:`zone_analysis` for an explanation, whose readers take ``optimal_zones`` as *better* slots:
        only the slots expected to sell more are listed, so a product already in its best slot is not told
        to move (its next best slots are named in the suggestions instead)."""
        return {**self.zone_analysis(), "optimal_zones": [position.label for position in self.better_positions]}


def _times(value: float) -> str:
    return f"{value:.2f}×"


def _per_day(value: float) -> str:
    return f"{value:.2f} a day"


def analyse_placement(
    scorer: PlacementScorer, cabinet: Cabinet, planogram: Planogram, product_id: int, position: Position
) -> PlacementAnalysis:
    """Score ``product_id`` at ``position`` and say why, next to the products ``planogram`` holds now."""
    grid = scorer.placement_grid(cabinet, planogram, product_id)
    cell = (position.row, position.column)
    name = scorer.catalogue[product_id].name
    pros: list[str] = []
    cons: list[str] = []
    suggestions: list[str] = []

    if not grid.accepted:
        problem = check_temperature(Slot(position, product_id), cabinet, scorer.catalogue)
        assert problem is not None  # not accepted means the temperature rule refuses it
        return PlacementAnalysis(
            position,
            0.0,
            grid.confidence,
            0.0,
            float(grid.zone_value[cell]),
            pros,
            [_sentence(problem.problem)],
            [_sentence(problem.fix)],
            [],
            f"No slot of this {cabinet.zone.value} cabinet may hold {name}",
        )
    if not scorer.has_history:
        cons.append(
            "No sales in this database can be placed in a slot yet (sales of activated planograms), so every slot "
            "scores alike"
        )
        optimal = grid.best_positions(OPTIMAL_ZONES, exclude=position)
        reason = "Slots are told apart once the database holds sales history"
        return _analysis(grid, position, pros, cons, suggestions, optimal, reason)

    _placement_sentences(grid, cabinet, position, pros, cons)
    _neighbour_sentences(scorer, cabinet, planogram, product_id, position, pros, cons)
    _sales_sentences(scorer, grid, cabinet, planogram, product_id, position, pros, cons)
    if grid.history_days < LITTLE_HISTORY_DAYS:
        cons.append(
            f"{'No' if grid.history_days < 1 else f'Only {grid.history_days:.0f} days of'} history for {name} at "
            "this machine: the estimate leans on its sales at similar machines"
        )
    optimal = grid.best_positions(OPTIMAL_ZONES, exclude=position)
    reason = _alternatives(scorer, grid, position, optimal, name, pros, suggestions)
    return _analysis(grid, position, pros, cons, suggestions, optimal, reason)


def _analysis(
    grid: PlacementGrid,
    position: Position,
    pros: list[str],
    cons: list[str],
    suggestions: list[str],
    optimal: list[Position],
    reason: str,
) -> PlacementAnalysis:
    """The panel's content with the grid's own figures for ``position``."""
    cell = (position.row, position.column)
    here = float(grid.expected_daily_sales[cell])
    better = [p for p in optimal if float(grid.expected_daily_sales[p.row, p.column]) > here]
    return PlacementAnalysis(
        position,
        float(grid.scores[cell]),
        grid.confidence,
        here,
        float(grid.zone_value[cell]),
        pros,
        cons,
        suggestions,
        optimal,
        reason,
        better,
    )


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _placement_sentences(
    grid: PlacementGrid, cabinet: Cabinet, position: Position, pros: list[str], cons: list[str]
) -> None:
    row_factor = float(grid.row_factor[position.row])
    letter = position.label.rstrip("0123456789")
    if row_factor >= 1 + NOTABLE:
        eye_level = row_factor >= float(grid.row_factor.max()) * (1 - NOTABLE)
        label = "Eye-level placement" if eye_level else "Good row"
        pros.append(f"{label}: row {letter} sells {_times(row_factor)} the cabinet average")
    elif row_factor <= 1 - NOTABLE:
        label = {0: "Top row", cabinet.rows - 1: "Bottom row"}.get(position.row, "Slow row")
        cons.append(f"{label}: row {letter} sells {_times(row_factor)} the cabinet average")
    column_factor = float(grid.column_factor[position.column])
    column = position.column + 1
    if column_factor >= 1 + NOTABLE:
        pros.append(f"Column {column} sells {_times(column_factor)} the average column")
    elif column_factor <= 1 - NOTABLE:
        label = "Edge column" if position.column in (0, cabinet.columns - 1) else "Slow column"
        cons.append(f"{label}: column {column} sells {_times(column_factor)} the average column")


def _neighbour_sentences(
    scorer: PlacementScorer,
    cabinet: Cabinet,
    planogram: Planogram,
    product_id: int,
    position: Position,
    pros: list[str],
    cons: list[str],
) -> None:
    catalogue = scorer.catalogue
    adjacent = {
        neighbour.position: neighbour.product_id
        for neighbour in (planogram.slot_at(position.moved(dr, dc)) for dr, dc in NEIGHBOUR_STEPS)
        if cabinet.contains(neighbour.position) and neighbour.product_id not in (None, product_id)
    }
    complements = sorted(
        {(scorer.lift_between(product_id, other), other) for other in adjacent.values() if other in catalogue},
        reverse=True,
    )
    near = [(lift, other) for lift, other in complements if lift >= COMPLEMENT_LIFT]
    for lift, other in near[:2]:
        pros.append(f"Next to {catalogue[other].name}: bought together {lift:.1f}× more often than chance")
    if near:
        return
    elsewhere = sorted(
        (
            (scorer.lift_between(product_id, slot.product_id), slot.position)
            for slot in planogram.filled_slots()
            if slot.product_id in catalogue and slot.product_id != product_id and cabinet.contains(slot.position)
        ),
        key=lambda pair: (-pair[0], pair[1]),
    )
    if elsewhere and elsewhere[0][0] >= COMPLEMENT_LIFT:
        lift, where = elsewhere[0]
        other = planogram.slot_at(where).product_id
        assert other is not None
        cons.append(
            f"Away from complementary items: {catalogue[other].name} (bought together {lift:.1f}× more often "
            f"than chance) stands in {where.label}"
        )


def _sales_sentences(
    scorer: PlacementScorer,
    grid: PlacementGrid,
    cabinet: Cabinet,
    planogram: Planogram,
    product_id: int,
    position: Position,
    pros: list[str],
    cons: list[str],
) -> None:
    """How this product would sell here against what the cabinet's other products sell where they stand."""
    expected = float(grid.expected_daily_sales[position.row, position.column])
    in_place = scorer.expected_in_place(cabinet, planogram)
    replaced = planogram.slot_at(position).product_id
    if replaced is not None and replaced != product_id and position in in_place:
        other = in_place[position]
        other_name = scorer.catalogue[replaced].name
        if other > expected * (1 + NOTABLE):
            cons.append(f"Replaces {other_name}, expected to sell {_per_day(other)} here against {expected:.2f}")
        elif expected > other * (1 + NOTABLE):
            pros.append(f"Expected to outsell {other_name} here: {_per_day(expected)} against {other:.2f}")
    others = np.array([value for where, value in in_place.items() if where != position])
    if len(others) < 4:
        return
    below = float((others < expected).mean())
    if below >= 1 - VELOCITY_QUARTILE:
        pros.append(
            f"High-velocity product: {_per_day(expected)} expected here; {below:.0%} of this cabinet's products "
            "sell less where they stand"
        )
    elif below <= VELOCITY_QUARTILE:
        cons.append(
            f"Slow seller: {_per_day(expected)} expected here; this cabinet's median product sells "
            f"{np.median(others):.2f}"
        )


def _alternatives(
    scorer: PlacementScorer,
    grid: PlacementGrid,
    position: Position,
    optimal: list[Position],
    name: str,
    pros: list[str],
    suggestions: list[str],
) -> str:
    """Suggest better slots (the model's expected gain) and say why the best one is best."""
    expected = grid.expected_daily_sales
    here = float(expected[position.row, position.column])
    better = [p for p in optimal if float(expected[p.row, p.column]) >= here * (1 + SUGGESTION_GAIN)]
    if better:
        gain = float(expected[better[0].row, better[0].column]) / here - 1
        places = " or ".join(p.label for p in better[:2])
        suggestions.append(f"Consider {places}: +{gain * 100:.0f} % expected sales")
    best = position if not optimal or here >= float(expected[optimal[0].row, optimal[0].column]) else optimal[0]
    if best == position:
        pros.append(f"Best slot in this cabinet for {name}")
        if optimal:
            runner_up = optimal[0]
            suggestions.append(
                f"Keep {name} in {position.label}: no other slot is expected to sell it more; next best "
                f"{runner_up.label} at {_per_day(float(expected[runner_up.row, runner_up.column]))} against {here:.2f}"
            )
    letter = best.label.rstrip("0123456789")
    why = f"row {letter} sells {_times(float(grid.row_factor[best.row]))} the cabinet average"
    partner = int(grid.neighbour_product[best.row, best.column])
    lift = float(grid.neighbour_lift[best.row, best.column])
    if partner >= 0 and lift >= COMPLEMENT_LIFT:
        why += f", next to {scorer.catalogue[partner].name} (bought together {lift:.1f}× more often than chance)"
    if best == position:
        return f"{position.label} is the best slot in this cabinet for {name}: {why}"
    gain = float(expected[best.row, best.column]) / here - 1 if here > 0 else 0.0
    if gain < 0.01:
        return f"Slots differ little for {name} in this cabinet; {best.label} is marginally ahead: {why}"
    return f"{best.label} is expected to sell {gain * 100:.0f} % more than {position.label}: {why}"
