"""What the sales history says about a location: when its shoppers buy what, and what its peers sell.

Each machine's window is the :data:`WINDOW_DAYS` before its own latest sale ("as of"), so the answers on
a given database are reproducible. The hour-of-day profile pools the device with the fleet's machines of
the same location type, so a product the device has never carried still has a time of day.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import TYPE_CHECKING

import numpy as np

from storage.database import Engine
from storage.fleet import FleetRepository
from storage.planogram_history import carried_products
from storage.sales_history import basket_count, first_and_latest_sale, sales_by_hour

if TYPE_CHECKING:
    from ai.fleet_figures import FleetFigures

WINDOW_DAYS = 90
PERIODS: dict[str, tuple[int, int]] = {
    "morning": (6, 11),
    "lunch": (11, 14),
    "afternoon": (14, 18),
    "evening": (18, 23),
}
"""Periods of the day as [first hour, end hour); the seed names the first three."""


@dataclass(frozen=True)
class DeviceSales:
    """One machine's window: units and revenue per product × hour of day, and its slot count."""

    device_id: int
    days: float
    slots: int
    units: dict[int, np.ndarray]  # product id → (24,) units per hour of day
    revenue: dict[int, float]  # product id → revenue in the window
    carried: frozenset[int]  # products in its active planograms
    baskets: int = 0  # transactions in the window: shoppers who bought

    @property
    def shoppers_per_day(self) -> float:
        return self.baskets / self.days if self.days > 0 else 0.0

    @property
    def revenue_per_slot_day(self) -> float:
        return sum(self.revenue.values()) / max(self.days, 1.0) / max(self.slots, 1)


@dataclass(frozen=True)
class LocationHistory:
    device: DeviceSales
    peers: list[DeviceSales]  # the fleet's other machines of the requested location type

    def hour_profile(self) -> dict[int, np.ndarray]:
        """Product id → units per hour of day, the device and its peers pooled."""
        pooled: dict[int, np.ndarray] = {}
        for sales in (self.device, *self.peers):
            for product_id, hours in sales.units.items():
                pooled[product_id] = pooled.get(product_id, np.zeros(24)) + hours
        return pooled

    def peer_revenue_per_day(self) -> dict[int, float]:
        """Product id → mean daily revenue at the peers that carried it."""
        totals: dict[int, float] = {}
        carriers: dict[int, int] = {}
        for peer in self.peers:
            for product_id, revenue in peer.revenue.items():
                totals[product_id] = totals.get(product_id, 0.0) + revenue / max(peer.days, 1.0)
                carriers[product_id] = carriers.get(product_id, 0) + 1
        return {product_id: totals[product_id] / carriers[product_id] for product_id in totals}


def read_location_history(
    engine: Engine, device_id: int, location_type: str, figures: FleetFigures | None = None
) -> LocationHistory:
    """The device's window and its peers'; with ``figures``, each machine's window is read once per data change
    and reused (a request's own work is then the device's, not the fleet's)."""
    peer_ids = FleetRepository(engine).peer_device_ids(device_id, location_type)
    sales = (lambda d: figures.of(read_device_sales, d)) if figures is not None else partial(read_device_sales, engine)
    return LocationHistory(sales(device_id), [sales(p) for p in peer_ids])


def read_device_sales(engine: Engine, device_id: int) -> DeviceSales:
    """One machine's last :data:`WINDOW_DAYS` of sales by product and hour, its slots and its products."""
    first, latest = first_and_latest_sale(engine, device_id)
    slots = FleetRepository(engine).slot_count(device_id)
    carried = carried_products(engine, device_id)
    units: dict[int, np.ndarray] = {}
    revenue: dict[int, float] = {}
    days = 0.0
    baskets = 0
    if latest is not None:
        since = latest - timedelta(days=WINDOW_DAYS)
        days = min(float(WINDOW_DAYS), (latest - first).total_seconds() / 86400 + 1)
        rows = sales_by_hour(engine, device_id, since)
        baskets = basket_count(engine, device_id, since)
        for product_id, hour_of_day, quantity, money in rows:
            if product_id is None:
                continue
            units.setdefault(product_id, np.zeros(24))[int(hour_of_day) % 24] += float(quantity or 0)
            revenue[product_id] = revenue.get(product_id, 0.0) + float(money or 0)
    return DeviceSales(device_id, days, int(slots or 0), units, revenue, carried, baskets)


def period_of(hour: int) -> str | None:
    for name, (start, end) in PERIODS.items():
        if start <= hour < end:
            return name
    return None


def peak_periods(peak_hours: Iterable[int]) -> list[str]:
    """The periods holding the location's stated peak hours, in the order of the day."""
    found = {period_of(hour) for hour in peak_hours}
    return [name for name in PERIODS if name in found]


def time_suggestions(
    profile: dict[int, np.ndarray], product_ids: Iterable[int], names: dict[int, str], per_period: int = 3
) -> tuple[dict[str, list[str]], dict[int, str]]:
    """Per period, the proposed products that over-index most there (units × share lift); and each product's
    strongest period, for the recommendations' reasons.

    A product over-indexes in a period when a larger share of its sales falls there than of all the
    location's sales; ranking by units × that lift favours products both popular and typical of the hour.
    """
    chosen = [p for p in dict.fromkeys(product_ids) if p in profile and profile[p].sum() > 0]
    total = sum((profile[p] for p in profile), np.zeros(24))
    suggestions: dict[str, list[str]] = {name: [] for name in PERIODS}
    strongest: dict[int, str] = {}
    if total.sum() <= 0 or not chosen:
        return suggestions, strongest
    location_share = {name: total[start:end].sum() / total.sum() for name, (start, end) in PERIODS.items()}
    scored: dict[str, list[tuple[float, str]]] = {name: [] for name in PERIODS}
    for product_id in chosen:
        hours = profile[product_id]
        best_lift = 0.0
        for name, (start, end) in PERIODS.items():
            in_period = hours[start:end].sum()
            if location_share[name] <= 0 or in_period <= 0:
                continue
            lift = (in_period / hours.sum()) / location_share[name]
            if lift > 1.0:
                scored[name].append((in_period * lift, names[product_id]))
            if lift > best_lift:
                best_lift, strongest[product_id] = lift, name
    for name, entries in scored.items():
        entries.sort(key=lambda item: (-item[0], item[1]))
        suggestions[name] = [product for _, product in entries[:per_period]]
    return suggestions, strongest
