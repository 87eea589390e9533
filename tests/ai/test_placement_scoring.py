"""Scoring a product while it is dragged over a cabinet, and the score panel's reasons."""

from __future__ import annotations

import re

import numpy as np
import pytest

from ai.placement_feedback import analyse_placement
from ai.placement_scoring import PlacementScorer, UnknownProduct
from designer.cabinets import Cabinet, TemperatureZone
from designer.planograms import Planogram, Slot
from designer.positions import Position
from designer.products import Catalogue, Product
from tests.ai.demo_fleet import DemoFleet

Snacks = tuple[Cabinet, Planogram]
CHIPS, COLA = 1, 50  # a planted affinity pair (Classic Potato Chips, Crown Cola)


@pytest.fixture(scope="module")
def snacks(demo_fleet: DemoFleet) -> tuple[Cabinet, Planogram]:
    repository = demo_fleet.repository
    cabinet = repository.cabinets(1)[0]
    planogram = repository.active_planogram(1, 0)
    assert cabinet.zone is TemperatureZone.AMBIENT and planogram is not None
    return cabinet, planogram


def a_product_in(planogram: Planogram) -> int:
    return next(slot.product_id for slot in planogram.filled_slots() if slot.product_id is not None)


def cooler(*slots: tuple[str, int]) -> tuple[Cabinet, Planogram]:
    cabinet = Cabinet(1, 1, 5, 6, TemperatureZone.REFRIGERATED)
    return cabinet, Planogram.from_slots(1, 1, [Slot(Position.parse(p), product) for p, product in slots])


def test_scores_run_from_0_to_100_and_the_best_slot_scores_100(scorer: PlacementScorer, snacks: Snacks) -> None:
    cabinet, planogram = snacks
    heat = scorer.heat_map(cabinet, planogram, a_product_in(planogram))
    assert heat.shape == (cabinet.rows, cabinet.columns)
    assert np.all((heat > 0) & (heat <= 100)) and heat.max() == pytest.approx(100)
    assert len(np.unique(heat.round(3))) > 1


def test_the_heat_map_equals_the_score_of_every_slot(scorer: PlacementScorer, snacks: Snacks) -> None:
    cabinet, planogram = snacks
    product = a_product_in(planogram)
    heat = scorer.heat_map(cabinet, planogram, product)
    for position in cabinet.positions():
        assert (
            scorer.score(cabinet, planogram, product, position).placement_score == heat[position.row, position.column]
        )


def test_eye_level_beats_the_bottom_row_for_the_same_product(scorer: PlacementScorer, snacks: Snacks) -> None:
    cabinet, planogram = snacks
    for product in list(planogram.product_ids())[:5]:
        empty = Planogram(1, 0)  # no neighbours: only the slot itself differs
        eye_level = scorer.score(cabinet, empty, product, Position.parse("B3"))
        bottom = scorer.score(cabinet, empty, product, Position.parse("F3"))
        assert eye_level.expected_daily_sales > 1.3 * bottom.expected_daily_sales
        assert eye_level.placement_score > bottom.placement_score


def test_a_10_by_20_cabinet_borrows_the_row_pattern_of_the_nearest_shape(
    scorer: PlacementScorer, snacks: Snacks
) -> None:
    cabinet, planogram = snacks
    big = Cabinet(1, 0, 10, 20, cabinet.zone)
    heat = scorer.heat_map(big, planogram, a_product_in(planogram))
    assert heat.shape == (10, 20) and np.isfinite(heat).all() and heat.max() == pytest.approx(100)
    by_row = heat.mean(axis=1)
    assert by_row[1:4].max() > by_row[0] and by_row[1:4].max() > by_row[-1] * 1.3


def test_a_frozen_product_scores_0_in_an_ambient_cabinet_and_says_why(scorer: PlacementScorer, snacks: Snacks) -> None:
    cabinet, planogram = snacks
    frozen = next(p.id for p in scorer.catalogue.values() if p.temperature_requirement is TemperatureZone.FROZEN)
    assert not scorer.heat_map(cabinet, planogram, frozen).any()
    analysis = analyse_placement(scorer, cabinet, planogram, frozen, Position.parse("A1"))
    assert analysis.placement_score == 0 and analysis.optimal_positions == []
    assert "frozen" in analysis.cons[0] and "frozen" in analysis.suggestions[0]


def test_an_unknown_product_is_refused(scorer: PlacementScorer, snacks: Snacks) -> None:
    cabinet, planogram = snacks
    with pytest.raises(UnknownProduct, match="999999"):
        scorer.heat_map(cabinet, planogram, 999999)


def test_the_row_sentence_quotes_the_learnt_row_factor(scorer: PlacementScorer, snacks: Snacks) -> None:
    cabinet, planogram = snacks
    product = a_product_in(planogram)
    grid = scorer.placement_grid(cabinet, planogram, product)
    eye = analyse_placement(scorer, cabinet, planogram, product, Position.parse("B2"))
    assert f"Eye-level placement: row B sells {grid.row_factor[1]:.2f}× the cabinet average" in eye.pros
    bottom = analyse_placement(scorer, cabinet, planogram, product, Position.parse("F2"))
    assert f"Bottom row: row F sells {grid.row_factor[5]:.2f}× the cabinet average" in bottom.cons
    assert bottom.zone_value == pytest.approx(grid.zone_value[5, 1])


def test_a_low_slot_suggests_the_best_ones_with_the_models_gain(scorer: PlacementScorer, snacks: Snacks) -> None:
    cabinet, planogram = snacks
    product = a_product_in(planogram)
    here = Position.parse("F1")
    analysis = analyse_placement(scorer, cabinet, planogram, product, here)
    expected = scorer.placement_grid(cabinet, planogram, product).expected_daily_sales
    best = analysis.optimal_positions[0]
    gain = expected[best.row, best.column] / expected[here.row, here.column] - 1
    assert analysis.suggestions[0].startswith(f"Consider {best.label}")
    assert f"+{gain * 100:.0f} % expected sales" in analysis.suggestions[0]
    assert analysis.reason.startswith(f"{best.label} is expected to sell {gain * 100:.0f} % more than F1")


def test_optimal_zones_are_the_best_other_slots_in_order(scorer: PlacementScorer, snacks: Snacks) -> None:
    cabinet, planogram = snacks
    product = a_product_in(planogram)
    here = Position.parse("B2")
    analysis = analyse_placement(scorer, cabinet, planogram, product, here)
    expected = scorer.placement_grid(cabinet, planogram, product).expected_daily_sales
    values = [expected[p.row, p.column] for p in analysis.optimal_positions]
    assert len(values) == 3 and here not in analysis.optimal_positions and values == sorted(values, reverse=True)
    others = [expected[p.row, p.column] for p in cabinet.positions() if p != here]
    assert values[0] == max(others)


def test_a_complement_next_door_is_named_with_its_basket_lift(scorer: PlacementScorer) -> None:
    cabinet, planogram = cooler(("B2", COLA))
    analysis = analyse_placement(scorer, cabinet, planogram, CHIPS, Position.parse("B3"))
    lift = scorer.lift_between(CHIPS, COLA)
    assert lift > 3
    assert f"Next to Crown Cola: bought together {lift:.1f}× more often than chance" in analysis.pros


def test_a_complement_far_away_is_a_con(scorer: PlacementScorer) -> None:
    cabinet, planogram = cooler(("E6", COLA))
    analysis = analyse_placement(scorer, cabinet, planogram, CHIPS, Position.parse("A1"))
    assert any(re.match(r"Away from complementary items: Crown Cola \(.*\) stands in E6", con) for con in analysis.cons)


def test_confidence_is_low_for_a_product_this_machine_never_sold(scorer: PlacementScorer, snacks: Snacks) -> None:
    cabinet, planogram = snacks
    carried = scorer.history_days
    never = next(
        p for p in scorer.catalogue.values() if carried(1, p.id) == 0 and p.temperature_requirement is cabinet.zone
    )
    sold = a_product_in(planogram)
    fresh = analyse_placement(scorer, cabinet, planogram, never.id, Position.parse("C3"))
    assert fresh.confidence < 0.3 < 0.9 < scorer.score(cabinet, planogram, sold, Position.parse("C3")).confidence
    assert any(con.startswith(f"No history for {never.name} at this machine") for con in fresh.cons)


def test_a_product_added_after_training_is_scored_from_its_category_and_price(
    scorer: PlacementScorer, snacks: Snacks
) -> None:
    cabinet, planogram = snacks
    newcomer = Product(10_000, "New Crisps", "chips", 1.75)
    widened = PlacementScorer(scorer.model, Catalogue([*scorer.catalogue.values(), newcomer]))
    grid = widened.placement_grid(cabinet, planogram, newcomer.id)
    chips = [p.id for p in scorer.catalogue.values() if p.category == "chips"]
    typical = np.median([scorer.placement_grid(cabinet, planogram, p).expected_daily_sales[1, 2] for p in chips])
    assert grid.history_days == 0 and grid.confidence < 0.3
    assert typical / 3 < grid.expected_daily_sales[1, 2] < typical * 3
    assert grid.scores.max() == pytest.approx(100)
