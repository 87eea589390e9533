"""The placement back-test: do the model's slot rankings beat a fixed rule of thumb on days it never saw?

Rolling origin: for each of :data:`ORIGINS` cut-offs, :data:`HOLDOUT_DAYS` days apart back from the fleet's
latest sale, the placement model is fitted on the history before the cut-off (sales, planograms and baskets
alike), then every planogram version on sale in the :data:`HOLDOUT_DAYS` days after it is ranked slot by
slot: the expected daily sales of each product where it stands. The yardstick is what those slots sold per
demand-day on sale in those days (stock-outs and gaps left out, as the model reads them).
The baseline ranks the same slots by the product's fleet velocity (units per demand-day on sale over the
whole fleet before the cut-off) × :data:`ZONE_WEIGHTS`, the fixed eye-level weights a merchandiser applies
by hand. Spearman ρ is taken per planogram version and averaged, freezer cabinets apart from the rest: the
4 × 4 shape is seen only in freezers, so their row and column effects have the least evidence behind them.

Held-out machines: the devices are also dealt into :data:`FOLDS` folds, and each fold's cabinets are ranked by
a model fitted on the other machines alone, against what their slots sold over their whole history; the
baseline's velocity is then the other machines' too. This is the cabinet the model has never seen: a machine
known only by its location type.

The model never reads the simulator's planted truth here; the AI tests compare the same rankings with it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from ai.placement_features import (
    COLUMN_OFFSETS,
    ROW_OFFSETS,
    positive_log_lift,
    relative_log_price,
    strongest_complement,
    temperature_mismatch,
)
from ai.placement_history import PlacementHistory, read_placement_history
from ai.placement_model import PlacementModel, fit_placement_model
from ai.placement_scoring import shape_effects
from storage.database import Engine

HOLDOUT_DAYS = 28
ORIGINS = 3
FOLDS = 3
"""Held-out machines: the fleet's devices dealt into three folds, each ranked by a model fitted without it."""
"""Three held-out stretches of four weeks each, back from the latest sale: a freezer layout is a handful of
16-slot cabinets, and one stretch gave too few rankings to tell a real difference from luck."""
SECONDS_PER_DAY = 86_400
MIN_SLOTS = 4
"""A planogram version with fewer filled slots than this has no ranking worth a correlation."""
MIN_EXPOSURE_DAYS = 3.0
"""A slot on sale for less than this many demand-days says too little about what it sells to rank it."""
BAND_WEIGHTS = {"eye": 1.0, "reach": 0.85, "stoop": 0.65, "floor": 0.5}
"""CVD's fixed zone weights (the CVD app's eye / reach / stoop / floor levels)."""
ZONE_WEIGHTS = (
    "CVD's zone weights: eye level (rows B, C) 1.0, reach (A, D) 0.85, stoop (E) 0.65, floor (F and lower) 0.5; "
    "every column alike"
)
"""The fixed rule of thumb, in words, for the report."""

Progress = Callable[[int, str], None]


def zone_weight(rows: np.ndarray, row: np.ndarray) -> np.ndarray:
    """The fixed weight of each slot's row by CVD's levels, counted from the top shelf (A): B and C at eye level,
    A and D within reach, E a stoop, F and below the floor. Columns all alike."""
    row = np.asarray(row)
    band = np.select(
        [(row == 1) | (row == 2), (row == 0) | (row == 3), row == 4],
        [BAND_WEIGHTS["eye"], BAND_WEIGHTS["reach"], BAND_WEIGHTS["stoop"]],
        BAND_WEIGHTS["floor"],
    )
    return band.astype(float)


@dataclass(frozen=True)
class RankingFigure:
    """Mean Spearman ρ over the held-out planogram versions of one group of cabinets."""

    group: str
    versions: int
    model: float
    baseline: float


@dataclass(frozen=True)
class PlacementBacktest:
    """Held-out weeks (``freezers``, ``others``) and held-out machines (``machine_freezers``, ``machine_others``)."""

    freezers: RankingFigure
    others: RankingFigure
    holdout_days: int
    origins: int
    rankings: list[dict[str, object]]
    """One row per held-out planogram version: device, cabinet, zone, its slots' products and places, both
    rankings and both ρ (the tests compare the rankings with the simulator's planted truth); ``design`` says
    which back-test it belongs to ("weeks" or "machines")."""
    machine_freezers: RankingFigure = RankingFigure("freezer", 0, float("nan"), float("nan"))
    machine_others: RankingFigure = RankingFigure("other", 0, float("nan"), float("nan"))
    folds: int = 0


def run_placement_backtest(
    engine: Engine,
    holdout_days: int = HOLDOUT_DAYS,
    origins: int = ORIGINS,
    progress: Progress | None = None,
    folds: int = FOLDS,
) -> PlacementBacktest:
    """For each of ``origins`` cut-offs ``holdout_days`` apart, counted back from the latest sale: fit on the
    history before the cut-off, rank the slots of every planogram version on sale in the ``holdout_days`` after
    it by what they sold then."""
    report: Progress = progress or (lambda _percent, _message: None)
    report(0, "Placement back-test: reading the history")
    full = read_placement_history(engine)
    rankings: list[dict[str, object]] = []
    if (full.as_of >= 0).any():
        end = int(full.as_of.max()) + 1
        after = full
        for origin in range(1, origins + 1):
            cutoff = end - origin * holdout_days * SECONDS_PER_DAY
            before = read_placement_history(engine, until=cutoff)
            if before.spans.empty or before.spans["units"].sum() == 0:
                break
            report(
                int(100 * origin / (origins + 1)),
                f"Placement back-test: fitting on the history before cut-off {origin}",
            )
            model = fit_placement_model(before, "back-test", f"until {cutoff}")
            rankings += [{**r, "origin": origin} for r in _rank_held_out(model, before, after)]
            after = before
    weeks = [{**r, "design": "weeks"} for r in rankings]
    report(80, "Placement back-test: held-out machines")
    machines = [{**r, "design": "machines"} for r in _held_out_machines(engine, full, folds)] if folds > 1 else []
    return PlacementBacktest(
        _figure("freezer", weeks), _figure("other", weeks), holdout_days, origins, weeks + machines,
        _figure("freezer", machines), _figure("other", machines), folds,
    )  # fmt: skip


def _held_out_machines(engine: Engine, full: PlacementHistory, folds: int) -> list[dict[str, object]]:
    """Devices dealt into ``folds``; each fold's machines are ranked by a model fitted on the other machines alone
    (their spans and their baskets), against what each slot of theirs sold per demand-day over its whole span.
    The model knows a held-out machine only by its location type, as it knows a machine added tomorrow."""
    devices = full.device_ids
    folds = min(folds, len(devices))
    out: list[dict[str, object]] = []
    for fold in range(folds if folds > 1 else 0):
        held = np.arange(len(devices)) % folds == fold
        history = read_placement_history(engine, basket_device_ids=devices[~held])
        on_held = held[history.spans["device"].to_numpy()]
        training = replace(history, spans=history.spans[~on_held].reset_index(drop=True))
        if training.spans["units"].sum() == 0:
            continue
        model = fit_placement_model(training, "back-test", f"without fold {fold + 1}")
        spans = history.spans[on_held & (history.spans["exposure_days"] >= MIN_EXPOSURE_DAYS).to_numpy()]
        spans = spans.reset_index(drop=True)
        out += [{**r, "fold": fold + 1} for r in _rank(model, history, training, spans, spans["units"],
                                                        spans["exposure_days"])]  # fmt: skip
    return out


def _figure(group: str, rankings: list[dict[str, object]]) -> RankingFigure:
    rows = [r for r in rankings if (r["zone"] == "frozen") == (group == "freezer")]
    if not rows:
        return RankingFigure(group, 0, float("nan"), float("nan"))
    return RankingFigure(
        group,
        len(rows),
        float(np.mean([float(r["model_rho"]) for r in rows])),  # type: ignore[arg-type]
        float(np.mean([float(r["baseline_rho"]) for r in rows])),  # type: ignore[arg-type]
    )


def _rank_held_out(model: PlacementModel, history: PlacementHistory, full: PlacementHistory) -> list[dict[str, object]]:
    """Every slot span on sale in the held-out stretch, scored by the model fitted before it, against its units
    per demand-day in that stretch (``full``, the history to the stretch's end, minus ``history``)."""
    key = ["planogram_id", "row", "column", "product"]
    before = history.spans[[*key, "units", "exposure_days"]]
    spans = full.spans.merge(before, on=key, how="left", suffixes=("", "_before")).fillna(
        {"units_before": 0.0, "exposure_days_before": 0.0}
    )
    spans["held_units"] = spans["units"] - spans["units_before"]
    spans["held_days"] = spans["exposure_days"] - spans["exposure_days_before"]
    spans = spans[spans["held_days"] >= MIN_EXPOSURE_DAYS].reset_index(drop=True)
    return _rank(model, full, history, spans, spans["held_units"], spans["held_days"])


def _rank(
    model: PlacementModel,
    features: PlacementHistory,
    training: PlacementHistory,
    spans: pd.DataFrame,
    units: pd.Series,
    days: pd.Series,
) -> list[dict[str, object]]:
    """Per planogram version among ``spans``: ρ of the model's ranking and of the baseline's (velocity over
    ``training``) with the slots' held-out ``units`` per demand-day on sale (``days``)."""
    if spans.empty:
        return []
    full = features
    ours = _model_log_rate(model, features, spans)
    theirs = np.log(_fleet_velocity(training, spans["product"].to_numpy())) + np.log(
        zone_weight(spans["rows"].to_numpy(), spans["row"].to_numpy())
    )
    observed = (units / days).to_numpy()
    out = []
    for version, rows in spans.groupby("planogram_id").indices.items():
        if len(rows) < MIN_SLOTS or np.ptp(observed[rows]) == 0:
            continue
        first = spans.iloc[rows[0]]
        out.append(
            {
                "device_id": int(full.device_ids[int(first["device"])]),
                "cabinet": int(first["cabinet"]),
                "planogram_id": int(version),
                "zone": str(first["zone"]),
                "slots": len(rows),
                "model_rho": _spearman(ours[rows], observed[rows]),
                "baseline_rho": _spearman(theirs[rows], observed[rows]),
                "product_ids": full.product_ids[spans["product"].to_numpy()[rows]].tolist(),
                "rows": spans["rows"].to_numpy()[rows].tolist(),
                "row": spans["row"].to_numpy()[rows].tolist(),
                "columns": spans["columns"].to_numpy()[rows].tolist(),
                "column": spans["column"].to_numpy()[rows].tolist(),
                "model_log_rate": ours[rows].tolist(),
                "baseline_log_rate": theirs[rows].tolist(),
            }
        )
    return out


def _model_log_rate(model: PlacementModel, history: PlacementHistory, spans: pd.DataFrame) -> np.ndarray:
    """Log expected daily sales of each span's product in its slot, next to its neighbours, as the scorer
    computes it (:class:`~ai.placement_scoring.PlacementScorer`)."""
    product = spans["product"].to_numpy()
    device = spans["device"].to_numpy()
    location = model.device_location[device]
    category = history.product_category[product]
    rows, row = spans["rows"].to_numpy(), spans["row"].to_numpy()
    columns, column = spans["columns"].to_numpy(), spans["column"].to_numpy()
    row_log = np.array(
        [
            shape_effects(model.row_effect, model.row_seen, ROW_OFFSETS, int(n))[int(r)]
            for n, r in zip(rows, row, strict=True)
        ]
    )
    column_log = np.array(
        [
            shape_effects(model.column_effect, model.column_seen, COLUMN_OFFSETS, int(n))[int(c)]
            for n, c in zip(columns, column, strict=True)
        ]
    )
    mismatch = np.array(
        [temperature_mismatch(history.product_requirement[p], z) for p, z in zip(product, spans["zone"], strict=True)]
    )
    neighbours = spans[[c for c in spans.columns if c.startswith("neighbour_")]].to_numpy()
    affinity = strongest_complement(positive_log_lift(model.lift), product, neighbours)[0]
    return (
        model.intercept
        + model.product_effect[product]
        + model.device_effect[device]
        + model.location_product_effect[location, product]
        + model.device_product_effect[device, product]
        + model.category_effect[category]
        + model.location_category_effect[location, category]
        + model.price_slope
        * relative_log_price(history.product_log_price[product], category, model.category_reference_log_price)
        + row_log
        + column_log
        + model.mismatch_effect * mismatch
        + model.affinity_slope * affinity
    )


def _fleet_velocity(training: PlacementHistory, product: np.ndarray) -> np.ndarray:
    """Units per demand-day on sale of each product over the training devices; a product they never sold gets
    its category's rate, and a category they never sold the fleet's."""
    spans = training.spans
    units = np.bincount(spans["product"], weights=spans["units"], minlength=len(training.product_ids))
    days = np.bincount(spans["product"], weights=spans["exposure_days"], minlength=len(training.product_ids))
    overall = units.sum() / max(days.sum(), 1e-9)
    categories = training.product_category
    category_units = np.bincount(categories, weights=units, minlength=len(training.categories))
    category_days = np.bincount(categories, weights=days, minlength=len(training.categories))
    category_rate = np.where(category_days > 0, category_units / np.maximum(category_days, 1e-9), overall)
    rate = np.where(days > 0, units / np.maximum(days, 1e-9), category_rate[categories])
    return np.maximum(rate[product], 1e-6)


def _spearman(a: np.ndarray, b: np.ndarray) -> float:
    ranks_a, ranks_b = _ranks(a), _ranks(b)
    if np.ptp(ranks_a) == 0 or np.ptp(ranks_b) == 0:
        return 0.0
    return float(np.corrcoef(ranks_a, ranks_b)[0, 1])


def _ranks(values: np.ndarray) -> np.ndarray:
    """Average ranks (ties share theirs), as Spearman's ρ uses them."""
    order = np.argsort(values, kind="stable")
    ranks = np.empty(len(values))
    ranks[order] = np.arange(len(values), dtype=float)
    sorted_values = values[order]
    start = 0
    for end in range(1, len(values) + 1):
        if end == len(values) or sorted_values[end] != sorted_values[start]:
            ranks[order[start:end]] = (start + end - 1) / 2
            start = end
    return ranks


def placement_report(result: PlacementBacktest) -> tuple[dict[str, object], str]:
    """The back-test as JSON and as text (``python main.py backtest --placement``): mean Spearman ρ of the
    model's slot rankings and of the fixed zone weights' on held-out weeks and held-out machines, freezers
    apart."""
    rows = (
        ("held-out weeks", result.freezers, f"{result.origins} × {result.holdout_days} days"),
        ("held-out weeks", result.others, f"{result.origins} × {result.holdout_days} days"),
        ("held-out machines", result.machine_freezers, f"{result.folds} folds"),
        ("held-out machines", result.machine_others, f"{result.folds} folds"),
    )
    lines = [
        "Placement back-test: Spearman ρ of each held-out layout's slot ranking with what its slots sold",
        f"baseline: fleet velocity × {ZONE_WEIGHTS}",
        f"{'design':<18} {'cabinets':<9} {'held out':<12} {'layouts':>7} {'model ρ':>8} {'zone weights ρ':>15}",
    ]
    body: list[dict[str, object]] = []
    for design, figure, held in rows:
        cabinets = "freezers" if figure.group == "freezer" else "others"
        lines.append(
            f"{design:<18} {cabinets:<9} {held:<12} {figure.versions:>7} {figure.model:>8.3f} {figure.baseline:>15.3f}"
        )
        body.append({"design": design, "cabinets": cabinets, "held_out": held, "layouts": figure.versions,
                     "model_rho": figure.model, "zone_weights_rho": figure.baseline})  # fmt: skip
    return {"rankings": body, "baseline": ZONE_WEIGHTS, "zone_weights": BAND_WEIGHTS}, "\n".join(lines)
