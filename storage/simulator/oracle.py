"""The oracle: the simulator's own expected revenue per cabinet and day, the best any model could predict.

A demo database records its seed, size and planted treatment in ``simulation_truth``; from those the fleet
is rebuilt exactly (catalogue, weather, every device's plan: the same streams as the build) and each device's
sales are re-drawn :data:`ORACLE_DRAWS` times with fresh noise (day shocks, slot levels, Poisson counts,
baskets), served from the same slots, pars and restock visits. The mean revenue over the draws is what the
true parameters expect, stock-outs included; what remains between it and the recorded sales is noise no
model can remove. The back-test prints it beside ours so the distance to the limit shows.

The forecast back-test reads the same redraws per product and day (:func:`simulated_units`): the mean and the
median units each product sells on each day under the true parameters, stock-outs included, the best a mean
forecast and a median forecast could call.

Only the back-tests read this; the models never do (they learn from sales, layouts, products and calendar).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import numpy as np
from sqlalchemy import Engine, select

from storage.simulator.build import _CATALOGUE, _DEMAND, _LAYOUT, _WEATHER, PlantedTreatment, _stream
from storage.simulator.catalogue import ProductTable, build_catalogue
from storage.simulator.demand import DeviceSales, simulate_device
from storage.simulator.history import SECONDS_PER_DAY, History
from storage.simulator.layouts import DevicePlan, plan_device
from storage.simulator.locations import REGIONS, Weather, simulate_weather
from storage.tables import SimulationTruth

ORACLE_DRAWS = 16
"""Noise draws averaged per device: the mean's own noise is then a quarter of one draw's."""
ORACLE_UNIT_DRAWS = 64
"""Noise draws per device for the units oracle: a median of whole units needs more draws than a mean to settle
(with 16, a product selling about one a day flips between medians 0 and 1 from one set of draws to the next)."""

_ORACLE = 5
"""The oracle's stream of the seed (the build uses 1–4), so its draws never repeat the recorded ones."""


@dataclass(frozen=True)
class ExpectedRevenue:
    """Expected revenue of every (device, cabinet) on every day of the simulated history."""

    start: date
    daily: dict[tuple[int, int], np.ndarray]  # (device id, cabinet index) → expected revenue per day

    def mean(self, device_id: int, cabinet_index: int, days: list[date]) -> float:
        """Mean expected daily revenue over ``days`` (NaN for an unknown cabinet or no day in the history)."""
        series = self.daily.get((device_id, cabinet_index))
        if series is None:
            return float("nan")
        index = [(day - self.start).days for day in days]
        index = [i for i in index if 0 <= i < len(series)]
        return float(series[index].mean()) if index else float("nan")


def _truth(engine: Engine) -> dict[str, object]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(SimulationTruth.key, SimulationTruth.value).where(
                SimulationTruth.key.in_(("parameters", "planted_treatment"))
            )
        ).all()
    return {key: json.loads(value) for key, value in rows}


def cabinet_day_revenue(sales: DeviceSales, prices: np.ndarray, cabinets: int, days: int) -> np.ndarray:
    """cabinet × day revenue of one device's vends (prices in cents-rounded catalogue order, as written)."""
    day = sales.seconds // SECONDS_PER_DAY
    totals = np.bincount(sales.cabinet * days + day, weights=prices[sales.product - 1], minlength=cabinets * days)
    return totals.reshape(cabinets, days)


@dataclass(frozen=True)
class ExpectedUnits:
    """The true mean and median units of every (device, product) on every day of the simulated history."""

    start: date
    mean: dict[int, np.ndarray]  # device id → products × days (catalogue order: product id − 1)
    median: dict[int, np.ndarray]

    def of(self, device_id: int, product_id: int, days: list[date]) -> tuple[np.ndarray, np.ndarray] | None:
        """(mean, median) units on each of ``days`` (None for an unknown device, product or day)."""
        means, medians = self.mean.get(device_id), self.median.get(device_id)
        index = np.array([(day - self.start).days for day in days], dtype=int)
        if means is None or medians is None or not 1 <= product_id <= len(means):
            return None
        if len(index) == 0 or index.min() < 0 or index.max() >= means.shape[1]:
            return None
        return means[product_id - 1, index], medians[product_id - 1, index]


@dataclass(frozen=True)
class _Rebuilt:
    """The fleet rebuilt from a demo database's planted truth: what every redraw starts from."""

    seed: int
    devices: int
    history: History
    catalogue: ProductTable
    weather: list[Weather]
    treatment: PlantedTreatment | None


def _rebuild(engine: Engine) -> _Rebuilt | None:
    truth = _truth(engine)
    parameters = truth.get("parameters")
    if not isinstance(parameters, dict):
        return None
    seed, days, devices = int(parameters["seed"]), int(parameters["days"]), int(parameters["devices"])
    treated = truth.get("planted_treatment")
    treatment = (
        PlantedTreatment(
            frozenset(int(d) for d in treated["device_ids"]),
            date.fromisoformat(treated["start"]),
            float(treated["multiplier"]),
        )
        if isinstance(treated, dict)
        else None
    )
    history = History(days)
    catalogue = build_catalogue(_stream(seed, _CATALOGUE))
    weather = [simulate_weather(region, history, _stream(seed, _WEATHER, i)) for i, region in enumerate(REGIONS)]
    return _Rebuilt(seed, devices, history, catalogue, weather, treatment)


def _redraws(fleet: _Rebuilt, device_id: int, draws: int, recorded: bool) -> tuple[DevicePlan, Iterator[DeviceSales]]:
    """The device's plan and its sales, redrawn ``draws`` times (or the build's own stream once: ``recorded``)."""
    plan = plan_device(device_id, fleet.catalogue, fleet.history, _stream(fleet.seed, _LAYOUT, device_id))
    uplift = fleet.treatment.day_multipliers(device_id, fleet.history) if fleet.treatment else None
    streams = (
        [_stream(fleet.seed, _DEMAND, device_id)]
        if recorded
        else [_stream(fleet.seed, _ORACLE, device_id, draw) for draw in range(draws)]
    )
    weather = fleet.weather[plan.region]
    return plan, (simulate_device(plan, fleet.catalogue, weather, fleet.history, rng, uplift) for rng in streams)


def simulated_revenue(engine: Engine, draws: int = ORACLE_DRAWS, recorded: bool = False) -> ExpectedRevenue | None:
    """The oracle for a demo database (None when it holds no planted truth: a real CVD database).

    ``recorded=True`` replays the build's own demand stream once instead (the recorded sales exactly), which
    shows the rebuild is faithful.
    """
    fleet = _rebuild(engine)
    if fleet is None:
        return None
    days = fleet.history.days
    prices = np.round(np.asarray(fleet.catalogue.prices, dtype=float), 2)
    daily: dict[tuple[int, int], np.ndarray] = {}
    for device_id in range(1, fleet.devices + 1):
        plan, redrawn = _redraws(fleet, device_id, draws, recorded)
        total = np.zeros((len(plan.cabinets), days))
        count = 0
        for sales in redrawn:
            total += cabinet_day_revenue(sales, prices, len(plan.cabinets), days)
            count += 1
        for cabinet in plan.cabinets:
            daily[(device_id, cabinet.index)] = total[cabinet.index] / count
    return ExpectedRevenue(fleet.history.start, daily)


def simulated_units(engine: Engine, draws: int = ORACLE_UNIT_DRAWS, recorded: bool = False) -> ExpectedUnits | None:
    """The forecast's oracle for a demo database: each product's true mean and median units per day over
    ``draws`` redraws of the noise (None when the database holds no planted truth).

    ``recorded=True`` replays the build's own stream once (mean and median are then the recorded units)."""
    fleet = _rebuild(engine)
    if fleet is None:
        return None
    days, products = fleet.history.days, len(fleet.catalogue)
    means: dict[int, np.ndarray] = {}
    medians: dict[int, np.ndarray] = {}
    for device_id in range(1, fleet.devices + 1):
        _plan, redrawn = _redraws(fleet, device_id, draws, recorded)
        counts = np.stack([product_day_units(sales, products, days) for sales in redrawn])
        means[device_id] = counts.mean(axis=0)
        medians[device_id] = np.median(counts, axis=0)
    return ExpectedUnits(fleet.history.start, means, medians)


def product_day_units(sales: DeviceSales, products: int, days: int) -> np.ndarray:
    """products × days units one draw of a device sold (catalogue order)."""
    day = sales.seconds // SECONDS_PER_DAY
    return np.bincount((sales.product - 1) * days + day, minlength=products * days).reshape(products, days)
