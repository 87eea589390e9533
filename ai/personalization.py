"""The seed's endpoint 5, personalize-location: a device, its location and goals → a proposed planogram.

The proposal is one assignment over all the device's cabinets (:mod:`ai.personalization_optimizer`),
scored by the placement model at the requested location type: when it differs from the type the device
stands at, the model's location × product and location × category effects of the two types are swapped.
The category mix is the proposal's share of slots per category; time-of-day suggestions come from the
hour-of-day sales of the device and its peers; the competitive analysis compares the proposal with the
fleet's machines of the same location type (:mod:`ai.personalization_context`).

Daily traffic is read as shoppers a day and compared with the shoppers (baskets) a day the device records —
or its peers, for a machine with no sales yet; expected demand scales with that ratio, and the optimiser's
stock model (:func:`~ai.personalization_optimizer.served_units`, restocks as often as the device's sold-out
slots show) turns it into facings: fewer products with more facings at a busy site, more variety at a quiet
one, and revenue that saturates when slots run empty. Demographics act through a stated prior table
(:mod:`ai.personalization_shoppers`: age bands → category multipliers, health consciousness → a tilt toward
healthier products), reported in the response with its reasoning. Peak hours mark the periods whose
suggestions matter most.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from ai.demand_forecast import restock_cover_days
from ai.endpoints import PERSONALIZE_LOCATION, Answer
from ai.personalization_context import LocationHistory, peak_periods, read_location_history, time_suggestions
from ai.personalization_explanation import proposal_explanation, recommendation_explanations
from ai.personalization_optimizer import (
    DeviceProposal,
    GoalWeights,
    Placement,
    Progress,
    Stocking,
    StopRequest,
    optimise_device,
)
from ai.personalization_shoppers import ShopperProfile, age_span, health_tilt, shopper_profile
from ai.placement_explanation import explainer_for
from ai.placement_scoring import PlacementScorer
from ai.services import Services
from designer.cabinets import Cabinet
from designer.command_outcomes import RequestInvalid
from designer.input_gate import clip
from designer.planograms import Planogram
from designer.validation import Problem

SEED_LOCATION_TYPES = ("office", "school", "gym", "hospital")
GOAL_NAMES = ("revenue", "variety", "health_score")
HOUR = re.compile(r"^\s*([01]?\d|2[0-3]):([0-5]\d)\s*$")
EXAMPLE = '{"device_id": 1, "location_context": {"type": "office", …}, "optimization_goals": {"revenue": 0.4, …}}'
MARKET_GAPS = 5
TRAFFIC_SCALE_RANGE = (0.1, 10.0)
"""Stated traffic is taken at most 10× (at least a tenth of) what the history records: beyond that the
placement model's expectations are too far from anything it has seen."""
PERIOD_PHRASES = {
    "morning": "in the morning",
    "lunch": "at lunch",
    "afternoon": "in the afternoon",
    "evening": "in the evening",
}


@dataclass(frozen=True)
class PersonalizationRequest:
    """A checked request."""

    device_id: int
    location_type: str
    goals: GoalWeights = field(default_factory=GoalWeights)
    demographics: Mapping[str, object] = field(default_factory=dict)
    peak_hours: tuple[int, ...] = ()
    daily_traffic: float | None = None


@dataclass(frozen=True)
class Personalization:
    """The answer: the proposal as planograms (for the designer) and as the seed's JSON body."""

    request: PersonalizationRequest
    proposal: DeviceProposal
    body: dict[str, object]
    cabinets: list[Cabinet]

    @property
    def planograms(self) -> dict[int, Planogram]:
        return self.proposal.planograms


def answer(payload: object, services: Services) -> Answer:
    """One request → the seed's response, or its error shape (exit 2) naming every problem."""
    try:
        request = read_request(payload, services)
    except RequestInvalid as invalid:
        return Answer(PERSONALIZE_LOCATION.error(str(invalid)), False)
    return Answer(personalize(services, request).body, True)


def personalize(
    services: Services,
    request: PersonalizationRequest,
    should_stop: StopRequest | None = None,
    progress: Progress | None = None,
) -> Personalization:
    """Propose a planogram for every cabinet of the device; safe to run in a worker thread."""
    report = progress or (lambda percent, message: None)
    started = time.perf_counter()
    report(0, "reading the device, its sales by hour, its peers and the placement model")
    with services.reading():
        layout = services.repository.device_layout(request.device_id)
        history = read_location_history(
            services.engine, request.device_id, request.location_type, services.fleet_figures()
        )
        cycle = restock_cover_days(services.engine, request.device_id)
    scorer = services.placement_scorer
    traffic = traffic_reading(request.daily_traffic, history)
    shoppers = shopper_profile(request.demographics)
    located = location_factor(scorer, request.device_id, request.location_type)
    factor = {pid: located.get(pid, 1.0) * f for pid, f in shoppers.factors(scorer.catalogue).items()}
    stocking = Stocking(traffic["traffic_scale"], cycle)
    proposal = optimise_device(
        scorer, layout.cabinets, request.goals, layout.planograms, factor, should_stop, report, stocking
    )
    report(96, "writing the proposal's reasons")
    body = response_body(request, proposal, history, scorer, shoppers, traffic)
    with services.reading():
        explainer = explainer_for(scorer, services.engine)
    explained = recommendation_explanations(
        explainer, layout.cabinets, proposal, located, shoppers.factors(scorer.catalogue),
        stocking.traffic_scale, request.location_type,
    )  # fmt: skip
    recommendations = body["personalized_planogram"]["recommendations"]  # type: ignore[index]
    for recommendation, explanation in zip(recommendations, explained, strict=True):
        recommendation["explanation"] = explanation
    body["explanation"] = proposal_explanation(explainer, proposal, stocking.traffic_scale, len(history.peers))
    body["response_time_ms"] = round((time.perf_counter() - started) * 1000, 1)
    report(100, "done")
    return Personalization(request, proposal, body, list(layout.cabinets))


def traffic_reading(daily_traffic: float | None, history: LocationHistory) -> dict[str, object]:
    """How the stated shoppers a day compare with the ones the sales record: the scale demand is taken at."""
    recorded, basis = history.device.shoppers_per_day, "this device's baskets a day"
    if recorded <= 0:
        rates = [peer.shoppers_per_day for peer in history.peers if peer.shoppers_per_day > 0]
        recorded = sum(rates) / len(rates) if rates else 0.0
        basis = "the mean baskets a day of the fleet's machines of this location type"
    scale, capped = 1.0, False
    if daily_traffic is not None and recorded > 0:
        low, high = TRAFFIC_SCALE_RANGE
        ratio = daily_traffic / recorded
        scale, capped = round(min(max(ratio, low), high), 2), not low <= ratio <= high
    return {
        "daily_traffic": daily_traffic,
        "recorded_shoppers_per_day": round(recorded, 1),
        "recorded_basis": basis,
        "traffic_scale": round(scale, 3),
        "scale_capped": capped,
    }


def location_factor(scorer: PlacementScorer, device_id: int, location_type: str) -> dict[int, float]:
    """Product id → sales multiplier moving the device from the location type the model knows it at to another.

    Empty when the types agree, or when the model has not seen one of them (nothing learnt to swap).
    """
    model = scorer.model
    types = [str(t) for t in model.location_types]
    devices = [int(d) for d in model.device_ids]
    if device_id not in devices or location_type not in types:
        return {}
    own = int(model.device_location[devices.index(device_id)])
    new = types.index(location_type)
    if own == new:
        return {}
    product_index = {int(p): i for i, p in enumerate(model.product_ids)}
    category_index = {str(c): i for i, c in enumerate(model.categories)}
    factor: dict[int, float] = {}
    for product in scorer.catalogue.values():
        shift = 0.0
        p = product_index.get(product.id)
        if p is not None:
            shift += model.location_product_effect[new, p] - model.location_product_effect[own, p]
        c = category_index.get(product.category)
        if c is not None:
            shift += model.location_category_effect[new, c] - model.location_category_effect[own, c]
        factor[product.id] = float(np.exp(shift))
    return factor


def response_body(
    request: PersonalizationRequest,
    proposal: DeviceProposal,
    history: LocationHistory,
    scorer: PlacementScorer,
    shoppers: ShopperProfile | None = None,
    traffic: Mapping[str, object] | None = None,
) -> dict[str, object]:
    shoppers = shoppers or ShopperProfile()
    traffic = traffic or traffic_reading(None, history)
    names = {product.id: product.name for product in scorer.catalogue.values()}
    placed = [p.product.id for p in sorted(proposal.placements, key=lambda p: -p.expected_revenue)]
    suggestions, strongest = time_suggestions(history.hour_profile(), placed, names)
    peaks = peak_periods(request.peak_hours)
    context = _ReasonContext(request, peaks, shoppers, proposal.stocking.cycle_days)
    recommendations = [
        {
            "cabinet_index": p.cabinet_index,
            "slot": p.position.label,
            "product_id": p.product.id,
            "product": p.product.name,
            "category": p.product.category,
            "reason": _reason(p, context, strongest.get(p.product.id)),
            "expected_velocity": round(p.expected_units, 2),
            "expected_demand": round(p.demand, 2),
            "facings": p.facings,
            "expected_daily_revenue": round(p.expected_revenue, 2),
            "health_score": p.product.health_score,
        }
        for p in proposal.placements
    ]
    counts: dict[str, int] = {}
    for p in proposal.placements:
        counts[p.product.category] = counts.get(p.product.category, 0) + 1
    total = max(sum(counts.values()), 1)
    mix = {category: round(count / total, 4) for category, count in sorted(counts.items(), key=lambda kv: -kv[1])}
    return {
        "success": True,
        "personalized_planogram": {
            "recommendations": recommendations,
            "category_mix": mix,
            "time_based_suggestions": suggestions,
            "peak_periods": peaks,
            "expected_daily_revenue": round(proposal.expected_daily_revenue, 2),
            "expected_daily_units": round(proposal.expected_daily_units, 2),
            "mean_health_score": round(proposal.mean_health, 2),
            "category_diversity": round(proposal.category_entropy, 3),
            "empty_slots": proposal.empty_slots,
            "distinct_products": proposal.distinct_products,
            "stocking": {**traffic, "restock_every_days": round(proposal.stocking.cycle_days, 1)},
            "shopper_adjustments": shoppers.report(),
            "reasoning": _reasoning(traffic, proposal, shoppers),
            "optimization_goals": {
                "revenue": round(request.goals.revenue, 4),
                "variety": round(request.goals.variety, 4),
                "health_score": round(request.goals.health_score, 4),
            },
            "location_type": request.location_type,
            "demographics": dict(request.demographics),
            "daily_traffic": request.daily_traffic,
        },
        "competitive_analysis": competitive_analysis(proposal, history, names),
        "model_version": scorer.model.model_version,
    }


def competitive_analysis(
    proposal: DeviceProposal, history: LocationHistory, names: dict[int, str]
) -> dict[str, object]:
    """The proposal against the fleet's machines of the same location type.

    Differentiation is 1 − the mean Jaccard overlap of product ranges with each peer (1 with no peers);
    unique products are proposed products no peer carries; market gaps are the peers' best earners per
    carrying machine that the proposal leaves out.
    """
    proposed = {p.product.id for p in proposal.placements}
    peers = history.peers
    overlaps = [len(proposed & peer.carried) / max(len(proposed | peer.carried), 1) for peer in peers]
    carried_by_peers = set().union(*(peer.carried for peer in peers)) if peers else set()
    earners = sorted(history.peer_revenue_per_day().items(), key=lambda kv: (-kv[1], kv[0]))
    slots = max(len(proposal.placements) + proposal.empty_slots, 1)
    peer_rates = [peer.revenue_per_slot_day for peer in peers if peer.days > 0]
    return {
        "differentiation_score": round(1.0 - (sum(overlaps) / len(overlaps) if overlaps else 0.0), 3),
        "unique_products": sorted(names[p] for p in proposed - carried_by_peers if p in names),
        "market_gaps": [names[p] for p, _ in earners if p not in proposed and p in names][:MARKET_GAPS],
        "peer_devices": [peer.device_id for peer in peers],
        "peer_revenue_per_slot": round(sum(peer_rates) / len(peer_rates), 3) if peer_rates else None,
        "device_revenue_per_slot": round(history.device.revenue_per_slot_day, 3) if history.device.days else None,
        "proposed_revenue_per_slot": round(proposal.expected_daily_revenue / slots, 3),
    }


@dataclass(frozen=True)
class _ReasonContext:
    request: PersonalizationRequest
    peaks: list[str]
    shoppers: ShopperProfile
    cycle_days: float


def _reason(placement: Placement, context: _ReasonContext, period: str | None) -> str:
    """Why this product stands here, from the figures that put it there."""
    request = context.request
    parts = [f"expected {placement.expected_units:.1f} a day here at {request.location_type} machines"]
    if placement.zone_value >= 1.1:
        parts.append(f"a strong slot ({placement.zone_value:.2f}× the cabinet's average)")
    goals = request.goals
    health = placement.product.health_score
    if goals.health_score >= 0.25 and health >= 7:
        parts.append(f"health score {health:g}/10 serves the health goal")
    if goals.variety >= 0.25:
        parts.append(f"keeps {placement.product.category} in the mix")
    lift = context.shoppers.categories.get(placement.product.category, 1.0)
    if lift >= 1.1 and context.shoppers.ages is not None:
        low, high = context.shoppers.ages
        parts.append(f"{placement.product.category} sells more to shoppers aged {low}-{high} (×{lift:.2f}, prior)")
    if period is not None:
        peak = ", a stated peak" if period in context.peaks else ""
        parts.append(f"sells above its share {PERIOD_PHRASES.get(period, period)}{peak}")
    if placement.duplicate:
        parts.append(f"extra facing: demand of {placement.demand:.1f} a day outruns one slot between restocks")
    elif placement.facings > 1:
        parts.append(f"{placement.facings} facings on this device")
    text = "; ".join(parts)
    return text[0].upper() + text[1:]


def _reasoning(traffic: Mapping[str, object], proposal: DeviceProposal, shoppers: ShopperProfile) -> list[str]:
    """The location-wide reasons, in the user's words."""
    lines = []
    if traffic["daily_traffic"] is not None and traffic["recorded_shoppers_per_day"]:
        capped = " (capped)" if traffic["scale_capped"] else ""
        lines.append(
            f"{traffic['daily_traffic']:g} shoppers a day against {traffic['recorded_shoppers_per_day']:g} recorded "
            f"({traffic['recorded_basis']}): demand taken at ×{traffic['traffic_scale']:g}{capped}"
        )
    else:
        lines.append("no daily traffic given (or none recorded): demand as the sales history shows it")
    stacked = sum(1 for p in proposal.placements if p.duplicate)
    lines.append(
        f"{proposal.distinct_products} products in {len(proposal.placements)} slots ({stacked} extra facings): with "
        f"restocks every {proposal.stocking.cycle_days:g} days, a product gets another facing only when its demand "
        "would empty the ones it has"
    )
    lines.extend(shoppers.notes)
    return lines


# --- reading requests ----------------------------------------------------------------------------------


def known_location_types(services: Services) -> list[str]:
    with services.reading():
        stored = services.repository.location_types()
    return sorted(set(stored) | set(SEED_LOCATION_TYPES))


def read_request(payload: object, services: Services) -> PersonalizationRequest:
    """Check a request against the database; raise with every problem found."""
    if not isinstance(payload, Mapping):
        raise RequestInvalid([Problem(None, "the request is not a JSON object", f"send {EXAMPLE}")])
    problems: list[Problem] = []
    device_id = payload.get("device_id")
    if isinstance(device_id, bool) or not isinstance(device_id, int):
        problems.append(
            Problem(None, f"device_id {clip(device_id, 60)} is not a whole number", 'send e.g. "device_id": 1')
        )
        device_id = None
    elif device_id not in services.device_ids:
        problems.append(Problem(None, f"device {device_id} is not in this database", "use the id of a listed device"))
        device_id = None
    elif not _has_cabinets(services, device_id):
        problems.append(Problem(None, f"device {device_id} has no cabinets", "add a cabinet to the device first"))
        device_id = None
    context = payload.get("location_context", {})
    if not isinstance(context, Mapping):
        problems.append(Problem(None, "location_context is not a JSON object", "send {type, demographics, …}"))
        context = {}
    location_type = _location_type(context.get("type"), device_id, services, problems)
    demographics = _demographics(context.get("demographics", {}), problems)
    peak_hours, daily_traffic = _traffic(context.get("traffic_patterns", {}), problems)
    goals = _goals(payload.get("optimization_goals"), problems)
    if problems:
        raise RequestInvalid(problems)
    assert device_id is not None and location_type is not None and goals is not None
    return PersonalizationRequest(device_id, location_type, goals, demographics, peak_hours, daily_traffic)


def _has_cabinets(services: Services, device_id: int) -> bool:
    with services.reading():
        return bool(services.repository.cabinets(device_id))


def _location_type(value: object, device_id: int | None, services: Services, problems: list[Problem]) -> str | None:
    known = known_location_types(services)
    if value is None:
        if device_id is None:
            return None
        with services.reading():
            return services.repository.device_layout(device_id).device.location_type
    if not isinstance(value, str) or value.strip().lower() not in known:
        problems.append(Problem(None, f"location type {clip(value, 60)} is unknown", f"use one of {', '.join(known)}"))
        return None
    return value.strip().lower()


def _demographics(value: object, problems: list[Problem]) -> dict[str, object]:
    if not isinstance(value, Mapping):
        problems.append(
            Problem(None, "demographics is not a JSON object", "send {age_range, gender_split} or leave it out")
        )
        return {}
    age = value.get("age_range")
    if age is not None and (not isinstance(age, str) or age_span(age) is None):
        problems.append(
            Problem(None, f"age_range {clip(age, 60)} is not a range of ages", 'send e.g. "18-35" or "65+"')
        )
    health = value.get("health_consciousness")
    if health is not None and health_tilt(health) is None:
        problems.append(
            Problem(
                None,
                f"health_consciousness {clip(health, 60)} is not low, medium, high or a share",
                'send "low", "medium", "high" or a share of health-conscious shoppers from 0 to 1',
            )
        )
    split = value.get("gender_split")
    if split is not None:
        shares = list(split.values()) if isinstance(split, Mapping) else None
        if (
            shares is None
            or not all(_is_number(s) and 0 <= s <= 1 for s in shares)
            or not math.isclose(sum(shares), 1.0, abs_tol=0.02)
        ):
            problems.append(
                Problem(
                    None,
                    f"gender_split {clip(split, 80)} is not a set of shares summing to 1",
                    'send e.g. {"male": 0.6, "female": 0.4}',
                )
            )
    return dict(value)


def _traffic(value: object, problems: list[Problem]) -> tuple[tuple[int, ...], float | None]:
    if not isinstance(value, Mapping):
        problems.append(Problem(None, "traffic_patterns is not a JSON object", "send {peak_hours, daily_traffic}"))
        return (), None
    hours: list[int] = []
    peaks = value.get("peak_hours", [])
    if not isinstance(peaks, list):
        problems.append(Problem(None, "peak_hours is not a list", 'send e.g. ["08:00", "12:00"]'))
    else:
        for entry in peaks:
            match = HOUR.match(entry) if isinstance(entry, str) else None
            if match is None:
                problems.append(
                    Problem(
                        None, f"peak hour {clip(entry, 60)} is not a time of day", 'write it as "HH:MM", e.g. "08:00"'
                    )
                )
            else:
                hours.append(int(match.group(1)))
    traffic = value.get("daily_traffic")
    if traffic is not None and (not _is_number(traffic) or not 0 <= traffic <= MAX_DAILY_TRAFFIC):
        problems.append(
            Problem(
                None,
                f"daily_traffic {clip(traffic, 40)} is not a number of shoppers",
                f"send a number from 0 to {MAX_DAILY_TRAFFIC:,}, e.g. 200",
            )
        )
        traffic = None
    return tuple(hours), (float(traffic) if traffic is not None else None)


def _goals(value: object, problems: list[Problem]) -> GoalWeights | None:
    if value is None:
        return GoalWeights()
    if not isinstance(value, Mapping):
        problems.append(
            Problem(
                None,
                "optimization_goals is not a JSON object",
                'send {"revenue": 0.4, "variety": 0.3, "health_score": 0.3}',
            )
        )
        return None
    unknown = sorted(set(value) - set(GOAL_NAMES))
    if unknown:
        problems.append(
            Problem(
                None,
                f"optimization goal(s) {', '.join(map(repr, unknown))} are unknown",
                f"use {', '.join(GOAL_NAMES)}",
            )
        )
    weights: dict[str, float] = {}
    for name in GOAL_NAMES:
        weight = value.get(name, 0.0)
        if not _is_number(weight) or not 0 <= weight <= MAX_GOAL_WEIGHT:
            problems.append(
                Problem(
                    None,
                    f"goal weight {name} {clip(weight, 40)} is not a number from 0 to {MAX_GOAL_WEIGHT:,}",
                    f"give {name} a weight from 0 to 1 (weights are normalised to sum to 1)",
                )
            )
        else:
            weights[name] = float(weight)
    if len(weights) == len(GOAL_NAMES) and not unknown:
        if sum(weights.values()) <= 0:
            problems.append(Problem(None, "every goal weight is 0", "give at least one goal a weight above 0"))
            return None
        return GoalWeights.normalised(weights["revenue"], weights["variety"], weights["health_score"])
    return None


MAX_DAILY_TRAFFIC = 10_000_000
"""Shoppers passing a machine in a day: a stadium or a metro hub sees well under this."""
MAX_GOAL_WEIGHT = 1_000
"""Goal weights are normalised; a bound keeps their sum finite (1e308 + 1e308 overflows to infinity)."""


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
