"""The oracle: the simulator's own expected revenue per cabinet and day, the best any model could predict.

A demo database records its seed, size and planted treatment in ``simulation_truth``; from those the fleet
is rebuilt exactly (catalogue, weather, every device's plan: the same streams as the build) and each device's
sales are re-drawn :data:`ORACLE_DRAWS` times with fresh noise (day shocks, slot levels, Poisson counts,
baskets), served from the same slots, pars and restock visits. The mean revenue over the draws is what the
true parameters expect, stock-outs included; what remains between it and the recorded sales is noise no
model can remove. The back-test prints it beside ours so the distance to the limit shows.

Only the back-test reads this; the models never do (they learn from sales, layouts, products and calendar).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

import numpy as np
from sqlalchemy import Engine, select

from storage.simulator.build import _CATALOGUE, _DEMAND, _LAYOUT, _WEATHER, PlantedTreatment, _stream
from storage.simulator.catalogue import build_catalogue
from storage.simulator.demand import DeviceSales, simulate_device
from storage.simulator.history import SECONDS_PER_DAY, History
from storage.simulator.layouts import plan_device
from storage.simulator.locations import REGIONS, simulate_weather
from storage.tables import SimulationTruth

ORACLE_DRAWS = 16
"""Noise draws averaged per device: the mean's own noise is then a quarter of one draw's."""

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


def simulated_revenue(engine: Engine, draws: int = ORACLE_DRAWS, recorded: bool = False) -> ExpectedRevenue | None:
    """The oracle for a demo database (None when it holds no planted truth: a real CVD database).

    ``recorded=True`` replays the build's own demand stream once instead (the recorded sales exactly), which
    shows the rebuild is faithful.
    """
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
    prices = np.round(np.asarray(catalogue.prices, dtype=float), 2)
    daily: dict[tuple[int, int], np.ndarray] = {}
    for device_id in range(1, devices + 1):
        plan = plan_device(device_id, catalogue, history, _stream(seed, _LAYOUT, device_id))
        uplift = treatment.day_multipliers(device_id, history) if treatment else None
        streams = (
            [_stream(seed, _DEMAND, device_id)]
            if recorded
            else [_stream(seed, _ORACLE, device_id, draw) for draw in range(draws)]
        )
        total = np.zeros((len(plan.cabinets), days))
        for rng in streams:
            sales = simulate_device(plan, catalogue, weather[plan.region], history, rng, uplift)
            total += cabinet_day_revenue(sales, prices, len(plan.cabinets), days)
        for cabinet in plan.cabinets:
            daily[(device_id, cabinet.index)] = total[cabinet.index] / len(streams)
    return ExpectedRevenue(history.start, daily)
