"""Demand forecast: time for 60 products × 30 days of one device, and the held-out accuracy table.

    .venv/bin/python tests/bench/bench_forecast.py               default demo fleet (12 devices, 180 days)
    .venv/bin/python tests/bench/bench_forecast.py --db URL      an existing database

Accuracy is the command's own table (``python main.py backtest --forecast``, :mod:`ai.forecast_backtest`): each
device's last 14 days held out, ours as the endpoint reports it (``median_units`` and the mean
``predicted_units``) beside seasonal naive, a 28-day mean, statsforecast's AutoETS, CrostonSBA, TSB and ADIDA
(each also as a Poisson median; the optional extra ``peers``) and the oracle on a demo fleet.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

PROJECT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT))

from ai.demand_forecast import ForecastRequest, forecast  # noqa: E402
from ai.forecast_backtest import run_forecast_backtest  # noqa: E402
from ai.forecast_data import device_history  # noqa: E402
from storage.database import Engine  # noqa: E402
from storage.fleet import FleetRepository  # noqa: E402
from storage.schema import prepare_database  # noqa: E402
from storage.simulator import build_demo_fleet  # noqa: E402


def time_one_device(engine: Engine, device_id: int) -> None:
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


def accuracy(engine: Engine) -> None:
    print(run_forecast_backtest(engine).report())


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
        accuracy(engine)
        engine.dispose()


if __name__ == "__main__":
    main()
