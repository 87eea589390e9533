"""A/B experiments in ``ai_experiments``: create (split the devices, apply the treatment), status, complete.

The seed's JSON columns hold: ``device_ids`` every device; ``control_group`` / ``treatment_group`` each
group's devices and the planogram versions it runs; ``metrics_tracked`` the metrics, the primary one, how the
split was drawn (and its seed and strata, so the test re-draws labels the same way); ``results`` the analysis
when completed. Daily figures are read from ``sales`` and ``stockouts`` (complete, per device and day; the
``planogram_performance`` roll-ups only keep each cabinet's recent window) and anchored on the experiment
devices' latest sale, not the wall clock. The statistics are :mod:`ai.experiments` (pure numpy, no database):
this module only feeds it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np

from ai.experiments import (
    DAYS_BEFORE,
    TARGET_EFFECT,
    Assignment,
    Groups,
    Metric,
    MetricPanel,
    analyse,
    assign_groups,
    group_daily_means,
)
from designer.command_outcomes import RequestInvalid
from designer.roles import Action
from storage.database import Engine
from storage.experiments import (
    ExperimentRecord,
    add_experiment,
    close_experiment,
    stored_experiment,
    stored_experiments,
)
from storage.feedback import as_date
from storage.fleet import FleetRepository
from storage.planogram_history import active_planograms_by_device, planogram_device
from storage.sales_history import daily_sales_by_device, latest_sale_of
from storage.stockouts import daily_stockouts_by_device
from storage.users import require_action
from storage.versions import PlanogramVersions

ACTIVE, COMPLETED, CANCELLED = "active", "completed", "cancelled"


@dataclass(frozen=True)
class ExperimentPlan:
    """What a manager sets up: devices, how to split them, the treatment planograms, the metrics and dates."""

    name: str
    device_ids: Sequence[int]
    start: date
    end: date | None = None
    assignment: Assignment = Assignment.STRATIFIED
    treatment_devices: Sequence[int] = ()  # for a chosen split
    treatment_planograms: Sequence[int] = ()  # planogram versions to activate on treatment devices
    metrics: Sequence[Metric] = (Metric.REVENUE, Metric.UNITS, Metric.STOCKOUTS)
    seed: int = 0
    days_before: int = DAYS_BEFORE
    target_effect: float = TARGET_EFFECT
    experiment_type: str = "A/B test"
    notes: dict[str, object] = field(default_factory=dict)


def create_experiment(engine: Engine, plan: ExperimentPlan, *, user_id: int | None) -> dict[str, object]:
    """Split the devices, activate the treatment planograms on the treatment devices, store the experiment."""
    check_plan(plan)
    require_action(engine, user_id, Action.RUN_EXPERIMENTS)
    location_types = FleetRepository(engine).location_types_of(plan.device_ids)
    missing = sorted(set(plan.device_ids) - set(location_types))
    if missing:
        raise RequestInvalid(f"devices {missing} do not exist in this database; pick devices from the list")
    try:
        groups = assign_groups(location_types, plan.assignment, seed=plan.seed,
                               chosen_treatment=plan.treatment_devices)  # fmt: skip
    except ValueError as error:
        raise RequestInvalid(str(error)) from None
    treatment_planograms = _treatment_planograms(engine, plan.treatment_planograms, groups)
    versions = PlanogramVersions(engine)
    for planogram_id in plan.treatment_planograms:
        versions.activate(planogram_id, user_id=user_id)
    details = {"name": plan.name, "control": len(groups.control), "treatment": len(groups.treatment)}
    experiment = add_experiment(
        engine,
        name=plan.name,
        experiment_type=plan.experiment_type,
        device_ids=json.dumps(sorted(plan.device_ids)),
        control_group=json.dumps(
            {
                "device_ids": list(groups.control),
                "planograms": "unchanged (as active)",
                "active_planograms": active_planograms_by_device(engine, groups.control),
            }
        ),
        treatment_group=json.dumps(
            {
                "device_ids": list(groups.treatment),
                "planogram_ids": list(plan.treatment_planograms),
                "planograms_by_device": treatment_planograms,
                "active_planograms": active_planograms_by_device(engine, groups.treatment),
            }
        ),
        start=plan.start,
        end=plan.end,
        status=ACTIVE,
        metrics_tracked=json.dumps(
            {
                "metrics": [m.value for m in plan.metrics],
                "primary": plan.metrics[0].value,
                "days_before": plan.days_before,
                "target_effect": plan.target_effect,
                "assignment": groups.assignment.value,
                "seed": groups.seed,
                "strata": {str(k): v for k, v in groups.strata.items()},
                **plan.notes,
            }
        ),
        user_id=user_id,
        audit_details=details,
    )
    return _describe(experiment)


def check_plan(plan: ExperimentPlan) -> None:
    """Refuse a plan that cannot work, before anything is written (the form checks with it too)."""
    if not plan.name.strip():
        raise RequestInvalid("the experiment needs a name; give it one that says what is tested")
    if len(set(plan.device_ids)) < 2:
        raise RequestInvalid("an experiment needs at least two devices; pick more devices")
    if plan.end is not None and plan.end < plan.start:
        raise RequestInvalid(f"the end date {plan.end} is before the start date {plan.start}; swap or fix them")
    if not plan.metrics:
        raise RequestInvalid("track at least one metric (revenue, units or stock-outs)")
    if plan.days_before < 7:
        raise RequestInvalid("compare with at least 7 days before the start, so weekdays balance out")


def _treatment_planograms(engine: Engine, planogram_ids: Sequence[int], groups: Groups) -> dict[str, list[int]]:
    by_device: dict[str, list[int]] = {}
    for planogram_id in planogram_ids:
        device = planogram_device(engine, planogram_id)
        if device is None:
            raise RequestInvalid(f"planogram version {planogram_id} does not exist; save the treatment first")
        if device not in groups.treatment:
            where = "the control group" if device in groups.control else "no group of this experiment"
            raise RequestInvalid(
                f"planogram version {planogram_id} belongs to device {device}, which is in {where}; "
                "treatment planograms must be for treatment devices (choose the split, or other planograms)"
            )
        by_device.setdefault(str(device), []).append(planogram_id)
    return by_device


# --- reading -------------------------------------------------------------------------------------


def list_experiments(engine: Engine) -> list[dict[str, object]]:
    """Newest first, without the analysis."""
    return [_describe(row) for row in stored_experiments(engine)]


def _load(engine: Engine, experiment_id: int) -> ExperimentRecord:
    experiment = stored_experiment(engine, experiment_id)
    if experiment is None:
        raise RequestInvalid(f"experiment {experiment_id} does not exist; `experiment list` shows the ids")
    return experiment


def _groups(experiment: ExperimentRecord) -> tuple[Groups, dict[str, object]]:
    tracked = json.loads(experiment.metrics_tracked or "{}")
    groups = Groups(
        tuple(json.loads(experiment.control_group or "{}").get("device_ids", [])),
        tuple(json.loads(experiment.treatment_group or "{}").get("device_ids", [])),
        Assignment(tracked.get("assignment", Assignment.CHOSEN.value)),
        {int(k): v for k, v in tracked.get("strata", {}).items()},
        tracked.get("seed"),
    )
    return groups, tracked


def _describe(experiment: ExperimentRecord) -> dict[str, object]:
    groups, tracked = _groups(experiment)
    return {
        "id": experiment.id,
        "name": experiment.experiment_name,
        "type": experiment.experiment_type,
        "status": experiment.status,
        "start_date": experiment.start_date.isoformat(),
        "end_date": experiment.end_date.isoformat() if experiment.end_date else None,
        "device_ids": json.loads(experiment.device_ids or "[]"),
        "control_group": json.loads(experiment.control_group or "{}"),
        "treatment_group": json.loads(experiment.treatment_group or "{}"),
        "assignment": groups.assignment.value,
        "metrics_tracked": tracked.get("metrics", []),
        "winner": experiment.winner,
        "completed_at": experiment.completed_at.isoformat(timespec="seconds") if experiment.completed_at else None,
    }


def latest_sale_day(engine: Engine, device_ids: Sequence[int]) -> date | None:
    """The last day with a sale on any of the devices: experiments are anchored on it, not on the wall clock."""
    latest = latest_sale_of(engine, device_ids)
    return None if latest is None else as_date(latest)


def read_panels(
    engine: Engine, device_ids: Sequence[int], first: date, last: date, metrics: Sequence[Metric]
) -> dict[Metric, MetricPanel]:
    """Per device and day from ``first`` to ``last``: revenue, units (``sales``) and stock-outs (``stockouts``)."""
    days = tuple(first + timedelta(days=i) for i in range((last - first).days + 1))
    index = {d: i for i, d in enumerate(days)}
    since = datetime.combine(first, datetime.min.time())
    until = datetime.combine(last + timedelta(days=1), datetime.min.time())
    grids = {m: {d: np.zeros(len(days)) for d in device_ids} for m in Metric}
    sales = daily_sales_by_device(engine, device_ids, since, until)
    outs = daily_stockouts_by_device(engine, device_ids, since, until)
    for device, when, units, revenue in sales:
        i = index[as_date(when)]
        grids[Metric.UNITS][device][i] = float(units)
        grids[Metric.REVENUE][device][i] = float(revenue)
    for device, when, count in outs:
        grids[Metric.STOCKOUTS][device][index[as_date(when)]] = float(count)
    return {m: MetricPanel(m, days, grids[m]) for m in metrics}


# --- status and completion -----------------------------------------------------------------------


def experiment_status(engine: Engine, experiment_id: int) -> dict[str, object]:
    """The experiment, each group's daily metrics, and the analysis so far (interim while it runs)."""
    experiment = _load(engine, experiment_id)
    description = _describe(experiment)
    if experiment.status == COMPLETED and experiment.results:
        return {**description, "results": json.loads(experiment.results)}
    groups, tracked = _groups(experiment)
    start, end = experiment.start_date, experiment.end_date
    return {**description, "results": _analysis(engine, groups, tracked, start, end, interim=True)}


def complete_experiment(engine: Engine, experiment_id: int, *, user_id: int | None) -> dict[str, object]:
    """Analyse to the end date (or the latest sale), store the results and the winner, and close it."""
    require_action(engine, user_id, Action.RUN_EXPERIMENTS)
    experiment = _load(engine, experiment_id)
    if experiment.status != ACTIVE:
        raise RequestInvalid(f"experiment {experiment_id} is already {experiment.status}; create a new one")
    groups, tracked = _groups(experiment)
    start, end = experiment.start_date, experiment.end_date
    results = _analysis(engine, groups, tracked, start, end, interim=False)
    try:
        experiment = close_experiment(
            engine,
            experiment_id,
            results=json.dumps(results),
            winner=str(results["winner"]),
            status=COMPLETED,
            as_of=date.fromisoformat(str(results["as_of"])),
            user_id=user_id,
        )
    except LookupError as missing:
        raise RequestInvalid(str(missing)) from None
    return {**_describe(experiment), "results": results}


def _analysis(
    engine: Engine, groups: Groups, tracked: dict[str, object], start: date, end: date | None, *, interim: bool
) -> dict[str, object]:
    latest = latest_sale_day(engine, groups.devices)
    if latest is None:
        raise RequestInvalid("the experiment's devices have no sales at all; sync or pick other devices")
    last = min(end, latest) if end else latest
    days_before = int(tracked.get("days_before", DAYS_BEFORE))
    metrics = [Metric(m) for m in tracked.get("metrics", [Metric.REVENUE.value])]
    first = start - timedelta(days=days_before)
    panels = read_panels(engine, groups.devices, first, max(last, first), metrics)
    daily = {m.value: group_daily_means(panel, groups) for m, panel in panels.items()}
    body: dict[str, object] = {"as_of": last.isoformat(), "interim": interim, "daily": daily}
    if last < start:
        return {**body, "winner": "inconclusive", "metrics": {}, "note": f"no sales since the start ({start}) yet"}
    analysed = {}
    for metric, panel in panels.items():
        try:
            result = analyse(panel, groups, start, end=last, days_before=days_before,
                             target_effect=float(tracked.get("target_effect", TARGET_EFFECT)))  # fmt: skip
        except ValueError as error:
            if interim:  # an experiment `create` accepted always has a status: it says why there is no verdict yet
                return {**body, "winner": "inconclusive", "metrics": {}, "note": f"no analysis yet: {error}"}
            raise RequestInvalid(str(error)) from None
        analysed[metric.value] = result.to_json()
    primary = str(tracked.get("primary", metrics[0].value))
    return {**body, "primary": primary, "winner": analysed[primary]["winner"], "metrics": analysed}
