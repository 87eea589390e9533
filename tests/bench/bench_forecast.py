"""Demand forecast: time for 60 products × 30 days of one device, and held-out accuracy against statsforecast.

    .venv/bin/python tests/bench/bench_forecast.py               default demo fleet (12 devices, 180 days)
    .venv/bin/python tests/bench/bench_forecast.py --db URL      an existing database

Accuracy: each device's last 14 days are held out; every series carried at the cutoff is forecast by our model
exactly as the endpoint reports it (``predicted_units``, the median of its predictive distribution, and
``expected_units``, its mean), the weekly seasonal-naive forecast, and
statsforecast's AutoETS and CrostonOptimized fitted on the same daily series (stock-out days as recorded).
statsforecast is a benchmark-only install (``pip install statsforecast``), not a runtime dependency.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

PROJECT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT))

from ai.demand_forecast import (  # noqa: E402
    ForecastRequest,
    _categories,
    backtest,
    daily_forecasts,
    fit_device,
    forecast,
    predict,
)
from ai.forecast_data import device_history, known_holidays, recorded_weather  # noqa: E402
from storage.fleet import FleetRepository  # noqa: E402
from storage.schema import prepare_database  # noqa: E402
from storage.simulator import build_demo_fleet  # noqa: E402

HOLDOUT = 14


def time_one_device(engine, device_id: int) -> None:
    catalogue = FleetRepository(engine).catalogue()
    products = [int(p) for p in device_history(engine, device_id).product_ids[:60]]
    request = ForecastRequest(device_id, products, 30, {}, {}, {})
    forecast(engine, request, catalogue)  # warm
    times = []
    for _ in range(5):
        started = time.perf_counter()
        forecast(engine, request, catalogue)
        times.append(time.perf_counter() - started)
    print(f"forecast {len(products)} products × 30 days, device {device_id}: median {np.median(times) * 1000:.0f} ms")


def accuracy(engine, devices: list[int]) -> None:
    try:
        from statsforecast.models import AutoETS, CrostonOptimized
    except ImportError:
        AutoETS = CrostonOptimized = None
        print("statsforecast is not installed: library comparison skipped (pip install statsforecast)")
    holidays, categories = known_holidays(engine), _categories(engine)
    errors = {"ours predicted_units (median)": 0.0, "ours expected_units (mean)": 0.0, "seasonal naive": 0.0}
    if AutoETS is not None:
        errors.update({"statsforecast AutoETS": 0.0, "statsforecast CrostonOptimized": 0.0})
    seconds = dict.fromkeys(errors, 0.0)
    total, series = 0.0, 0
    for device_id in devices:
        full = device_history(engine, device_id)
        cutoff = full.days[-HOLDOUT - 1].date()
        train = full.until(cutoff)
        weather = recorded_weather(engine, device_id)
        started = time.perf_counter()
        fitted = fit_device(train, holidays, weather, categories)
        seconds["ours predicted_units (median)"] += time.perf_counter() - started
        future = [cutoff + dt.timedelta(days=i + 1) for i in range(HOLDOUT)]
        given = {}
        if weather is not None:
            for day in future:
                row = weather.loc[str(day)] if str(day) in weather.index else None
                if row is not None:
                    given[day] = (float(row["temperature_c"]), float(row["precipitation_mm"]))
        for column, product_id in enumerate(full.product_ids):
            if train.exposure[-14:, column].sum() == 0:
                continue
            actual = full.units[-HOLDOUT:, column]
            y = train.units[:, column]
            y = y[np.argmax(train.exposure[:, column] > 0) :]  # from when the product was first carried
            started = time.perf_counter()
            days = daily_forecasts(fitted, int(product_id), predict(fitted, int(product_id), future, holidays, given))
            seconds["ours predicted_units (median)"] += time.perf_counter() - started
            predictions = {
                "ours predicted_units (median)": np.array([d["predicted_units"] for d in days], dtype=float),
                "ours expected_units (mean)": np.array([d["expected_units"] for d in days], dtype=float),
                "seasonal naive": np.array([train.units[-7 + i % 7, column] for i in range(HOLDOUT)]),
            }
            if AutoETS is not None:
                for name, model in (
                    ("statsforecast AutoETS", AutoETS(season_length=7)),
                    ("statsforecast CrostonOptimized", CrostonOptimized()),
                ):
                    started = time.perf_counter()
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        try:
                            predictions[name] = np.asarray(model.forecast(y=y.astype(float), h=HOLDOUT)["mean"])
                        except Exception:  # a series too short for the library: it falls back to the mean
                            predictions[name] = np.full(HOLDOUT, y.mean())
                    seconds[name] += time.perf_counter() - started
            for name, predicted in predictions.items():
                errors[name] += np.abs(actual - np.maximum(predicted, 0)).sum()
            total += actual.sum()
            series += 1
    print(f"held-out {HOLDOUT} days × {series} series, {total:.0f} units sold")
    naive = errors["seasonal naive"] / total
    for name, error in errors.items():
        wape = error / total
        extra = f", fit+forecast {seconds[name]:.2f} s" if seconds.get(name) else ""  # ours: one fit, both points
        print(f"  WAPE {name:<32} {wape:.3f}  ({1 - wape / naive:+.1%} vs seasonal naive{extra})")
    checked = backtest(engine, devices, HOLDOUT)  # the library's own back-test: must agree with the lines above
    print(
        f"  backtest(): predicted_units {checked.wape_model:.3f} ({checked.improvement:+.1%}), expected_units "
        f"{checked.wape_model_mean:.3f} ({checked.improvement_of_mean:+.1%}), seasonal naive "
        f"{checked.wape_seasonal_naive:.3f}; intervals hold {checked.interval_coverage:.1%} of days (they state "
        f"{checked.interval_promised:.1%}; days not sold out {checked.seen_coverage:.1%} vs "
        f"{checked.seen_promised:.1%}); without weather {checked.wape_without_weather:.3f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", help="an existing database (default: build the demo fleet in a temp dir)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.db or f"sqlite:///{Path(folder) / 'demo.sqlite'}"
        if not args.db:
            build_demo_fleet(url, devices=12, days=180, seed=7)
        engine = prepare_database(url)
        devices = sorted(d.id for d in FleetRepository(engine).devices())
        time_one_device(engine, devices[0])
        accuracy(engine, devices)
        engine.dispose()


if __name__ == "__main__":
    main()
