"""The sales history as placement evidence: one row per slot span, with its sales and its exposure.

A slot span is one product in one slot of one planogram version, from the version's activation to the
next one (the last runs to the device's latest sale, the "as of"). Its exposure is the demand-days it
was on sale: time on the device's :class:`~ai.demand_clock.DemandClock`, minus the stretches the slot
stood sold out (``stockouts``), so lost sales are not read as low demand, and minus the days on which no
device of the fleet sold (gaps in collection, :mod:`ai.fleet_days`), so missing data is not read as no
demand. Because planograms change part-way through history, the same product is seen in different rows;
that is what makes placement effects learnable.

Sales are read once, in chunks (memory stays flat on a 1000-machine fleet), and give the units per
span, each device's hour-of-week rhythm, and the baskets for co-purchase lift. Machine audits add the units
each selection sold between two reads where no sales row of the device covers that period (the rule of
:mod:`storage.audit_sales`, so no vend counts twice): a period's units go to the span of the slot that carried
its selection code at the period's end, and the period's end counts as a sale for the device's "as of". They
carry no time of day or basket, so the rhythm and the lift stay the sales rows' alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ai.basket_lift import BasketCounts
from ai.demand_clock import HOURS_PER_WEEK, DemandClock, hour_of_week, seconds_since_monday
from ai.placement_features import NEIGHBOUR_STEPS, NO_PRODUCT, index_of
from ai.training_stop import TrainingCancelled
from designer.positions import ROW_LETTERS, Position, PositionError
from storage.audit_sales import audit_sales_frame
from storage.database import Engine
from storage.fleet_history import last_sale_id, placement_reference, sales_chunks, slot_stockouts

Progress = Callable[[int, str], None]
StopRequest = Callable[[], bool]

SALES_CHUNK_ROWS = 250_000
SECONDS_PER_DAY = 86_400
OPEN_END = np.iinfo(np.int64).max // 4
"""End of a span still running when sales are read; closed at the device's latest sale afterwards."""
COLUMN_CODES = 1000
"""Slot code = row × this + column: room for any parsable position, so malformed ones simply never match."""
SLOT_CODES = len(ROW_LETTERS) * COLUMN_CODES
CABINET_CODES = 1_000_003
"""(device, cabinet index) → device × this + index, one int64 per cabinet."""


@dataclass(frozen=True)
class PlacementHistory:
    """Everything the placement model learns from, indexed densely (devices, products, categories)."""

    device_ids: np.ndarray  # (D,) ascending
    device_location: np.ndarray  # (D,) index into location_types
    location_types: list[str]
    product_ids: np.ndarray  # (P,) ascending, system products (EMPTY_SLOT) excluded
    product_category: np.ndarray  # (P,) index into categories
    product_log_price: np.ndarray  # (P,)
    product_requirement: list[str]  # (P,) temperature requirement
    categories: list[str]
    spans: pd.DataFrame
    """One row per slot span: device, cabinet, rows, columns, zone, row, column, product, units,
    exposure_days (demand-days on sale), calendar_days, stockout_days (demand-days sold out), neighbours
    (4 product indices, -1 for none)."""
    baskets: BasketCounts
    as_of: np.ndarray  # (D,) each device's latest sale, seconds since the clock's Monday (-1 without sales)
    days_carried: np.ndarray
    """(D, P) days with data on which some slot of the device held the product (parallel slots count once)."""
    clock: DemandClock
    sales_rows: int
    unmatched_sales: int
    """Vends in no slot span (no activated planogram put that product in that slot then): not used."""


def _check(should_stop: StopRequest | None) -> None:
    if should_stop is not None and should_stop():
        raise TrainingCancelled("training was stopped")


def _slot_code(labels: pd.Series) -> np.ndarray:
    """Position text → row × 1000 + column (zero-based); -1 where the text is not a position."""
    categorical = labels.astype("category")
    codes = []
    for label in categorical.cat.categories:
        try:
            position = Position.parse(label)
        except PositionError:
            codes.append(-1)
            continue
        codes.append(position.row * COLUMN_CODES + position.column if position.column < COLUMN_CODES else -1)
    lookup = np.array([*codes, -1], dtype=np.int64)
    return lookup[categorical.cat.codes.to_numpy()]


class _Keys:
    """One int64 per (device, cabinet, slot, product), the identity a vend shares with its slot span."""

    def __init__(self, cabinets: pd.DataFrame, products: int) -> None:
        self._cabinet_keys = cabinets["device_id"].to_numpy() * CABINET_CODES + cabinets["cabinet_index"].to_numpy()
        self._order = np.argsort(self._cabinet_keys)
        self._products = max(products, 1)

    def cabinet(self, device_id: np.ndarray, cabinet_index: np.ndarray) -> np.ndarray:
        """Row of each (device, cabinet) in the cabinets table; -1 where unknown."""
        wanted = np.asarray(device_id, dtype=np.int64) * CABINET_CODES + np.asarray(cabinet_index, dtype=np.int64)
        found = index_of(self._cabinet_keys[self._order], wanted)
        return np.where(found >= 0, self._order[np.maximum(found, 0)], -1)

    def key(self, cabinet: np.ndarray, slot: np.ndarray, product: np.ndarray) -> np.ndarray:
        valid = (cabinet >= 0) & (slot >= 0) & (product >= 0)
        key = (cabinet * (SLOT_CODES) + slot) * self._products + product
        return np.where(valid, key, -1)


def _spans(
    planograms: pd.DataFrame, slots: pd.DataFrame, cabinets: pd.DataFrame, keys: _Keys, product_ids: np.ndarray
) -> pd.DataFrame:
    """Slot spans of every activated planogram version; the last version of a cabinet is left open."""
    planograms = planograms.assign(start=seconds_since_monday(pd.to_datetime(planograms["activated_at"])))
    planograms = planograms.sort_values(["device_id", "cabinet_index", "start", "version"])
    following = planograms.groupby(["device_id", "cabinet_index"])["start"].shift(-1)
    following = following.fillna(-1).to_numpy(dtype=np.int64)  # (floats cannot hold OPEN_END exactly)
    planograms["end"] = np.where(following < 0, OPEN_END, following)
    planograms["cabinet"] = keys.cabinet(planograms["device_id"].to_numpy(), planograms["cabinet_index"].to_numpy())
    spans = slots.merge(planograms[["planogram_id", "cabinet", "start", "end"]], on="planogram_id")
    spans = spans[(spans["cabinet"] >= 0) & (spans["end"] > spans["start"])]
    spans = spans.assign(
        product=index_of(product_ids, spans["product_id"].to_numpy()), slot=_slot_code(spans["position"])
    )
    spans = spans.merge(
        cabinets[["rows", "columns", "temperature_zone"]].rename(columns={"temperature_zone": "zone"}),
        left_on="cabinet",
        right_index=True,
    )
    spans["row"], spans["column"] = np.divmod(spans["slot"].to_numpy(), COLUMN_CODES)
    inside = (spans["slot"] >= 0) & (spans["row"] < spans["rows"]) & (spans["column"] < spans["columns"])
    spans = spans[inside & (spans["product"] >= 0)].copy()
    spans["device_id"] = cabinets["device_id"].to_numpy()[spans["cabinet"].to_numpy()]
    spans["key"] = keys.key(spans["cabinet"].to_numpy(), spans["slot"].to_numpy(), spans["product"].to_numpy())
    return spans.sort_values(["key", "start"]).reset_index(drop=True)


_SALES_COLUMNS = ("device_id", "cabinet_index", "position", "product_id", "sold_at", "quantity", "transaction_id")


@dataclass
class _SalesTally:
    units: np.ndarray
    hours: np.ndarray  # devices × 168 vends
    latest: np.ndarray  # devices, seconds (-1 without sales)
    transactions: list[np.ndarray]
    products: list[np.ndarray]
    sale_days: set[int]  # days since the clock's Monday with a sale anywhere in the fleet
    rows: int = 0
    unmatched: int = 0


def _tally_sales(
    engine: Engine,
    spans: pd.DataFrame,
    keys: _Keys,
    device_ids: np.ndarray,
    product_ids: np.ndarray,
    total_rows: int,
    progress: Progress,
    should_stop: StopRequest | None,
    basket_devices: np.ndarray | None = None,
    until: int | None = None,
) -> _SalesTally:
    tally = _SalesTally(
        units=np.zeros(len(spans)),
        hours=np.zeros((len(device_ids), HOURS_PER_WEEK)),
        latest=np.full(len(device_ids), -1, dtype=np.int64),
        transactions=[],
        products=[],
        sale_days=set(),
    )
    lookup = spans[["key", "start", "end"]].assign(span=np.arange(len(spans))).sort_values("start")
    for chunk in sales_chunks(engine, _SALES_COLUMNS, SALES_CHUNK_ROWS):
        _check(should_stop)
        seconds = seconds_since_monday(pd.to_datetime(chunk["sold_at"], format="ISO8601").to_numpy())
        if until is not None:
            before = seconds < until
            chunk, seconds = chunk[before], seconds[before]
        device = index_of(device_ids, chunk["device_id"].to_numpy())
        product = index_of(product_ids, chunk["product_id"].to_numpy())
        quantity = chunk["quantity"].fillna(1).to_numpy(dtype=np.float64)
        known = device >= 0
        cells = device[known] * HOURS_PER_WEEK + hour_of_week(seconds[known])
        tally.hours += np.bincount(cells, weights=quantity[known], minlength=tally.hours.size).reshape(
            tally.hours.shape
        )
        np.maximum.at(tally.latest, device[known], seconds[known])
        tally.sale_days.update(np.unique(seconds // SECONDS_PER_DAY).tolist())
        cabinet = keys.cabinet(chunk["device_id"].to_numpy(), chunk["cabinet_index"].to_numpy())
        vends = pd.DataFrame(
            {"key": keys.key(cabinet, _slot_code(chunk["position"]), product), "second": seconds, "units": quantity}
        ).sort_values("second")
        matched = pd.merge_asof(vends, lookup, left_on="second", right_on="start", by="key", direction="backward")
        inside = matched["span"].notna().to_numpy() & (matched["second"] < matched["end"]).to_numpy()
        spans_hit = matched["span"].to_numpy()[inside].astype(np.int64)
        tally.units += np.bincount(spans_hit, weights=matched["units"].to_numpy()[inside], minlength=len(spans))
        tally.unmatched += int((~inside).sum())
        basket = product >= 0
        if basket_devices is not None:
            basket &= np.isin(device, basket_devices)
        tally.transactions.append(chunk["transaction_id"].to_numpy(dtype=np.int64)[basket])
        tally.products.append(product[basket].astype(np.int32))
        tally.rows += len(chunk)
        progress(5 + int(55 * tally.rows / max(total_rows, 1)), f"Reading sales: {tally.rows:,} of {total_rows:,}")
    return tally


def _audit_units(
    audited: pd.DataFrame, spans: pd.DataFrame, device_ids: np.ndarray, latest: np.ndarray, until: int | None
) -> np.ndarray:
    """Units per span from machine audit periods (:func:`storage.audit_sales.audit_sales_frame`), each given to
    the span of its slot in the planogram version in force at the period's end; ``latest`` (each device's "as of")
    moves on to the end of its last period. Before ``until`` only: a period it cuts counts its share of the time."""
    units = np.zeros(len(spans))
    if audited.empty:
        return units
    start = seconds_since_monday(pd.to_datetime(audited["period_start"]).to_numpy())
    end = seconds_since_monday(pd.to_datetime(audited["period_end"]).to_numpy())
    share = np.ones(len(audited))
    if until is not None:
        share = np.clip((until - start) / np.maximum(end - start, 1), 0.0, 1.0)
        end = np.minimum(end, until)
    device = index_of(device_ids, audited["device_id"].to_numpy())
    counted = (device >= 0) & (share > 0)
    np.maximum.at(latest, device[counted], end[counted])
    periods = audited.assign(counted_units=audited["units"].to_numpy() * share)[counted]
    slots = spans[["planogram_id", "position"]].assign(span=np.arange(len(spans)))
    hits = periods.astype({"planogram_id": "int64"}).merge(slots, on=["planogram_id", "position"])
    np.add.at(units, hits["span"].to_numpy(), hits["counted_units"].to_numpy())
    return units


def _stockout_days(
    engine: Engine, spans: pd.DataFrame, keys: _Keys, product_ids: np.ndarray, clock: DemandClock
) -> np.ndarray:
    """Demand-days each span stood sold out (stock-out windows clipped to the span)."""
    stockouts = slot_stockouts(engine)
    lost = np.zeros(len(spans))
    if stockouts.empty or spans.empty:
        return lost
    cabinet = keys.cabinet(stockouts["device_id"].to_numpy(), stockouts["cabinet_index"].to_numpy())
    product = index_of(product_ids, stockouts["product_id"].to_numpy())
    frame = pd.DataFrame(
        {
            "key": keys.key(cabinet, _slot_code(stockouts["position"]), product),
            "out": seconds_since_monday(pd.to_datetime(stockouts["sold_out_at"]).to_numpy()),
            "back": pd.to_datetime(stockouts["restocked_at"]),
        }
    )
    back = frame["back"]
    frame["back"] = np.where(back.isna(), OPEN_END, seconds_since_monday(back.fillna(pd.Timestamp(0)).to_numpy()))
    overlap = frame.merge(spans[["key", "start", "end", "device"]].assign(span=np.arange(len(spans))), on="key")
    begin = np.maximum(overlap["out"].to_numpy(), overlap["start"].to_numpy())
    finish = np.minimum(overlap["back"].to_numpy(), overlap["end"].to_numpy())
    days = clock.days_between(overlap["device"].to_numpy(), begin, finish)
    return np.bincount(overlap["span"].to_numpy(), weights=days, minlength=len(spans))


def _silent_stretches(sale_days: set[int]) -> np.ndarray:
    """(n, 2) seconds [start, end) of each run of days between the fleet's first and last sale with no sale."""
    if not sale_days:
        return np.zeros((0, 2), dtype=np.int64)
    held = np.array(sorted(sale_days), dtype=np.int64)
    gaps = np.flatnonzero(np.diff(held) > 1)
    return np.column_stack([held[gaps] + 1, held[gaps + 1]]).astype(np.int64) * SECONDS_PER_DAY


def _overlap(
    silent: np.ndarray,
    device: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    measure: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray],
) -> np.ndarray:
    """How much of each [start, end) falls in silent stretches, by ``measure`` (demand-days or calendar days)."""
    lost = np.zeros(len(start))
    for begin, finish in silent:  # a handful of gaps at most; none on a fleet that sells every day
        lost += measure(device, np.maximum(start, begin), np.minimum(end, finish))
    return lost


def _days_carried(spans: pd.DataFrame, silent: np.ndarray, devices: int, products: int) -> np.ndarray:
    """Devices × products: the days with data the product stood in any slot of the device. Spans of one product
    in parallel slots overlap, and summing them would count a product in four slots four times over."""
    carried = np.zeros((devices, products))
    if spans.empty:
        return carried
    frame = spans[["device", "product", "start", "end"]].sort_values(["device", "product", "start"])
    key = frame["device"].to_numpy() * products + frame["product"].to_numpy()
    start, end = frame["start"].to_numpy(), frame["end"].to_numpy()
    reach = pd.Series(end).groupby(key).cummax().to_numpy()  # furthest end so far within the product
    first = np.r_[True, key[1:] != key[:-1]]
    opens = first | (start > np.r_[0, reach[:-1]])  # a new stretch: new product, or a gap after the last reach
    begin = start[opens]
    finish = np.maximum.reduceat(end, np.flatnonzero(opens))
    owner = key[opens]
    calendar = lambda _device, a, b: np.maximum(b - a, 0) / SECONDS_PER_DAY  # noqa: E731
    days = (finish - begin) / SECONDS_PER_DAY - _overlap(silent, owner // products, begin, finish, calendar)
    np.add.at(carried.reshape(-1), owner, np.maximum(days, 0.0))
    return carried


def _neighbours(spans: pd.DataFrame) -> np.ndarray:
    """spans × 4 product indices of the products above, below, left and right in the same version."""
    slot_key = spans["planogram_id"].to_numpy() * (SLOT_CODES) + spans["slot"].to_numpy()
    order = np.argsort(slot_key)
    sorted_keys, products = slot_key[order], spans["product"].to_numpy()[order]
    found = np.full((len(spans), len(NEIGHBOUR_STEPS)), NO_PRODUCT, dtype=np.int64)
    for step, (dr, dc) in enumerate(NEIGHBOUR_STEPS):
        row, column = spans["row"].to_numpy() + dr, spans["column"].to_numpy() + dc
        inside = (row >= 0) & (row < spans["rows"].to_numpy()) & (column >= 0) & (column < spans["columns"].to_numpy())
        wanted = spans["planogram_id"].to_numpy() * (SLOT_CODES) + row * COLUMN_CODES + column
        where = index_of(sorted_keys, np.where(inside, wanted, -1))
        found[:, step] = np.where(where >= 0, products[np.maximum(where, 0)], NO_PRODUCT)
    return found


def read_placement_history(
    engine: Engine,
    progress: Progress | None = None,
    should_stop: StopRequest | None = None,
    basket_device_ids: np.ndarray | None = None,
    until: int | None = None,
) -> PlacementHistory:
    """Read the database into slot spans with units and censored exposure (5–70 % of training progress).

    For back-tests: ``basket_device_ids``, when given, are the only devices whose baskets count toward
    co-purchase lift, and ``until`` (seconds on the demand clock's calendar) ends the history there, as if
    nothing had been sold or laid out since."""
    report: Progress = progress or (lambda _percent, _message: None)
    report(1, "Reading devices, products and planograms")
    devices, cabinets, products, planograms, slots = placement_reference(engine)
    device_ids = devices["id"].to_numpy(dtype=np.int64)
    product_ids = products["id"].to_numpy(dtype=np.int64)
    location_types = sorted(devices["location_type"].fillna("unknown").unique().tolist())
    device_location = np.searchsorted(location_types, devices["location_type"].fillna("unknown").to_numpy())
    categories = sorted(products["category"].fillna("unknown").unique().tolist())
    product_category = np.searchsorted(categories, products["category"].fillna("unknown").to_numpy())
    prices = products["price"].astype(float).clip(lower=0.01).to_numpy()

    keys = _Keys(cabinets, len(product_ids))
    spans = _spans(planograms, slots, cabinets, keys, product_ids)
    spans["device"] = index_of(device_ids, spans["device_id"].to_numpy())
    spans = spans[spans["device"] >= 0].reset_index(drop=True)
    _check(should_stop)

    total_rows = last_sale_id(engine)
    baskets_of = None if basket_device_ids is None else index_of(device_ids, np.asarray(basket_device_ids))
    if until is not None:
        spans = spans[spans["start"] < until].reset_index(drop=True)
    tally = _tally_sales(
        engine, spans, keys, device_ids, product_ids, total_rows, report, should_stop, baskets_of, until
    )
    _check(should_stop)

    report(62, "Measuring exposure and stock-outs")
    audited_units = _audit_units(audit_sales_frame(engine), spans, device_ids, tally.latest, until)
    latest = tally.latest[spans["device"].to_numpy()]
    still_open = spans["end"].to_numpy() == OPEN_END
    spans["end"] = np.where(still_open, latest + 1, spans["end"].to_numpy())
    if until is not None:
        spans["end"] = np.minimum(spans["end"].to_numpy(), until)
    spans["units"] = tally.units + audited_units
    spans = spans[spans["end"] > spans["start"]].reset_index(drop=True)
    clock = DemandClock.from_sales(tally.hours)
    device = spans["device"].to_numpy()
    silent = _silent_stretches(tally.sale_days)
    start, end = spans["start"].to_numpy(), spans["end"].to_numpy()
    on_sale = clock.days_between(device, start, end) - _overlap(silent, device, start, end, clock.days_between)
    on_sale = np.maximum(on_sale, 0.0)
    spans["stockout_days"] = np.minimum(_stockout_days(engine, spans, keys, product_ids, clock), on_sale)
    spans["exposure_days"] = on_sale - spans["stockout_days"]
    calendar = lambda _device, begin, finish: np.maximum(finish - begin, 0) / SECONDS_PER_DAY  # noqa: E731
    spans["calendar_days"] = (end - start) / SECONDS_PER_DAY - _overlap(silent, device, start, end, calendar)
    integers = ["device", "cabinet", "planogram_id", "rows", "columns", "row", "column", "product", "slot"]
    spans = spans.astype(dict.fromkeys(integers, np.int64))  # an empty history must still index arrays
    neighbours = _neighbours(spans)
    for step in range(len(NEIGHBOUR_STEPS)):
        spans[f"neighbour_{step}"] = neighbours[:, step]
    _check(should_stop)

    report(66, "Counting baskets")
    transactions = np.concatenate(tally.transactions) if tally.transactions else np.zeros(0, dtype=np.int64)
    basket_products = np.concatenate(tally.products) if tally.products else np.zeros(0, dtype=np.int32)
    tally.transactions.clear()
    tally.products.clear()
    baskets = BasketCounts.from_sales(transactions, basket_products, len(product_ids))
    del transactions, basket_products
    days_carried = _days_carried(spans, silent, len(device_ids), len(product_ids))
    return PlacementHistory(
        device_ids=device_ids,
        device_location=device_location,
        location_types=location_types,
        product_ids=product_ids,
        product_category=product_category,
        product_log_price=np.log(prices) if len(prices) else np.zeros(0),
        product_requirement=products["temperature_requirement"].fillna("ambient").tolist(),
        categories=categories,
        spans=spans[
            [
                "device",
                "cabinet",
                "planogram_id",
                "rows",
                "columns",
                "zone",
                "row",
                "column",
                "product",
                "units",
                "exposure_days",
                "calendar_days",
                "stockout_days",
                *[f"neighbour_{step}" for step in range(len(NEIGHBOUR_STEPS))],
            ]
        ].copy(),
        baskets=baskets,
        as_of=tally.latest,
        days_carried=days_carried,
        clock=clock,
        sales_rows=tally.rows,
        unmatched_sales=tally.unmatched,
    )
