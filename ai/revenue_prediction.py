"""The seed's endpoint 2, predict-revenue: today's planogram against a proposal, in money, with intervals.

The numbers come from :mod:`ai.revenue_model`; this module checks the request (with the designer's own slot
validation, so the editor and the API refuse the same things), adds the break-even analysis (labour cost
per changed slot from the user's settings), names the risks, and records every answer in
``ai_predictions``. :func:`compare_planograms` is what the comparison window calls; :func:`answer` is the
headless ``python main.py api predict-revenue``. The current layout is the operator's as it stands: stock above
capacity or a product outside its zone there is a ``data_quality`` warning, not a refusal; the proposal keeps
the designer's temperature rule except where it leaves the operator's own placement as it is.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass

from cachetools import LRUCache

from ai.data_quality import catalogue_warnings, device_data_quality, slot_warnings
from ai.endpoints import PREDICT_REVENUE, Answer, gate_problem
from ai.explanations import Explanation
from ai.revenue_model import (
    DAYS_PER_MONTH,
    LEVEL_DAYS,
    CabinetFacts,
    Calibration,
    RevenuePrediction,
    SlotRevenue,
    baseline_level,
    changed_positions,
    predict_revenue,
    read_cabinet_facts,
    read_calibration,
)
from ai.services import Services
from designer.cabinets import Cabinet
from designer.command_outcomes import RequestInvalid
from designer.input_gate import clip, slot_entry_problems
from designer.planograms import Planogram
from designer.positions import Position
from designer.validation import PlanogramInvalid, Problem, check_temperature, slots_from_entries
from storage.predictions import store_prediction

MODEL_PREFIX = "rv1+"
MAX_HORIZON_DAYS = 365
FACTORS_CONSIDERED = [
    "historical_sales",
    "location_type",
    "similar_devices",
    "slot_position",
    "neighbour_affinity",
    "cannibalisation",
    "capacity_and_restocking",
    "recent_revenue_level",
    "price",
]
CALIBRATIONS_KEPT = 16
"""Calibrations kept (one per database and model version, a few kB each): a session that opens many databases, or
a service whose data changes all day, keeps the latest ones, not every one it ever read."""
_CALIBRATIONS: LRUCache[tuple[str, str], Calibration] = LRUCache(maxsize=CALIBRATIONS_KEPT)
_CALIBRATING = threading.Lock()
EXAMPLE = (
    '{"device_id": 1, "cabinet_index": 0, "current_planogram": {"slots": [...]}, '
    '"proposed_planogram": {"slots": [...]}, "prediction_horizon_days": 30}'
)


@dataclass(frozen=True)
class RevenueComparison:
    """Both sides of a comparison, and what it costs to go from one to the other."""

    cabinet: Cabinet
    baseline: RevenuePrediction
    proposed: RevenuePrediction
    changed: tuple[Position, ...]
    labour_cost_per_slot: float
    horizon_days: int
    facts: CabinetFacts
    model_version: str
    location_type: str | None = None

    @property
    def implementation_cost(self) -> float:
        return round(len(self.changed) * self.labour_cost_per_slot, 2)

    @property
    def daily_gain(self) -> float:
        return round(self.proposed.daily_revenue, 2) - round(self.baseline.daily_revenue, 2)

    @property
    def days_to_recover(self) -> float | None:
        """0 when nothing is spent; None when the proposal never pays back (it earns no more)."""
        if self.implementation_cost == 0:
            return 0.0
        return self.implementation_cost / self.daily_gain if self.daily_gain > 0 else None

    def payback_curve(self) -> list[float]:
        """Cumulative net gain at the end of each day of the horizon (day 0 is the visit: minus the cost)."""
        return [self.daily_gain * day - self.implementation_cost for day in range(self.horizon_days + 1)]

    def slot_deltas(self) -> dict[Position, float]:
        """Expected daily revenue of each slot in the proposal minus in the baseline."""
        before = {s.position: s.revenue for s in self.baseline.slots}
        after = {s.position: s.revenue for s in self.proposed.slots}
        return {p: after.get(p, 0.0) - before.get(p, 0.0) for p in sorted(set(before) | set(after))}

    def confidence_score(self) -> float:
        """Revenue-weighted history confidence of the proposal, discounted by the interval's width."""
        total = sum(s.revenue for s in self.proposed.slots)
        if total <= 0:
            return 0.0
        history = sum(s.revenue * s.confidence for s in self.proposed.slots) / total
        return float(min(max(history * (1 - min(self.proposed.relative_half_width, 1.0)), 0.0), 1.0))

    def data_quality_score(self) -> float:
        """Share of recent days with sales, whether the restock days are known, share of revenue with history."""
        days = len(self.facts.daily_revenue)
        selling = self.facts.history_days / days if days else 0.0
        total = sum(s.revenue for s in self.baseline.slots)
        known = sum(s.revenue for s in self.baseline.slots if s.history_days > 0) / total if total > 0 else 0.0
        restock = 1.0 if self.facts.restock_known else 0.5
        return float(min(max((selling + known + restock) / 3, 0.0), 1.0))

    def risk_factors(self, catalogue: Mapping[int, object]) -> list[dict[str, str]]:
        """What could make the proposal earn less than predicted, and what to do about it."""
        risks: list[dict[str, str]] = []
        total = max(self.proposed.daily_revenue, 1e-9)
        new = [s for s in self.proposed.slots if s.history_days <= 0]
        if new:
            share = sum(s.revenue for s in new) / total
            names = ", ".join(sorted({_name(catalogue, s.product_id) for s in new}))
            where = f"similar {self.location_type} machines" if self.location_type else "similar machines"
            risks.append(
                {
                    "factor": f"New product introduction: never sold at this machine ({names}); "
                    f"{share:.0%} of the predicted revenue is borrowed from {where}",
                    "impact": _impact(share, 0.10, 0.25),
                    "mitigation": "Monitor closely the first week and swap back slow sellers at the next visit",
                }
            )
        limited = [s for s in self.proposed.slots if s.capacity_limited]
        if limited:
            lost = sum((s.demand * self.proposed.level - s.units) * s.price for s in limited)
            share = lost / (total + lost)
            labels = ", ".join(s.position.label for s in limited)
            risks.append(
                {
                    "factor": f"Slots likely to sell out between restocks ({labels}): "
                    f"about ${lost:.2f}/day of demand lost",
                    "impact": _impact(share, 0.03, 0.10),
                    "mitigation": "Give these products a second slot or more capacity, or restock more often",
                }
            )
        joined = [s for s in self.proposed.slots if s.substitutes]
        if joined:
            pairs = sorted({tuple(sorted((s.product_id, o))) for s in joined for o in s.substitutes})
            text = "; ".join(f"{_name(catalogue, a)} / {_name(catalogue, b)}" for a, b in pairs[:4])
            risks.append(
                {
                    "factor": f"Substitutes newly side by side may cannibalise each other ({text})",
                    "impact": "medium" if len(pairs) > 2 else "low",
                    "mitigation": "Keep one of each substitute pair, or place them in different cabinets",
                }
            )
        if self.daily_gain < 0:
            drop = -self.daily_gain / max(self.baseline.daily_revenue, 1e-9)
            risks.append(
                {
                    "factor": f"The proposal is predicted to earn {drop:.0%} less than today's planogram",
                    "impact": _impact(drop, 0.02, 0.08),
                    "mitigation": "Keep the current planogram, or fill the emptied slots with proven sellers",
                }
            )
        if self.proposed.relative_half_width > 0.30:
            risks.append(
                {
                    "factor": f"Wide prediction interval (±{self.proposed.relative_half_width:.0%})",
                    "impact": "medium",
                    "mitigation": "Trial the change on one machine before rolling it out",
                }
            )
        if self.facts.history_days < LEVEL_DAYS // 2:
            risks.append(
                {
                    "factor": f"Little recent sales history at this cabinet ({self.facts.history_days} selling days)",
                    "impact": "medium",
                    "mitigation": "Re-run the prediction after a few more weeks of sales",
                }
            )
        if not self.facts.restock_known:
            risks.append(
                {
                    "factor": "Restock days unknown (no stock-out recorded): a weekly visit was assumed",
                    "impact": "low",
                    "mitigation": "Record the route's restock days so capacity limits are judged correctly",
                }
            )
        return risks


def _impact(share: float, medium: float, high: float) -> str:
    return "high" if share >= high else "medium" if share >= medium else "low"


def _name(catalogue: Mapping[int, object], product_id: int) -> str:
    product = catalogue.get(product_id)
    return str(getattr(product, "name", product_id))


def calibration_for(services: Services, model_version: str) -> Calibration:
    """The conformal scores of this database, computed once per model version (the data's fingerprint)."""
    key = (services.database_url, model_version)
    with _CALIBRATING:  # an LRU reorders itself on reading: one thread at a time
        calibration = _CALIBRATIONS.get(key)
    if calibration is None:
        with _CALIBRATING:  # the service's threads wait for one computation (14 s on 1,000 machines), not repeat it
            calibration = _CALIBRATIONS.get(key)
            if calibration is None:
                with services.reading():
                    calibration = read_calibration(services.engine)
                _CALIBRATIONS[key] = calibration
    return calibration


def compare_planograms(
    services: Services,
    cabinet: Cabinet,
    baseline: Planogram,
    proposed: Planogram,
    horizon_days: int = DAYS_PER_MONTH,
    labour_cost_per_slot: float | None = None,
    location_type: str | None = None,
) -> RevenueComparison:
    """Predict both planograms of one cabinet with one level, so an unchanged proposal matches exactly."""
    scorer = services.placement_scorer
    catalogue = services.catalogue
    calibration = calibration_for(services, scorer.model.model_version)
    with services.reading():
        facts = read_cabinet_facts(
            services.engine, cabinet.device_id, cabinet.index, days_with_data=calibration.data_days
        )
    level = baseline_level(scorer, cabinet, catalogue, facts, calibration.index)
    changed = changed_positions(baseline, proposed)
    before = predict_revenue(scorer, cabinet, baseline, catalogue, facts, calibration, level=level)
    after = predict_revenue(scorer, cabinet, proposed, catalogue, facts, calibration, level=level, changed=changed)
    if labour_cost_per_slot is None:
        labour_cost_per_slot = services.labour_cost_per_slot  # the Settings' value, handed to the services
    return RevenueComparison(
        cabinet,
        before,
        after,
        tuple(changed),
        labour_cost_per_slot,
        horizon_days,
        facts,
        MODEL_PREFIX + scorer.model.model_version,
        location_type,
    )


def comparison_body(comparison: RevenueComparison, catalogue: Mapping[int, object], intervals: bool = True) -> dict:
    """The seed's response body."""
    base = round(comparison.baseline.daily_revenue, 2)
    prop = round(comparison.proposed.daily_revenue, 2)
    lift = round((prop - base) / base * 100, 2) if base > 0 else (0.0 if prop == 0 else 100.0)
    cost = comparison.implementation_cost
    recover = comparison.days_to_recover
    baseline: dict[str, object] = {
        "daily_revenue": base,
        "monthly_revenue": round(base * DAYS_PER_MONTH, 2),
        "top_products": _top(comparison.baseline.slots, catalogue),
    }
    proposed: dict[str, object] = {
        "daily_revenue": prop,
        "monthly_revenue": round(prop * DAYS_PER_MONTH, 2),
        "revenue_lift": lift,
        "top_products": _top(comparison.proposed.slots, catalogue),
    }
    if intervals:
        for side, prediction in ((baseline, comparison.baseline), (proposed, comparison.proposed)):
            rounded = round(prediction.daily_revenue, 2)
            side["confidence_interval"] = {
                "lower": min(round(prediction.lower, 2), rounded),
                "upper": max(round(prediction.upper, 2), rounded),
                "level": 0.9,
            }
    return {
        "success": True,
        "predictions": {
            "baseline": baseline,
            "proposed": proposed,
            "break_even_analysis": {
                "implementation_cost": cost,
                "slots_changed": len(comparison.changed),
                "labour_cost_per_slot": comparison.labour_cost_per_slot,
                "days_to_recover": round(recover, 1) if recover is not None else None,
                "roi_30_days": round((prop - base) * DAYS_PER_MONTH - cost, 2),
                "net_gain_over_horizon": round((prop - base) * comparison.horizon_days - cost, 2),
                "horizon_days": comparison.horizon_days,
            },
            "risk_factors": comparison.risk_factors(catalogue),
        },
        "model_metadata": {
            "model_version": comparison.model_version,
            "confidence_score": round(comparison.confidence_score(), 2),
            "data_quality_score": round(comparison.data_quality_score(), 2),
            "factors_considered": list(FACTORS_CONSIDERED),
            "as_of": comparison.facts.as_of.isoformat() if comparison.facts.as_of else None,
        },
    }


def _top(slots: tuple[SlotRevenue, ...], catalogue: Mapping[int, object], count: int = 5) -> list[dict[str, object]]:
    by_product: dict[int, list[SlotRevenue]] = {}
    for slot in slots:
        by_product.setdefault(slot.product_id, []).append(slot)
    ranked = sorted(by_product.items(), key=lambda item: -sum(s.revenue for s in item[1]))[:count]
    return [
        {
            "product_id": product_id,
            "name": _name(catalogue, product_id),
            "positions": [s.position.label for s in found],
            "daily_units": round(sum(s.units for s in found), 2),
            "daily_revenue": round(sum(s.revenue for s in found), 2),
        }
        for product_id, found in ranked
    ]


def record_prediction(
    services: Services, comparison: RevenueComparison, request: object, body: dict, response_ms: float
) -> None:
    """One ``ai_predictions`` row per answer (prediction_type 'revenue'), holding products by id only.

    A product's name is whatever an operator typed (it may name a person or a client), so the stored answer is
    the same comparison worded with ids, and the stored request keeps only the fields the endpoint reads;
    the AI dashboard needs no more (the sides' daily revenue, the as-of day, the horizon, the proposed slots).
    """
    intervals = "confidence_interval" in body.get("predictions", {}).get("proposed", {})
    stored = comparison_body(comparison, {}, intervals)
    for side in ("baseline", "proposed"):
        for product in stored["predictions"][side]["top_products"]:
            product.pop("name", None)
    stored["response_time_ms"] = body.get("response_time_ms")
    with services.reading():
        store_prediction(
            services.engine,
            prediction_type="revenue",
            device_id=comparison.cabinet.device_id,
            cabinet_index=comparison.cabinet.index,
            input_data=json.dumps(stored_request(request), default=str),
            prediction_result=json.dumps(stored, allow_nan=False),
            confidence_score=round(comparison.confidence_score(), 2),
            model_version=comparison.model_version[:20],
            response_time_ms=round(response_ms),
        )


REQUEST_FIELDS = (
    "device_id",
    "cabinet_index",
    "prediction_horizon_days",
    "include_confidence_intervals",
)
SLOT_FIELDS = ("position", "product_id", "quantity", "capacity", "par_level", "price")


def stored_request(request: object) -> dict[str, object]:
    """The request's fields this endpoint reads, slots with their slot fields only (nothing else it carried)."""
    if not isinstance(request, Mapping):
        return {}
    kept: dict[str, object] = {key: request[key] for key in REQUEST_FIELDS if key in request}
    for key in ("current_planogram", "proposed_planogram"):
        side = request.get(key)
        slots = side.get("slots") if isinstance(side, Mapping) else None
        if isinstance(slots, list):
            kept[key] = {
                "slots": [
                    {field: slot[field] for field in SLOT_FIELDS if field in slot}
                    for slot in slots
                    if isinstance(slot, Mapping)
                ]
            }
    return kept


# --- the headless endpoint ------------------------------------------------------------------------


@dataclass(frozen=True)
class RevenueRequest:
    cabinet: Cabinet
    current: Planogram
    proposed: Planogram
    horizon_days: int
    intervals: bool
    warnings: tuple[str, ...] = ()


def answer(payload: object, services: Services) -> Answer:
    """One request → the seed's response; an invalid request → exit 2 and ``{"success": false, "error"}``."""
    services.open()
    try:
        request = read_request(payload, services)
    except RequestInvalid as invalid:
        return Answer(PREDICT_REVENUE.error(str(invalid)), False)
    calibration_for(services, services.placement_scorer.model.model_version)  # model and calibration untimed
    started = time.perf_counter()
    location = _location_type(services, request.cabinet.device_id)
    comparison = compare_planograms(
        services, request.cabinet, request.current, request.proposed, request.horizon_days, location_type=location
    )
    body = comparison_body(comparison, services.catalogue, request.intervals)
    body["explanation"] = explanation_body(services, comparison)
    elapsed = (time.perf_counter() - started) * 1000
    with services.reading():
        body["data_quality"] = device_data_quality(
            services.engine, request.cabinet.device_id, request.warnings, services.fleet_figures()
        )
    body["response_time_ms"] = round(elapsed, 1)
    record_prediction(services, comparison, payload, body, elapsed)
    return Answer(body, True)


def explain_comparison(services: Services, comparison: RevenueComparison) -> Explanation:
    """Why the comparison says what it does, from the model's own figures (the API's and the window's "Why?")."""
    from ai.placement_explanation import explainer_for
    from ai.revenue_explanation import revenue_explanation

    scorer = services.placement_scorer
    with services.reading():
        placement = explainer_for(scorer, services.engine)
    calibration = calibration_for(services, scorer.model.model_version)
    return revenue_explanation(comparison, calibration, placement, services.catalogue)


def explanation_body(services: Services, comparison: RevenueComparison) -> dict[str, object]:
    """:func:`explain_comparison` as the response's ``explanation``, with the two daily figures it explains."""
    body = explain_comparison(services, comparison).to_json()
    body["decision"] = {
        "baseline_daily_revenue": round(comparison.baseline.daily_revenue, 2),
        "proposed_daily_revenue": round(comparison.proposed.daily_revenue, 2),
    }
    return body


def _location_type(services: Services, device_id: int) -> str | None:
    with services.reading():  # the one device, not the fleet's list (17 ms a request on 1,000 machines)
        return services.repository.location_types_of([device_id]).get(device_id)


def read_request(payload: object, services: Services) -> RevenueRequest:
    """Check the request against the database; raise with every problem found."""
    if not isinstance(payload, Mapping):
        raise RequestInvalid([Problem(None, "the request is not a JSON object", f"send {EXAMPLE}")])
    problems: list[Problem] = []
    device_id = payload.get("device_id")
    cabinet_index = payload.get("cabinet_index", 0)
    cabinet = None
    if isinstance(device_id, bool) or not isinstance(device_id, int):
        problems.append(Problem(None, f"device_id {clip(device_id, 60)} is not a whole number", "send e.g. 1"))
    elif device_id not in services.device_ids:
        problems.append(Problem(None, f"device {device_id} is not in this database", "use the id of a listed device"))
    elif isinstance(cabinet_index, bool) or not isinstance(cabinet_index, int):
        problems.append(Problem(None, f"cabinet_index {clip(cabinet_index, 60)} is not a whole number", "send e.g. 0"))
    else:
        cabinet = services.cabinet(device_id, cabinet_index)
        if cabinet is None:
            problems.append(
                Problem(None, f"device {device_id} has no cabinet {cabinet_index}", "use one of its cabinet indexes")
            )
    horizon = payload.get("prediction_horizon_days", DAYS_PER_MONTH)
    if isinstance(horizon, bool) or not isinstance(horizon, int) or not 1 <= horizon <= MAX_HORIZON_DAYS:
        problems.append(
            Problem(None, f"prediction_horizon_days {clip(horizon, 60)} is not 1–{MAX_HORIZON_DAYS}", "send e.g. 30")
        )
    intervals = payload.get("include_confidence_intervals", True)
    if not isinstance(intervals, bool):
        problems.append(Problem(None, "include_confidence_intervals is not true or false", "send true or false"))
    planograms: dict[str, list] = {}
    noted: dict[str, list[Problem]] = {}
    for key in ("current_planogram", "proposed_planogram"):
        side = payload.get(key)
        slots = side.get("slots") if isinstance(side, Mapping) else None
        if not isinstance(slots, list):
            problems.append(Problem(None, f"{key} has no slots list", f'send {key} as {{"slots": [{{…}}, …]}}'))
            continue
        beyond = slot_entry_problems(slots, f"{key}.slots")
        if beyond:
            problems.extend(gate_problem(text) for text in beyond)
            continue
        if cabinet is None:
            continue
        try:
            planograms[key] = slots_from_entries(slots, cabinet, services.catalogue, warnings=noted.setdefault(key, []))
        except PlanogramInvalid as invalid:
            problems.extend(Problem(p.slot, f"{key}: {p.problem}", p.fix) for p in invalid.problems)
    if cabinet is not None and "proposed_planogram" in planograms:
        problems.extend(_new_misplacements(planograms, cabinet, services))
    if problems:
        raise RequestInvalid(problems)
    assert cabinet is not None
    warnings = [warning for key, found in noted.items() for warning in slot_warnings(found, key)]
    warnings += catalogue_warnings(
        [*planograms["current_planogram"], *planograms["proposed_planogram"]], services.catalogue
    )
    return RevenueRequest(
        cabinet,
        Planogram.from_slots(cabinet.device_id, cabinet.index, planograms["current_planogram"]),
        Planogram.from_slots(cabinet.device_id, cabinet.index, planograms["proposed_planogram"]),
        int(horizon),
        bool(intervals),
        tuple(warnings),
    )


def _new_misplacements(planograms: dict[str, list], cabinet: Cabinet, services: Services) -> list[Problem]:
    """Products the proposal puts outside their zone where the current layout did not already have them: a new
    placement the designer would refuse is refused here too."""
    current = {slot.position: slot.product_id for slot in planograms.get("current_planogram", [])}
    refused = []
    for slot in planograms["proposed_planogram"]:
        problem = check_temperature(slot, cabinet, services.catalogue)
        if problem is not None and current.get(slot.position) != slot.product_id:
            refused.append(Problem(problem.slot, f"proposed_planogram: {problem.problem}", problem.fix))
    return refused
