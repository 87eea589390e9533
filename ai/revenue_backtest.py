"""Back-test of the revenue model: would it have called the planogram changes the history holds?

For each group of planogram changes (changes within a week of the group's first share one cut-off, so the
placement model is trained a handful of times, not once per cabinet), the database is copied and cut at the
group's first change: sales, stock-outs and planogram versions from then on are removed. A placement model
and a conformal calibration are fitted on what is left — the history *before* every change in the group —
and then:

- **held-out planogram changes**: each changed cabinet's new planogram is predicted (the level measured on
  the old one before the cut-off) and compared with the mean daily revenue it actually took in the
  ``horizon`` days after it went live (the change day itself, half old and half new, is left out);
- **held-out weeks**: every cabinet whose planogram stays unchanged for the ``horizon`` days after the cut-off
  is predicted over those days and compared with what it took. Besides the change groups' cut-offs, a weekly
  grid of origins (from :data:`MIN_TRAINING_DAYS` into the history to ``horizon`` days before its end, none
  within a week of a change group's) adds cut-offs, so coverage is measured on a few hundred cases rather than
  on the handful of weeks that happen to follow a re-planogramming.

Reported per case type (changes, weeks, all): MAPE, RMSE ($/day) and the share of actual values inside the 90 %
interval, beside two yardsticks measured on the same cases:

- **naive**: the cabinet's mean daily revenue over the last :data:`NAIVE_DAYS` days with data before the cut-off
  (what an operator would guess without a model; a re-planogramming is invisible to it);
- **oracle** (demo databases only, :mod:`storage.simulator.oracle`): the simulator's own expected revenue for the
  cabinet over the same days, its true parameters averaged over redrawn noise. No model can do better on
  average; the distance between ours and it is what modelling can still win.

The copy is a temporary SQLite file; the database named is only read.

``python main.py backtest [--db URL]`` runs it (:mod:`ai.backtest_command`).
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np

from ai.fleet_days import data_days
from ai.model_store import data_fingerprint, model_version_for
from ai.placement_history import read_placement_history
from ai.placement_model import fit_placement_model
from ai.placement_scoring import PlacementScorer
from ai.revenue_model import (
    ALPHA,
    DAYS_PER_MONTH,
    baseline_level,
    changed_positions,
    predict_revenue,
    read_cabinet_facts,
    read_calibration,
)
from designer.cabinets import Cabinet
from designer.planograms import Planogram
from storage.backtest_copies import copy_as_of
from storage.database import Engine
from storage.engine import normalise_url, sqlite_file
from storage.fleet import FleetRepository
from storage.planogram_history import versions_put_in_force
from storage.sales_history import cabinet_daily_revenue, cabinet_revenue, fleet_first_and_last_sale
from storage.schema import prepare_database
from storage.simulator.oracle import ExpectedRevenue, simulated_revenue
from storage.versions import PlanogramVersions

Progress = Callable[[int, str], None]
GROUP_DAYS = 7
MIN_TRAINING_DAYS = 56
"""A weekly origin needs eight weeks of history before it: the level reads the fleet index over weeks of sales."""
BUDGETS = {"mape_percent": 15.0, "rmse_per_day": 10.0, "coverage": (0.85, 0.95)}
NAIVE_DAYS = 28
"""The naive yardstick: the cabinet's trailing mean over this many days with data before the cut-off."""


@dataclass(frozen=True)
class Case:
    kind: str  # "change" or "week"
    device_id: int
    cabinet_index: int
    cut_off: str
    predicted: float
    lower: float
    upper: float
    actual: float
    naive: float = float("nan")  # trailing mean before the cut-off
    oracle: float = float("nan")  # the simulator's expected revenue over the same days (demo databases only)


def _mape(predicted: np.ndarray, actual: np.ndarray) -> float:
    """Mean absolute percentage error over the cases with a positive actual (NaN when a yardstick is missing)."""
    positive = actual > 0
    if not positive.any() or np.isnan(predicted[positive]).any():
        return float("nan")
    return float(np.mean(np.abs(predicted[positive] - actual[positive]) / actual[positive]) * 100)


@dataclass(frozen=True)
class Figures:
    cases: int
    mape_percent: float
    rmse_per_day: float
    coverage: float
    mean_actual: float
    naive_mape_percent: float = float("nan")
    oracle_mape_percent: float = float("nan")

    @classmethod
    def of(cls, cases: list[Case]) -> Figures:
        if not cases:
            return cls(0, float("nan"), float("nan"), float("nan"), float("nan"))
        predicted = np.array([c.predicted for c in cases])
        actual = np.array([c.actual for c in cases])
        inside = np.array([c.lower <= c.actual <= c.upper for c in cases])
        return cls(
            len(cases),
            _mape(predicted, actual),
            float(np.sqrt(np.mean((predicted - actual) ** 2))),
            float(inside.mean()),
            float(actual.mean()),
            _mape(np.array([c.naive for c in cases]), actual),
            _mape(np.array([c.oracle for c in cases]), actual),
        )


@dataclass(frozen=True)
class BacktestResult:
    changes: Figures
    weeks: Figures
    overall: Figures
    cut_offs: list[str]
    horizon_days: int
    seconds: float
    cases: list[Case]

    @property
    def has_oracle(self) -> bool:
        return not np.isnan(self.overall.oracle_mape_percent)

    def to_json(self) -> dict[str, object]:
        return {
            "changes": asdict(self.changes),
            "held_out_weeks": asdict(self.weeks),
            "overall": asdict(self.overall),
            "cut_offs": self.cut_offs,
            "horizon_days": self.horizon_days,
            "interval": f"{round((1 - ALPHA) * 100)} %",
            "naive": f"trailing {NAIVE_DAYS}-day mean before the cut-off",
            "oracle": "the simulator's expected revenue, averaged over redrawn noise" if self.has_oracle else None,
            "seconds": round(self.seconds, 2),
        }

    def report(self) -> str:
        lines = [
            f"Revenue back-test: {len(self.cut_offs)} cut-offs, horizon {self.horizon_days} days, "
            f"{round((1 - ALPHA) * 100)} % intervals ({self.seconds:.1f} s)",
            f"MAPE of ours beside the naive trailing {NAIVE_DAYS}-day mean"
            + (" and the oracle (the simulator's own expectation: the limit)" if self.has_oracle else ""),
            f"{'':22} {'cases':>6} {'ours':>7} {'naive':>7} {'oracle':>7} {'vs naive':>9} {'RMSE $/day':>11} "
            f"{'coverage':>9} {'mean $/day':>11}",
        ]
        for name, figures in (
            ("held-out changes", self.changes),
            ("held-out weeks", self.weeks),
            ("overall", self.overall),
        ):
            oracle = "—" if np.isnan(figures.oracle_mape_percent) else f"{figures.oracle_mape_percent:.1f}%"
            gain = 1 - figures.mape_percent / figures.naive_mape_percent if figures.naive_mape_percent > 0 else 0.0
            lines.append(
                f"{name:22} {figures.cases:>6} {figures.mape_percent:>6.1f}% {figures.naive_mape_percent:>6.1f}% "
                f"{oracle:>7} {-gain * 100:>+8.0f}% {figures.rmse_per_day:>11.2f} "
                f"{figures.coverage * 100:>8.1f}% {figures.mean_actual:>11.2f}"
            )
        low, high = BUDGETS["coverage"]  # type: ignore[misc]
        o = self.overall
        verdict = [
            f"MAPE {'within' if o.mape_percent < BUDGETS['mape_percent'] else 'OVER'} budget (< 15 %)",
            f"RMSE {'within' if o.rmse_per_day < BUDGETS['rmse_per_day'] else 'OVER'} budget (< $10/day)",
            f"coverage {'within' if low <= o.coverage <= high else 'OUTSIDE'} budget (85–95 %)",
        ]
        return "\n".join([*lines, "Budgets: " + "; ".join(verdict)])


def _day(value: object) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return datetime.fromisoformat(str(value)[:19]).date()


def _midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time())


def _changes(engine: Engine, horizon: int) -> tuple[list[tuple[int, int, int, date]], date | None]:
    """(device, cabinet, new planogram id, change day) of every re-planogramming with ``horizon`` days after it."""
    _first, last = fleet_first_and_last_sale(engine)
    rows = versions_put_in_force(engine)
    if last is None:
        return [], None
    end = _day(last)
    first: dict[tuple[int, int], date] = {}
    changes = []
    for device, cabinet, planogram_id, activated in rows:
        key = (int(device), int(cabinet))
        day = _day(activated)
        if key not in first:
            first[key] = day
            continue
        if day + timedelta(days=horizon) <= end:
            changes.append((key[0], key[1], int(planogram_id), day))
    return changes, end


def _groups(changes: list[tuple[int, int, int, date]]) -> list[tuple[date, list[tuple[int, int, int, date]]]]:
    groups: list[tuple[date, list[tuple[int, int, int, date]]]] = []
    for change in sorted(changes, key=lambda c: c[3]):
        if groups and (change[3] - groups[-1][0]).days < GROUP_DAYS:
            groups[-1][1].append(change)
        else:
            groups.append((change[3], [change]))
    return groups


def _weekly_origins(first: date, end: date, horizon: int, taken: list[date]) -> list[date]:
    """Weekly cut-offs with enough history before and ``horizon`` days after, away from the change groups'."""
    origins = []
    day = first + timedelta(days=MIN_TRAINING_DAYS)
    while day + timedelta(days=horizon) <= end:
        if all(abs((day - other).days) >= GROUP_DAYS for other in taken):
            origins.append(day)
        day += timedelta(days=GROUP_DAYS)
    return origins


def _actual(engine: Engine, device: int, cabinet: int, start: date, days: int) -> float:
    """Mean daily revenue over the days with data in ``days`` days from ``start`` (NaN when the fleet sold on
    none): a gap in collection is not a run of zero-revenue days (:mod:`ai.fleet_days`)."""
    with_data = len(data_days(engine, start, start + timedelta(days=days - 1)))
    if with_data == 0:
        return float("nan")
    total = cabinet_revenue(engine, device, cabinet, _midnight(start), _midnight(start + timedelta(days=days)))
    return total / with_data


def _data_days_from(engine: Engine, start: date, days: int) -> list[date]:
    return data_days(engine, start, start + timedelta(days=days - 1))


def trailing_mean(engine: Engine, device: int, cabinet: int, cut_off: date) -> float:
    """The naive yardstick: the cabinet's mean daily revenue over the last :data:`NAIVE_DAYS` days with data
    before ``cut_off``."""
    known = data_days(engine, cut_off - timedelta(days=8 * NAIVE_DAYS), cut_off - timedelta(days=1))
    window = known[-NAIVE_DAYS:]
    if not window:
        return 0.0
    rows = cabinet_daily_revenue(engine, device, cabinet, _midnight(window[0]), _midnight(cut_off))
    inside = set(window)
    return sum(float(v or 0) for d, v in rows if _day(d) in inside) / len(window)


def _oracle(
    expected: ExpectedRevenue | None, engine: Engine, device: int, cabinet: int, start: date, days: int
) -> float:
    if expected is None:
        return float("nan")
    return expected.mean(device, cabinet, _data_days_from(engine, start, days))


def run_revenue_backtest(
    url: str, horizon: int = DAYS_PER_MONTH, max_cut_offs: int | None = None, progress: Progress | None = None
) -> BacktestResult:
    """Back-test on a SQLite database (read only); see the module docstring."""
    report: Progress = progress or (lambda _p, _m: None)
    started = time.perf_counter()
    url = normalise_url(url)
    source = sqlite_file(url)
    if source is None or not source.exists():
        raise ValueError(f"the back-test needs an existing SQLite database file; {url!r} is not one")
    engine = prepare_database(url)
    report(0, "Reading the planted truth")
    expected = simulated_revenue(engine)  # None on a real database: no oracle then
    repository = FleetRepository(engine)
    catalogue = repository.catalogue()
    changes, end = _changes(engine, horizon)
    groups = _groups(changes)
    first, _last = fleet_first_and_last_sale(engine)
    if first is not None and end is not None:
        grid = _weekly_origins(_day(first), end, horizon, [cut_off for cut_off, _ in groups])
        groups.extend((origin, []) for origin in grid)
    groups = sorted(groups[:max_cut_offs], key=lambda group: group[0])  # a short run keeps the change groups
    versions = [(device, cabinet, activated) for device, cabinet, _id, activated in versions_put_in_force(engine)]
    activations: dict[tuple[int, int], list[date]] = {}
    for device, cabinet, activated in versions:
        activations.setdefault((int(device), int(cabinet)), []).append(_day(activated))
    cases: list[Case] = []
    with tempfile.TemporaryDirectory(prefix="revenue-backtest-") as folder:
        for number, (cut_off, group) in enumerate(groups):
            report(int(100 * number / max(len(groups), 1)), f"Training on the history before {cut_off}")
            cut_url = copy_as_of(source, cut_off, Path(folder))
            cut_engine = prepare_database(cut_url)
            fingerprint = data_fingerprint(cut_engine)
            model = fit_placement_model(read_placement_history(cut_engine), fingerprint, model_version_for(fingerprint))
            scorer = PlacementScorer(model, catalogue)
            calibration = read_calibration(cut_engine)
            for device, cabinet_index, planogram_id, day in group:
                cabinet = repository_cabinet(repository, device, cabinet_index)
                facts = read_cabinet_facts(cut_engine, device, cabinet_index)
                if cabinet is None or facts.in_force is None:
                    continue
                proposed = _planogram(engine, planogram_id)
                level = baseline_level(scorer, cabinet, catalogue, facts, calibration.index)
                changed = changed_positions(facts.in_force, proposed)
                prediction = predict_revenue(
                    scorer, cabinet, proposed, catalogue, facts, calibration, level=level, changed=changed
                )
                actual = _actual(engine, device, cabinet_index, day + timedelta(days=1), horizon)
                if np.isnan(actual):
                    continue
                start = day + timedelta(days=1)
                cases.append(
                    Case("change", device, cabinet_index, cut_off.isoformat(), prediction.daily_revenue,
                         prediction.lower, prediction.upper, actual,
                         trailing_mean(engine, device, cabinet_index, cut_off),
                         _oracle(expected, engine, device, cabinet_index, start, horizon))
                )  # fmt: skip
            for (device, cabinet_index), days in activations.items():
                if any(cut_off <= d <= cut_off + timedelta(days=horizon) for d in days):
                    continue  # re-planogrammed within the horizon: not a held-out week of one planogram
                if end is not None and cut_off + timedelta(days=horizon) > end:
                    continue
                cabinet = repository_cabinet(repository, device, cabinet_index)
                facts = read_cabinet_facts(cut_engine, device, cabinet_index)
                if cabinet is None or facts.in_force is None or facts.history_days == 0:
                    continue
                prediction = predict_revenue(scorer, cabinet, facts.in_force, catalogue, facts, calibration)
                actual = _actual(engine, device, cabinet_index, cut_off, horizon)
                if np.isnan(actual):
                    continue
                cases.append(
                    Case("week", device, cabinet_index, cut_off.isoformat(), prediction.daily_revenue,
                         prediction.lower, prediction.upper, actual,
                         trailing_mean(engine, device, cabinet_index, cut_off),
                         _oracle(expected, engine, device, cabinet_index, cut_off, horizon))
                )  # fmt: skip
            cut_engine.dispose()
    engine.dispose()
    report(100, "Back-test done")
    return BacktestResult(
        Figures.of([c for c in cases if c.kind == "change"]),
        Figures.of([c for c in cases if c.kind == "week"]),
        Figures.of(cases),
        [cut_off.isoformat() for cut_off, _ in groups],
        horizon,
        time.perf_counter() - started,
        cases,
    )


def repository_cabinet(repository: FleetRepository, device: int, cabinet_index: int) -> Cabinet | None:
    return next((c for c in repository.cabinets(device) if c.index == cabinet_index), None)


def _planogram(engine: Engine, planogram_id: int) -> Planogram:
    return PlanogramVersions(engine).load(planogram_id)
