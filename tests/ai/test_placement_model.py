"""What the placement model learns from the demo fleet, measured against the simulator's planted truth."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import spearmanr

from ai.placement_features import ROW_OFFSETS
from ai.placement_model import PlacementModel
from tests.ai.demo_fleet import DemoFleet


def learnt_rows(model: PlacementModel, rows: int) -> np.ndarray:
    effects = np.exp(model.row_effect[ROW_OFFSETS[rows - 1] : ROW_OFFSETS[rows]])
    return effects / effects.mean()


def test_learnt_rows_recover_the_planted_eye_level_effect(
    demo_fleet: DemoFleet, placement_model: PlacementModel
) -> None:
    truth = demo_fleet.truth("row_multipliers")
    learnt = learnt_rows(placement_model, 6)
    planted = np.array(truth["6"])
    assert spearmanr(learnt, planted).statistic >= 0.8
    assert set(np.argsort(-learnt)[:2]) == {1, 2}, "rows B and C (eye level) should sell best"
    assert np.argmin(learnt) == 5, "the bottom row should sell least"


def test_every_cabinet_shape_in_the_fleet_ranks_its_rows_like_the_truth(
    demo_fleet: DemoFleet, placement_model: PlacementModel
) -> None:
    truth = demo_fleet.truth("row_multipliers")
    for rows in (4, 5, 6):
        assert spearmanr(learnt_rows(placement_model, rows), truth[str(rows)]).statistic >= 0.8, f"{rows} rows"


def test_the_planted_affinity_pairs_have_the_strongest_lift(
    demo_fleet: DemoFleet, placement_model: PlacementModel
) -> None:
    planted = {frozenset(pair["product_ids"]) for pair in demo_fleet.truth("affinity_pairs")}
    lift = placement_model.lift.copy()
    upper = np.triu_indices_from(lift, k=1)
    strongest = np.argsort(-lift[upper])[: len(planted)]
    ids = placement_model.product_ids
    found = {frozenset((int(ids[upper[0][i]]), int(ids[upper[1][i]]))) for i in strongest}
    assert found == planted


def test_learnt_velocity_follows_the_planted_base_demand(
    demo_fleet: DemoFleet, placement_model: PlacementModel
) -> None:
    """Per machine, products the simulator made popular are the ones the model expects to sell."""
    base_demand = demo_fleet.truth("base_demand")
    model = placement_model
    correlations = []
    for device_index, device_id in enumerate(model.device_ids):
        carried = model.days_carried[device_index] > 30
        planted = np.array([base_demand[str(device_id)][str(p)] for p in model.product_ids[carried]])
        learnt = (
            model.product_effect
            + model.device_product_effect[device_index]
            + model.location_product_effect[model.device_location[device_index]]
        )[carried]
        correlations.append(spearmanr(learnt, planted).statistic)
    assert np.median(correlations) > 0.7


def test_the_model_reports_what_it_was_fitted_on(placement_model: PlacementModel) -> None:
    summary = placement_model.summary
    assert summary["sales_rows"] > 50_000 and summary["unmatched_sales"] == 0
    assert summary["slot_spans"] > 1000 and summary["stockout_days"] > 0
    assert summary["converged"] == 1
    assert 0.5 < summary["deviance_explained"] <= 1
    assert len(placement_model.model_version) <= 20


@pytest.mark.parametrize("rows", [4, 5, 6])
def test_eye_level_beats_the_bottom_row_for_any_shape_seen(placement_model: PlacementModel, rows: int) -> None:
    learnt = learnt_rows(placement_model, rows)
    assert learnt[1] > learnt[-1] * 1.3
