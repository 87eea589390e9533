"""The seed's endpoint 3, affinity-analysis: pairs bought together, clusters to place adjacently, substitutes.

Counting is :class:`ai.basket_lift.BasketCounts` (one sort of basket×product keys and one sparse product),
so the placement model and this service count baskets the same way; here the plain (unshrunk) ratios of
DESIGN.md are reported. A basket is one transaction_id of the device in the window, which spans
``analysis_period_days`` calendar days ending on the device's latest sale. Where no basket holds two products
(CVD's sales are daily totals, one row per product) the answer says so and what data would give pairs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from ai.affinity_explanation import affinity_explanation
from ai.basket_lift import BasketCounts
from ai.data_quality import data_quality
from ai.endpoints import AFFINITY_ANALYSIS, Answer
from ai.fleet_figures import FleetFigures
from ai.forecast_data import SALE_COLUMNS, active_slots, latest_sale, read_sales
from ai.rivalry import fleet_rivals
from ai.services import Services
from designer.cabinets import TemperatureZone, zone_accepts
from designer.command_outcomes import RequestInvalid
from designer.input_gate import clip
from storage.fleet import FleetRepository

MIN_PAIR_BASKETS = 3
"""A pair needs this many baskets together to be reported: fewer is chance in a few hundred baskets."""
CLUSTER_LIFT = 1.5
CLUSTER_MIN_BASKETS = 5
MAX_PAIRS = 50
NO_BASKETS = (
    "CVD's sales are daily totals per product, with no transaction ids, so no basket can be formed; import "
    "slot-level vends with transaction ids (a telemetry export) to find products bought together"
)


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
    engine,
    device_id: int,
    days: int,
    min_confidence: float,
    include_clusters: bool,
    catalogue: Mapping,
    figures: FleetFigures | None = None,
) -> dict[str, object]:
    """The seed's response body; with ``figures`` the fleet's substitutes are the ones found for this data."""
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
    zones = {cabinet.index: cabinet.zone.value for cabinet in FleetRepository(engine).cabinets(device_id)}
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
                "recommendation": _pair_advice(int(ids[a]), int(ids[b]), lift[a, b], slots, catalogue, zones),
            }
        )
    body: dict[str, object] = {"success": True, "affinity_pairs": pairs, "baskets": basket_counts(sales)}
    body["product_clusters"] = clusters(metrics, sales, slots, catalogue, zones) if include_clusters else []
    body["anti_affinity"] = anti_affinity(engine, device_id, metrics, catalogue, name, start, figures)
    reason = _why_no_pairs(sales, days, min_confidence) if not pairs else None
    if reason:
        body["reason"] = reason
    body["data_quality"] = data_quality([reason] if reason else [])
    thresholds = {"min_confidence": min_confidence, "min_pair_baskets": MIN_PAIR_BASKETS, "cluster_lift": CLUSTER_LIFT}
    rivals = len(body["anti_affinity"])  # type: ignore[arg-type]
    body["explanation"] = affinity_explanation(sales, pairs, rivals, days, start, thresholds).to_json()
    return body


def basket_counts(sales: pd.DataFrame) -> dict[str, int]:
    """How many baskets the window holds and how many hold more than one product: only those say what is bought
    together (a single vend, such as a cash sale, never does)."""
    if sales.empty:
        return {"total": 0, "with_more_than_one_item": 0}
    products_per_basket = sales.groupby("transaction_id")["product_id"].nunique()
    return {"total": len(products_per_basket), "with_more_than_one_item": int((products_per_basket >= 2).sum())}


def _why_no_pairs(sales: pd.DataFrame, days: int, min_confidence: float) -> str:
    """Why the answer holds no pair: no sales, no basket of two products, or no pair strong enough."""
    if sales.empty:
        return f"the device has no sales in the {days} days analysed, so there are no baskets to read"
    products_per_basket = sales.groupby("transaction_id")["product_id"].nunique()
    if not (products_per_basket >= 2).any():
        return NO_BASKETS
    return (
        f"no pair was bought together in at least {MIN_PAIR_BASKETS} baskets with confidence {min_confidence:g} or "
        "more and a lift above 1; lower min_confidence or lengthen analysis_period_days"
    )


def cabinet_name(index: int, zones: Mapping[int, str]) -> str:
    """How a suggestion names a cabinet: "cabinet 2 (refrigerated)"."""
    return f"cabinet {index} ({zones[index]})" if index in zones else f"cabinet {index}"


def _pair_advice(
    a: int, b: int, lift: float, slots: pd.DataFrame, catalogue: Mapping, zones: Mapping[int, str] | None = None
) -> str:
    zones = zones or {}
    cabinets = slots.groupby("product_id")["cabinet_index"].first().to_dict() if not slots.empty else {}
    strength = f"bought together {lift:.1f}× as often as chance"
    if a in cabinets and b in cabinets and cabinets[a] != cabinets[b]:
        name = {p: catalogue[p].name if p in catalogue else f"product {p}" for p in (a, b)}
        return (
            f"Different cabinets — {name[a]} in {cabinet_name(cabinets[a], zones)}, {name[b]} in "
            f"{cabinet_name(cabinets[b], zones)} ({strength}): place at the same height on facing edges"
        )
    where = next((cabinets[p] for p in (a, b) if p in cabinets), None)
    inside = f" of {cabinet_name(where, zones)}" if where is not None else ""
    return f"Place adjacently at eye level (rows B–C){inside} — {strength}"


def _by_temperature(members: list[int], catalogue: Mapping) -> list[list[int]]:
    """A group split by the temperature each product must be kept at: only products that can share a cabinet
    are offered to be placed together (a chilled drink and a crisp packet never stand side by side)."""
    groups: dict[object, list[int]] = {}
    for product in members:
        requirement = catalogue[product].temperature_requirement if product in catalogue else None
        groups.setdefault(requirement, []).append(product)
    return [group for group in groups.values() if len(group) >= 2]


def _cluster_cabinet(members: list[int], slots: pd.DataFrame, catalogue: Mapping, zones: Mapping[int, str]) -> int:
    """The cabinet a cluster goes in: the one holding most of its products, else the first that may keep them."""
    mine = slots[slots["product_id"].isin(members)] if not slots.empty else slots
    if not mine.empty:
        return int(mine["cabinet_index"].mode().iloc[0])
    requirement = next((catalogue[p].temperature_requirement for p in members if p in catalogue), None)
    for index, zone in sorted(zones.items()):
        if requirement is None or zone_accepts(TemperatureZone(zone), requirement):
            return index
    return int(slots["cabinet_index"].min()) if not slots.empty else min(zones, default=0)


def clusters(
    metrics: PairMetrics,
    sales: pd.DataFrame,
    slots: pd.DataFrame,
    catalogue: Mapping,
    zones: Mapping[int, str] | None = None,
) -> list[dict]:
    """Connected groups of strong pairs that may share a cabinet, each with the cabinet it goes in (named), a run of
    adjacent slots there and the basket size they bring."""
    zones = zones or {}
    lift, together = metrics.lift(), metrics.counts.pair_baskets
    strong = (lift >= CLUSTER_LIFT) & (together >= CLUSTER_MIN_BASKETS)
    strong = strong | strong.T
    count, label = connected_components(sparse.csr_matrix(strong), directed=False)
    sizes = np.bincount(label, minlength=count)
    basket_size = sales.groupby("transaction_id")["product_id"].nunique() if not sales.empty else pd.Series(dtype=float)
    out = []
    taken: set[tuple[int, str]] = set()
    groups = [
        group
        for cluster in np.flatnonzero(sizes >= 2)
        for group in _by_temperature([int(p) for p in metrics.product_ids[label == cluster]], catalogue)
    ]
    for members in groups:
        cabinet = _cluster_cabinet(members, slots, catalogue, zones)
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
                "cabinet_index": cabinet,
                "cabinet": cabinet_name(cabinet, zones),
                "optimal_positions": adjacent_positions(members, slots, sales, taken, cabinet=cabinet),
                "expected_basket_increase": round(max(increase, 0.0), 2),
            }
        )
    return out


def adjacent_positions(
    members: list[int],
    slots: pd.DataFrame,
    sales: pd.DataFrame,
    taken: set[tuple[int, str]] | None = None,
    *,
    cabinet: int | None = None,
) -> list[str]:
    """A run of adjacent slots in the cabinet holding most members: the best-selling row per slot first, the run
    nearest the members' present columns, avoiding slots ``taken`` by earlier clusters (and marking its own)."""
    if slots.empty:
        return []
    taken = taken if taken is not None else set()
    mine = slots[slots["product_id"].isin(members)]
    if cabinet is None or not (slots["cabinet_index"] == cabinet).any():
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
    engine,
    device_id: int,
    metrics: PairMetrics,
    catalogue: Mapping,
    name: Mapping[int, str],
    start: dt.datetime | None,
    figures: FleetFigures | None = None,
) -> list[dict]:
    """Substitutes among the device's products, found across the fleet (:mod:`ai.rivalry`): same-category
    pairs whose first-choice sales fall on the days the other is carried, tested against the fleet's
    expectations with false-discovery control. Within one device rivals are usually carried together the whole
    time, so only the fleet's devices and its planogram changes can show the penalty. Listed when the device
    carries (or sold in the window) at least one of the pair, with advice that depends on whether it carries
    both."""
    category = {int(p): product.category for p, product in catalogue.items()}
    rivals = fleet_rivals(engine, category, figures)
    if not rivals:
        return []
    slots = active_slots(engine, device_id)
    here = set(int(p) for p in slots["product_id"]) | set(int(p) for p in metrics.product_ids)
    if not here:
        return []
    index = {int(p): i for i, p in enumerate(metrics.product_ids)}
    n = max(metrics.n, 1)
    baskets = metrics.counts.product_baskets
    cabinets = slots.groupby("product_id")["cabinet_index"].agg(lambda c: sorted(set(int(x) for x in c))).to_dict()
    out = []
    for pair in rivals:
        if pair.a not in here and pair.b not in here:
            continue
        ratio = None
        if pair.a in index and pair.b in index:
            i, j = index[pair.a], index[pair.b]
            expected = baskets[i] * baskets[j] / n
            if expected > 0:
                ratio = round(float(metrics.counts.pair_baskets[i, j] / expected), 3)
        both = pair.a in here and pair.b in here
        out.append(
            {
                "product_1": {"id": pair.a, "name": _name(pair.a, name, catalogue)},
                "product_2": {"id": pair.b, "name": _name(pair.b, name, catalogue)},
                "co_occurrence_ratio": ratio,
                "sales_drop": round(pair.drop, 3),
                "rate_ratio": _rounded(pair.ratio),
                "rate_ratio_ci": [_rounded(v) for v in pair.ci],
                "rate_ratio_1": _rounded(pair.ratio_a),
                "rate_ratio_1_ci": [_rounded(v) for v in pair.ci_a],
                "rate_ratio_2": _rounded(pair.ratio_b),
                "rate_ratio_2_ci": [_rounded(v) for v in pair.ci_b],
                "z": round(pair.z, 2),
                "q_value": round(pair.q_value, 4),
                "device_days_together": pair.days_together,
                "device_days_apart": pair.days_apart,
                "both_carried": both,
                "recommendation": _separation_advice(pair, both, cabinets),
            }
        )
    return out[:MAX_PAIRS]


def _name(product_id: int, name: Mapping[int, str], catalogue: Mapping) -> str:
    if product_id in name:
        return name[product_id]
    return catalogue[product_id].name if product_id in catalogue else str(product_id)


def _rounded(value: float) -> float | None:
    return round(float(value), 3) if np.isfinite(value) else None


def _separation_advice(pair, both: bool, cabinets: Mapping) -> str:
    drop = f"{round(100 * pair.drop)}% fewer first-choice sales per day where both are carried, across the fleet"
    if not both:
        return f"Substitutes ({drop}): do not add the other one to this device"
    a, b = cabinets.get(pair.a, []), cabinets.get(pair.b, [])
    if a and b and not set(a) & set(b):
        return f"Substitutes ({drop}): keep them in different cabinets, never adjacent — or keep only one"
    return (
        f"Substitutes ({drop}): do not place them adjacent — move one to another cabinet or at least 2 slots "
        "away, or keep only the better seller"
    )


def answer(payload: object, services: Services) -> Answer:
    try:
        device_id, days, min_confidence, include = read_request(payload, services)
    except RequestInvalid as invalid:
        return Answer(AFFINITY_ANALYSIS.error(str(invalid)), False)
    with services.reading():
        figures = services.fleet_figures()
        body = analyse(services.engine, device_id, days, min_confidence, include, services.catalogue, figures)
    return Answer(body, True)


def read_request(payload: object, services: Services) -> tuple[int, int, float, bool]:
    if not isinstance(payload, Mapping):
        raise RequestInvalid('the request is not a JSON object. Fix: send {"device_id": 1, "analysis_period_days": 90}')
    problems = []
    device_id = payload.get("device_id")
    if not isinstance(device_id, int) or isinstance(device_id, bool) or device_id not in services.device_ids:
        problems.append(f"device {clip(device_id, 60)} is not in this database. Fix: use the id of a listed device")
    days = payload.get("analysis_period_days", 90)
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 3660:
        problems.append(
            f"analysis_period_days {clip(days, 60)} is out of range. Fix: send a whole number of days, 1 to 3660"
        )
    confidence = payload.get("min_confidence", 0.7)
    if isinstance(confidence, bool) or not isinstance(confidence, int | float) or not 0 <= confidence <= 1:
        problems.append(f"min_confidence {clip(confidence, 60)} is not a probability. Fix: send a number from 0 to 1")
    include = payload.get("include_clusters", True)
    if not isinstance(include, bool):
        problems.append("include_clusters is not true or false. Fix: send a JSON boolean")
    if problems:
        raise RequestInvalid("; ".join(problems))
    return int(device_id), int(days), float(confidence), bool(include)
