"""Substitutes from the fleet's history: does a product sell less on the days its rival is carried?

The evidence is the fleet's *slot-days*: one product in one slot of one device, on one day, with

- ``y``: the vends that opened a basket — the shopper's first choice. Items added to a basket follow another
  product (a complement's pull), so counting them would read a partner's presence as a rival's absence;
- ``e``: exposure in demand-days on the device's own hour-of-week clock (:class:`ai.demand_clock.DemandClock`),
  with the hours the slot stood sold out (``stockouts``) taken out: censored demand is not read as low demand.

A multiplicative Poisson model with no rivals is fitted first (iterative proportional fitting, which is the
maximum-likelihood fit of a log-linear model with these factors):

    expected = e × device-day × product × category·location-type × row·cabinet-height × column·cabinet-width
                 × category·week × category·weather-region·week

The device-day factor takes a machine's traffic, weekday, holidays and busy days; the product and its
category's taste at that kind of site its level; row and column the placement; the category's week the season
and the weather, which move ice cream and hot coffee in opposite directions, fleet-wide and — shrunk hard —
per weather region (the weather series a device shares with its neighbours, when the database records one).

Then each same-category pair (a, b) is tested. Conditional on a product's total units (which removes its own
level, the product fixed effect), its units on days its rival is carried versus not are binomial given the
expected units in each state; both directions share one rate ratio ρ (a substitute costs both). The
likelihood-ratio statistic, signed, is read against the empirical null of all tested pairs (its spread, at
least 1: unmodelled differences between devices widen it beyond N(0, 1)); one-sided p-values are controlled
for false discoveries by Benjamini–Hochberg at :data:`FALSE_DISCOVERY_RATE`. Selection is forward: the
strongest discovery's effect is put into the expectations and the others re-tested, so products that tend to
be stocked alongside a real rival do not inherit its evidence. Sufficient statistics for all pairs come from
one sparse product (products × device-days) @ (device-days × products): no loop over pairs.

"Carried" is the planogram (at least half of the day), not the stock level: the user's decision is what to
put in the machine.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import sparse, stats

from ai.demand_clock import HOURS_PER_WEEK, SECONDS_PER_HOUR, DemandClock
from storage.database import Engine
from storage.fleet_history import slot_records
from storage.holidays_and_weather import weather_regions
from storage.model_fingerprints import fleet_history_stamp

if TYPE_CHECKING:
    from ai.fleet_figures import FleetFigures

FALSE_DISCOVERY_RATE = 0.05
MAX_RATE_RATIO = 0.9
"""A flagged pair's shared rate ratio is at most this: a substitute costs its rival a noticeable share."""
DETECTABLE_RATIO = 0.75
DETECTABLE_Z = 1.0
"""A pair is tested (and counted by Benjamini–Hochberg) only when its evidence could show a 25 % drop at
z ≥ 1. The information at ρ = 1 depends on where and how much a product sold, not on how its sales split
between the two states, so this filter does not bias the test (independent filtering); it keeps pairs that
were (almost) never carried apart out of the false-discovery count."""
CARRIED_SHARE = 0.5
"""A product counts as carried on a device-day when its slots stood in the planogram this share of the day."""
FIT_ROUNDS = 10
FIT_TOLERANCE = 1e-3
"""Fitting stops after FIT_ROUNDS rounds (the log-likelihood is then within a few units of its maximum on a
40-device fleet) or sooner, when no factor level moves by more than 0.1 % in a round."""
PRIOR_UNITS = {
    "device_day": 0.5,
    "product": 0.5,
    "taste": 5.0,
    "row": 5.0,
    "column": 5.0,
    "season": 5.0,
    "local_season": 100.0,
}
"""Each factor is shrunk toward 1 by this many expected units: a level seen on one quiet day stays near 1. The
weather region's own season (on top of the fleet's) needs much evidence, because a region of three devices
would otherwise explain away the very differences between devices that show a rival."""
HOURS_FROM_MONDAY_2000 = 5 * 24
"""Timestamps are read as hours since 2000-01-01, a Saturday: that hour is hour 120 of its week."""

_SLOT = ["device", "cabinet", "position", "product"]


@dataclass(frozen=True)
class FleetDays:
    """Slot-days of the whole fleet, coded for the model, and what each device carried each day."""

    product_ids: np.ndarray
    device_ids: np.ndarray
    days: int  # days on the fleet's calendar; device-day = device index × days + day
    device_day: np.ndarray  # per slot-day
    product: np.ndarray  # column into product_ids
    units: np.ndarray
    exposure: np.ndarray
    row: np.ndarray  # code of (cabinet rows, row)
    column: np.ndarray  # code of (cabinet columns, column)
    location: np.ndarray  # location-type code of the device
    region: np.ndarray  # weather-region code of the device
    week: np.ndarray
    carried: sparse.csr_matrix  # device-days × products, 1 where on the planogram

    @property
    def device_days(self) -> int:
        return len(self.device_ids) * self.days


@dataclass(frozen=True)
class RivalPair:
    """A flagged pair (product ids a < b): the shared rate ratio ρ (sales while the other is carried over
    sales while it is not) with its 95 % interval, each direction's own ratio, the signed z, the BH-adjusted
    p-value, and the device-days the pair was carried together and apart (one without the other)."""

    a: int
    b: int
    ratio: float
    ci: tuple[float, float]
    ratio_a: float
    ci_a: tuple[float, float]
    ratio_b: float
    ci_b: tuple[float, float]
    z: float
    q_value: float
    days_together: int
    days_apart: int

    @property
    def drop(self) -> float:
        """The relative fall in first-choice sales per exposed day when both are carried."""
        return float(1 - self.ratio)


# --- reading the fleet ------------------------------------------------------------------------------------------


def fleet_days(engine: Engine) -> FleetDays | None:
    """Read the fleet's planograms, sales and stock-outs as slot-days (None when there is nothing to read)."""
    records = slot_records(engine)
    slots, sales, stockouts, shapes = records.slots, records.sales, records.stockouts, records.shapes
    locations = records.locations
    slots = slots.dropna(subset=["product"])
    if slots.empty or sales.empty:
        return None
    slots["product"] = slots["product"].astype(np.int64)
    bounds = sales.groupby("device")["at"].agg(first="min", last="max").reset_index()
    # a version runs until the cabinet's next activation, the last one until the device's latest sale
    following = slots.groupby(["device", "cabinet", "version"])["start"].first().rename("next").reset_index()
    following["version"] -= 1
    slots = slots.merge(following, on=["device", "cabinet", "version"], how="left").merge(bounds, on="device")
    slots["start"] = np.maximum(slots["start"], np.floor(slots["first"] / 24) * 24)
    slots["end"] = np.minimum(slots["next"].fillna(slots["last"]), slots["last"])
    slots = slots[slots["end"] > slots["start"]]
    if slots.empty:
        return None

    device_ids = np.sort(bounds["device"].to_numpy(dtype=np.int64))
    clock = _clock(sales, device_ids)
    first_day = int(np.floor(slots["start"].min() / 24))
    days = int(np.floor(bounds["last"].max() / 24)) - first_day + 1

    def by_day(frame: pd.DataFrame) -> pd.DataFrame:
        """Split [start, end) intervals at midnights: one row per slot and day, with demand-days and day share."""
        start, end = frame["start"].to_numpy(), frame["end"].to_numpy()
        first = np.floor(start / 24).astype(np.int64)
        count = np.floor((end - 1e-9) / 24).astype(np.int64) - first + 1
        rows = np.repeat(np.arange(len(frame)), count)
        day = first[rows] + np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
        lo, hi = np.maximum(start[rows], day * 24.0), np.minimum(end[rows], day * 24.0 + 24.0)
        out = frame.iloc[rows][_SLOT].reset_index(drop=True)
        out["day"] = day - first_day
        device = np.searchsorted(device_ids, out["device"].to_numpy())
        out["exposure"] = clock.days_between(device, _seconds(lo), _seconds(hi))
        out["share"] = (hi - lo) / 24.0
        return out

    grid = by_day(slots[[*_SLOT, "start", "end"]]).groupby([*_SLOT, "day"], as_index=False)[["exposure", "share"]].sum()
    if not stockouts.empty:
        stockouts["product"] = stockouts["product"].astype(np.int64)
        stockouts = stockouts.merge(bounds[["device", "last"]], on="device")
        stockouts["end"] = np.minimum(stockouts["end"].to_numpy(dtype=float), stockouts["last"])
        stockouts["end"] = stockouts["end"].fillna(stockouts["last"])
        stockouts = stockouts[stockouts["end"] > stockouts["start"]]
        lost = by_day(stockouts[[*_SLOT, "start", "end"]]).groupby([*_SLOT, "day"], as_index=False)["exposure"].sum()
        grid = grid.merge(lost.rename(columns={"exposure": "lost"}), on=[*_SLOT, "day"], how="left")
        grid["exposure"] = np.maximum(grid["exposure"] - grid["lost"].fillna(0.0), 0.0)
    # first choices: the earliest vend of each basket
    heads = sales.sort_values(["device", "basket", "at"], kind="stable").drop_duplicates(["device", "basket"])
    heads = heads.assign(day=np.floor(heads["at"].to_numpy() / 24).astype(np.int64) - first_day)
    sold = heads.groupby([*_SLOT, "day"], as_index=False)["quantity"].sum()
    grid = grid.merge(sold, on=[*_SLOT, "day"], how="left").merge(shapes, on=["device", "cabinet"], how="left")

    product_ids = np.unique(grid["product"].to_numpy(dtype=np.int64))
    device = np.searchsorted(device_ids, grid["device"].to_numpy())
    product = np.searchsorted(product_ids, grid["product"].to_numpy(dtype=np.int64))
    device_day = device * days + grid["day"].to_numpy()
    position, labels = pd.factorize(grid["position"].astype(str))  # a few hundred labels: parse those only
    row = np.array([ord(label[0].upper()) - ord("A") for label in labels], dtype=np.int64)[position]
    column = np.array([int(label[1:]) if label[1:].isdigit() else 1 for label in labels], dtype=np.int64)[position]
    kinds = pd.factorize(pd.Series([locations.get(int(d), "") for d in device_ids]))[0]
    regions = weather_regions(engine)
    region = pd.factorize(pd.Series([regions.get(int(d), "") for d in device_ids]))[0]
    share = sparse.csr_matrix(
        (grid["share"].to_numpy(), (device_day, product)), shape=(len(device_ids) * days, len(product_ids))
    )
    carried = (share >= CARRIED_SHARE).astype(np.float64).tocsr()
    carried.eliminate_zeros()
    return FleetDays(
        product_ids,
        device_ids,
        days,
        device_day,
        product,
        grid["quantity"].fillna(0.0).to_numpy(dtype=float),
        grid["exposure"].to_numpy(dtype=float),
        pd.factorize(grid["rows"].fillna(0).astype(np.int64) * 100 + row)[0],
        pd.factorize(grid["columns"].fillna(0).astype(np.int64) * 100 + column)[0],
        kinds[device],
        region[device],
        grid["day"].to_numpy() // 7,
        carried,
    )


def _seconds(hours: np.ndarray) -> np.ndarray:
    """Hours since 2000-01-01 → seconds since a Monday midnight, as :class:`DemandClock` reads time."""
    return np.round((np.asarray(hours) + HOURS_FROM_MONDAY_2000) * SECONDS_PER_HOUR).astype(np.int64)


def _clock(sales: pd.DataFrame, device_ids: np.ndarray) -> DemandClock:
    hour = (np.floor(sales["at"].to_numpy()).astype(np.int64) + HOURS_FROM_MONDAY_2000) % HOURS_PER_WEEK
    counts = np.zeros((len(device_ids), HOURS_PER_WEEK))
    np.add.at(
        counts, (np.searchsorted(device_ids, sales["device"].to_numpy()), hour), sales["quantity"].to_numpy(float)
    )
    return DemandClock.from_sales(counts)


# --- the model --------------------------------------------------------------------------------------------------


def expected_units(fleet: FleetDays, category: Mapping[int, str]) -> np.ndarray:
    """Each slot-day's expected first-choice units with no rivals, by iterative proportional fitting."""
    labels = pd.factorize(pd.Series([category.get(int(p), "") for p in fleet.product_ids]))[0]
    group = labels[fleet.product]
    factors = {
        "device_day": fleet.device_day,
        "product": fleet.product,
        "taste": group * (int(fleet.location.max()) + 1) + fleet.location,
        "row": fleet.row,
        "column": fleet.column,
        "season": group * (int(fleet.week.max()) + 1) + fleet.week,
        "local_season": (group * (int(fleet.region.max()) + 1) + fleet.region) * (int(fleet.week.max()) + 1)
        + fleet.week,
    }
    use = fleet.exposure > 0
    units = np.where(use, fleet.units, 0.0)
    mean = np.where(use, fleet.exposure, 0.0)
    levels = {name: np.ones(int(code.max()) + 1) for name, code in factors.items()}
    for _ in range(FIT_ROUNDS):
        largest = 0.0
        for name, code in factors.items():
            observed = np.bincount(code, units, minlength=len(levels[name]))
            expected = np.bincount(code, mean, minlength=len(levels[name]))
            prior = PRIOR_UNITS[name]
            change = (observed + prior) / (expected + prior)
            if name not in ("device_day", "product"):  # identified up to scale: keep the placement factors' mean 1
                change /= np.exp(np.mean(np.log(change * levels[name]))) / np.exp(np.mean(np.log(levels[name])))
            levels[name] *= change
            mean *= change[code]
            largest = max(largest, float(np.abs(np.log(change)).max()))
        if largest < FIT_TOLERANCE:
            break
    return mean


@dataclass(frozen=True)
class _Evidence:
    """Per ordered pair (a, b): a's units and expected units on device-days b was carried, and in total."""

    with_rival: np.ndarray
    expected_with: np.ndarray
    total: np.ndarray
    expected_total: np.ndarray


def _evidence(fleet: FleetDays, units: sparse.csr_matrix, expected: sparse.csr_matrix) -> _Evidence:
    return _Evidence(
        _on_carried_days(units, fleet.carried),
        _on_carried_days(expected, fleet.carried),
        np.asarray(units.sum(axis=1)).ravel(),
        np.asarray(expected.sum(axis=1)).ravel(),
    )


def _on_carried_days(values: sparse.csr_matrix, carried: sparse.csr_matrix, block: int = 50_000) -> np.ndarray:
    """products × products: row a's values summed over the device-days column b was carried (sparse @ dense,
    in blocks of device-days so a large fleet's carried matrix is never dense at once)."""
    out = np.zeros((values.shape[0], carried.shape[1]))
    values = values.tocsc()
    for start in range(0, carried.shape[0], block):
        stop = min(start + block, carried.shape[0])
        out += values[:, start:stop] @ carried[start:stop].toarray()
    return out


def _rate_ratio(y1: np.ndarray, y0: np.ndarray, m1: np.ndarray, m0: np.ndarray) -> tuple[np.ndarray, ...]:
    """Conditional (binomial) maximum likelihood of one log rate ratio per cell, summed over the first axis:
    y1 ~ Bin(y1 + y0, m1·ρ / (m1·ρ + m0)). Returns log ρ, the likelihood-ratio statistic against ρ = 1, the
    Fisher information at the estimate and at ρ = 1 (which does not depend on how the units split)."""
    valid = (m1 > 1e-9) & (m0 > 1e-9)
    y1, y0 = np.where(valid, y1, 0.0), np.where(valid, y0, 0.0)
    m1, m0 = np.where(valid, m1, 1.0), np.where(valid, m0, 1.0)
    n = y1 + y0

    def share(beta: np.ndarray) -> np.ndarray:
        return m1 / (m1 + m0 * np.exp(-beta))

    def loglik(beta: np.ndarray) -> np.ndarray:
        p = np.clip(share(beta), 1e-300, 1 - 1e-16)
        return (y1 * np.log(p) + y0 * np.log1p(-p)).sum(axis=0)

    beta = np.zeros(y1.shape[1:])
    p = share(beta)
    null_information = (n * p * (1 - p)).sum(axis=0)
    for _ in range(40):
        p = share(beta)
        information = (n * p * (1 - p)).sum(axis=0)
        step = np.clip((y1 - n * p).sum(axis=0) / np.maximum(information, 1e-12), -1.0, 1.0)
        beta = np.clip(beta + step, -6.0, 6.0)
        if np.abs(step).max(initial=0.0) < 1e-8:
            break
    p = share(beta)
    information = (n * p * (1 - p)).sum(axis=0)
    statistic = np.maximum(2 * (loglik(beta) - loglik(np.zeros_like(beta))), 0.0)
    return beta, statistic, information, null_information


def _directions(evidence: _Evidence) -> tuple[np.ndarray, ...]:
    """Both directions of every pair stacked on the first axis: (a given b) and (b given a)."""
    y1 = evidence.with_rival
    m1 = evidence.expected_with
    y0 = evidence.total[:, None] - y1
    m0 = evidence.expected_total[:, None] - m1
    return tuple(np.stack([x, x.T]) for x in (y1, y0, m1, m0))


def find_rivals(fleet: FleetDays | None, category: Mapping[int, str]) -> list[RivalPair]:
    """Same-category pairs whose first-choice sales fall on the days the other is carried, strongest first."""
    if fleet is None or len(fleet.product_ids) < 2:
        return []
    ids = fleet.product_ids
    n = len(ids)
    labels = np.array([category.get(int(p), "") for p in ids], dtype=object)
    candidates = np.triu((labels[:, None] == labels[None, :]) & (labels[:, None] != ""), 1)
    shape = (n, fleet.device_days)
    units = sparse.csr_matrix((fleet.units, (fleet.product, fleet.device_day)), shape=shape)
    mean = expected_units(fleet, category)
    expected = sparse.csr_matrix((mean, (fleet.product, fleet.device_day)), shape=shape)

    evidence = _evidence(fleet, units, expected)
    beta, statistic, _, information = _rate_ratio(*_directions(evidence))
    # independent filtering: only pairs whose evidence could show a planted-size drop are tested (and counted)
    tested = candidates & (information * np.log(DETECTABLE_RATIO) ** 2 >= DETECTABLE_Z**2)
    if not tested.any():
        return []
    z = np.sign(beta) * np.sqrt(statistic)
    spread = max(1.4826 * float(np.median(np.abs(z[tested] - np.median(z[tested])))), 1.0)
    m = int(tested.sum())
    accepted: list[tuple[int, int, float, float]] = []  # (a, b, ρ, p) in order of discovery
    while True:
        p = np.where(tested, stats.norm.cdf(z / spread), 1.0)
        for a, b, *_ in accepted:
            p[a, b] = 1.0
        p = np.where(np.exp(beta) <= MAX_RATE_RATIO, p, 1.0)
        a, b = np.unravel_index(int(np.argmin(p)), p.shape)
        # Benjamini–Hochberg: the next discovery must pass at its rank among all tested pairs
        if p[a, b] > FALSE_DISCOVERY_RATE * (len(accepted) + 1) / m:
            break
        ratio = float(np.exp(beta[a, b]))
        accepted.append((int(a), int(b), ratio, float(p[a, b])))
        # put the discovery in the expectations: a's and b's days together were ρ times the no-rival rate
        expected = _scale_rows(expected, (a, b), _together(fleet, a, b), ratio)
        beta, statistic, *_ = _rate_ratio(*_directions(_evidence(fleet, units, expected)))
        z = np.sign(beta) * np.sqrt(statistic)
    return _report(fleet, units, expected, accepted, spread, m)


def _report(
    fleet: FleetDays,
    units: sparse.csr_matrix,
    expected: sparse.csr_matrix,
    accepted: list[tuple[int, int, float, float]],
    spread: float,
    tested: int,
) -> list[RivalPair]:
    """Each discovery's estimates with every other discovery in the expectations, and its BH q-value."""
    ids = fleet.product_ids
    ranked = sorted(p for *_, p in accepted)
    q_by_rank = np.minimum.accumulate([ranked[k] * tested / (k + 1) for k in range(len(ranked))][::-1])[::-1]
    q_of = dict(zip(ranked, np.minimum(q_by_rank, 1.0), strict=True))
    out = []
    for a, b, ratio, p in accepted:
        together = _together(fleet, a, b)
        own = _scale_rows(expected, (a, b), together, 1.0 / ratio)
        y1, y0, m1, m0 = (x[:, [a], [b]] for x in _directions(_evidence(fleet, units, own)))
        shared, _, information, _ = _rate_ratio(y1, y0, m1, m0)
        single = [_rate_ratio(y1[[k]], y0[[k]], m1[[k]], m0[[k]]) for k in range(2)]
        carried = fleet.carried[:, [a, b]].toarray() > 0
        out.append(
            RivalPair(
                int(ids[a]),
                int(ids[b]),
                float(np.exp(shared[0])),
                _interval(shared[0], information[0], spread),
                _ratio(single[0]),
                _interval(single[0][0][0], single[0][2][0], spread),
                _ratio(single[1]),
                _interval(single[1][0][0], single[1][2][0], spread),
                float(stats.norm.ppf(p)),
                float(q_of[p]),
                int(carried.all(axis=1).sum()),
                int((carried[:, 0] ^ carried[:, 1]).sum()),
            )
        )
    return sorted(out, key=lambda pair: pair.z)


def _ratio(fit: tuple[np.ndarray, ...]) -> float:
    """One direction's rate ratio, NaN when that product never sold without (or with) its rival."""
    beta, _, information, _ = fit
    return float(np.exp(beta[0])) if information[0] > 1e-9 else float("nan")


def _together(fleet: FleetDays, a: int, b: int) -> np.ndarray:
    """Device-days on which both products were carried (0/1)."""
    return (fleet.carried[:, [a, b]].toarray() > 0).all(axis=1).astype(float)


def _scale_rows(
    expected: sparse.csr_matrix, rows: tuple[int, int], days: np.ndarray, ratio: float
) -> sparse.csr_matrix:
    """``expected`` with the given rows' entries on the marked device-days multiplied by ``ratio``."""
    out = expected.copy()
    for row in rows:
        start, end = out.indptr[row], out.indptr[row + 1]
        marked = days[out.indices[start:end]] > 0
        out.data[start:end] = np.where(marked, out.data[start:end] * ratio, out.data[start:end])
    return out


def _interval(beta: float, information: float, spread: float) -> tuple[float, float]:
    """95 % interval of exp(beta), its standard error widened by the empirical null's spread."""
    if not information > 1e-9:
        return (float("nan"), float("nan"))
    half = 1.96 * spread / np.sqrt(information)
    return (float(np.exp(beta - half)), float(np.exp(beta + half)))


_CACHE: dict[tuple, list[RivalPair]] = {}
_LOCK = threading.Lock()


def fleet_rivals(engine: Engine, category: Mapping[int, str], figures: FleetFigures | None = None) -> list[RivalPair]:
    """:func:`find_rivals` of the fleet, cached until the sales, stock-outs or planograms change.

    With ``figures`` (the endpoints' :meth:`ai.services.Services.fleet_figures`) they are kept under the data
    fingerprint the request read: counting the fleet's sales for the stamp below took most of a warm answer's time
    (235 ms of 310 on 500 machines), in proportion to the fleet rather than to the device asked about.
    """
    if figures is not None:
        return figures.of(_rivals_of_fleet, tuple(sorted(category.items())))
    stamp = fleet_history_stamp(engine)
    key = (str(engine.url), id(engine), stamp, tuple(sorted(category.items())))
    with _LOCK:
        if key in _CACHE:
            return _CACHE[key]
    rivals = find_rivals(fleet_days(engine), category)
    with _LOCK:
        if len(_CACHE) > 8:
            _CACHE.clear()
        _CACHE[key] = rivals
    return rivals


def _rivals_of_fleet(engine: Engine, category: tuple[tuple[int, str], ...]) -> list[RivalPair]:
    return find_rivals(fleet_days(engine), dict(category))
