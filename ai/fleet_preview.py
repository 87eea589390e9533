"""The preview of a fleet change: per machine the slots that change, the refusals with their reasons, and the
predicted daily revenue change with its 90 % interval; totals over the fleet. Applying writes exactly what was
previewed (:func:`apply_preview`) as one undoable operation.

Predictions are the revenue model's (:mod:`ai.revenue_model`, as Planogram → Compare uses it): both layouts of a
cabinet with one level, so an unchanged slot contributes nothing. The change's interval combines the level's drift
(the calibration's conformal half-width, applied to the change) with the model error of the changed slots (the
proposal's own interval beyond that drift), in quadrature. Over the fleet the drift is taken as shared (one
fleet-wide swing moves every machine the same way: the machines' drift parts add) and the changed slots' errors
as independent (they add in quadrature). Baseline predictions are cached per version and model (bounded: the
least recently used go first), so a second preview of the same machines predicts only the proposals.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from cachetools import LRUCache

from ai.revenue_model import (
    ALPHA,
    CabinetFacts,
    RevenuePrediction,
    baseline_level,
    predict_revenue,
    read_cabinet_facts,
)
from ai.revenue_prediction import calibration_for
from ai.services import Services
from designer.cabinets import Cabinet
from designer.fleet_changes import (
    MachineChange,
    MachineFacts,
    MachineFilter,
    change_price,
    chosen,
    replace_product,
    set_par_levels,
    slot_difference,
    template_change,
)
from designer.planograms import Planogram
from designer.products import PLANOGRAM_CURRENCY
from designer.templates import Template
from storage.fleet_operations import (
    OperationResult,
    Prediction,
    apply_operation,
    current_by_machine,
    newest_layouts,
)
from storage.templates import machines

CURRENCY = PLANOGRAM_CURRENCY  # what the previews' money fields name
BASELINES_KEPT = 4096
"""Baseline predictions kept: one per cabinet previewed (a version of it under one model), so a fleet of a few
thousand cabinets previews warm; each holds the cabinet's daily revenue, layout and prediction (about 22 kB with half
a year of sales, measured on the demo fleet): some 90 MB at most. The least recently used go first, baselines of
superseded versions and models among them."""
Baseline = tuple[float, RevenuePrediction, CabinetFacts]  # the level, the prediction as it stands, the facts read
_BASELINES: LRUCache[tuple[str, str, int | None, int, int], Baseline] = LRUCache(maxsize=BASELINES_KEPT)
_BASELINES_LOCK = threading.Lock()  # previews run on worker threads; the LRU order is shared state


class Progress(Protocol):
    """What a long preview reports to and is stopped by (the designer's ``JobState`` is one)."""

    def report_progress(self, percent: int, message: str = "") -> None: ...

    def raise_if_stopped(self) -> None: ...


class _Silent:
    def report_progress(self, percent: int, message: str = "") -> None:
        pass

    def raise_if_stopped(self) -> None:
        pass


@dataclass
class MachinePreview:
    """One cabinet's line of the preview."""

    change: MachineChange
    differences: list[str] = field(default_factory=list)
    prediction: Prediction | None = None
    revenue_before: float | None = None
    revenue_after: float | None = None
    drift_part: float = 0.0  # the part of the interval shared with every machine (the level's drift)
    model_part: float = 0.0  # the changed slots' own model error

    @property
    def key(self) -> tuple[int, int]:
        return (self.change.machine.device_id, self.change.cabinet_index)

    def as_json(self) -> dict[str, Any]:
        change = self.change
        body: dict[str, Any] = {
            "device_id": change.machine.device_id,
            "name": change.machine.name,
            "cabinet_index": change.cabinet_index,
            "status": "refused" if change.refused else "changes" if change.changed else "unchanged",
        }
        if change.refused:
            body["reason"] = change.refusal
            return body
        body["slots_changed"] = [position.label for position in change.changed]
        body["differences"] = self.differences
        if self.prediction is not None:
            body["predicted_daily_revenue_change"] = {
                "change": round(self.prediction.change, 2),
                "lower": round(self.prediction.lower, 2),
                "upper": round(self.prediction.upper, 2),
                "level": 1 - ALPHA,
                "currency": CURRENCY,
            }
        return body


@dataclass
class FleetPreview:
    """A change to many machines as the manager sees it before applying it."""

    kind: str
    title: str
    machines: list[MachinePreview]
    template: Template | None = None

    @property
    def changing(self) -> list[MachinePreview]:
        return [line for line in self.machines if line.change.changes_anything]

    @property
    def refused(self) -> list[MachinePreview]:
        return [line for line in self.machines if line.change.refused]

    def total(self) -> Prediction:
        """The fleet's predicted daily revenue change and its interval (drift shared, slot errors independent)."""
        lines = [line for line in self.changing if line.prediction is not None]
        change = sum(line.prediction.change for line in lines)  # type: ignore[union-attr]
        drift = sum(line.drift_part for line in lines)
        model = math.sqrt(sum(line.model_part**2 for line in lines))
        half = math.hypot(drift, model)
        return Prediction(change, change - half, change + half)

    def summary(self) -> dict[str, Any]:
        total = self.total()
        return {
            "machines_changing": len({line.change.machine.device_id for line in self.changing}),
            "cabinets_changing": len(self.changing),
            "machines_refused": len(self.refused),
            "unchanged": len(self.machines) - len(self.changing) - len(self.refused),
            "slots_changed": sum(len(line.change.changed) for line in self.changing),
            "predicted_daily_revenue_change": {
                "change": round(total.change, 2),
                "lower": round(total.lower, 2),
                "upper": round(total.upper, 2),
                "level": 1 - ALPHA,
                "currency": CURRENCY,
            },
        }

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"success": True, "kind": self.kind, "title": self.title}
        if self.template is not None:
            body["template"] = {"name": self.template.name, "version": self.template.version}
        body["totals"] = self.summary()
        body["machines"] = [line.as_json() for line in self.machines]
        return body


# --- building previews ---------------------------------------------------------------------------------------------


def chosen_machines(services: Services, selection: MachineFilter) -> list[MachineFacts]:
    with services.reading():
        return chosen(machines(services.engine), selection)


def preview_template(
    services: Services, template: Template, selection: MachineFilter, progress: Progress | None = None
) -> FleetPreview:
    """The template in every chosen machine."""
    changes = [
        template_change(template, machine, current, services.catalogue)
        for machine, current in _machines_and_layouts(services, selection)
    ]
    title = f"Template {template.label} → {selection.describe()}"
    return predicted(services, "template", title, changes, progress, template=template)


def preview_replace_product(
    services: Services, selection: MachineFilter, old: int, new: int, progress: Progress | None = None
) -> FleetPreview:
    catalogue = services.catalogue
    changes = [
        change
        for machine, current in _machines_and_layouts(services, selection)
        for change in replace_product(machine, current, catalogue, old, new)
    ]
    title = f"Replace {catalogue[old].name} with {catalogue[new].name} → {selection.describe()}"
    return predicted(services, "replace_product", title, changes, progress)


def preview_price(
    services: Services,
    selection: MachineFilter,
    product_id: int,
    *,
    absolute: float | None = None,
    percent: float | None = None,
    progress: Progress | None = None,
) -> FleetPreview:
    catalogue = services.catalogue
    changes = [
        change
        for machine, current in _machines_and_layouts(services, selection)
        for change in change_price(machine, current, catalogue, product_id, absolute=absolute, percent=percent)
    ]
    how = f"{absolute:.2f}" if absolute is not None else f"{percent:+g} % (to the nearest 0.05)"
    title = f"Price of {catalogue[product_id].name} {how} → {selection.describe()}"
    return predicted(services, "price", title, changes, progress)


def preview_par_levels(
    services: Services,
    selection: MachineFilter,
    suggested_par: Callable[[int, list[int]], dict[int, int]],
    progress: Progress | None = None,
) -> FleetPreview:
    """Par levels from the forecast; ``suggested_par(device_id, product_ids)`` answers each product's par level."""
    picked = _machines_and_layouts(services, selection)
    changes = []
    for number, (machine, cabinets) in enumerate(picked):
        (progress or _Silent()).raise_if_stopped()
        products = sorted({p for planogram in cabinets.values() for p in planogram.product_ids()})
        suggested = suggested_par(machine.device_id, products) if products else {}
        changes.extend(set_par_levels(machine, cabinets, suggested))
        (progress or _Silent()).report_progress(
            int(40 * (number + 1) / max(len(picked), 1)), f"Forecasting {machine.name}"
        )
    return predicted(
        services, "par_levels", f"Par levels from the forecast → {selection.describe()}", changes, progress
    )


def forecast_par_levels(services: Services) -> Callable[[int, list[int]], dict[int, int]]:
    """Each product's suggested par level at a machine, from the demand forecast (``demand-forecast``'s
    ``suggested_par_level``: a service level's units between two restocks, capped by what it ever sold then)."""
    from ai.demand_forecast import ForecastRequest, forecast

    def suggested(device_id: int, product_ids: list[int]) -> dict[int, int]:
        request = ForecastRequest(device_id, product_ids, 7, {}, {}, {})
        with services.reading():
            body = forecast(services.engine, request, services.catalogue)
        return {int(item["product_id"]): int(item["suggested_par_level"]) for item in body["forecasts"]}  # type: ignore[index, union-attr]

    return suggested


def _machines_and_layouts(
    services: Services, selection: MachineFilter
) -> list[tuple[MachineFacts, dict[int, Planogram]]]:
    """The chosen machines, each with its cabinets' newest layouts (cabinet index → planogram)."""
    picked = chosen_machines(services, selection)
    with services.reading():
        layouts = current_by_machine(newest_layouts(services.engine, [machine.device_id for machine in picked]))
    return [(machine, layouts.get(machine.device_id, {})) for machine in picked]


def predicted(
    services: Services,
    kind: str,
    title: str,
    changes: Iterable[MachineChange],
    progress: Progress | None = None,
    *,
    template: Template | None = None,
) -> FleetPreview:
    """Each change with its slot differences and predicted daily revenue change (refusals as they are)."""
    progress = progress or _Silent()
    changes = list(changes)
    catalogue = services.catalogue
    scorer = services.placement_scorer
    calibration = calibration_for(services, scorer.model.model_version)
    lines = []
    for number, change in enumerate(changes):
        progress.raise_if_stopped()
        line = MachinePreview(change)
        if change.changes_anything:
            assert change.before is not None and change.after is not None and change.cabinet is not None
            line.differences = [
                slot_difference(change.before.slot_at(p), change.after.slot_at(p), catalogue) for p in change.changed
            ]
            _predict(services, line, change.cabinet, calibration)
        lines.append(line)
        if number % 10 == 0 or number == len(changes) - 1:
            progress.report_progress(
                40 + int(60 * (number + 1) / max(len(changes), 1)), f"Predicting {change.machine.name}"
            )
    return FleetPreview(kind, title, lines, template)


def _predict(services: Services, line: MachinePreview, cabinet: Cabinet, calibration: Any) -> None:
    change = line.change
    scorer = services.placement_scorer
    catalogue = services.catalogue
    key = (services.database_url, scorer.model.model_version, change.before.id, *line.key)  # type: ignore[union-attr]
    with _BASELINES_LOCK:
        cached = _BASELINES.get(key)
    if cached is None:
        with services.reading():
            facts = read_cabinet_facts(
                services.engine, cabinet.device_id, cabinet.index, days_with_data=calibration.data_days
            )
        level = baseline_level(scorer, cabinet, catalogue, facts, calibration.index)
        before = predict_revenue(scorer, cabinet, change.before, catalogue, facts, calibration, level=level)  # type: ignore[arg-type]
        cached = (level, before, facts)
        with _BASELINES_LOCK:
            _BASELINES[key] = cached
    level, before, facts = cached
    after = predict_revenue(
        scorer,
        cabinet,
        change.after,
        catalogue,
        facts,
        calibration,
        level=level,
        changed=change.changed,  # type: ignore[arg-type]
    )
    delta = after.daily_revenue - before.daily_revenue
    drift = before.relative_half_width
    model = math.sqrt(max(after.relative_half_width**2 - drift**2, 0.0)) * after.daily_revenue
    line.drift_part, line.model_part = drift * abs(delta), model
    half = math.hypot(line.drift_part, model)
    line.revenue_before, line.revenue_after = before.daily_revenue, after.daily_revenue
    line.prediction = Prediction(delta, delta - half, delta + half)


def apply_preview(services: Services, preview: FleetPreview, *, activate: bool, user_id: int | None) -> OperationResult:
    """Write what the preview showed as one operation (refusals recorded with their reasons)."""
    predictions = {line.key: line.prediction for line in preview.machines if line.prediction is not None}
    with services.reading():
        return apply_operation(
            services.engine,
            [line.change for line in preview.machines],
            kind=preview.kind,
            title=preview.title,
            activate=activate,
            user_id=user_id,
            template_id=preview.template.id if preview.template is not None else None,
            predictions=predictions,
            summary=preview.summary(),
        )
