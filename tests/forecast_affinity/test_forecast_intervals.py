"""Issue 15: every forecast interval states its real probability and holds it on held-out days; weather is used
only where it makes the forecast better on days the fit did not see."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ai.demand_forecast import (
    BacktestResult,
    ForecastRequest,
    backtest,
    fit_device,
    fleet_rates,
    forecast,
    interval_mass,
    period_interval,
    product_dispersion,
    validate_on_last_days,
)
from ai.forecast_data import DeviceHistory, device_history, known_holidays, recorded_weather
from storage.fleet import FleetRepository


@pytest.fixture(scope="module")
def held_out(fleet_engine) -> BacktestResult:
    return backtest(fleet_engine, range(1, 7), holdout_days=14)


def test_each_day_states_the_model_probability_of_its_interval(fleet_engine):
    repository = FleetRepository(fleet_engine)
    history = device_history(fleet_engine, 1)
    products = [int(p) for p in history.product_ids[:20]]
    body = forecast(fleet_engine, ForecastRequest(1, products, 7, {}, {}, {}), repository.catalogue())
    fitted = fit_device(history, known_holidays(fleet_engine), recorded_weather(fleet_engine, 1),
                        repository.product_categories(), fleet_rates(fleet_engine, history.last_day))  # fmt: skip
    stated = []
    for item in body["forecasts"]:
        days = item["daily_forecasts"]
        dispersion = product_dispersion(fitted, item["product_id"])
        means = np.array([d["expected_units"] for d in days])
        bounds = np.array([d["confidence_interval"] for d in days])
        mass = interval_mass(means, dispersion, bounds)
        assert [d["interval_probability"] for d in days] == pytest.approx(mass, abs=0.01)
        stated += [d["interval_probability"] for d in days]
        week = item["week_interval"]
        low, high = week["confidence_interval"]
        assert low <= week["expected_units"] <= high and 0 < week["interval_probability"] <= 1
    assert min(stated) >= 0.8 - 0.01  # whole units widen an 80 % interval, never narrow it
    assert max(stated) > 0.9, "slow movers' whole-unit intervals hold far more than 80 %, and say so"


def test_held_out_days_fall_inside_as_often_as_the_intervals_state(held_out):
    result = held_out
    bins = ", ".join(f"{c.label} {c.observed:.3f} vs {c.stated:.3f} ({c.days})" for c in result.calibration)
    print(f"days: {result.interval_coverage:.3f} in, stated {result.interval_promised:.3f}; {bins}; weeks "
          f"{result.week_coverage:.3f} vs {result.week_promised:.3f} ({result.weeks})")  # fmt: skip
    assert abs(result.interval_coverage - result.interval_promised) <= 0.03
    assert abs(result.seen_coverage - result.seen_promised) <= 0.03  # days not sold out: their whole demand
    assert abs(result.week_coverage - result.week_promised) <= 0.03
    for calibration in result.calibration:
        if calibration.days >= 500:  # a bin of a few dozen days is too noisy to hold to 3 points
            assert abs(calibration.observed - calibration.stated) <= 0.03, calibration


def test_weather_never_makes_held_out_days_worse(held_out):
    print(f"WAPE with weather {held_out.wape_model:.4f}, without {held_out.wape_without_weather:.4f}; kept on "
          f"{held_out.devices_with_weather} of {held_out.devices} devices")  # fmt: skip
    assert held_out.wape_model <= held_out.wape_without_weather + 1e-9


def _weather_history(effect_per_degree: float, seed: int = 3) -> tuple[DeviceHistory, pd.DataFrame]:
    days = pd.date_range("2026-01-05", periods=150, freq="D")
    rng = np.random.default_rng(seed)
    temperature = 18 + 9 * np.sin(np.arange(150) / 5.0) + rng.normal(0, 2, 150)
    weather = pd.DataFrame({"temperature_c": temperature, "precipitation_mm": np.zeros(150)}, index=days)
    mean = 6.0 * np.exp(effect_per_degree * (temperature - 18))
    units = rng.poisson(np.column_stack([mean, mean, mean]))
    history = DeviceHistory(1, days, np.array([1, 2, 3]), units.astype(float), np.ones((150, 3)),
                            np.full(24, 1 / 24))  # fmt: skip
    return history, weather


def test_weather_is_kept_where_it_validates_and_left_out_where_it_does_not():
    categories = {1: "water", 2: "water", 3: "water"}
    strong, weather = _weather_history(0.06)
    check = validate_on_last_days(strong, None, weather, categories, None)
    assert check.weather_helps and check.verdict.startswith("kept")
    assert fit_device(strong, weather=weather, categories=categories).weather["water"][0] > 0.03
    noise, weather = _weather_history(0.0)
    check = validate_on_last_days(noise, None, weather, categories, None)
    assert not check.weather_helps and check.verdict.startswith("left out")
    assert fit_device(noise, weather=weather, categories=categories).weather == {}


def test_a_week_interval_is_the_sum_of_the_days_not_the_sum_of_their_bounds():
    means = [2.0] * 7
    low, high, probability = period_interval(means, 0.2)
    assert low <= 14 <= high and 0.8 <= probability < 0.9
    day_low, day_high, _ = period_interval([2.0], 0.2)
    assert high - low < 7 * (day_high - day_low), "the days' bounds summed would be far wider"
    total, variance = 14.0, 14.0 + 0.2 * 4 * 7
    summed = (variance - total) / total**2
    assert probability == pytest.approx(float(interval_mass(np.array([total]), summed, np.array([[low, high]]))[0]))
    drifting = period_interval(means, 0.2, drift=0.1)
    assert drifting[1] - drifting[0] > high - low  # a level drift all days share widens the week
