"""``python main.py backtest [--forecast [--holdout DAYS] | --placement] [--db URL] [--json]``: how the models
would have done on days they never saw.

- plain ``backtest``: the revenue model on the database's planogram changes and held-out weeks (MAPE, RMSE,
  interval coverage; :mod:`ai.revenue_backtest`);
- ``--forecast``: the demand forecast on each device's last ``--holdout`` days with data, beside seasonal naive,
  a 28-day mean, statsforecast's models (an optional extra) and on demo fleets the simulator's truth (daily
  and weekly WAPE, MASE, bias, interval calibration; :mod:`ai.forecast_backtest`);
- ``--placement``: held-out slot rankings (Spearman ρ) against CVD's fixed zone weights
  (:mod:`ai.placement_backtest`).

The parser sits beside its handler; the back-tests themselves (numpy, scipy, the models) load only when the
command runs, so ``main.py --help`` stays quick.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from designer.command_outcomes import ExitCode, write_error, write_json

if TYPE_CHECKING:
    from storage.app_context import AppContext


def add_backtest_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:  # type: ignore[type-arg]
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "backtest",
        help="back-test the revenue model (default), the demand forecast (--forecast) or placement (--placement)",
        description="Back-tests on days the models never saw. Without an option: would the revenue model have called "
        "the planogram changes the history holds?",
    )
    which = parser.add_mutually_exclusive_group()
    which.add_argument(
        "--forecast",
        action="store_true",
        help="the demand forecast against seasonal naive, a 28-day mean and statsforecast's models: "
        "WAPE (daily, weekly), MASE, bias, interval calibration",
    )
    which.add_argument(
        "--placement",
        action="store_true",
        help="held-out slot rankings (Spearman) against fixed zone weights 1.0/0.85/0.65/0.5",
    )
    parser.add_argument(
        "--holdout", type=int, default=14, metavar="DAYS", help="--forecast: days with data held out (default 14)"
    )
    parser.add_argument(
        "--db", dest="command_db", metavar="URL", help="SQLite database URL or file (default: the app's database)"
    )
    parser.add_argument(
        "--horizon", type=int, default=None, help="days predicted after each cut-off (default: a month, 30 days)"
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    return parser


def run_backtest(args: argparse.Namespace, context: AppContext) -> ExitCode:
    """Print the figures (a report, or JSON); 2 when the database cannot be back-tested."""
    if args.forecast or args.placement:
        return _run_on_engine(args, context)
    from ai.revenue_backtest import run_revenue_backtest
    from ai.revenue_model import DAYS_PER_MONTH

    try:
        result = run_revenue_backtest(context.database_url, horizon=args.horizon or DAYS_PER_MONTH)
    except ValueError as error:
        write_error(str(error))
        return ExitCode.BAD_INPUT
    if args.json:
        write_json(result.to_json(), indent=2)
    else:
        print(result.report())
    return ExitCode.DONE


def _run_on_engine(args: argparse.Namespace, context: AppContext) -> ExitCode:
    """The forecast or placement back-test: both read the database in place."""
    from ai.forecast_backtest import run_forecast_backtest
    from ai.placement_backtest import placement_report, run_placement_backtest

    engine = context.engine  # a missing or unusable database ends with its own status (main.run_on_database)
    try:
        if args.forecast:
            result = run_forecast_backtest(engine, holdout_days=args.holdout)
            body, text = result.to_json(), result.report()
        else:
            placement = run_placement_backtest(engine)
            body, text = placement_report(placement)
    except ValueError as error:
        write_error(str(error))
        return ExitCode.BAD_INPUT
    if args.json:
        write_json(body, indent=2)
    else:
        print(text)
    return ExitCode.DONE
