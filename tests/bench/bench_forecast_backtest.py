"""The forecast back-test on 40 devices: our model's part against its budget, and the whole table's time.

    .venv/bin/python tests/bench/bench_forecast_backtest.py             the 40-device demo fleet (seed 11)
    .venv/bin/python tests/bench/bench_forecast_backtest.py --db URL    an existing database
    .venv/bin/python tests/bench/bench_forecast_backtest.py --all       also the peers and the oracle

Budget (issue 20): the back-test of our model on 40 devices in under 60 s — every device fitted on its history
before the held-out fortnight, every carried product forecast as the endpoint does, intervals tallied. The
peers (statsforecast) and the oracle (the simulator redrawn 64 times) are timed apart: they are yardsticks,
not the model.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT))

from ai.forecast_backtest import run_forecast_backtest  # noqa: E402
from storage.schema import prepare_database  # noqa: E402
from storage.simulator import build_demo_fleet  # noqa: E402

BUDGET_SECONDS = 60.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", help="an existing database (default: build the 40-device demo fleet)")
    parser.add_argument("--all", action="store_true", help="also fit the peers and redraw the oracle")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.db or f"sqlite:///{Path(folder) / 'demo40.sqlite'}"
        if not args.db:
            started = time.perf_counter()
            build_demo_fleet(url, devices=40, days=180, seed=11)
            print(f"demo fleet, 40 devices × 180 days, built in {time.perf_counter() - started:.1f} s")
        engine = prepare_database(url)
        started = time.perf_counter()
        result = run_forecast_backtest(engine, peers=args.all, oracle=args.all)
        wall = time.perf_counter() - started
        verdict = "within" if result.seconds_ours < BUDGET_SECONDS else "OVER"
        print(
            f"ours: {result.devices} devices, {result.series:,} series × {result.holdout_days} days in "
            f"{result.seconds_ours:.1f} s ({verdict} the {BUDGET_SECONDS:.0f} s budget)"
        )
        if args.all:
            print(f"peers (statsforecast) {result.seconds_peers:.1f} s; whole table {wall:.1f} s")
            print(result.report())
        engine.dispose()


if __name__ == "__main__":
    main()
