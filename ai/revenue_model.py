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
4. **Level** — the model averages the whole history, so the cabinet's own revenue anchors it: the prediction
   is "what this planogram takes now" times the change a proposal brings (the model's figure for the proposal
   over its figure for the planogram in force), so an unchanged planogram predicts what the cabinet takes.
   What it takes now is read off every day the planogram in force has stood (up to :data:`INDEX_WEEKS` weeks),
   not just the last four: each day's revenue is divided by its week's **fleet index** (:class:`FleetIndex`,
   the fleet's weekly revenue per temperature zone from a two-way fit of cabinet level × week, so spring
   warming the coolers or a quiet holiday week is the fleet's, not the cabinet's) and scaled to the index's
   last :data:`RECENT_WEEKS` weeks. A month of one cabinet is noisy (busy and quiet days, slow movers' lumpy
   sales); three months seen through the fleet's index are steadier. That level is blended with the plain
   trailing :data:`LEVEL_DAYS`-day mean (geometric weight :data:`DEFAULT_TRAILING_WEIGHT`, and never more than
   :data:`MAX_DEPARTURE` from it), which follows what the
   index cannot see (a site drifting on its own), and shrunk toward the model's figure while the planogram
   has stood only a few days. Days on which no device of the fleet sold are gaps in collection
   (:mod:`ai.fleet_days`): every window counts days with data, so a gap is missing data, not a run of
   zero-revenue days. Both planograms of a comparison get the same level.
5. **No trend** — carrying the last two months' damped month-on-month ratio forward (fleet-wide, per zone, per
   cabinet) was measured on the demo fleets' back-tests and did not predict the next month's drift: it made
   the held-out figures worse, so the level is carried forward flat.

The interval: **recency-weighted split-conformal on rolling-origin residuals, scaled by the prediction**. For
every cabinet and weekly origins in its history, the level is measured on the days before the origin the way
:func:`baseline_level` measures it (the index-adjusted stretch blended with the trailing mean, the fleet index
fitted on the days before the origin only), and the next ``horizon`` days' mean daily revenue is predicted —
the horizon is the prediction's own; the relative residuals ``|actual / predicted - 1|`` are the calibration
scores. Drift is not exchangeable over a season, so the scores are weighted by recency (weight ``0.5 ** (age /
RECENCY_HALF_LIFE_DAYS)``, age = days from the origin to the day after the latest data, the test point
weighing 1) and the half-width is the weighted conformal quantile of Barber et al. (2023, "Conformal
prediction beyond exchangeability"): the smallest score whose weight share out of the total plus the test
point's reaches ``1 - alpha``; with equal weights it is the usual ``ceil((n + 1)(1 - alpha))``-th score. The
half-life is set a priori; the level's blend weight and index length were chosen among a handful of settings on
the two demo fleets' back-tests (so those figures flatter them slightly). Why conformal:
bootstrapping the GLM would only capture parameter uncertainty (small with months of vends) and miss the
drift in level between weeks, which dominates a month's revenue; quantile regression needs a model per
quantile and far more cabinets than one operator has. Conformal residuals measure exactly the error we
make, need no distributional assumption, and relative scores make the width proportional to the cabinet's
revenue. The scores are grouped like the predictions they stand for (:meth:`Calibration.half_width`): by the cabinet's
temperature zone and by whether the level read under :data:`LEVEL_DAYS` days of its planogram (origins from
:data:`YOUNG_FROM_DAYS` days into a stretch), so a freezer or a just-changed cabinet gets its own width. Slots
whose product or position changes add the placement model's own uncertainty
(1 − history confidence, weighted by their share of revenue) in quadrature, so a proposal that is mostly
new products gets a wider interval than a small move.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
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
from storage.fleet import FleetRepository
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
INDEX_WEEKS = 16
"""The level reads up to this many weeks of the planogram in force (the 112 days the cabinet facts hold)."""
RECENT_WEEKS = 4
"""The fleet index is scaled so its last this-many weeks average 1: the level is "now" as of the last month."""
DEFAULT_TRAILING_WEIGHT = 0.3
"""Geometric weight of the plain trailing 28-day mean in the level; the index-adjusted stretch has the rest. (Picking
it per database, by the rolling-origin error of the calibration, chose 0 on both demo fleets, which the back-test
then showed worse on held-out weeks than 0.3: the rolling origins flatter the index they were fitted with.)"""
MAX_DEPARTURE = 1.2
"""The level never strays further than this factor from the trailing 28-day mean either way: what an unchanged
planogram is predicted to take stays recognisably what the cabinet took last month (the sanity check of
issue 15 holds predictions within 25 % of it), whatever the longer stretch suggests."""
INDEX_ITERATIONS = 25
RECENCY_HALF_LIFE_DAYS = 28.0
"""A calibration residual's weight halves for every this many days its origin lies before the latest data."""
MIN_CALIBRATION = 8
MIN_ZONE_CALIBRATION = 40
"""Predictions of one kind (zone, age of the level) get their own interval width from this many scores on."""
YOUNG_FROM_DAYS = 7
"""The calibration also predicts from a planogram's first 7, 14 and 21 days: levels read off a young planogram."""
MIN_INDEX_DAYS = 56
"""Calibration origins need this many days of fleet history before them: the fleet index then reads eight weeks,
as it does for every prediction once a fleet has a season of sales (and as the back-test's cut-offs have)."""
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
class FleetIndex:
    """The fleet's weekly revenue per temperature zone, from a two-way fit: each stretch of one planogram in one
    cabinet has a level, each (zone, week) a multiplier, and a stretch's weekly revenue is their product.

    Weeks are counted back from ``end`` (week 0 is the 7 days before it); each zone's multipliers are scaled so
    its last :data:`RECENT_WEEKS` weeks average 1. A day outside the fitted weeks, or of a zone the fleet never
    sold from, counts 1.
    """

    end: date | None = None
    weeks: dict[str, np.ndarray] = field(default_factory=dict)
    trailing_weight: float = DEFAULT_TRAILING_WEIGHT  # the trailing month's say in a level

    def of(self, zone: str, days: Iterable[date]) -> np.ndarray:
        """The index of each day for a cabinet of ``zone``."""
        values = self.weeks.get(zone)
        days = list(days)
        if values is None or self.end is None:
            return np.ones(len(days))
        week = np.array([(self.end - day).days - 1 for day in days], dtype=np.int64) // 7
        inside = (week >= 0) & (week < len(values))
        return np.where(inside, values[np.clip(week, 0, max(len(values) - 1, 0))], 1.0)


@dataclass(frozen=True)
class Calibration:
    """Conformal scores (relative residuals of a horizon's mean daily revenue) and the fleet index.

    ``weights`` (default: all 1) are the scores' recency weights, the test point weighing 1; ``index`` the fleet's
    weekly revenue index the levels read (:class:`FleetIndex`); ``data_days`` the fleet's days with data it was
    measured on (None: not read), reused by :func:`read_cabinet_facts` so a prediction needs no second pass over
    the fleet's sales.
    """

    scores: np.ndarray = field(default_factory=lambda: np.zeros(0))
    weights: np.ndarray | None = None
    index: FleetIndex = field(default_factory=FleetIndex)
    data_days: tuple[date, ...] | None = None
    zones: np.ndarray | None = None  # the temperature zone of each score's cabinet (None: not known)
    young: np.ndarray | None = None  # whether each score's level read fewer than LEVEL_DAYS days (None: none did)

    def half_width(self, alpha: float = ALPHA, zone: str | None = None, young: bool = False) -> float:
        """The weighted conformal quantile: the smallest score whose weight share, out of the scores' total
        weight plus the test point's 1, reaches ``1 - alpha``; with equal weights the ``ceil((n + 1)(1 - alpha))``-th
        smallest score (the largest when that rank exceeds ``n``).

        The scores are those of predictions like this one: ``young`` or not (a level read off a planogram in force
        for under :data:`LEVEL_DAYS` days is noisier than one read off months), and of cabinets of the same
        temperature ``zone`` (a freezer of ice cream swings with the weather far more than a snack cabinet) when
        there are at least :data:`MIN_ZONE_CALIBRATION` of those.
        """
        weights = np.ones(len(self.scores)) if self.weights is None else np.asarray(self.weights, dtype=float)
        chosen = np.ones(len(self.scores), dtype=bool) if self.young is None else self.young == young
        if (
            zone is not None
            and self.zones is not None
            and (chosen & (self.zones == zone)).sum() >= MIN_ZONE_CALIBRATION
        ):
            chosen &= self.zones == zone
        scores, weights = self.scores[chosen], weights[chosen]
        n = len(scores)
        if n < MIN_CALIBRATION:
            return DEFAULT_RELATIVE_HALF_WIDTH
        order = np.argsort(scores, kind="stable")
        share = np.cumsum(weights[order]) / (weights.sum() + 1.0)
        rank = int(np.searchsorted(share, (1 - alpha) - 1e-12))
        return float(scores[order][min(rank, n - 1)])


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
    same_category: dict[str, list[int]] = defaultdict(list)  # only products of one category can be substitutes
    for other in sorted(now | before):
        same_category[catalogue[other].category].append(other)
    factors: dict[int, tuple[float, tuple[int, ...]]] = {}
    for product in sorted(now):
        factor, joined = 1.0, []
        for other in same_category[catalogue[product].category]:
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
        factors[product] = (min(max(factor, LIFT_FLOOR), 1 / LIFT_FLOOR), tuple(joined))
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


def stretch_level(
    values: np.ndarray, index: np.ndarray, trailing_weight: float = DEFAULT_TRAILING_WEIGHT
) -> float | None:
    """What a planogram takes now: its daily revenue over the days it has stood (oldest first, at most
    :data:`INDEX_WEEKS` weeks) divided by the fleet index of each day, geometric blend with the plain mean of
    the last :data:`LEVEL_DAYS` days (weight ``trailing_weight``). None when nothing sold."""
    parts = level_parts(values, index)
    if parts is None:
        return None
    indexed, trailing = parts
    return blend(np.array([indexed]), np.array([trailing]), trailing_weight)[0]


def blend(indexed: np.ndarray, trailing: np.ndarray, trailing_weight: float) -> np.ndarray:
    """The geometric blend of the two levels, kept within :data:`MAX_DEPARTURE` of the trailing mean."""
    level = np.exp((1 - trailing_weight) * np.log(indexed) + trailing_weight * np.log(trailing))
    return np.clip(level, trailing / MAX_DEPARTURE, trailing * MAX_DEPARTURE)


def level_parts(values: np.ndarray, index: np.ndarray) -> tuple[float, float] | None:
    """(index-adjusted stretch level, trailing :data:`LEVEL_DAYS`-day mean), or None when nothing sold."""
    values, index = values[-INDEX_WEEKS * 7 :], index[-INDEX_WEEKS * 7 :]
    trailing = float(values[-LEVEL_DAYS:].mean()) if len(values) else 0.0
    if trailing <= 0 or index.sum() <= 0:
        return None
    indexed = float(values.sum() / index.sum()) * float(index[-LEVEL_DAYS:].mean())
    return (indexed if indexed > 0 else trailing), trailing


def level_factor(
    record: CabinetFacts, in_force_revenue: float, zone: str = "", index: FleetIndex | None = None
) -> float:
    """What the planogram in force takes now (:func:`stretch_level`, on the days with data after it was put in)
    over the model's figure for it, shrunk toward 1 while it has stood only a few days."""
    if record.as_of is None or in_force_revenue <= 0 or record.daily_revenue.empty:
        return 1.0
    window = record.daily_revenue[[d <= record.as_of for d in record.daily_revenue.index]]
    if record.in_force_since is not None:
        window = window[[d > record.in_force_since for d in window.index]]
    days = len(window)
    if days == 0:
        return 1.0
    index = index or FleetIndex()
    level = stretch_level(window.to_numpy(dtype=float), index.of(zone, window.index), index.trailing_weight)
    ratio = max(level if level is not None else 0.0, 1e-6) / in_force_revenue
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
    predicting a proposal so both sides share it. ``changed`` slots widen the interval by their model error.
    """
    history = record.in_force
    if level is None:
        level = baseline_level(scorer, cabinet, catalogue, record, calibration.index)
    raw = model_revenue(scorer, cabinet, planogram, catalogue, record.restock_gaps, history)
    slots = tuple(SlotRevenue(**{**s.__dict__, "units": s.units * level, "revenue": s.revenue * level}) for s in raw)
    total = float(sum(s.revenue for s in slots))
    drift = calibration.half_width(alpha, cabinet.zone.value, stood_days(record) < LEVEL_DAYS)
    changed_set = set(changed)
    if total > 0 and changed_set:
        share_uncertain = sum(s.revenue * (1 - s.confidence) for s in slots if s.position in changed_set) / total
        half = math.sqrt(drift**2 + share_uncertain**2)
    else:
        half = drift
    return RevenuePrediction(total, max(total * (1 - half), 0.0), total * (1 + half), slots, level, half)


def stood_days(record: CabinetFacts) -> int:
    """Days with data the planogram in force has stood (after the day it was put in), up to the facts' window."""
    if record.as_of is None or record.daily_revenue.empty:
        return 0
    since = record.in_force_since
    return sum(1 for d in record.daily_revenue.index if d <= record.as_of and (since is None or d > since))


def baseline_level(
    scorer: PlacementScorer,
    cabinet: Cabinet,
    catalogue: Catalogue,
    record: CabinetFacts,
    index: FleetIndex | None = None,
) -> float:
    """The level factor of the planogram in force (1 without one); ``index``: the calibration's fleet index."""
    if record.in_force is None:
        return 1.0
    in_force = model_revenue(scorer, cabinet, record.in_force, catalogue, record.restock_gaps, record.in_force)
    return level_factor(record, sum(s.revenue for s in in_force), cabinet.zone.value, index)


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


class FleetSales:
    """Every stretch's daily revenue flattened for :meth:`index_at` (one array per field, days as ordinals)."""

    def __init__(self, daily: Mapping[object, pd.Series], zones: Mapping[object, str]) -> None:
        keys = [key for key, series in daily.items() if len(series) and key in zones]
        self.zone_names = sorted({zones[key] for key in keys})
        self.stretches = len(keys)
        counts = [len(daily[key]) for key in keys]
        self.stretch = np.repeat(np.arange(len(keys)), counts)
        self.zone = np.repeat([self.zone_names.index(zones[key]) for key in keys], counts).astype(np.int64)
        self.day = np.concatenate([_ordinals(daily[key].index) for key in keys]) if keys else np.zeros(0, np.int64)
        self.revenue = (
            np.concatenate([daily[key].to_numpy(dtype=float) for key in keys]) if keys else np.zeros(0, dtype=float)
        )

    def index_at(self, end: date) -> FleetIndex:
        """The two-way fit of :class:`FleetIndex` on the :data:`INDEX_WEEKS` weeks before ``end`` (nothing later).

        Alternating maximum likelihood of the multiplicative Poisson model (each step solves one side given the
        other), from index 1 everywhere; :data:`INDEX_ITERATIONS` steps settle it.
        """
        week = (end.toordinal() - self.day - 1) // 7
        used = (week >= 0) & (week < INDEX_WEEKS)
        if not used.any():
            return FleetIndex()
        size = self.stretches * INDEX_WEEKS
        cell_of_day = self.stretch[used] * INDEX_WEEKS + week[used]
        revenue = np.bincount(cell_of_day, self.revenue[used], size)
        days = np.bincount(cell_of_day, minlength=size).astype(float)
        filled = np.flatnonzero(days)
        stretch, week_of = np.divmod(filled, INDEX_WEEKS)
        zone_of_stretch = np.zeros(self.stretches, dtype=np.int64)
        zone_of_stretch[self.stretch] = self.zone
        cell = zone_of_stretch[stretch] * INDEX_WEEKS + week_of
        revenue, days = revenue[filled], days[filled]
        index = np.ones(len(self.zone_names) * INDEX_WEEKS)
        for _ in range(INDEX_ITERATIONS):
            covered = np.bincount(stretch, days * index[cell], self.stretches)
            level = np.bincount(stretch, revenue, self.stretches) / np.maximum(covered, 1e-12)
            expected = np.bincount(cell, days * level[stretch], len(index))
            found = np.bincount(cell, revenue, len(index))
            index = np.where(expected > 0, found / np.maximum(expected, 1e-12), 1.0).reshape(-1, INDEX_WEEKS)
            recent = index[:, :RECENT_WEEKS].mean(axis=1, keepdims=True)
            index = np.where(recent > 0, index / np.where(recent > 0, recent, 1.0), 1.0).ravel()
        table = index.reshape(-1, INDEX_WEEKS)
        return FleetIndex(end, {name: table[z].copy() for z, name in enumerate(self.zone_names)})


def _ordinals(index: pd.Index) -> np.ndarray:
    return np.array([pd.Timestamp(day).toordinal() for day in index], dtype=np.int64)


def fit_fleet_index(daily: Mapping[object, pd.Series], zones: Mapping[object, str]) -> FleetIndex:
    """:class:`FleetIndex` of the weeks before the day after the latest data. ``daily``: each stretch's revenue
    per day with data (``DatetimeIndex``); ``zones``: each stretch's temperature zone."""
    latest = max((pd.Timestamp(s.index[-1]) for s in daily.values() if len(s)), default=None)
    if latest is None:
        return FleetIndex()
    return FleetSales(daily, zones).index_at((latest + pd.Timedelta(days=1)).date())


@dataclass(frozen=True)
class RollingOrigins:
    """Every calibration origin's ingredients, so the scores can be had for any trailing weight."""

    indexed: np.ndarray
    trailing: np.ndarray
    overall: np.ndarray
    shrink: np.ndarray  # the weight of the level against the longer run, as level_factor's against the model
    after: np.ndarray
    ages: np.ndarray
    zones: np.ndarray
    young: np.ndarray

    def scores(self, trailing_weight: float) -> np.ndarray:
        """|actual / predicted - 1| of each origin with this trailing weight."""
        level = blend(self.indexed, self.trailing, trailing_weight)
        predicted = self.overall * np.exp(self.shrink * np.log(level / self.overall))
        return np.abs(self.after / predicted - 1)


def rolling_origins(
    daily: Mapping[object, pd.Series],
    horizon: int = DAYS_PER_MONTH,
    step: int = 7,
    zones: Mapping[object, str] | None = None,
) -> RollingOrigins:
    """Weekly origins in every stretch of one planogram, each predicted from the days before it.

    ``daily`` holds each cabinet's revenue per day with data (a ``DatetimeIndex`` of the fleet's days with data,
    the cabinet's days without a sale as zeros) over a stretch with one planogram in force; ``zones`` each
    stretch's temperature zone. The placement model's figure is the same on both sides, so the prediction is
    :func:`stretch_level` of the days before the origin, read through the fleet index fitted on the days before
    the origin only (on the weekly grid counted back from the latest data, at most six days older), with the same
    shrinkage toward the stretch's longer-run mean that :func:`level_factor` applies toward the model — the
    predictor :func:`predict_revenue` uses — and compared with the mean of the next ``horizon`` days. The age of
    an origin is the days from it to the day after the latest data (where the next prediction's origin lies).
    """
    zones = zones or {}
    rows: list[tuple[float, float, float, float, float, float, str, bool]] = []
    latest = max((pd.Timestamp(s.index[-1]) for s in daily.values() if len(s)), default=None)
    if latest is not None:
        following = (latest + pd.Timedelta(days=1)).date()
        first = min(pd.Timestamp(s.index[0]) for s in daily.values() if len(s)).date()
        sales = FleetSales(daily, zones)
        indexes: dict[date, FleetIndex] = {}
        for key, series in daily.items():
            values = series.to_numpy(dtype=float)
            if len(values) < YOUNG_FROM_DAYS + horizon or values.sum() <= 0:
                continue
            days = [pd.Timestamp(d).date() for d in series.index]
            for origin in range(YOUNG_FROM_DAYS, len(values) - horizon + 1, step):
                day = days[origin - 1] + timedelta(days=1)
                overall = values[:origin].mean()  # the longer run known at the origin: nothing from after it
                if (day - first).days < MIN_INDEX_DAYS or overall <= 0:
                    continue
                end = following - timedelta(days=7 * -(-(following - day).days // 7))  # on the grid, not after day
                if end not in indexes:
                    indexes[end] = sales.index_at(end)
                parts = level_parts(values[:origin], indexes[end].of(zones.get(key, ""), days[:origin]))
                after = values[origin : origin + horizon].mean()
                if parts is None or after <= 0:
                    continue
                shrink = min(origin, INDEX_WEEKS * 7) / (min(origin, INDEX_WEEKS * 7) + LEVEL_PRIOR_DAYS)
                age = float((following - day).days)
                rows.append((*parts, overall, shrink, after, age, zones.get(key, ""), origin < LEVEL_DAYS))
    columns = list(zip(*rows, strict=True)) if rows else [[] for _ in range(8)]
    return RollingOrigins(
        *(np.array(column, dtype=float) for column in columns[:6]),
        np.array(columns[6], dtype=object),
        np.array(columns[7], dtype=bool),
    )


def calibrate(
    daily: Mapping[object, pd.Series],
    horizon: int = DAYS_PER_MONTH,
    data_days: tuple[date, ...] | None = None,
    zones: Mapping[object, str] | None = None,
) -> Calibration:
    """The fleet index and the rolling-origin scores, weighted by recency (half-life
    :data:`RECENCY_HALF_LIFE_DAYS`)."""
    origins = rolling_origins(daily, horizon, zones=zones)
    index = fit_fleet_index(daily, zones or {})
    scores = origins.scores(index.trailing_weight)
    return Calibration(
        scores, 0.5 ** (origins.ages / RECENCY_HALF_LIFE_DAYS), index, data_days, origins.zones, origins.young
    )


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
    repository = FleetRepository(engine)
    zone_of = {
        (int(device), cabinet.index): cabinet.zone.value
        for device in sorted({int(d) for d in frame["device"]})
        for cabinet in repository.cabinets(device)
    }
    stretches: dict[object, pd.Series] = {}
    zones: dict[object, str] = {}
    for (device, cabinet), group in frame.groupby(["device", "cabinet"]):
        series = group.set_index("day")["revenue"].sort_index()
        span = with_data[(with_data >= series.index.min()) & (with_data <= series.index.max())]
        series = series.reindex(span, fill_value=0.0)  # the fleet's days with data: a gap is not a zero
        cuts = sorted(s for s in starts.get((int(device), int(cabinet)), []) if s > series.index.min())
        bounds = [series.index.min(), *cuts, series.index.max() + pd.Timedelta(days=1)]
        for number, (start, stop) in enumerate(itertools.pairwise(bounds)):
            piece = series[(series.index > start if number else series.index >= start) & (series.index < stop)]
            stretches[(device, cabinet, number)] = piece  # the change day itself mixes two planograms
            zones[(device, cabinet, number)] = zone_of.get((int(device), int(cabinet)), "")
    return calibrate(stretches, horizon, known, zones)
