"""The seed's endpoint 1, realtime-analysis: a product dropped on a slot → score, confidence, why, better slots.

Requests are checked with the designer's own validation (positions, products, cabinet size, slot entries),
so the API and the editor refuse the same things with the same words; every problem found is reported at
once. The cabinet's current slots are the operator's layout as it stands: stock above capacity or a product
outside its zone there is answered with a ``data_quality`` warning, not refused. An array of requests is
answered by an array in the same order; an invalid entry gets the seed's error object in its place and the
whole call exits 2.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from dataclasses import dataclass

from ai.data_quality import catalogue_warnings, data_quality, device_warnings, slot_warnings
from ai.endpoints import REALTIME_ANALYSIS, Answer, gate_problem
from ai.placement_explanation import explainer_for
from ai.placement_feedback import analyse_placement
from ai.services import Services
from designer.cabinets import Cabinet, CabinetTooLarge, TemperatureZone
from designer.command_outcomes import RequestInvalid
from designer.input_gate import MAX_ID, id_problem, slot_entry_problems, whole_number_problem
from designer.planograms import Planogram
from designer.positions import Position
from designer.validation import PlanogramInvalid, Problem, check_position, check_product, slots_from_entries

PLANOGRAM_ID = re.compile(r"^\s*(\d+)_(\d+)\s*$")
EXAMPLE = '{"planogram_id": "1_0", "product_id": 3, "slot_position": "B2", "context": {…}}'


@dataclass(frozen=True)
class PlacementRequest:
    """A checked request: the cabinet as the designer has it, its slots now, and the placement asked about."""

    cabinet: Cabinet
    planogram: Planogram
    product_id: int
    position: Position
    warnings: tuple[str, ...] = ()


def answer(payload: object, services: Services) -> Answer:
    """One request → one response object; an array of requests → an array of responses."""
    if isinstance(payload, list):
        answers = _answer_all(payload, services)
        return Answer([body for body, _ in answers], all(valid for _, valid in answers))
    ((body, valid),) = _answer_all([payload], services)
    return Answer(body, valid)


def _answer_all(requests: list[object], services: Services) -> list[tuple[dict[str, object], bool]]:
    services.open()  # start-up work is not part of any answer's response time
    checked: list[tuple[PlacementRequest | RequestInvalid, float]] = []
    for request in requests:
        started = time.perf_counter()
        try:
            checked.append((read_request(request, services), time.perf_counter() - started))
        except RequestInvalid as invalid:
            checked.append((invalid, 0.0))
    valid = any(isinstance(item, PlacementRequest) for item, _ in checked)
    scorer = services.placement_scorer if valid else None  # loaded (or trained) once, before any answer is timed
    about_device: dict[int, list[str]] = {}
    explainer = None
    if scorer is not None:
        with services.reading():
            explainer = explainer_for(scorer, services.engine)  # the model's part, once for the whole batch
    figures = services.fleet_figures() if valid else None  # each device's warnings, read once per data change
    for item, _ in checked:
        if isinstance(item, PlacementRequest) and item.cabinet.device_id not in about_device:
            with services.reading():
                device_id = item.cabinet.device_id
                about_device[device_id] = device_warnings(services.engine, device_id, figures)
    answers: list[tuple[dict[str, object], bool]] = []
    for item, checking in checked:
        if isinstance(item, RequestInvalid):
            answers.append((REALTIME_ANALYSIS.error(str(item)), False))
            continue
        assert scorer is not None
        started = time.perf_counter()
        analysis = analyse_placement(scorer, item.cabinet, item.planogram, item.product_id, item.position)
        body: dict[str, object] = {
            "success": True,
            "placement_score": round(analysis.placement_score, 1),
            "confidence": round(analysis.confidence, 2),
            "feedback": analysis.feedback(),
            "zone_analysis": analysis.zone_analysis(),
        }
        assert explainer is not None
        body["explanation"] = explainer.slot_json(item.cabinet, item.planogram, item.product_id, item.position)
        body["response_time_ms"] = round((checking + time.perf_counter() - started) * 1000, 3)
        body["model_version"] = scorer.model.model_version
        body["data_quality"] = data_quality([*item.warnings, *about_device[item.cabinet.device_id]])
        answers.append((body, True))
    return answers


def read_request(request: object, services: Services) -> PlacementRequest:
    """Check a request against the database's devices, cabinets and catalogue; raise with every problem."""
    if not isinstance(request, Mapping):
        raise RequestInvalid([Problem(None, "the request is not a JSON object", f"send {EXAMPLE}")])
    problems: list[Problem] = []
    device_id, cabinet_index = _planogram_id(request.get("planogram_id"), services, problems)
    context = request.get("context") or {}
    if not isinstance(context, Mapping):
        problems.append(Problem(None, "context is not a JSON object", "send context as {…} or leave it out"))
        context = {}
    cabinet = _cabinet(context.get("cabinet_config"), device_id, cabinet_index, services, problems)
    product_problem = check_product(request.get("product_id"), services.catalogue, None)
    if product_problem:
        problems.append(product_problem)
    position = None
    slot_text = request.get("slot_position")
    if cabinet is not None:
        position, position_problem = check_position(slot_text, cabinet)
        if position_problem:
            problems.append(position_problem)
    slots = []
    stored_problems: list[Problem] = []
    entries = context.get("current_slots") or []
    beyond = slot_entry_problems(entries, "context.current_slots")
    if not isinstance(entries, list):
        problems.append(Problem(None, "context.current_slots is not a list", "send the cabinet's slots as [{…}, …]"))
    elif beyond:
        problems.extend(gate_problem(text) for text in beyond)
    elif cabinet is not None:
        try:
            slots = slots_from_entries(entries, cabinet, services.catalogue, warnings=stored_problems)
        except PlanogramInvalid as invalid:
            problems.extend(invalid.problems)
    if problems:
        raise RequestInvalid(problems)
    assert cabinet is not None and position is not None
    planogram = Planogram.from_slots(cabinet.device_id, cabinet.index, slots)
    warnings = slot_warnings(stored_problems) + catalogue_warnings(slots, services.catalogue)
    return PlacementRequest(cabinet, planogram, int(request["product_id"]), position, tuple(warnings))


def _planogram_id(value: object, services: Services, problems: list[Problem]) -> tuple[int | None, int]:
    match = PLANOGRAM_ID.match(value) if isinstance(value, str) else None
    if match is None:
        problems.append(
            Problem(
                None,
                f"planogram id {value!r} is not of the form '{{device_id}}_{{cabinet_index}}'",
                "send the device id and the cabinet index joined by an underscore, e.g. '1_0'",
            )
        )
        return None, 0
    device_id, cabinet_index = int(match.group(1)), int(match.group(2))
    beyond = id_problem(device_id, "planogram_id's device") or whole_number_problem(
        cabinet_index, "planogram_id's cabinet index", 0, MAX_ID
    )
    if beyond:
        problems.append(gate_problem(beyond))
        return None, 0
    if device_id not in services.device_ids:
        problems.append(
            Problem(None, f"device {device_id} is not in this database", "use the planogram id of a listed device")
        )
        return None, cabinet_index
    return device_id, cabinet_index


def _cabinet(
    config: object, device_id: int | None, cabinet_index: int, services: Services, problems: list[Problem]
) -> Cabinet | None:
    """The cabinet as the request describes it; what it leaves out is taken from the database's cabinet."""
    if device_id is None:
        return None
    stored = services.cabinet(device_id, cabinet_index)
    if config is None:
        if stored is None:
            problems.append(
                Problem(
                    None,
                    f"device {device_id} has no cabinet {cabinet_index} and the request gives no cabinet_config",
                    "add context.cabinet_config with rows, columns and temperature_zone",
                )
            )
        return stored
    if not isinstance(config, Mapping):
        problems.append(
            Problem(None, "context.cabinet_config is not a JSON object", "send it as {rows, columns, temperature_zone}")
        )
        return None
    size: dict[str, int] = {}
    for key in ("rows", "columns"):
        value = config.get(key, getattr(stored, key, None))
        if isinstance(value, bool) or not isinstance(value, int):
            problems.append(
                Problem(None, f"cabinet_config {key} {value!r} is not a whole number", f"give {key} as e.g. 6")
            )
        else:
            size[key] = value
    zone_text = config.get("temperature_zone", stored.zone.value if stored else None)
    try:
        zone = TemperatureZone.parse(zone_text)
    except ValueError as error:
        problems.append(Problem(None, f"cabinet_config: {error}", "set temperature_zone to the cabinet's zone"))
        return None
    if len(size) < 2:
        return None
    try:
        return Cabinet(device_id, cabinet_index, size["rows"], size["columns"], zone)
    except CabinetTooLarge as error:
        problem, _, fix = str(error).partition("; ")
        problems.append(Problem(None, f"cabinet_config: {problem}", fix or "use at most 10 rows and 20 columns"))
        return None
