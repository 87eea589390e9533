"""Substitutes from the fleet's history: does a product sell less where and while its rival is carried?

Within one device a planted pair of rivals is usually carried together the whole time, so a device's own
days cannot show the penalty. The fleet can: devices carry different products, and planograms change part
way through history (version 1 archived → version 2 active, products swapped in and out). The unit here is
a *device-period*: the stretch of a device's history between two planogram activations, in which the set
of carried products is fixed.

For each device-period o and product p:

- ``y[o, p]``: units sold;
- ``hours[o, p]``: slot-hours on sale — each slot's hours in the period minus its hours sold out
  (``stockouts``), summed over the product's slots;
- ``e[o, p] = hours[o, p] × pace[o]``, where ``pace[o]`` is the device's units per slot-hour in the period:
  the exposure-adjusted opportunity, so a busy device or a busy stretch is not read as a rival's absence.

The observations are slot-periods (one product in one slot of one device, within one device-period). For
each product a, one Poisson regression over its slot-periods has the offset log(e × the slot row's placement
effect — raked from the fleet: product × location-type rates against row effects), intercepts per location
type (location taste for the category), a trend in the period's mid-time (the season moves a category's
sales between planogram versions) and one "carried in this period" indicator per other product of a's
category, so each candidate rival's rate ratio exp(β) is read with the others held fixed. Standard errors
are the larger of quasi-Poisson (Pearson dispersion) and the cluster-robust sandwich by device. The two
directions of a pair are combined as in :func:`find_rivals`. One small regression per product: no loop
over pairs, and the fleet's answer is cached (:func:`fleet_rivals`) until its sales or planograms change.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse
from sqlalchemy import Engine, func, select

from storage.tables import CabinetRecord, Device, PlanogramRecord, PlanogramSlotRecord, SaleRecord, StockoutRecord

MIN_PERIOD_HOURS = 72.0
"""A device-period shorter than three days is too short to say anything; a product with fewer slot-hours in a
period than this is not counted as carried there (a stray vend on a change day)."""
MIN_STATE_PERIODS = 2
"""Each state (rival carried / not carried) needs this many device-periods."""
MIN_STATE_UNITS = 20
ROBUST = True
RIVAL_Z = 2.8
"""Combined (Stouffer) z against the empirical null at most −2.8: about one chance pair in 400 tested."""
MAX_RATE_RATIO = 0.9
"""Both directions' point estimates at most this: a substitute costs its rival a noticeable share."""


@dataclass(frozen=True)
class FleetPeriods:
    """Device-periods × products (units, on-sale slot-hours, opportunity = slot-hours × device pace), and the
    same per *stratum* — one product in one slot of one device — × device-period, for within-slot comparisons."""

    product_ids: np.ndarray
    device: np.ndarray  # device id of each period
    units: np.ndarray
    hours: np.ndarray
    opportunity: np.ndarray
    stratum_product: np.ndarray  # column (into product_ids) of each stratum
    stratum_units: sparse.csr_matrix  # strata × periods
    stratum_opportunity: sparse.csr_matrix
    stratum_placement: np.ndarray  # index of (rows in cabinet, row) of each stratum's slot
    period_location: np.ndarray  # index of the device's location type, per period
    period_middle: np.ndarray  # hours since 2000 at the middle of each period

    @property
    def carried(self) -> np.ndarray:
        return self.hours >= MIN_PERIOD_HOURS


@dataclass(frozen=True)
class RivalPair:
    """A flagged pair (product ids a < b) with each direction's rate ratio: a's rate while b is carried over
    its rate while b is not (``ratio_a``), and b's likewise; 95 % intervals and z; the combined z."""

    a: int
    b: int
    ratio_a: float
    ci_a: tuple[float, float]
    z_a: float
    ratio_b: float
    ci_b: tuple[float, float]
    z_b: float
    z: float
    periods_together: int
    periods_apart: int

    @property
    def drop(self) -> float:
        """The larger relative fall in sales per opportunity when the rival is carried."""
        return float(1 - np.nanmin([self.ratio_a, self.ratio_b]))


def _hours(column, engine: Engine):
    """A timestamp column as hours since 2000-01-01 (computed by SQLite itself when it can: no row parsing)."""
    if engine.dialect.name == "sqlite":
        return (func.julianday(column) - func.julianday("2000-01-01")) * 24.0
    return column


def _as_hours(values: pd.Series, engine: Engine) -> np.ndarray:
    if engine.dialect.name == "sqlite":
        return pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    return ((pd.to_datetime(values) - pd.Timestamp("2000-01-01")) / pd.Timedelta(hours=1)).to_numpy(dtype=float)


def _frame(connection, query, columns: list[str]) -> pd.DataFrame:
    """The query's rows as a frame. On SQLite the driver's own cursor reads them (SQLAlchemy's row objects
    cost several times the fetch itself on a fleet's sales); the query has no user input to bind."""
    if connection.dialect.name == "sqlite":
        cursor = connection.connection.driver_connection.cursor()
        try:
            cursor.execute(str(query.compile(connection, compile_kwargs={"literal_binds": True})))
            rows = cursor.fetchall()
        finally:
            cursor.close()
    else:
        rows = [tuple(row) for row in connection.execute(query)]
    return pd.DataFrame(rows, columns=columns)


def fleet_periods(engine: Engine) -> FleetPeriods:
    """Read planograms, sales and stock-outs of the whole fleet and cut each device's history at its
    planogram activations."""
    slot_key = ["device", "cabinet", "position", "product"]
    with engine.connect() as connection:
        slots = _frame(
            connection,
            (
                select(
                    PlanogramRecord.device_id,
                    PlanogramRecord.cabinet_index,
                    PlanogramRecord.version,
                    _hours(PlanogramRecord.activated_at, engine),
                    PlanogramSlotRecord.position,
                    PlanogramSlotRecord.product_id,
                )
                .join(PlanogramRecord, PlanogramRecord.id == PlanogramSlotRecord.planogram_id)
                .where(PlanogramRecord.status.in_(("active", "archived")), PlanogramRecord.activated_at.is_not(None))
            ),
            ["device", "cabinet", "version", "start", "position", "product"],
        )
        sales = _frame(
            connection,
            (
                select(
                    SaleRecord.device_id,
                    SaleRecord.cabinet_index,
                    SaleRecord.position,
                    SaleRecord.product_id,
                    _hours(SaleRecord.sold_at, engine),
                    SaleRecord.quantity,
                )
            ),
            [*slot_key, "at", "quantity"],
        )
        stockouts = _frame(
            connection,
            (
                select(
                    StockoutRecord.device_id,
                    StockoutRecord.cabinet_index,
                    StockoutRecord.position,
                    StockoutRecord.product_id,
                    _hours(StockoutRecord.sold_out_at, engine),
                    _hours(StockoutRecord.restocked_at, engine),
                )
            ),
            [*slot_key, "start", "end"],
        )
        shapes = _frame(
            connection,
            (select(CabinetRecord.device_id, CabinetRecord.cabinet_index, CabinetRecord.rows)),
            ["device", "cabinet", "rows"],
        )
        locations = dict(connection.execute(select(Device.id, Device.location_type)).all())
    empty = FleetPeriods(
        np.zeros(0, np.int64),
        np.zeros(0, np.int64),
        *(np.zeros((0, 0)),) * 3,
        np.zeros(0, np.int64),
        sparse.csr_matrix((0, 0)),
        sparse.csr_matrix((0, 0)),
        np.zeros(0, np.int64),
        np.zeros(0, np.int64),
        np.zeros(0),
    )
    slots = slots.dropna(subset=["product"])
    if slots.empty or sales.empty:
        return empty
    slots["product"] = slots["product"].astype(np.int64)
    slots["start"] = _as_hours(slots["start"], engine)
    sales["at"] = _as_hours(sales["at"], engine)
    bounds = sales.groupby("device")["at"].agg(first="min", last="max").reset_index()
    # a version runs until the cabinet's next activation, the last one until the device's latest sale
    nxt = slots.groupby(["device", "cabinet", "version"])["start"].first().rename("next").reset_index()
    nxt["version"] -= 1
    slots = slots.merge(nxt, on=["device", "cabinet", "version"], how="left").merge(bounds, on="device")
    slots["start"] = np.maximum(slots["start"], np.floor(slots["first"]))
    slots["end"] = slots["next"].fillna(slots["last"])
    slots = slots[slots["end"] > slots["start"]]

    # device-periods: cut at every activation inside the device's history
    cuts = (
        pd.concat([slots[["device", "start"]], slots[["device", "end"]].rename(columns={"end": "start"})])
        .drop_duplicates()
        .sort_values(["device", "start"])
    )
    cuts["stop"] = cuts.groupby("device")["start"].shift(-1)
    periods = cuts.dropna(subset=["stop"])
    periods = periods[periods["stop"] - periods["start"] >= MIN_PERIOD_HOURS].reset_index(drop=True)
    if periods.empty:
        return empty
    periods["period"] = np.arange(len(periods))

    product_ids = np.unique(slots["product"].to_numpy(dtype=np.int64))
    strata = slots[slot_key].drop_duplicates().reset_index(drop=True)
    strata["stratum"] = np.arange(len(strata))
    n_periods, n_strata = len(periods), len(strata)

    def overlap(frame: pd.DataFrame) -> pd.DataFrame:
        joined = frame.merge(periods, on="device", suffixes=("", "_p"))
        joined["hours"] = np.minimum(joined["end"], joined["stop"]) - np.maximum(joined["start_p"], joined["start"])
        return joined[joined["hours"] > 0].merge(strata, on=slot_key)

    def grid(frame: pd.DataFrame, values: np.ndarray) -> sparse.csr_matrix:
        return sparse.csr_matrix(
            (values, (frame["stratum"].to_numpy(), frame["period"].to_numpy())), shape=(n_strata, n_periods)
        )

    on_sale = overlap(slots[[*slot_key, "start", "end"]])
    slot_hours = grid(on_sale, on_sale["hours"].to_numpy(dtype=float))
    if not stockouts.empty:
        stockouts["product"] = stockouts["product"].astype(np.int64)
        stockouts["start"] = _as_hours(stockouts["start"], engine)
        stockouts["end"] = _as_hours(stockouts["end"], engine)
        stockouts = stockouts.merge(bounds[["device", "last"]], on="device")
        stockouts["end"] = stockouts["end"].fillna(stockouts["last"])
        empty_slots = overlap(stockouts[[*slot_key, "start", "end"]])
        lost = grid(empty_slots, empty_slots["hours"].to_numpy(dtype=float))
        slot_hours = (slot_hours - lost).maximum(0)
        slot_hours.eliminate_zeros()

    sales = sales.sort_values("at")
    located = pd.merge_asof(
        sales,
        periods[["device", "start", "stop", "period"]].sort_values("start"),
        left_on="at",
        right_on="start",
        by="device",
    )
    located = located[located["at"] < located["stop"]].merge(strata, on=slot_key)
    units = grid(located, located["quantity"].to_numpy(dtype=float))

    pace = np.asarray(units.sum(axis=0)).ravel() / np.maximum(np.asarray(slot_hours.sum(axis=0)).ravel(), 1e-9)
    opportunity = slot_hours @ sparse.diags(pace)
    stratum_product = np.searchsorted(product_ids, strata["product"].to_numpy(dtype=np.int64))
    to_product = sparse.csr_matrix(
        (np.ones(n_strata), (stratum_product, np.arange(n_strata))), shape=(len(product_ids), n_strata)
    )
    strata = strata.merge(shapes, on=["device", "cabinet"], how="left").sort_values("stratum")
    row = strata["position"].str[0].str.upper().map(lambda c: ord(c) - ord("A")).fillna(0).astype(int)
    placement = pd.factorize(strata["rows"].fillna(0).astype(int).astype(str) + ":" + row.astype(str))[0]
    location = pd.factorize(periods["device"].map(locations).fillna(""))[0]
    return FleetPeriods(
        product_ids,
        periods["device"].to_numpy(dtype=np.int64),
        (to_product @ units).T.toarray(),
        (to_product @ slot_hours).T.toarray(),
        (to_product @ opportunity).T.toarray(),
        stratum_product,
        units.tocsr(),
        sparse.csr_matrix(opportunity),
        placement.astype(np.int64),
        location.astype(np.int64),
        ((periods["start"] + periods["stop"]) / 2).to_numpy(dtype=float),
    )


def _observations(periods: FleetPeriods) -> pd.DataFrame:
    """One row per stratum × device-period with opportunity: stratum, period, product column, units,
    opportunity × the slot row's placement effect (raked: product × location rates against row effects)."""
    e = periods.stratum_opportunity.tocoo()
    y = periods.stratum_units.tocsr()
    obs = pd.DataFrame({"stratum": e.row, "period": e.col, "e": e.data})
    obs["y"] = np.asarray(y[obs["stratum"].to_numpy(), obs["period"].to_numpy()]).ravel()
    obs["product"] = periods.stratum_product[obs["stratum"].to_numpy()]
    obs["place"] = periods.stratum_placement[obs["stratum"].to_numpy()]
    obs["location"] = periods.period_location[obs["period"].to_numpy()]
    obs = obs[periods.carried[obs["period"].to_numpy(), obs["product"].to_numpy()] & (obs["e"] > 0)]
    level = np.ones(len(obs))
    place = np.ones(len(obs))
    for _ in range(4):
        key = obs["product"].to_numpy() * 1000 + obs["location"].to_numpy()
        frame = pd.DataFrame({"key": key, "y": obs["y"], "x": obs["e"] * place})
        sums = frame.groupby("key")[["y", "x"]].transform("sum")
        level = ((sums["y"] + 0.5) / (sums["x"] + 0.5)).to_numpy()
        frame = pd.DataFrame({"key": obs["place"], "y": obs["y"], "x": obs["e"] * level})
        sums = frame.groupby("key")[["y", "x"]].transform("sum")
        place = ((sums["y"] + 5.0) / (sums["x"] + 5.0)).to_numpy()
    obs["offset"] = np.log(obs["e"].to_numpy() * place)
    return obs.reset_index(drop=True)


def _poisson(
    x: np.ndarray, y: np.ndarray, offset: np.ndarray, ridge: np.ndarray, cluster: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Poisson regression by Newton steps (a small ridge keeps separated columns finite): coefficients and
    their covariance — the larger of the quasi-Poisson one (Pearson dispersion, at least 1) and the
    cluster-robust sandwich by device (a device's slot-periods share its unmodelled taste for the product)."""
    beta = np.zeros(x.shape[1])
    for _ in range(30):
        mu = np.exp(np.clip(offset + x @ beta, -50, 50))
        hessian = (x * mu[:, None]).T @ x + np.diag(ridge)
        step = np.linalg.solve(hessian, x.T @ (y - mu) - ridge * beta)
        beta += step
        if np.abs(step).max() < 1e-8:
            break
    mu = np.exp(np.clip(offset + x @ beta, -50, 50))
    hessian = (x * mu[:, None]).T @ x + np.diag(ridge)
    dispersion = max(float(np.sum((y - mu) ** 2 / np.maximum(mu, 1e-12)) / max(len(y) - x.shape[1], 1)), 1.0)
    inverse = np.linalg.inv(hessian)
    groups, group = np.unique(cluster, return_inverse=True)
    scores = np.zeros((len(groups), x.shape[1]))
    np.add.at(scores, group, x * (y - mu)[:, None])
    correction = len(groups) / max(len(groups) - 1, 1)
    robust = correction * inverse @ (scores.T @ scores) @ inverse
    return beta, np.maximum(dispersion * inverse, robust) if ROBUST else dispersion * inverse


def glm_rate_ratios(periods: FleetPeriods, category: Mapping[int, str]) -> tuple[np.ndarray, np.ndarray]:
    """For every ordered same-category pair (a, b): a's rate ratio while b is carried, from one Poisson
    regression per product a over its slot-periods — location-type intercepts, the slot row's placement
    effect and the device's pace in the offset, and one carried-indicator per same-category product, so each
    rival's effect is read with the others held fixed — and the log ratio's standard error."""
    ids = periods.product_ids
    n = len(ids)
    ratio, se = np.full((n, n), np.nan), np.full((n, n), np.nan)
    obs = _observations(periods)
    if obs.empty:
        return ratio, se
    labels = np.array([category.get(int(p), "") for p in ids], dtype=object)
    carried = periods.carried
    n_locations = int(periods.period_location.max()) + 1
    product = obs["product"].to_numpy()
    period = obs["period"].to_numpy()
    units = obs["y"].to_numpy(dtype=float)
    offset = obs["offset"].to_numpy()
    location_of = obs["location"].to_numpy()
    middle_of = periods.period_middle[period]
    device_of = periods.device[period]
    order = np.argsort(product, kind="stable")
    starts = np.searchsorted(product[order], np.arange(n + 1))
    for a in range(n):
        rows = order[starts[a] : starts[a + 1]]
        rivals = np.flatnonzero((labels == labels[a]) & (np.arange(n) != a) & (labels[a] != ""))
        if len(rows) == 0 or len(rivals) == 0:
            continue
        own_periods = np.unique(period[rows])
        state = carried[own_periods][:, rivals]
        periods_with = state.sum(axis=0)
        on = carried[period[rows]][:, rivals].astype(float)
        y = units[rows]
        units_with = y @ on
        keep = (
            (units_with >= MIN_STATE_UNITS)
            & (y.sum() - units_with >= MIN_STATE_UNITS)
            & (periods_with >= MIN_STATE_PERIODS)
            & (len(own_periods) - periods_with >= MIN_STATE_PERIODS)
        )
        if not keep.any():
            continue
        rivals, on = rivals[keep], on[:, keep]
        location = np.eye(n_locations)[location_of[rows]]
        location = location[:, location.sum(axis=0) > 0]
        # the period's mid-time: a season (weather) drifts a category's sales between versions 1 and 2
        middle = middle_of[rows][:, None]
        base = np.hstack([location, (middle - middle.mean()) / 1000.0])
        x = np.hstack([base, on])
        ridge = np.r_[np.full(base.shape[1], 1e-6), np.full(len(rivals), 1e-3)]
        beta, covariance = _poisson(x, y, offset[rows], ridge, device_of[rows])
        k = base.shape[1]
        ratio[a, rivals] = np.exp(beta[k:])
        se[a, rivals] = np.sqrt(np.diag(covariance)[k:])
    return ratio, se


def find_rivals(periods: FleetPeriods, category: Mapping[int, str]) -> list[RivalPair]:
    """Same-category pairs whose sales fall where and while the other is carried, strongest first.

    Each direction's z (log rate ratio over its standard error) is read against the empirical null of all
    tested directions — (z − median) / max(MAD·1.4826, 1) — because hundreds of pairs are tested and
    unmodelled device-to-device differences widen the null beyond N(0, 1); the two directions are combined
    by Stouffer's sum (one direction alone when the other product never sells without its rival)."""
    ids = periods.product_ids
    if len(ids) < 2:
        return []
    ratio, se = glm_rate_ratios(periods, category)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.log(ratio) / se
    finite = np.isfinite(z)
    if finite.sum() >= 30:
        centre = float(np.median(z[finite]))
        spread = max(1.4826 * float(np.median(np.abs(z[finite] - centre))), 1.0)
        z = (z - centre) / spread
    either = finite | finite.T
    count = finite.astype(float) + finite.T
    with np.errstate(divide="ignore", invalid="ignore"):
        combined = np.where(either, (np.nan_to_num(z) + np.nan_to_num(z.T)) / np.sqrt(np.maximum(count, 1)), np.nan)
    falls = np.where(finite, ratio < 1.0, True) & np.where(finite.T, ratio.T < 1.0, True)
    strongest = np.fmin(np.where(finite, ratio, np.nan), np.where(finite.T, ratio.T, np.nan))
    flag = either & falls & (np.nan_to_num(combined) <= -RIVAL_Z) & (strongest <= MAX_RATE_RATIO)
    flag &= np.triu(np.ones_like(flag), 1)
    carried = periods.carried
    out = []
    for a, b in zip(*np.nonzero(flag), strict=True):
        out.append(
            RivalPair(
                int(ids[a]),
                int(ids[b]),
                float(ratio[a, b]),
                _interval(ratio[a, b], se[a, b]),
                float(z[a, b]),
                float(ratio[b, a]),
                _interval(ratio[b, a], se[b, a]),
                float(z[b, a]),
                float(combined[a, b]),
                int((carried[:, a] & carried[:, b]).sum()),
                int((carried[:, a] ^ carried[:, b]).sum()),
            )
        )
    return sorted(out, key=lambda pair: pair.z)


def _interval(ratio: float, se: float) -> tuple[float, float]:
    if not (np.isfinite(ratio) and np.isfinite(se)):
        return (float("nan"), float("nan"))
    return (float(ratio * np.exp(-1.96 * se)), float(ratio * np.exp(1.96 * se)))


_CACHE: dict[tuple, list[RivalPair]] = {}
_LOCK = threading.Lock()


def fleet_rivals(engine: Engine, category: Mapping[int, str]) -> list[RivalPair]:
    """:func:`find_rivals` of the fleet, cached until the sales, stock-outs or planograms change."""
    with engine.connect() as connection:
        stamp = (
            tuple(
                connection.execute(
                    select(func.count(SaleRecord.id), func.max(SaleRecord.id)).select_from(SaleRecord)
                ).one()
            )
            + tuple(connection.execute(select(func.count(StockoutRecord.id), func.max(StockoutRecord.id))).one())
            + tuple(
                connection.execute(select(func.count(PlanogramRecord.id), func.max(PlanogramRecord.updated_at))).one()
            )
        )
    key = (str(engine.url), id(engine), stamp, tuple(sorted(category.items())))
    with _LOCK:
        if key in _CACHE:
            return _CACHE[key]
    rivals = find_rivals(fleet_periods(engine), category)
    with _LOCK:
        if len(_CACHE) > 8:
            _CACHE.clear()
        _CACHE[key] = rivals
    return rivals
