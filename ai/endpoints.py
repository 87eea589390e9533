"""The seed's AI endpoints by name, as the headless ``python main.py api ENDPOINT`` answers them.

Each endpoint is a plain function ``answer(payload, services) -> Answer`` taking and returning the seed's
JSON shapes; this registry names them, so a new endpoint is one entry here and one module. Handlers are
imported only when called, so ``--help`` and unknown names answer at once. Every request passes
:mod:`designer.input_gate` first (size, nesting, numbers, texts, batch length), before the database is opened
or anything is audited; each endpoint's reader then checks its own fields' ranges. Exit status
(:class:`designer.command_outcomes.ExitCode`): 0 answered, 2 bad input (invalid request, malformed JSON,
unknown endpoint, missing or unreadable database), 3 refused (the acting user — the application context's
login — may not run AI features; the seed's 403), 12 over the user's rate limit (the seed's 429).
Every answered or failed call is audited as ``ai.<endpoint>`` with its device/cabinet ids and time.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from designer.command_outcomes import ExitCode, error_body
from designer.input_gate import MAX_DIGITS, MAX_ID, InputRefused, gate_request
from designer.validation import Problem

if TYPE_CHECKING:  # the services (pandas, SQLAlchemy, the models) load only when a request is answered
    from ai.services import Services
    from storage.app_context import AppContext


@dataclass(frozen=True)
class Answer:
    """An endpoint's reply: the JSON body, and whether every request in it was valid."""

    body: object
    valid: bool


@dataclass(frozen=True)
class Endpoint:
    name: str
    summary: str
    usage: str
    handler: str  # "module:function", imported on first use
    error_fields: Mapping[str, object] = field(default_factory=dict)
    """The seed's extra fields on this endpoint's error responses."""
    batch: bool = False
    """Whether an array of requests is answered (by an array of answers in the same order)."""

    def answer(self, payload: object, services: Services) -> Answer:
        module, function = self.handler.split(":")
        handle: Callable[[object, Services], Answer] = getattr(importlib.import_module(module), function)
        return handle(payload, services)

    def error(self, message: str) -> dict[str, object]:
        return error_body(message, self.error_fields)


REALTIME_ANALYSIS = Endpoint(
    name="realtime-analysis",
    summary="score a product in a slot: placement_score 0–100, confidence, pros/cons/suggestions, zone analysis",
    usage=(
        "Request (one JSON object, or an array of them for an array of answers in the same order):\n"
        '  {"planogram_id": "1_0", "product_id": 3, "slot_position": "B2",\n'
        '   "context": {"current_slots": [{"position": "A1", "product_id": 5, "quantity": 4, "capacity": 10}],\n'
        '               "cabinet_config": {"rows": 6, "columns": 6, "temperature_zone": "ambient"}}}\n'
        "  cabinet_config may be left out for a cabinet the database holds; current_slots defaults to empty;\n"
        "  recent_sales is accepted and not needed: the model learns from the whole history, as of each\n"
        "  machine's latest sale, with sold-out time taken out of the exposure.\n"
        "Response:\n"
        '  {"success": true, "placement_score": 85.5, "confidence": 0.92,\n'
        '   "feedback": {"pros": […], "cons": […], "suggestions": […]},\n'
        '   "zone_analysis": {"current_zone_value": 1.31, "optimal_zones": ["B3", "C3", "B4"], "reason": "…"},\n'
        '   "response_time_ms": 0.4, "model_version": "pm1-…"}\n'
        "The placement model is trained on the database's sales history on first use (seconds on the demo\n"
        "fleet) and saved in the user data directory; response_time_ms counts the answer, not that training."
    ),
    handler="ai.realtime_analysis:answer",
    error_fields={"fallback_available": False, "fallback_score": None},
    batch=True,
)

PERSONALIZE_LOCATION = Endpoint(
    name="personalize-location",
    summary="propose a planogram for every cabinet of a device from its location type and goal weights",
    usage=(
        "Request:\n"
        '  {"device_id": 1, "location_context": {"type": "office",\n'
        '     "demographics": {"age_range": "18-35", "gender_split": {"male": 0.6, "female": 0.4}},\n'
        '     "traffic_patterns": {"peak_hours": ["08:00", "12:00", "15:00"], "daily_traffic": 200}},\n'
        '   "optimization_goals": {"revenue": 0.4, "variety": 0.3, "health_score": 0.3}}\n'
        "  weights are ≥ 0 and are normalised to sum to 1; location_context.type defaults to the device's own.\n"
        "Response:\n"
        '  {"success": true, "personalized_planogram": {"recommendations": [{"cabinet_index": 0, "slot": "A3",\n'
        '     "product": "…", "reason": "…", "expected_velocity": 8.5}, …], "category_mix": {"soda": 0.2, …},\n'
        '     "time_based_suggestions": {"morning": […], "lunch": […], "afternoon": […], "evening": […]}},\n'
        '   "competitive_analysis": {"differentiation_score": 0.78, "unique_products": […], "market_gaps": […]}}\n'
        "One assignment over all the device's cabinets (temperature zones respected, a product at most once per\n"
        "cabinet) mixing the placement model's expected revenue, category variety and health score."
    ),
    handler="ai.personalization:answer",
)

AFFINITY_ANALYSIS = Endpoint(
    name="affinity-analysis",
    summary="products bought together: support, confidence, lift, phi; clusters; substitutes to keep apart",
    usage=(
        'Request: {"device_id": 1, "analysis_period_days": 90, "min_confidence": 0.7, "include_clusters": true}\n'
        "  A basket is one transaction of the device within analysis_period_days calendar days ending on its\n"
        "  latest sale; support = P(both), confidence = P(product_2 | product_1), lift = confidence / P(product_2).\n"
        'Response: {"success": true, "affinity_pairs": [{"product_1": {"id", "name"}, "product_2": {…},\n'
        '   "correlation", "lift", "support", "confidence", "recommendation"}], "product_clusters": [{"cluster_id",\n'
        '   "cluster_name", "products", "optimal_positions", "expected_basket_increase"}], "anti_affinity": [...]}'
    ),
    handler="ai.affinity:answer",
)

DEMAND_FORECAST = Endpoint(
    name="demand-forecast",
    summary="daily units per product with intervals, par levels, stock-out risk; stored in demand_forecasts",
    usage=(
        'Request: {"device_id": 1, "products": [3, 7], "forecast_days": 7, "include_external_factors": true,\n'
        '  "external_data": {"weather_forecast": [{"date", "temperature_c", "precipitation_mm"}],\n'
        '                    "events": [{"date", "name", "expected_attendance"}], "holidays": [{"date", "name"}]}}\n'
        "  Forecast days start the day after the device's latest sale; forecast_days 1–90.\n"
        'Response: {"success": true, "units_explained": {…}, "forecasts": [{"product_id", "product_name",\n'
        '   "daily_forecasts": [{"date", "predicted_units" (the mean: add up for totals and stock),\n'
        '   "median_units" (the median: the day itself, never added up), "confidence_interval" (80 %),\n'
        '   "interval_probability", "factors": {"base_demand", …_adjustment}}], "week_interval",\n'
        '   "recommended_stock", "stockout_risk", "suggested_par_level"}], "aggregate_metrics": {…}}'
    ),
    handler="ai.demand_forecast:answer",
)

PREDICT_REVENUE = Endpoint(
    name="predict-revenue",
    summary="today's planogram vs a proposal: daily/monthly revenue, lift %, 90 % interval, payback, risks",
    usage=(
        "Request:\n"
        '  {"device_id": 1, "cabinet_index": 0,\n'
        '   "current_planogram": {"slots": [{"position": "A1", "product_id": 5, "quantity": 4, "capacity": 10}]},\n'
        '   "proposed_planogram": {"slots": [...]},\n'
        '   "prediction_horizon_days": 30, "include_confidence_intervals": true}\n'
        "Response:\n"
        '  {"success": true, "predictions": {"baseline": {"daily_revenue", "monthly_revenue", "top_products"},\n'
        '   "proposed": {"daily_revenue", "monthly_revenue", "revenue_lift",\n'
        '                "confidence_interval": {"lower", "upper"}},\n'
        '   "break_even_analysis": {"implementation_cost", "days_to_recover", "roi_30_days"},\n'
        '   "risk_factors": [{"factor", "impact", "mitigation"}]},\n'
        '   "model_metadata": {"model_version", "confidence_score", "data_quality_score", "factors_considered"}}\n'
        "monthly = daily x 30; implementation cost = slots changed x the labour cost per slot (Settings); the\n"
        "interval is split-conformal (90 %) on the database's own rolling-origin residuals. Each answer is\n"
        "recorded in ai_predictions."
    ),
    handler="ai.revenue_prediction:answer",
)

ENDPOINTS: dict[str, Endpoint] = {
    endpoint.name: endpoint
    for endpoint in (REALTIME_ANALYSIS, PERSONALIZE_LOCATION, AFFINITY_ANALYSIS, DEMAND_FORECAST, PREDICT_REVENUE)
}


def unknown_endpoint(name: str | None) -> dict[str, object]:
    known = ", ".join(sorted(ENDPOINTS))
    what = f"unknown endpoint {name!r}" if name else "no endpoint was named"
    return error_body(f"{what}. Fix: name one of: {known} (e.g. python main.py api realtime-analysis < request.json)")


def endpoint_help(name: str | None) -> tuple[ExitCode, str]:
    """``api [ENDPOINT] --help``: exit 0 with the text for a built endpoint (or the list); 2 otherwise."""
    if name is None:
        lines = [f"  {e.name:<22} {e.summary}" for e in ENDPOINTS.values()]
        return ExitCode.DONE, "Endpoints (request JSON on stdin, response JSON on stdout):\n" + "\n".join(lines)
    endpoint = ENDPOINTS.get(name)
    if endpoint is None:
        return ExitCode.BAD_INPUT, json.dumps(unknown_endpoint(name))
    return ExitCode.DONE, f"{endpoint.name}: {endpoint.summary}\n\n{endpoint.usage}"


def run_endpoint(
    name: str | None, read_request: Callable[[], bytes | str], context: AppContext
) -> tuple[ExitCode, object]:
    """Answer one headless call on the context's database, as its login: (exit status, JSON body).

    The request is read only for a known endpoint, and passes the input gate before any service is opened: a
    refused request changes nothing and is not audited (it names no device that could be trusted).
    """
    from ai.services import Services

    return answer_endpoint(name, read_request, lambda: Services.for_run(context), lambda e, s: charge(e, s, context))


def charge(endpoint: Endpoint, services: Services, context: AppContext) -> str | None:
    """Count one ``api`` request against the acting user's rate limits (the seed's, from Settings), shared with
    every other ``api`` process and the HTTP service's workers; the refusal's message, or None when it may run.

    A request that must train the placement model first (no saved model fits the data) spends a training too.
    The designer's own calls (drag-over scores, previews) and back-tests never come through here.
    """
    from ai.model_store import data_fingerprint, database_identity
    from designer.rate_limits import ENDPOINT_BUDGETS, TRAINS_PLACEMENT_MODEL, Budget
    from storage.access_ledger import AccessLedger

    spent = [ENDPOINT_BUDGETS[endpoint.name]]
    if endpoint.name in TRAINS_PLACEMENT_MODEL and services.model_store is not None:
        with services.reading():
            fitted = services.model_store.load(services.database_url, data_fingerprint(services.engine))
        if fitted is None:
            spent.append(Budget.TRAINING)
    ledger = AccessLedger.in_folder(context.folders.data, database_identity(services.database_url))
    refused = ledger.charge(services.user.id, spent, context.settings.current.rate_limits, context.clock())
    return None if refused is None else f"{refused.message()} (python main.py api exits {ExitCode.RATE_LIMITED})"


def answer_endpoint(
    name: str | None,
    read_request: Callable[[], bytes | str],
    open_services: Callable[[], Services],
    charge: Callable[[Endpoint, Services], str | None] | None = None,
) -> tuple[ExitCode, object]:
    """:func:`run_endpoint` on services the caller opens: the ``api`` command's own, or the HTTP service's warm
    ones acting for the request's user. One implementation behind both, so they answer alike.

    ``charge`` counts a valid request against the user's rate limits (the ``api`` command's; the HTTP service
    counts before it reads the body) and says why it is refused; a refused request is answered by nothing else."""
    endpoint = ENDPOINTS.get(name or "")
    if endpoint is None:
        return ExitCode.BAD_INPUT, unknown_endpoint(name)
    raw = read_request()
    try:
        payload = gate_request(raw, batch=endpoint.batch)
    except InputRefused as refused:
        return ExitCode.BAD_INPUT, endpoint.error(str(refused))
    except json.JSONDecodeError as error:
        empty = not raw.strip()
        problem = "no request arrived on standard input" if empty else f"the request is not JSON ({error})"
        fix = "send one JSON object, or an array of them" if endpoint.batch else "send one JSON object"
        return ExitCode.BAD_INPUT, endpoint.error(f"{problem}. Fix: {fix}")
    from ai.services import ServiceUnavailable
    from designer.roles import PermissionDenied

    services = open_services()
    try:
        refusal = charge(endpoint, services) if charge is not None else None
        if refusal is not None:
            return ExitCode.RATE_LIMITED, endpoint.error(refusal)
        with services.ai_run(endpoint.name, *request_ids(payload)):
            answer = endpoint.answer(payload, services)
    except ServiceUnavailable as error:
        return error.exit_code, endpoint.error(str(error))
    except PermissionDenied as refused:
        return ExitCode.REFUSED, endpoint.error(f"{refused}; or run as another user with --user NAME")
    return (ExitCode.DONE if answer.valid else ExitCode.BAD_INPUT), answer.body


def request_ids(payload: object) -> tuple[list[int], list[int]]:
    """The device and cabinet ids a request names (``planogram_id`` "3_1" is device 3, cabinet 1), for the audit.

    Only whole numbers SQLite can store are taken (ids 1 to 2^63 − 1, cabinet indexes from 0): anything else is
    the request's own problem, which its endpoint names.
    """
    devices: list[int] = []
    cabinets: list[int] = []
    for request in payload if isinstance(payload, list) else [payload]:
        if not isinstance(request, dict):
            continue
        device, cabinet = request.get("device_id"), request.get("cabinet_index")
        planogram = request.get("planogram_id")
        if device is None and isinstance(planogram, str) and planogram.count("_") == 1:
            device, cabinet = (_whole(part.strip()) for part in planogram.split("_"))
        for value, into, lowest in ((device, devices, 1), (cabinet, cabinets, 0)):
            if isinstance(value, int) and not isinstance(value, bool) and lowest <= value <= MAX_ID:
                into.append(value)
    return devices, cabinets


def _whole(text: str) -> int | None:
    return int(text) if text.isascii() and text.isdigit() and len(text) <= MAX_DIGITS else None


def gate_problem(text: str) -> Problem:
    """A range problem of :mod:`designer.input_gate` ("what. Fix: how") as the designer's :class:`Problem`."""
    problem, _, fix = text.partition(". Fix: ")
    return Problem(None, problem, fix.rstrip(".") or "send the documented shape")
