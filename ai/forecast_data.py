"""A device's sales history as the forecaster and the affinity analysis read it: days × products, and exposure.

Exposure is the share of a day's shoppers a product could be bought by: zero on days it was not carried and
reduced by stock-outs in proportion to the device's own hour-of-day demand, so a slot empty overnight in an
office is not read as a slow day. A product is carried from when a layout put it in a slot (a product no layout
held, from the device's first sale), not from its own first vend: days it stood unsold are slow days, and
counting from the first vend would read a short history as faster than it is. It is carried to its last vend,
or to the end when it still sells in the last fortnight or stands in the active layout.

The grid holds the days with data only (:mod:`ai.fleet_days`): a day on which no device of the fleet sold is a
gap in collection, left out rather than read as a day nobody bought; a day on which others sold and this
device did not stays a zero.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ai.fleet_days import data_days
from storage.database import Engine
from storage.holidays_and_weather import known_holidays, recorded_weather, weather_regions
from storage.planogram_history import active_slots, carried_products, placed_since
from storage.sales_history import SALE_COLUMNS, latest_sale, read_sales, slots_per_product
from storage.stockouts import stockout_windows

__all__ = [
    "SALE_COLUMNS",
    "DeviceHistory",
    "active_slots",
    "device_history",
    "known_holidays",
    "latest_sale",
    "read_sales",
    "recorded_weather",
    "weather_regions",
]


@dataclass(frozen=True)
class DeviceHistory:
    """Daily units (days × products) and exposure in [0, 1] on the same grid, as of the latest sale."""

    device_id: int
    days: pd.DatetimeIndex
    product_ids: np.ndarray
    units: np.ndarray
    exposure: np.ndarray
    hour_profile: np.ndarray  # 24 shares of the device's vends

    @property
    def last_day(self) -> dt.date:
        return self.days[-1].date()

    def column(self, product_id: int) -> int | None:
        hits = np.flatnonzero(self.product_ids == product_id)
        return int(hits[0]) if len(hits) else None

    def until(self, last_day: dt.date) -> DeviceHistory:
        """The history as it stood at the end of ``last_day`` (for back-tests)."""
        keep = self.days.date <= last_day
        return DeviceHistory(
            self.device_id, self.days[keep], self.product_ids, self.units[keep], self.exposure[keep], self.hour_profile
        )


def device_history(engine: Engine, device_id: int, days_with_data: Sequence[dt.date] | None = None) -> DeviceHistory:
    """The device's grid; ``days_with_data`` is the fleet's days with data when the caller holds them already
    (:meth:`ai.fleet_figures.FleetFigures.days_with_data`: any span covering the device's), else they are read."""
    sales = read_sales(engine, device_id)
    if sales.empty:
        empty = pd.DatetimeIndex([])
        return DeviceHistory(
            device_id, empty, np.zeros(0, int), np.zeros((0, 0)), np.zeros((0, 0)), np.full(24, 1 / 24)
        )
    days = pd.date_range(sales["sold_at"].min().normalize(), sales["sold_at"].max().normalize(), freq="D")
    product_ids = np.sort(sales["product_id"].unique())
    column = np.searchsorted(product_ids, sales["product_id"].to_numpy())
    row = ((sales["sold_at"].dt.normalize() - days[0]).dt.days).to_numpy()
    units = np.zeros((len(days), len(product_ids)))
    np.add.at(units, (row, column), sales["quantity"].to_numpy(dtype=float))
    hours = np.bincount(sales["sold_at"].dt.hour.to_numpy(), minlength=24).astype(float) + 1.0
    hour_profile = hours / hours.sum()

    exposure = np.zeros_like(units)
    first = _placed_day(engine, device_id, days, product_ids)
    last = np.zeros(len(product_ids), dtype=int)
    np.maximum.at(last, column, row)
    np.minimum.at(first, column, row)  # a vend before the recorded placement: carried by then all the same
    # a product still selling in the last fortnight, or in the active layout, is carried to the end of history
    last = np.where(last >= len(days) - 14, len(days) - 1, last)
    last[np.isin(product_ids, list(carried_products(engine, device_id)))] = len(days) - 1
    carried = (np.arange(len(days))[:, None] >= first) & (np.arange(len(days))[:, None] <= last)
    exposure[carried] = 1.0
    lost = _stockout_share(engine, device_id, days, product_ids, hour_profile)
    exposure = np.clip(exposure - lost, 0.0, 1.0)
    known = days_with_data if days_with_data is not None else data_days(engine, days[0].date(), days[-1].date())
    with_data = np.isin(days.date, list(known))
    with_data[[0, -1]] = True  # the device's own first and last sale days hold data whatever the fleet query says
    return DeviceHistory(device_id, days[with_data], product_ids, units[with_data], exposure[with_data], hour_profile)


def _placed_day(engine: Engine, device_id: int, days: pd.DatetimeIndex, product_ids: np.ndarray) -> np.ndarray:
    """Each product's first carried day on the grid: the day a layout put it in a slot (0 when that was before
    the first sale, or when no layout ever held it)."""
    placed = placed_since(engine, device_id)
    first = np.zeros(len(product_ids), dtype=int)
    for column, product_id in enumerate(product_ids):
        at = placed.get(int(product_id))
        if at is not None:
            first[column] = min(max((pd.Timestamp(at).normalize() - days[0]).days, 0), len(days))
    return first


def _stockout_share(
    engine: Engine, device_id: int, days: pd.DatetimeIndex, product_ids: np.ndarray, hour_profile: np.ndarray
) -> np.ndarray:
    """Share of each day's demand (days × products) that met an empty slot, split over the product's slots."""
    rows = stockout_windows(engine, device_id)
    slot_counts = slots_per_product(engine, device_id)
    lost = np.zeros((len(days), len(product_ids)))
    if not rows or len(days) == 0:
        return lost
    frame = pd.DataFrame(rows, columns=["product_id", "start", "end"])
    frame = frame[frame["product_id"].isin(product_ids)]
    end_of_history = days[-1] + pd.Timedelta(days=1)
    frame["start"] = pd.to_datetime(frame["start"])
    frame["end"] = pd.to_datetime(frame["end"]).fillna(end_of_history).clip(upper=end_of_history)
    start_hour = ((frame["start"] - days[0]) / pd.Timedelta(hours=1)).to_numpy()
    end_hour = ((frame["end"] - days[0]) / pd.Timedelta(hours=1)).to_numpy()
    total_hours = len(days) * 24
    # cumulative demand share along the hourly grid: lost share = C(end) - C(start), interpolated within hours
    per_hour = np.tile(hour_profile, len(days))
    cumulative = np.concatenate([[0.0], np.cumsum(per_hour)])

    def reading(hour: np.ndarray) -> np.ndarray:
        hour = np.clip(hour, 0, total_hours)
        whole = np.minimum(np.floor(hour).astype(int), total_hours - 1)
        return cumulative[whole] + (hour - whole) * per_hour[whole]

    column = np.searchsorted(product_ids, frame["product_id"].to_numpy())
    share = 1.0 / np.array([max(slot_counts.get(int(p), 1), 1) for p in frame["product_id"]], dtype=float)
    first_day = np.clip(np.floor(start_hour / 24).astype(int), 0, len(days) - 1)
    last_day = np.clip(np.floor((end_hour - 1e-9) / 24).astype(int), 0, len(days) - 1)
    for day_offset in range(int((last_day - first_day).max(initial=0)) + 1):
        day = first_day + day_offset
        active = day <= last_day
        day_start, day_end = day * 24.0, day * 24.0 + 24.0
        covered = reading(np.minimum(end_hour, day_end)) - reading(np.maximum(start_hour, day_start))
        np.add.at(lost, (day[active], column[active]), (np.maximum(covered, 0) * share)[active])
    return np.clip(lost, 0.0, 1.0)
