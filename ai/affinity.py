"""The seed's endpoint 3, affinity-analysis: pairs bought together, clusters to place adjacently, substitutes.

Counting is :class:`ai.basket_lift.BasketCounts` (one sort of basket×product keys and one sparse product),
so the placement model and this service count baskets the same way; here the plain (unshrunk) ratios of
DESIGN.md are reported. A basket is one transaction_id of the device in the window, which spans
``analysis_period_days`` calendar days ending on the device's latest sale.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from ai.basket_lift import BasketCounts
from ai.endpoints import AFFINITY_ANALYSIS, Answer
from ai.forecast_data import SALE_COLUMNS, active_slots, device_history, latest_sale, read_sales
from ai.services import Services

MIN_PAIR_BASKETS = 3
"""A pair needs this many baskets together to be reported: fewer is chance in a few hundred baskets."""
CLUSTER_LIFT = 1.5
CLUSTER_MIN_BASKETS = 5
ANTI_LIFT = 0.7
ANTI_MIN_EXPECTED = 3.0
ANTI_MIN_DROP = 0.15
ANTI_Z = 3.0
"""Substitutes: together in baskets at most 70 % as often as chance (with ≥ 3 joint baskets expected) and
one's sales at least 15 % lower, and significantly so, on days the other is carried."""
MAX_PAIRS = 50


@dataclass(frozen=True)
class PairMetrics:
    """Association measures over products 0…n-1 (support, confidence[a, b] = P(b | a), lift, phi)."""

    product_ids: np.ndarray
    counts: BasketCounts

    @property
    def n(self) -> int:
        return self.counts.baskets

    def support(self) -> np.ndarray:
        return self.counts.support()

    def confidence(self) -> np.ndarray:
        return self.counts.confidence()

    def lift(self) -> np.ndarray:
        """confidence / P(b), unshrunk (DESIGN.md); 0 where a product never sold."""
        p = self.counts.product_baskets / max(self.n, 1)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(p[None, :] > 0, self.confidence() / p[None, :], 0.0)

    def phi(self) -> np.ndarray:
        n, a = float(self.n), self.counts.product_baskets
        together = self.counts.pair_baskets
        denominator = np.sqrt(np.outer(a * (n - a), a * (n - a)))
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.clip(np.where(denominator > 0, (n * together - np.outer(a, a)) / denominator, 0.0), -1, 1)


def pair_metrics(transaction_ids: np.ndarray, product_ids: np.ndarray) -> PairMetrics:
    """Metrics from one row per vend (transaction id, product id)."""
    catalogue, index = np.unique(np.asarray(product_ids), return_inverse=True)
    return PairMetrics(catalogue, BasketCounts.from_sales(np.asarray(transaction_ids), index, len(catalogue)))


def window_start(engine, device_id: int, days: int) -> dt.datetime | None:
    last = latest_sale(engine, device_id)
    if last is None:
        return None
    return dt.datetime.combine(pd.Timestamp(last).date() - dt.timedelta(days=days - 1), dt.time())


def analyse(
    engine, device_id: int, days: int, min_confidence: float, include_clusters: bool, catalogue: Mapping
) -> dict[str, object]:
    """The seed's response body."""
    start = window_start(engine, device_id, days)
    sales = read_sales(engine, device_id, start) if start is not None else pd.DataFrame(columns=SALE_COLUMNS)
    metrics = pair_metrics(
        sales["transaction_id"].to_numpy(dtype=np.int64), sales["product_id"].to_numpy(dtype=np.int64)
    )
    ids = metrics.product_ids
    name = {int(p): catalogue[int(p)].name if int(p) in catalogue else str(p) for p in ids}
    confidence, lift, phi, support = metrics.confidence(), metrics.lift(), metrics.phi(), metrics.support()
    together = metrics.counts.pair_baskets
    pick = (confidence >= min_confidence) & (lift > 1.0) & (together >= MIN_PAIR_BASKETS)
    rows, cols = np.nonzero(pick)
    order = np.lexsort((-support[rows, cols], -lift[rows, cols]))[:MAX_PAIRS]
    slots = active_slots(engine, device_id)
    pairs = []
    for a, b in zip(rows[order], cols[order], strict=True):
        pairs.append(
            {
                "product_1": {"id": int(ids[a]), "name": name[int(ids[a])]},
                "product_2": {"id": int(ids[b]), "name": name[int(ids[b])]},
                "correlation": round(float(phi[a, b]), 4),
                "lift": round(float(lift[a, b]), 4),
                "support": round(float(support[a, b]), 6),
                "confidence": round(float(confidence[a, b]), 6),
                "recommendation": _pair_advice(int(ids[a]), int(ids[b]), lift[a, b], slots, catalogue),
            }
        )
    body: dict[str, object] = {"success": True, "affinity_pairs": pairs}
    body["product_clusters"] = clusters(metrics, sales, slots, catalogue) if include_clusters else []
    body["anti_affinity"] = anti_affinity(engine, device_id, metrics, catalogue, name, start)
    return body


def _pair_advice(a: int, b: int, lift: float, slots: pd.DataFrame, catalogue: Mapping) -> str:
    cabinets = slots.groupby("product_id")["cabinet_index"].first().to_dict() if not slots.empty else {}
    strength = f"bought together {lift:.1f}× as often as chance"
    if a in cabinets and b in cabinets and cabinets[a] != cabinets[b]:
        return f"Different cabinets ({strength}): place at the same height on facing edges"
    return f"Place adjacently at eye level (rows B–C) — {strength}"


def clusters(metrics: PairMetrics, sales: pd.DataFrame, slots: pd.DataFrame, catalogue: Mapping) -> list[dict]:
    """Connected groups of strong pairs, with a run of adjacent slots and the basket size they bring."""
    lift, together = metrics.lift(), metrics.counts.pair_baskets
    strong = (lift >= CLUSTER_LIFT) & (together >= CLUSTER_MIN_BASKETS)
    strong = strong | strong.T
    count, label = connected_components(sparse.csr_matrix(strong), directed=False)
    sizes = np.bincount(label, minlength=count)
    basket_size = sales.groupby("transaction_id")["product_id"].nunique() if not sales.empty else pd.Series(dtype=float)
    out = []
    taken: set[tuple[int, str]] = set()
    for cluster in np.flatnonzero(sizes >= 2):
        members = [int(p) for p in metrics.product_ids[label == cluster]]
        # basket increase: extra items in baskets that combine cluster products, over the device's average basket
        holds = sales[sales["product_id"].isin(members)].groupby("transaction_id")["product_id"].nunique()
        combined = holds[holds >= 2].index
        increase = float(basket_size.loc[combined].mean() - basket_size.mean()) if len(combined) else 0.0
        categories = sorted({catalogue[p].category for p in members if p in catalogue})
        out.append(
            {
                "cluster_id": len(out) + 1,
                "cluster_name": " + ".join(c.title() for c in categories) + " combo",
                "products": members,
                "optimal_positions": adjacent_positions(members, slots, sales, taken),
                "expected_basket_increase": round(max(increase, 0.0), 2),
            }
        )
    return out


def adjacent_positions(
    members: list[int], slots: pd.DataFrame, sales: pd.DataFrame, taken: set[tuple[int, str]] | None = None
) -> list[str]:
    """A run of adjacent slots in the cabinet holding most members: the best-selling row per slot first, the run
    nearest the members' present columns, avoiding slots ``taken`` by earlier clusters (and marking its own)."""
    if slots.empty:
        return []
    taken = taken if taken is not None else set()
    mine = slots[slots["product_id"].isin(members)]
    cabinet = int(mine["cabinet_index"].mode().iloc[0]) if not mine.empty else int(slots["cabinet_index"].min())
    cabinet_slots = slots[slots["cabinet_index"] == cabinet]
    rows = cabinet_slots["position"].str[0]
    columns = cabinet_slots["position"].str[1:].astype(int)
    sold = sales.groupby("product_id").size() if not sales.empty else pd.Series(dtype=float)
    per_slot = cabinet_slots["product_id"].map(sold).fillna(0.0)
    width = int(columns.max())
    k = min(len(members), width)
    centre = columns[cabinet_slots["product_id"].isin(members)]
    target = centre.mean() - (k - 1) / 2 if len(centre) else 1.0
    for row in per_slot.groupby(rows).mean().sort_values(ascending=False).index:
        for first in sorted(range(1, width - k + 2), key=lambda c: abs(c - target)):
            run = [f"{row}{first + i}" for i in range(k)]
            if not any((cabinet, p) in taken for p in run):
                taken.update((cabinet, p) for p in run)
                return run
    return [f"{rows.iloc[0]}{1 + i}" for i in range(k)]


def anti_affinity(
    engine, device_id: int, metrics: PairMetrics, catalogue: Mapping, name: Mapping[int, str], start: dt.datetime | None
) -> list[dict]:
    """Same-category pairs rarer together than chance whose sales fall when the other is carried."""
    ids = metrics.product_ids
    n = max(metrics.n, 1)
    expected = np.outer(metrics.counts.product_baskets, metrics.counts.product_baskets) / n
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(expected > 0, metrics.counts.pair_baskets / expected, 1.0)
    category = np.array([catalogue[int(p)].category if int(p) in catalogue else "" for p in ids], dtype=object)
    candidates = (ratio <= ANTI_LIFT) & (expected >= ANTI_MIN_EXPECTED) & (category[:, None] == category[None, :])
    candidates &= np.triu(np.ones_like(candidates, dtype=bool), 1)
    if not candidates.any():
        return []
    history = device_history(engine, device_id)
    if len(history.days) == 0:
        return []
    # a day's opportunity = exposure × the device's pace that day (its units over its mean), so a busy week
    # with both carried is not read as a rise, nor a quiet one as a drop
    pace = history.units.sum(axis=1)
    opportunity = history.exposure * (pace / max(pace.mean(), 1e-9))[:, None]
    carried = history.exposure > 0.5
    same_slot = _unmoved_days(engine, device_id, history)
    out = []
    for a, b in zip(*np.nonzero(candidates), strict=True):
        ca, cb = history.column(int(ids[a])), history.column(int(ids[b]))
        if ca is None or cb is None:
            continue
        drops = []
        for x, y in ((ca, cb), (cb, ca)):
            both, alone = carried[:, x] & carried[:, y], carried[:, x] & ~carried[:, y]
            drop = _sales_drop(history.units[:, x], opportunity[:, x], both & same_slot[:, x], alone & same_slot[:, x])
            if drop is not None:
                drops.append(drop)
        if not drops or max(drops) < ANTI_MIN_DROP:
            continue
        out.append(
            {
                "product_1": {"id": int(ids[a]), "name": name[int(ids[a])]},
                "product_2": {"id": int(ids[b]), "name": name[int(ids[b])]},
                "co_occurrence_ratio": round(float(ratio[a, b]), 3),
                "sales_drop": round(float(max(drops)), 3),
                "recommendation": f"Separate by at least 2 slots: substitutes ({round(100 * max(drops))}% fewer sales "
                "when both are carried)",
            }
        )
    return out


def _unmoved_days(engine, device_id: int, history) -> np.ndarray:
    """Days (× products) on which the product sat in its usual slot: a product moved at a planogram change
    sells differently for the move, which must not be read as the rival's doing."""
    sales = read_sales(engine, device_id)
    out = np.zeros(history.units.shape, dtype=bool)
    if sales.empty:
        return out
    sales["slot"] = sales["cabinet_index"].astype(str) + ":" + sales["position"]
    sales["day"] = (sales["sold_at"].dt.normalize() - history.days[0]).dt.days
    for product_id, rows in sales.groupby("product_id"):
        column = history.column(int(product_id))
        if column is None:
            continue
        daily = rows.sort_values("sold_at").groupby("day")["slot"].last()
        slot = daily.reindex(range(len(history.days))).ffill().bfill()
        out[:, column] = (slot == slot.mode().iloc[0]).to_numpy()
    return out


def _sales_drop(units: np.ndarray, opportunity: np.ndarray, together: np.ndarray, alone: np.ndarray) -> float | None:
    """Relative drop in sales per opportunity on days the rival is carried, when it is significant (z ≤ −3 in
    the conditional binomial test of two Poisson rates); None when either state has under a week of days."""
    if together.sum() < 7 or alone.sum() < 7:
        return None
    x_with, x_alone = units[together].sum(), units[alone].sum()
    e_with, e_alone = opportunity[together].sum(), opportunity[alone].sum()
    n = x_with + x_alone
    if n < 20 or e_with <= 0 or e_alone <= 0:
        return None
    share = e_with / (e_with + e_alone)
    z = (x_with - n * share) / np.sqrt(n * share * (1 - share))
    if z > -ANTI_Z:
        return None
    return float(1 - (x_with / e_with) / (x_alone / e_alone))


class RequestInvalid(ValueError):
    pass


def answer(payload: object, services: Services) -> Answer:
    try:
        device_id, days, min_confidence, include = read_request(payload, services)
    except RequestInvalid as invalid:
        return Answer(AFFINITY_ANALYSIS.error(str(invalid)), False)
    with services.reading():
        body = analyse(services.engine, device_id, days, min_confidence, include, services.catalogue)
    return Answer(body, True)


def read_request(payload: object, services: Services) -> tuple[int, int, float, bool]:
    if not isinstance(payload, Mapping):
        raise RequestInvalid('the request is not a JSON object. Fix: send {"device_id": 1, "analysis_period_days": 90}')
    problems = []
    device_id = payload.get("device_id")
    if not isinstance(device_id, int) or isinstance(device_id, bool) or device_id not in services.device_ids:
        problems.append(f"device {device_id!r} is not in this database. Fix: use the id of a listed device")
    days = payload.get("analysis_period_days", 90)
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 3660:
        problems.append(f"analysis_period_days {days!r} is out of range. Fix: send a whole number of days, 1 to 3660")
    confidence = payload.get("min_confidence", 0.7)
    if isinstance(confidence, bool) or not isinstance(confidence, int | float) or not 0 <= confidence <= 1:
        problems.append(f"min_confidence {confidence!r} is not a probability. Fix: send a number from 0 to 1")
    include = payload.get("include_clusters", True)
    if not isinstance(include, bool):
        problems.append("include_clusters is not true or false. Fix: send a JSON boolean")
    if problems:
        raise RequestInvalid("; ".join(problems))
    return int(device_id), int(days), float(confidence), bool(include)
