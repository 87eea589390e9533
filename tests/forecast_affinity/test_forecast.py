"""The forecaster: beats seasonal-naive on held-out weeks, honours censoring, stores and scores forecasts."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select

from ai.demand_forecast import (
    BacktestResult,
    ForecastRequest,
    backtest,
    fit_device,
    forecast,
    interval,
    record_actuals,
    store_forecasts,
)
from ai.forecast_data import DeviceHistory
from storage.fleet import FleetRepository
from storage.tables import DemandForecast


@pytest.fixture(scope="module")
def held_out(fleet_engine) -> BacktestResult:
    return backtest(fleet_engine, range(1, 7), holdout_days=14)


def test_the_forecast_the_user_sees_beats_seasonal_naive_and_its_week_adds_up_to_what_sold(held_out):
    """predicted_units is the mean (issue 15: stock advice adds days up). Under absolute error the median scores
    better day by day, and the back-test reports it: the model's distribution beats naive by a fifth there."""
    result = held_out
    print(
        f"WAPE predicted_units (mean) {result.wape_model:.3f}, daily median {result.wape_model_median:.3f}, "
        f"seasonal-naive {result.wape_seasonal_naive:.3f} over {result.series} series; held-out units "
        f"{result.actual_units:.0f}, forecast {result.predicted_units:.0f}, naive {result.naive_units:.0f}"
    )
    assert result.series > 50
    assert result.wape_model == result.wape_model_mean
    assert result.wape_model <= 0.9 * result.wape_seasonal_naive
    assert result.wape_model_median <= 0.8 * result.wape_seasonal_naive
    assert result.wape_model_median < result.wape_model  # the median is the better point under absolute error
    assert abs(result.predicted_units / result.actual_units - 1) < 0.10  # the weeks' stock is about what sold


def test_intervals_hold_as_many_held_out_days_as_the_model_promises(held_out):
    result = held_out
    print(f"80 % intervals: {result.interval_coverage:.3f} of days in, model promises {result.interval_promised:.3f}")
    assert result.interval_promised >= 0.8  # whole units: never narrower than asked
    assert abs(result.interval_coverage - result.interval_promised) < 0.04


def test_predicted_units_is_the_mean_the_factors_split_and_stock_rounds_the_week_up(fleet_engine):
    catalogue = FleetRepository(fleet_engine).catalogue()
    products = [int(p) for p in FleetRepository(fleet_engine).catalogue()][:40]
    body = forecast(fleet_engine, ForecastRequest(1, products, 7, {}, {}, {}), catalogue)
    days = [d for f in body["forecasts"] for d in f["daily_forecasts"]]
    for day in days:
        low, high = day["confidence_interval"]
        assert low <= day["predicted_units"] <= high
        assert day["predicted_units"] == day["expected_units"]
        assert abs(sum(day["factors"].values()) - day["expected_units"]) < 0.05
    # skewed slow-mover demand: the median day would be 0 for many products; the mean is not
    assert any(0 < d["predicted_units"] < 0.5 for d in days)
    for item in body["forecasts"]:
        week = sum(d["predicted_units"] for d in item["daily_forecasts"])
        assert item["recommended_stock"] == math.ceil(round(week, 2))
        assert (item["recommended_stock"] > 0) == (week > 0)
    total = sum(item["recommended_stock"] for item in body["forecasts"])
    assert body["aggregate_metrics"]["total_weekly_units"] == total > 0


def test_a_short_history_is_pulled_toward_the_fleet_rate_by_its_days_of_evidence():
    days = pd.date_range("2026-01-05", periods=5, freq="D")
    history = DeviceHistory(1, days, np.array([10]), np.full((5, 1), 3.0), np.ones((5, 1)), np.full(24, 1 / 24))
    alone = fit_device(history).level[0]
    pulled = fit_device(history, fleet={10: 1.0}).level[0]
    assert 1.0 < pulled < alone <= 3.0  # between the fleet's 1/day and its own 3/day
    longer = DeviceHistory(1, pd.date_range("2026-01-05", periods=60), np.array([10]), np.full((60, 1), 3.0),
                           np.ones((60, 1)), np.full(24, 1 / 24))  # fmt: skip
    assert fit_device(longer, fleet={10: 1.0}).level[0] > pulled  # more evidence, nearer its own rate


def _history(units: np.ndarray, exposure: np.ndarray) -> DeviceHistory:
    days = pd.date_range("2026-01-05", periods=len(units), freq="D")
    return DeviceHistory(1, days, np.array([10]), units[:, None], exposure[:, None], np.full(24, 1 / 24))


def test_stock_out_days_do_not_lower_the_level():
    rng = np.random.default_rng(1)
    units = rng.poisson(4.0, 84).astype(float)
    exposure = np.ones(84)
    censored = units.copy()
    censored[::3] = 0.0  # sold out all day every third day
    exposure_censored = exposure.copy()
    exposure_censored[::3] = 0.0
    plain = fit_device(_history(censored, exposure)).level[0]
    aware = fit_device(_history(censored, exposure_censored)).level[0]
    assert aware > plain
    assert abs(aware - 4.0) < 0.6


def test_intervals_contain_the_mean_and_widen_with_dispersion():
    low, high = interval(3.0, 0.0)
    _, wide_high = interval(3.0, 1.0)
    assert low <= 3 <= high and wide_high > high
    assert interval(0.0, 0.5) == (0, 0)


def test_external_factors_change_the_forecast_and_are_reported(fleet_engine):
    catalogue = FleetRepository(fleet_engine).catalogue()
    plain = forecast(fleet_engine, ForecastRequest(1, [50], 7, {}, {}, {}), catalogue)
    first = dt.date.fromisoformat(plain["forecasts"][0]["daily_forecasts"][0]["date"])
    event = forecast(fleet_engine, ForecastRequest(1, [50], 7, {}, {first: 5000.0}, {}), catalogue)
    factors = event["forecasts"][0]["daily_forecasts"][0]["factors"]
    assert factors["event_adjustment"] > 0
    total = sum(factors.values())
    assert (
        abs(
            total
            - factors["base_demand"]
            - factors["event_adjustment"]
            - factors["weather_adjustment"]
            - factors["holiday_adjustment"]
        )
        < 0.05
    )


def test_forecasts_are_stored_and_scored_when_sales_arrive(fleet_engine):
    catalogue = FleetRepository(fleet_engine).catalogue()
    body = forecast(fleet_engine, ForecastRequest(2, [50], 3, {}, {}, {}), catalogue)
    # pretend the forecast was made for days that have already passed: shift it back a week
    for day in body["forecasts"][0]["daily_forecasts"]:
        day["date"] = (dt.date.fromisoformat(day["date"]) - dt.timedelta(days=7)).isoformat()
    assert store_forecasts(fleet_engine, 2, body) == 3
    assert record_actuals(fleet_engine, 2) == 3
    with fleet_engine.connect() as connection:
        rows = connection.execute(
            select(DemandForecast.actual_units, DemandForecast.accuracy).where(DemandForecast.device_id == 2)
        ).all()
    assert len(rows) == 3 and all(r.actual_units is not None and 0 <= float(r.accuracy) <= 1 for r in rows)
    assert record_actuals(fleet_engine, 2) == 0  # scored once
