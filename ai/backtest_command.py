"""``python main.py backtest [--db URL] [--horizon DAYS] [--json]``: how well the revenue model would have called
the planogram changes the database holds (MAPE, RMSE, interval coverage).

The parser sits beside its handler; the back-test itself (:mod:`ai.revenue_backtest`: numpy, scipy, the
models) loads only when the command runs, so ``main.py --help`` stays quick.
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
        help="back-test the revenue model on the database's planogram changes (MAPE, RMSE, interval coverage)",
        description="Back-test of the revenue model: would it have called the planogram changes the history holds?",
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
