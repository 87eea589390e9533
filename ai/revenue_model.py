"""Daily revenue of a cabinet's planogram, with a calibrated prediction interval.

How a number is made (per slot, then summed):

1. **Demand** — the placement scorer's expected daily units of the product where it stands, with its
   neighbours. The scorer already carries the product's velocity at this machine, pulled toward its
   location type and the fleet (and its category and price for a product never sold here).
2. **Cannibalisation** — substitutes (same category, basket lift well below a typical pair's) share
   shoppers. The model's machine × product effects already learnt the pairs that stood together in the
   history, so only a change counts: a substitute that joins the cabinet multiplies the product's demand
   by the pair's relative lift, one that leaves divides it back out.
3. **Capacity and restocking** — a slot holds ``capacity`` units and is refilled on the machine's restock
   days (estimated from the stock-out table's restock times: the weekdays the driver comes). Sales between
   two visits are ``E[min(D, capacity)]`` with ``D ~ Poisson(demand × gap)``, averaged over the gaps.
4. **Level** — the model averages the whole history; the cabinet's own revenue over the last
   :data:`LEVEL_DAYS` days with data against the model's figure for the planogram then in force gives a level
   factor (season, weather, traffic drift), shrunk toward 1 when the record is short. Days on which no device
   of the fleet sold are gaps in collection (:mod:`ai.fleet_days`): every window here ("the last 28 days",
   the trend's two months, the calibration's horizons) counts days with data, so a gap is missing data,
   not a run of zero-revenue days. Both planograms of a
   comparison get the same level, so an unchanged planogram predicts exactly the same revenue.
5. **Trend** — a level measured on the last four weeks lags a season that keeps moving (spring warming), so
   it is multiplied by the fleet's damped trend: over the cabinets that kept one planogram for the last
   ``2 × LEVEL_DAYS`` days, revenue of the last :data:`LEVEL_DAYS` days over the :data:`LEVEL_DAYS` before,
   raised to :data:`TREND_DAMPING` (:func:`fleet_trend`); one planogram per cabinet keeps re-planogramming
   out of it. When the cabinet's own planogram has stood for those ``2 × LEVEL_DAYS`` days, its own damped
   ratio is averaged in (geometric mean, :func:`own_trend`): regions warm at different rates, but one
   cabinet's month-on-month ratio is noisy, so it gets only half the say.

The interval: **recency-weighted split-conformal on rolling-origin residuals, scaled by the prediction**. For
every cabinet and weekly origins in its history, the level is measured on the window before the origin, the
fleet trend known at the origin is applied (the predictor used for real predictions, nothing from after the
origin), and the next ``horizon`` days' mean daily revenue is predicted — the horizon is the prediction's
own; the relative residuals ``|actual / predicted - 1|`` are the calibration scores. Drift is not
exchangeable over a season, so the scores are weighted by recency (weight ``0.5 ** (age /
RECENCY_HALF_LIFE_DAYS)``, age = days from the origin to the day after the latest data, the test point
weighing 1) and the half-width is the weighted conformal quantile of Barber et al. (2023, "Conformal
prediction beyond exchangeability"): the smallest score whose weight share out of the total plus the test
point's reaches ``1 - alpha``; with equal weights it is the usual ``ceil((n + 1)(1 - alpha))``-th score. The
constants (damping, half-life) are set a priori, not fitted to the back-test's held-out actuals. Why conformal:
bootstrapping the GLM would only capture parameter uncertainty (small with months of vends) and miss the
drift in level between weeks, which dominates a month's revenue; quantile regression needs a model per
quantile and far more cabinets than one operator has. Conformal residuals measure exactly the error we
make, need no distributional assumption, and relative scores make the width proportional to the cabinet's
revenue. Slots whose product or position changes add the placement model's own uncertainty
(1 − history confidence, weighted by their share of revenue) in quadrature, so a proposal that is mostly
new products gets a wider interval than a small move.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
from scipy.stats import poisson

from ai.confidence import history_confidence
from ai.fleet_days import as_date, data_days, trailing
from ai.placement_scoring import PlacementScorer
from designer.cabinets import Cabinet
from designer.planograms import Planogram
from designer.positions import Position
from designer.products import Catalogue
from storage.database import Engine
from storage.planogram_history import planogram_in_force, versions_put_in_force
from storage.sales_history import cabinet_daily_revenue, daily_revenue_by_cabinet, latest_sale
from storage.stockouts import restock_times

DAYS_PER_MONTH = 30
SUBSTITUTE_LIFT = 0.25
"""Same-category pairs bought together less than a quarter as often as a typical pair are substitutes (on the
demo fleet about 3 % of same-category pairs; at 0.5 it was 20 %, mostly pairs that are merely rare together)."""
LIFT_FLOOR = 0.8
"""Substitutes never take more than 20 % of a product's demand: basket lift is a weak signal of substitution."""
LEVEL_DAYS = 28
LEVEL_PRIOR_DAYS = 7.0
"""The level factor is shrunk toward 1 as if ``LEVEL_PRIOR_DAYS`` days had sold exactly the model's figure."""
LEVEL_RANGE = (0.5, 2.0)
DEFAULT_RESTOCK_GAPS = (7.0,)
"""A machine without a single recorded restock is assumed to be visited weekly (and flagged)."""
TREND_DAMPING = 0.5
"""The fleet's last-28-days over previous-28-days revenue ratio is carried forward as ``ratio ** TREND_DAMPING``:
half way between "no trend" (0) and extrapolating it a full month ahead (1), the usual damped-trend hedge."""
TREND_RANGE = (0.8, 1.25)
MIN_TREND_STRETCHES = 3
"""The fleet trend needs this many cabinets with one planogram in force over both 28-day windows, else 1."""
RECENCY_HALF_LIFE_DAYS = 28.0
"""A calibration residual's weight halves for every this many days its origin lies before the latest data."""
MIN_CALIBRATION = 8
DEFAULT_RELATIVE_HALF_WIDTH = 0.25
"""Used only while fewer than :data:`MIN_CALIBRATION` residuals exist (a new database)."""
ALPHA = 0.10


@dataclass(frozen=True)
class SlotRevenue:
    """One slot's part of a prediction."""

    position: Position
    product_id: int
    price: float
    demand: float  # expected daily units wanted, after cannibalisation
    units: float  # expected daily units sold (capacity and restocks applied, level applied)
    revenue: float
    capacity_limited: bool  # more than 5 % of demand is lost to empty spirals
    substitutes: tuple[int, ...]  # substitutes in the cabinet whose arrival changed this product's demand
    history_days: float  # days this product stood in this machine in the history (0 = never sold here)
    confidence: float


@dataclass(frozen=True)
class RevenuePrediction:
    """A planogram's expected daily revenue and its interval (for the mean day over the horizon)."""

    daily_revenue: float
    lower: float
    upper: float
    slots: tuple[SlotRevenue, ...]
    level: float
    relative_half_width: float

    @property
    def monthly_revenue(self) -> float:
        return self.daily_revenue * DAYS_PER_MONTH

    def top_products(self, count: int = 5) -> list[SlotRevenue]:
        return sorted(self.slots, key=lambda s: -s.revenue)[:count]


@dataclass(frozen=True)
class CabinetFacts:
    """What the data says about one cabinet, read once per prediction (one indexed query each)."""

    as_of: date | None  # the machine's latest sale
    restock_gaps: tuple[float, ...]  # days between visits over one week's cycle
    restock_known: bool
    in_force: Planogram | None  # the planogram whose sales the model learnt most recently
    in_force_since: date | None
    daily_revenue: pd.Series  # revenue per day with data in the fleet (index: date), the cabinet's zero days included
    history_days: int  # days with any sale of this cabinet


@dataclass(frozen=True)
class Calibration:
    """Conformal scores (relative residuals of a horizon's mean daily revenue) and the fleet trend.

    ``weights`` (default: all 1) are the scores' recency weights, the test point weighing 1; ``trend`` is the
    damped fleet trend multiplier at the latest data, applied to every prediction made with this calibration;
    ``data_days`` the fleet's days with data it was measured on (None: not read), reused by
    :func:`read_cabinet_facts` so a prediction needs no second pass over the fleet's sales.
    """

    scores: np.ndarray = field(default_factory=lambda: np.zeros(0))
    weights: np.ndarray | None = None
    trend: float = 1.0
    data_days: tuple[date, ...] | None = None

    def half_width(self, alpha: float = ALPHA) -> float:
        """The weighted conformal quantile: the smallest score whose weight share, out of the scores' total
        weight plus the test point's 1, reaches ``1 - alpha``; with equal weights the ``ceil((n + 1)(1 - alpha))``-th
        smallest score (the largest when that rank exceeds ``n``)."""
        n = len(self.scores)
        if n < MIN_CALIBRATION:
            return DEFAULT_RELATIVE_HALF_WIDTH
        weights = np.ones(n) if self.weights is None else np.asarray(self.weights, dtype=float)
        order = np.argsort(self.scores, kind="stable")
        share = np.cumsum(weights[order]) / (weights.sum() + 1.0)
        rank = int(np.searchsorted(share, (1 - alpha) - 1e-12))
        return float(self.scores[order][min(rank, n - 1)])


# --- reading the data --------------------------------------------------------------------------


def restock_gaps(visit_days: Iterable[date]) -> tuple[tuple[float, ...], bool]:
    """The gaps of a weekly visiting cycle, from the days restocks were seen.

    Stock-outs reveal only the visits that found an empty slot, so consecutive gaps overestimate the
    interval; the weekdays the driver comes are more robust: a weekday seen in at least a quarter as many
    weeks as the most frequent one is a visiting day.
    """
    counts = np.zeros(7)
    for day in set(visit_days):
        counts[day.weekday()] += 1
    if counts.sum() == 0:
        return DEFAULT_RESTOCK_GAPS, False
    weekdays = np.flatnonzero(counts >= 0.25 * counts.max())
    if len(weekdays) == 1:
        return (7.0,), True
    gaps = np.diff(np.append(weekdays, weekdays[0] + 7))
    return tuple(float(g) for g in gaps), True


def read_cabinet_facts(
    engine: Engine,
    device_id: int,
    cabinet_index: int,
    as_of: date | None = None,
    days_with_data: tuple[date, ...] | None = None,
) -> CabinetFacts:
    """The cabinet's revenue on the last ``4 × LEVEL_DAYS`` days with data, its machine's restock days and the
    planogram in force. ``days_with_data``: the fleet's (read here when not given)."""
    latest = latest_sale(engine, device_id)
    if as_of is None and latest is not None:
        as_of = _as_date(latest)
    window: list[date] = []
    if as_of is not None:
        earliest = as_of - timedelta(days=LEVEL_DAYS * 4 * 4)  # room for gaps in collection; trimmed below
        fleet = days_with_data if days_with_data is not None else tuple(data_days(engine, earliest, as_of))
        window = trailing(fleet, as_of, LEVEL_DAYS * 4)
    since = window[0] if window else None
    if since is not None:
        rows = cabinet_daily_revenue(
            engine,
            device_id,
            cabinet_index,
            datetime.combine(since, datetime.min.time()),
            datetime.combine(as_of + timedelta(days=1), datetime.min.time()),
        )
    else:
        rows = cabinet_daily_revenue(engine, device_id, cabinet_index)
    restocks = restock_times(engine, device_id)
    visits = [_as_date(value) for value in restocks if as_of is None or _as_date(value) <= as_of]
    found = planogram_in_force(
        engine,
        device_id,
        cabinet_index,
        datetime.combine(as_of + timedelta(days=1), datetime.min.time()) if as_of is not None else None,
    )
    in_force, activated = found if found is not None else (None, None)
    since_day = _as_date(activated) if found is not None and activated else None
    gaps, known = restock_gaps(visits)
    revenue = pd.Series({_as_date(d): float(v or 0) for d, v in rows}, dtype=float)
    if window:
        revenue = revenue.reindex(window, fill_value=0.0)
    return CabinetFacts(as_of, gaps, known, in_force, since_day, revenue, int((revenue > 0).sum()))


_as_date = as_date


# --- the model ---------------------------------------------------------------------------------


def expected_sales(demand: np.ndarray, capacity: np.ndarray, gaps: tuple[float, ...]) -> np.ndarray:
    """Expected daily units sold when demand is Poisson and each slot is refilled to capacity every gap."""
    demand = np.asarray(demand, dtype=float)
    capacity = np.asarray(capacity, dtype=np.int64)
    sold = np.zeros_like(demand)
    most = int(capacity.max()) if capacity.size else 0
    k = np.arange(most)
    for gap in gaps:
        mean = demand[:, None] * gap
        survival = poisson.sf(k[None, :], mean)  # P(D > k)
        survival = np.where(k[None, :] < capacity[:, None], survival, 0.0)
        sold += survival.sum(axis=1)  # E[min(D, c)] = Σ_{k<c} P(D > k)
    return sold / float(sum(gaps))


def typical_lift(scorer: PlacementScorer) -> float:
    """Median basket lift over all product pairs: what "bought together as often as unrelated products" means.

    With mostly one-item baskets, most unrelated pairs have a lift far below 1, so a substitute is a pair
    well below this yardstick rather than below 1.
    """
    cached = _TYPICAL_LIFT.get(id(scorer))
    if cached is None or cached[0] is not scorer:
        lift = scorer.lift
        upper = lift[np.triu_indices(len(lift), 1)] if len(lift) > 1 else np.ones(1)
        cached = (scorer, float(np.median(upper)) if upper.size else 1.0)
        _TYPICAL_LIFT[id(scorer)] = cached
    return cached[1]


_TYPICAL_LIFT: dict[int, tuple[PlacementScorer, float]] = {}


def substitute_lift(scorer: PlacementScorer, catalogue: Catalogue, product: int, other: int) -> float | None:
    """The demand multiplier two substitutes impose on each other, or None when they are not substitutes.

    Substitutes are products of one category bought together less than :data:`SUBSTITUTE_LIFT` times as often
    as a typical pair; the multiplier is that relative lift, never below :data:`LIFT_FLOOR`.
    """
    if product == other or catalogue[product].category != catalogue[other].category:
        return None
    relative = scorer.lift_between(product, other) / max(typical_lift(scorer), 1e-9)
    if relative >= SUBSTITUTE_LIFT:
        return None
    return max(relative, LIFT_FLOOR)


def substitute_factors(
    scorer: PlacementScorer, catalogue: Catalogue, planogram: Planogram, history: Planogram | None
) -> dict[int, tuple[float, tuple[int, ...]]]:
    """Per product: its demand multiplier from substitutes that joined or left compared with the history.

    The product's own effect at this machine was learnt with the history's substitutes beside it, so only
    differences count; the combined effect stays within [LIFT_FLOOR, 1 / LIFT_FLOOR].
    """
    now = planogram.product_ids()
    before = history.product_ids() if history is not None else set(now)
    factors: dict[int, tuple[float, tuple[int, ...]]] = {}
    for product in sorted(now):
        factor, joined = 1.0, []
        for other in sorted((now | before) - {product}):
            lift = substitute_lift(scorer, catalogue, product, other)
            if lift is None:
                continue
            together_now = other in now
            together_then = other in before and product in before
            if together_now and not together_then:
                factor *= lift
                joined.append(other)
            elif together_then and not together_now:
                factor /= lift
        factors[product] = (float(np.clip(factor, LIFT_FLOOR, 1 / LIFT_FLOOR)), tuple(joined))
    return factors


def model_revenue(
    scorer: PlacementScorer,
    cabinet: Cabinet,
    planogram: Planogram,
    catalogue: Catalogue,
    gaps: tuple[float, ...],
    history: Planogram | None,
) -> list[SlotRevenue]:
    """Per-slot expected daily revenue before the level factor. A product the operator keeps outside its zone
    earns what it sells there (the request refuses only new misplacements, and warns of kept ones)."""
    expected = scorer.expected_in_place(cabinet, planogram, outside_zone=True)
    if not expected:
        return []
    factors = substitute_factors(scorer, catalogue, planogram, history)
    positions = sorted(expected, key=lambda p: (p.row, p.column))
    products = [int(planogram.slots[p].product_id) for p in positions]  # type: ignore[arg-type]
    demand = np.array([expected[p] * factors.get(q, (1.0, ()))[0] for p, q in zip(positions, products, strict=True)])
    capacity = np.array([max(planogram.slots[p].capacity, 0) for p in positions])
    sold = expected_sales(demand, capacity, gaps)
    slots = []
    for position, product, want, units in zip(positions, products, demand, sold, strict=True):
        # what this slot sells at (its own CVD price, else the catalogue's); demand itself is not price-elastic here
        price = planogram.slots[position].effective_price(float(catalogue[product].price))
        days = scorer.history_days(cabinet.device_id, product)
        slots.append(
            SlotRevenue(
                position=position,
                product_id=product,
                price=price,
                demand=float(want),
                units=float(units),
                revenue=float(units) * price,
                capacity_limited=bool(want > 0 and units < 0.95 * want),
                substitutes=factors.get(product, (1.0, ()))[1],
                history_days=days,
                confidence=float(history_confidence(days)),
            )
        )
    return slots


def level_factor(record: CabinetFacts, in_force_revenue: float) -> float:
    """Recent actual revenue (the last :data:`LEVEL_DAYS` days with data, after the planogram in force was put
    in) over the model's figure for that planogram, shrunk toward 1."""
    if record.as_of is None or in_force_revenue <= 0 or record.daily_revenue.empty:
        return 1.0
    window = record.daily_revenue[[d <= record.as_of for d in record.daily_revenue.index]]
    if record.in_force_since is not None:
        window = window[[d > record.in_force_since for d in window.index]]
    window = window.iloc[-LEVEL_DAYS:]
    days = len(window)
    if days == 0:
        return 1.0
    ratio = max(float(window.mean()), 1e-6) / in_force_revenue
    weight = days / (days + LEVEL_PRIOR_DAYS)
    return float(np.clip(math.exp(weight * math.log(ratio)), *LEVEL_RANGE))


def predict_revenue(
    scorer: PlacementScorer,
    cabinet: Cabinet,
    planogram: Planogram,
    catalogue: Catalogue,
    record: CabinetFacts,
    calibration: Calibration,
    *,
    level: float | None = None,
    changed: Iterable[Position] = (),
    alpha: float = ALPHA,
) -> RevenuePrediction:
    """The planogram's expected daily revenue with a ``1 - alpha`` interval.

    ``level`` defaults to the one measured against the planogram in force; pass the baseline's level when
    predicting a proposal so both sides share it. The calibration's fleet trend multiplies it (the returned
    ``level`` includes it). ``changed`` slots widen the interval by their model error.
    """
    history = record.in_force
    if level is None:
        level = baseline_level(scorer, cabinet, catalogue, record)
    level *= cabinet_trend(record, calibration.trend)
    raw = model_revenue(scorer, cabinet, planogram, catalogue, record.restock_gaps, history)
    slots = tuple(SlotRevenue(**{**s.__dict__, "units": s.units * level, "revenue": s.revenue * level}) for s in raw)
    total = float(sum(s.revenue for s in slots))
    drift = calibration.half_width(alpha)
    changed_set = set(changed)
    if total > 0 and changed_set:
        share_uncertain = sum(s.revenue * (1 - s.confidence) for s in slots if s.position in changed_set) / total
        half = math.sqrt(drift**2 + share_uncertain**2)
    else:
        half = drift
    return RevenuePrediction(total, max(total * (1 - half), 0.0), total * (1 + half), slots, level, half)


def baseline_level(scorer: PlacementScorer, cabinet: Cabinet, catalogue: Catalogue, record: CabinetFacts) -> float:
    if record.in_force is None:
        return 1.0
    in_force = model_revenue(scorer, cabinet, record.in_force, catalogue, record.restock_gaps, record.in_force)
    return level_factor(record, sum(s.revenue for s in in_force))


def changed_positions(baseline: Planogram, proposed: Planogram) -> list[Position]:
    """Slots whose product or capacity differs (a driver's visit touches each once)."""
    positions = set(baseline.slots) | set(proposed.slots)
    changed = []
    for position in positions:
        a, b = baseline.slots.get(position), proposed.slots.get(position)
        product_a = a.product_id if a is not None else None
        product_b = b.product_id if b is not None else None
        if product_a != product_b or (
            product_b is not None and a is not None and b is not None and a.capacity != b.capacity
        ):
            changed.append(position)
    return sorted(changed, key=lambda p: (p.row, p.column))


# --- calibration -------------------------------------------------------------------------------


def own_trend(values: np.ndarray, fleet: float) -> float:
    """The fleet trend, geometric mean with the cabinet's own damped trend when ``values`` (its daily revenue
    under one planogram up to the origin) cover both 28-day windows."""
    if len(values) < 2 * LEVEL_DAYS:
        return fleet
    recent, prior = values[-LEVEL_DAYS:].sum(), values[-2 * LEVEL_DAYS : -LEVEL_DAYS].sum()
    if recent <= 0 or prior <= 0:
        return fleet
    own = float(np.clip((recent / prior) ** TREND_DAMPING, *TREND_RANGE))
    return math.sqrt(own * fleet)


def cabinet_trend(record: CabinetFacts, fleet: float) -> float:
    if record.as_of is None or record.in_force_since is None or record.daily_revenue.empty:
        return fleet
    start = record.in_force_since + timedelta(days=1)
    window = record.daily_revenue[[start <= d <= record.as_of for d in record.daily_revenue.index]]
    return own_trend(window.to_numpy(dtype=float), fleet)


def fleet_trend(daily: Mapping[object, pd.Series]) -> dict[pd.Timestamp, float]:
    """The damped fleet trend multiplier for an origin day, from the days before it only.

    For every origin day ``d``, the cabinets whose stretch of one planogram covers the 56 days before ``d`` are
    pooled: their revenue over the last :data:`LEVEL_DAYS` days over the :data:`LEVEL_DAYS` days before that.
    One planogram on both sides keeps re-planogramming out of the ratio; pooling the fleet keeps the noise of a
    single cabinet's month out of it (spring warming moves the whole fleet, a lucky month moves one machine).
    """
    recent: dict[pd.Timestamp, float] = {}
    prior: dict[pd.Timestamp, float] = {}
    count: dict[pd.Timestamp, int] = {}
    for series in daily.values():
        if len(series) < 2 * LEVEL_DAYS:
            continue
        sums = np.concatenate([[0.0], np.cumsum(series.to_numpy(dtype=float))])
        for origin in range(2 * LEVEL_DAYS, len(series) + 1):
            day = _origin_day(series, origin)
            recent[day] = recent.get(day, 0.0) + sums[origin] - sums[origin - LEVEL_DAYS]
            prior[day] = prior.get(day, 0.0) + sums[origin - LEVEL_DAYS] - sums[origin - 2 * LEVEL_DAYS]
            count[day] = count.get(day, 0) + 1
    trend = {}
    for day, number in count.items():
        if number >= MIN_TREND_STRETCHES and prior[day] > 0 and recent[day] > 0:
            ratio = (recent[day] / prior[day]) ** TREND_DAMPING
            trend[day] = float(np.clip(ratio, *TREND_RANGE))
    return trend


def _origin_day(series: pd.Series, origin: int) -> pd.Timestamp:
    """The key of an origin: the calendar day after the last day before it (the series holds days with data, so
    origins of different cabinets meet on the same key)."""
    return pd.Timestamp(series.index[origin - 1]) + pd.Timedelta(days=1)


def rolling_residuals(
    daily: Mapping[object, pd.Series], horizon: int = DAYS_PER_MONTH, step: int = 7
) -> tuple[np.ndarray, np.ndarray]:  # (scores, ages in days)
    """Relative residuals of a horizon's mean daily revenue predicted from the window before it, and their ages.

    ``daily`` holds each cabinet's revenue per day with data (a ``DatetimeIndex`` of the fleet's days with data,
    the cabinet's days without a sale as zeros) over a stretch with one planogram in force; the placement
    model's figure is the same on both sides, so the prediction is the prior window's mean, with the same
    shrinkage toward the longer-run mean (of the days before the origin only) that :func:`level_factor` applies
    toward the model, times the fleet trend known at the origin — the predictor :func:`predict_revenue` uses.
    The age of a residual is the days from its origin to the day after the latest data (where the next
    prediction's origin lies).
    """
    trend = fleet_trend(daily)
    latest = max((pd.Timestamp(s.index[-1]) for s in daily.values() if len(s)), default=None)
    scores: list[float] = []
    ages: list[float] = []
    weight = LEVEL_DAYS / (LEVEL_DAYS + LEVEL_PRIOR_DAYS)
    for series in daily.values():
        values = series.to_numpy(dtype=float)
        if len(values) < LEVEL_DAYS + horizon or values.sum() <= 0 or latest is None:
            continue
        for origin in range(LEVEL_DAYS, len(values) - horizon + 1, step):
            overall = values[:origin].mean()  # the longer run known at the origin: nothing from after it
            before = values[origin - LEVEL_DAYS : origin].mean()
            after = values[origin : origin + horizon].mean()
            if before <= 0 or overall <= 0:
                continue
            day = _origin_day(series, origin)
            multiplier = own_trend(values[:origin], trend.get(day, 1.0))
            predicted = overall * math.exp(weight * math.log(before / overall)) * multiplier
            scores.append(abs(after / predicted - 1))
            ages.append(float((latest + pd.Timedelta(days=1) - day).days))
    return np.array(scores), np.array(ages)


def calibrate(
    daily: Mapping[object, pd.Series], horizon: int = DAYS_PER_MONTH, data_days: tuple[date, ...] | None = None
) -> Calibration:
    """Scores weighted by recency (half-life :data:`RECENCY_HALF_LIFE_DAYS`) and the trend after the latest day."""
    scores, ages = rolling_residuals(daily, horizon)
    latest = max((pd.Timestamp(s.index[-1]) for s in daily.values() if len(s)), default=None)
    trend = fleet_trend(daily).get(latest + pd.Timedelta(days=1), 1.0) if latest is not None else 1.0
    return Calibration(scores, 0.5 ** (ages / RECENCY_HALF_LIFE_DAYS), trend, data_days)


def read_calibration(engine: Engine, until: datetime | None = None, horizon: int = DAYS_PER_MONTH) -> Calibration:
    """Conformal scores from every cabinet's history, each cut into stretches of one planogram in force."""
    rows = daily_revenue_by_cabinet(engine, until)
    changes = [(device, cabinet, activated) for device, cabinet, _planogram, activated in versions_put_in_force(engine)]
    until_day = (until - timedelta(microseconds=1)).date() if until is not None else None
    known = tuple(data_days(engine, None, until_day))
    if not rows:
        return Calibration(data_days=known)
    frame = pd.DataFrame(rows, columns=["device", "cabinet", "day", "revenue"])
    frame["day"] = pd.to_datetime(frame["day"].map(_as_date))
    frame["revenue"] = frame["revenue"].astype(float)
    with_data = pd.DatetimeIndex(pd.to_datetime(list(known)))
    starts: dict[tuple[int, int], list[pd.Timestamp]] = {}
    for device, cabinet, activated in changes:
        starts.setdefault((int(device), int(cabinet)), []).append(pd.Timestamp(_as_date(activated)))
    stretches: dict[object, pd.Series] = {}
    for (device, cabinet), group in frame.groupby(["device", "cabinet"]):
        series = group.set_index("day")["revenue"].sort_index()
        span = with_data[(with_data >= series.index.min()) & (with_data <= series.index.max())]
        series = series.reindex(span, fill_value=0.0)  # the fleet's days with data: a gap is not a zero
        cuts = sorted(s for s in starts.get((int(device), int(cabinet)), []) if s > series.index.min())
        bounds = [series.index.min(), *cuts, series.index.max() + pd.Timedelta(days=1)]
        for number, (start, stop) in enumerate(itertools.pairwise(bounds)):
            piece = series[(series.index > start if number else series.index >= start) & (series.index < stop)]
            stretches[(device, cabinet, number)] = piece  # the change day itself mixes two planograms
    return calibrate(stretches, horizon, known)
