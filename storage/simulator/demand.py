"""Vends of one machine: planted demand, served from capacity-limited slots between restock visits.

Demand is generated per slot and day, vectorised with numpy:

    expected vends = base demand (device, product) × row × column multiplier
                     × weekday profile × holiday effect × weather multiplier × rivalry multiplier

and drawn as Poisson counts around a gamma-distributed level (a device-wide daily shock and a per-slot
daily factor whose shape is small for slow movers, which makes their demand intermittent). Each attempt
gets a time from the location's hour profile. A slot holds ``par`` units after every restock; attempts
beyond that until the next visit are lost (censored demand, recorded as a stock-out). A few attempts join
the preceding shopper's basket at random; a planted partner product joins its trigger's basket with the
pair's attach probability, if it is carried and in stock.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from storage.simulator.catalogue import AFFINITY_PAIRS, CATEGORIES, RIVALRIES, ProductTable
from storage.simulator.history import SECONDS_PER_DAY, History
from storage.simulator.layouts import DevicePlan
from storage.simulator.locations import Weather, weather_multiplier

DEVICE_DAY_SHAPE = 20.0
"""Gamma shape of the device-wide daily demand shock (mean 1): busy and quiet days for the whole machine."""

BASKET_JOIN_PROBABILITY = 0.06
"""Chance that an attempt belongs to the previous shopper's basket (same day): baseline multi-item baskets
whose products are unrelated, so unplanted pairs have a lift near 1."""

BASKET_STEP_SECONDS = (5, 40)
"""Seconds between two items of one basket."""


@dataclass
class SlotSpans:
    """Each filled slot of each planogram version, with the time it is in the machine: [start, end)."""

    cabinet: np.ndarray
    label: np.ndarray  # position text, e.g. "B3" (object array)
    product: np.ndarray
    par: np.ndarray
    placement: np.ndarray
    start: np.ndarray
    end: np.ndarray
    cabinet_version: list[tuple[int, int, int]]  # (cabinet index, version, slot) of each span

    def __len__(self) -> int:
        return len(self.product)


@dataclass
class DeviceSales:
    """What one machine sold, what it ran out of, and what it lost."""

    cabinet: np.ndarray
    label: np.ndarray
    product: np.ndarray
    seconds: np.ndarray
    basket: np.ndarray  # 0-based basket number within the device, in order of the basket's first vend
    baskets: int
    stockout_cabinet: np.ndarray
    stockout_label: np.ndarray
    stockout_product: np.ndarray
    sold_out: np.ndarray
    restocked: np.ndarray  # seconds, or -1 when history ends before the next visit
    quantity_left: dict[tuple[int, int, int], int]  # (cabinet, version, slot) → units in the slot when it ends
    lost: np.ndarray  # censored units per product (catalogue order)


def slot_spans(plan: DevicePlan, history: History) -> SlotSpans:
    """Version 1 slots run from the start of history to the cabinet's change visit, version 2 slots after it."""
    cabinet, label, product, par, placement, start, end, keys = [], [], [], [], [], [], [], []
    for cab in plan.cabinets:
        change = plan.change_time(cab)
        labels = cab.labels()
        multipliers = cab.placement()
        assert cab.second is not None
        for version, layout, begin, finish in ((1, cab.first, 0, change), (2, cab.second, change, history.seconds)):
            for slot in np.flatnonzero(layout.products):
                cabinet.append(cab.index)
                label.append(labels[slot])
                product.append(int(layout.products[slot]))
                par.append(int(layout.par[slot]))
                placement.append(float(multipliers[slot]))
                start.append(begin)
                end.append(finish)
                keys.append((cab.index, version, int(slot)))
    return SlotSpans(
        np.array(cabinet, dtype=np.int64),
        np.array(label, dtype=object),
        np.array(product, dtype=np.int64),
        np.array(par, dtype=np.int64),
        np.array(placement),
        np.array(start, dtype=np.int64),
        np.array(end, dtype=np.int64),
        keys,
    )


def rivalry_multipliers(spans: SlotSpans, catalogue: ProductTable, history: History) -> np.ndarray:
    """span × day: the planted substitute penalty on days the device carries both rivals (at noon)."""
    noon = np.arange(history.days) * SECONDS_PER_DAY + SECONDS_PER_DAY // 2
    active = (spans.start[:, None] <= noon) & (noon < spans.end[:, None])
    multiplier = np.ones((len(spans), history.days))
    for first, second, factor in RIVALRIES:
        a, b = catalogue.id_of(first), catalogue.id_of(second)
        in_a, in_b = spans.product == a, spans.product == b
        if not (in_a.any() and in_b.any()):
            continue
        both = active[in_a].any(axis=0) & active[in_b].any(axis=0)
        multiplier[in_a | in_b] *= np.where(both, factor, 1.0)
    return multiplier


def expected_demand(
    plan: DevicePlan,
    spans: SlotSpans,
    catalogue: ProductTable,
    weather: Weather,
    history: History,
) -> np.ndarray:
    """span × day: expected vend attempts before noise and stock-outs (the planted truth, composed)."""
    location = plan.location
    day = np.array(location.weekday_profile)[history.weekdays()]
    day = day * np.where(history.holiday_flags(), location.holiday_effect, 1.0)
    categories = [catalogue.categories[catalogue.index_of(p)] for p in spans.product]
    by_category = {
        name: weather_multiplier(weather, CATEGORIES[name].per_degree_c, CATEGORIES[name].per_mm_rain)
        for name in set(categories)
    }
    climate = np.array([by_category[name] for name in categories]).reshape(len(spans), history.days)
    base = plan.base_demand[spans.product - 1] * spans.placement
    return base[:, None] * day[None, :] * climate * rivalry_multipliers(spans, catalogue, history)


def _serve(span: np.ndarray, seconds: np.ndarray, par: np.ndarray, boundaries: np.ndarray) -> np.ndarray:
    """Which attempts find stock: after each restock a slot holds ``par`` units, served first come first."""
    interval = np.searchsorted(boundaries, seconds, side="right") - 1
    order = np.lexsort((np.arange(len(span)), seconds, interval, span))
    key = span[order] * len(boundaries) + interval[order]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    rank = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)]))
    served = np.empty(len(span), dtype=bool)
    served[order] = rank < par[span[order]]
    return served


def simulate_device(
    plan: DevicePlan,
    catalogue: ProductTable,
    weather: Weather,
    history: History,
    rng: np.random.Generator,
    uplift: np.ndarray | None = None,
) -> DeviceSales:
    """One machine's whole history: demand drawn per slot-day, served from stock, grouped into baskets.

    ``uplift`` (one multiplier per day) plants an experiment's treatment effect on this machine's demand;
    None leaves the fleet exactly as it always was.
    """
    spans = slot_spans(plan, history)
    expected = expected_demand(plan, spans, catalogue, weather, history)
    if uplift is not None:
        expected = expected * uplift[None, :]
    day_index = np.arange(history.days)
    overlaps = (spans.start[:, None] < (day_index + 1) * SECONDS_PER_DAY) & (
        spans.end[:, None] > day_index * SECONDS_PER_DAY
    )
    shock = rng.gamma(DEVICE_DAY_SHAPE, 1 / DEVICE_DAY_SHAPE, history.days)
    shape = catalogue.noise_shape[spans.product - 1][:, None]
    level = rng.gamma(np.broadcast_to(shape, expected.shape), 1.0) / shape
    counts = rng.poisson(expected * shock[None, :] * level) * overlaps

    # one attempt per unit of demand, timed by the location's hour profile
    flat = np.repeat(np.arange(counts.size), counts.ravel())
    span, day = np.divmod(flat, history.days)
    hour = rng.choice(24, size=len(flat), p=np.array(plan.location.hour_profile))
    seconds = day * SECONDS_PER_DAY + hour * 3600 + rng.integers(0, 3600, len(flat))
    inside = (spans.start[span] <= seconds) & (seconds < spans.end[span])
    span, seconds = span[inside], seconds[inside]
    order = np.lexsort((np.arange(len(seconds)), seconds))
    span, seconds = span[order], seconds[order]

    head, seconds = _join_baskets(span, seconds, spans, rng)
    boundaries = np.r_[0, plan.visits]
    primary_served = _serve(span, seconds, spans.par, boundaries)

    partner_span, partner_seconds, partner_trigger = _partners(span, seconds, primary_served, spans, catalogue, rng)
    all_span = np.r_[span, partner_span]
    all_seconds = np.r_[seconds, partner_seconds]
    served = _serve(all_span, all_seconds, spans.par, boundaries)
    primaries = len(span)
    partner_ok = served[primaries:] & served[partner_trigger]
    lost_partners = ~served[primaries:] & served[partner_trigger]
    keep = np.r_[np.ones(primaries, dtype=bool), partner_ok]
    # drop partners whose shopper went away empty-handed, then serve again: fewer attempts only frees stock
    all_span, all_seconds = all_span[keep], all_seconds[keep]
    all_head = np.r_[head, head[partner_trigger[partner_ok]]]
    served = _serve(all_span, all_seconds, spans.par, boundaries)

    lost = np.bincount(spans.product[all_span[~served]] - 1, minlength=len(catalogue)).astype(np.int64)
    lost += np.bincount(spans.product[partner_span[lost_partners]] - 1, minlength=len(catalogue))

    vend_span, vend_seconds, vend_head = all_span[served], all_seconds[served], all_head[served]
    order = np.lexsort((np.arange(len(vend_seconds)), vend_seconds))
    vend_span, vend_seconds, vend_head = vend_span[order], vend_seconds[order], vend_head[order]
    heads, first_seen, basket = np.unique(vend_head, return_index=True, return_inverse=True)
    renumber = np.empty(len(heads), dtype=np.int64)
    renumber[np.argsort(first_seen, kind="stable")] = np.arange(len(heads))

    stockouts = _stockouts(vend_span, vend_seconds, spans, boundaries)
    return DeviceSales(
        cabinet=spans.cabinet[vend_span],
        label=spans.label[vend_span],
        product=spans.product[vend_span],
        seconds=vend_seconds,
        basket=renumber[basket],
        baskets=len(heads),
        stockout_cabinet=spans.cabinet[stockouts[0]],
        stockout_label=spans.label[stockouts[0]],
        stockout_product=spans.product[stockouts[0]],
        sold_out=stockouts[1],
        restocked=stockouts[2],
        quantity_left=_quantity_left(vend_span, vend_seconds, spans, boundaries),
        lost=lost,
    )


def _join_baskets(
    span: np.ndarray, seconds: np.ndarray, spans: SlotSpans, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Let some attempts join the basket of the latest shopper before them; returns each attempt's basket
    head (the index of the attempt that opened the basket) and the adjusted times, in time order."""
    count = len(span)
    join = rng.random(count) < BASKET_JOIN_PROBABILITY
    steps = rng.integers(*BASKET_STEP_SECONDS, count)
    if count:
        join[0] = False
    head = np.maximum.accumulate(np.where(join, 0, np.arange(count)))
    moved = seconds[head] + steps * (np.arange(count) - head)
    fits = (
        (moved // SECONDS_PER_DAY == seconds // SECONDS_PER_DAY)
        & (spans.start[span] <= seconds[head])
        & (moved < spans.end[span])
    )
    join &= fits
    head = np.where(join, head, np.arange(count))
    seconds = np.where(join, moved, seconds)
    order = np.lexsort((np.arange(count), seconds))
    position = np.empty(count, dtype=np.int64)
    position[order] = np.arange(count)
    return position[head[order]], seconds[order]


def _partners(
    span: np.ndarray,
    seconds: np.ndarray,
    served: np.ndarray,
    spans: SlotSpans,
    catalogue: ProductTable,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Attempts of planted partner products, in their trigger's basket: (span, seconds, trigger index)."""
    partner_span: list[np.ndarray] = []
    partner_seconds: list[np.ndarray] = []
    partner_trigger: list[np.ndarray] = []
    product = spans.product[span]
    for first, second, attach in AFFINITY_PAIRS:
        for trigger_id, partner_id in ((first, second), (second, first)):
            trigger = np.flatnonzero((product == catalogue.id_of(trigger_id)) & served)
            trigger = trigger[rng.random(len(trigger)) < attach]
            at = seconds[trigger] + rng.integers(*BASKET_STEP_SECONDS, len(trigger))
            for candidate in np.flatnonzero(spans.product == catalogue.id_of(partner_id)):
                here = (spans.start[candidate] <= at) & (at < spans.end[candidate])
                partner_span.append(np.full(int(here.sum()), candidate, dtype=np.int64))
                partner_seconds.append(at[here])
                partner_trigger.append(trigger[here])
    if not partner_span:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    return np.concatenate(partner_span), np.concatenate(partner_seconds), np.concatenate(partner_trigger)


def _interval_groups(
    span: np.ndarray, seconds: np.ndarray, boundaries: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Vends grouped by (span, restock interval): sort order, group starts, group sizes, interval per vend."""
    interval = np.searchsorted(boundaries, seconds, side="right") - 1
    order = np.lexsort((seconds, interval, span))
    key = span[order] * len(boundaries) + interval[order]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]]) if len(order) else np.zeros(0, dtype=np.int64)
    sizes = np.diff(np.r_[starts, len(order)])
    return order, starts, sizes, interval


def _stockouts(
    span: np.ndarray, seconds: np.ndarray, spans: SlotSpans, boundaries: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Slots emptied between two visits: (span, sold-out second, restock second or -1)."""
    order, starts, sizes, interval = _interval_groups(span, seconds, boundaries)
    first = order[starts]
    emptied = sizes >= spans.par[span[first]]
    last = order[starts[emptied] + sizes[emptied] - 1]
    following = interval[last] + 1
    restocked = np.where(following < len(boundaries), boundaries[np.minimum(following, len(boundaries) - 1)], -1)
    restocked = np.where((restocked >= 0) & (restocked <= spans.end[span[last]]), restocked, -1)
    result_order = np.lexsort((span[last], seconds[last]))
    return span[last][result_order], seconds[last][result_order], restocked[result_order]


def _quantity_left(
    span: np.ndarray, seconds: np.ndarray, spans: SlotSpans, boundaries: np.ndarray
) -> dict[tuple[int, int, int], int]:
    """Units left in each slot when its planogram version ends (what the planogram's quantity shows)."""
    last_interval = np.searchsorted(boundaries, spans.end - 1, side="right") - 1
    interval = np.searchsorted(boundaries, seconds, side="right") - 1
    in_last = interval == last_interval[span]
    sold = np.bincount(span[in_last], minlength=len(spans))
    return {key: int(spans.par[i] - sold[i]) for i, key in enumerate(spans.cabinet_version)}
