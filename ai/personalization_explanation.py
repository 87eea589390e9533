"""Why each personalised slot holds its product: the placement model's terms and the personalisation's multipliers.

The optimiser scores every product in every slot with no neighbours (:func:`ai.personalization_optimizer.
optimise_device`), times the move to the requested location type (learnt location effects), the shoppers'
stated ages (a prior table, said so), the stated traffic, and its stock model turns that demand into units
served between restocks. Each recommendation's factors are those multipliers; with the placement baseline they
multiply out to its ``expected_velocity``. The model part is the placement model's: the proposal's own explanation
carries it whole (with the data used), each recommendation names it by type and version only, which keeps a
proposal of a hundred slots a reasonable size.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from ai.explanations import MULTIPLIER, Explanation, Factor, ModelLogic, multiplier
from ai.fleet_preview import CURRENCY
from ai.personalization_optimizer import DeviceProposal, Placement
from ai.placement_explanation import PlacementExplainer, slot_factors
from designer.cabinets import Cabinet
from designer.planograms import Planogram


def recommendation_explanations(
    explainer: PlacementExplainer,
    cabinets: Sequence[Cabinet],
    proposal: DeviceProposal,
    location: Mapping[int, float],
    shoppers: Mapping[int, float],
    traffic_scale: float,
    location_type: str,
) -> list[dict[str, object]]:
    """One explanation per placement, in the proposal's order (the response's recommendations)."""
    by_index = {cabinet.index: cabinet for cabinet in cabinets}
    empty = {index: Planogram(cabinet.device_id, index) for index, cabinet in by_index.items()}
    return [
        _explain(explainer, by_index[p.cabinet_index], empty[p.cabinet_index], p, location, shoppers, traffic_scale,
                 location_type)
        for p in proposal.placements
    ]  # fmt: skip


def _explain(
    explainer: PlacementExplainer,
    cabinet: Cabinet,
    empty: Planogram,
    placement: Placement,
    location: Mapping[int, float],
    shoppers: Mapping[int, float],
    traffic_scale: float,
    location_type: str,
) -> dict[str, object]:
    product = placement.product
    terms = explainer.scorer.contributions(cabinet, empty, product.id, placement.position)
    wanted = math.exp(terms.log_expected) * location.get(product.id, 1.0) * shoppers.get(product.id, 1.0)
    wanted *= traffic_scale
    stock = placement.expected_units / wanted if wanted > 0 else 1.0
    factors = [
        *slot_factors(explainer.scorer, cabinet, placement.position, product.id, terms),
        Factor(f"At a {location_type} machine", multiplier(location.get(product.id, 1.0)), MULTIPLIER),
        Factor("Shoppers' stated ages", multiplier(shoppers.get(product.id, 1.0)), MULTIPLIER, "a prior, not learnt"),
        Factor("Stated daily traffic", multiplier(traffic_scale), MULTIPLIER),
        Factor("Stock between restocks, shared by its facings", multiplier(stock), MULTIPLIER),
    ]
    explanation = Explanation.of(
        explainer.logic, factors, explainer.slot_data(terms), explainer.limitations(cabinet, product.id, terms)
    )
    body = explanation.to_json(explainer.model_reference)
    body["decision"] = {
        "baseline_daily_sales": round(math.exp(terms.baseline), 4),
        "expected_daily_sales": round(placement.expected_units, 4),
    }
    return body


def proposal_explanation(
    explainer: PlacementExplainer, proposal: DeviceProposal, traffic_scale: float, peers: int
) -> dict[str, object]:
    """The proposal's own explanation: the full model part, the data used, and where its revenue comes from
    (expected daily revenue per category, from the placements the model scored)."""
    revenue: dict[str, float] = {}
    for placement in proposal.placements:
        category = placement.product.category
        revenue[category] = revenue.get(category, 0.0) + placement.expected_revenue
    factors = [Factor(f"Category {name}", round(value, 4), f"{CURRENCY}/day") for name, value in revenue.items()]
    logic = ModelLogic(
        explainer.logic.kind + "; one assignment over the device's cabinets mixing revenue, variety and health",
        explainer.logic.version,
        explainer.logic.fingerprint,
        {**explainer.logic.parameters, "traffic_scale": traffic_scale,
         "restock_every_days": round(proposal.stocking.cycle_days, 2)},
    )  # fmt: skip
    data = explainer.slot_data_rows(peer_devices=peers)
    found = []
    if not explainer.scorer.has_history:
        found.append("No sale in this database can be placed in a slot yet, so every slot scores alike")
    if peers == 0:
        found.append("No other machine of this location type: time-of-day and market gaps read this device alone")
    return Explanation.of(logic, factors, data, found).to_json()
