"""``python main.py check-models [--db URL] [--no-backtest] [--json]``: the sanity report of issue 15.

Per service, the back-test figures beside their baselines and the sanity checks (:mod:`ai.model_checks`), in
one table, for whatever database is open: the demo fleet or a CVD working copy. Exit 0 when every sanity check
holds, :attr:`~designer.command_outcomes.ExitCode.CHECKS_FAILED` when one does not (the table says which), 2
when the database cannot be read. The parser sits beside its handler; the models load only when it runs.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from designer.command_outcomes import ExitCode, write_error, write_json

if TYPE_CHECKING:
    from storage.app_context import AppContext


def add_check_models_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:  # type: ignore[type-arg]
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "check-models",
        help="sanity report: every service's answer on every device, and the back-tests against their baselines",
        description="Per service, the back-test figures against the baselines (revenue: trailing 28-day mean; "
        "forecast: seasonal naive) and the sanity checks, in one table. Exit 0 when every check holds, 5 when "
        "one fails.",
    )
    parser.add_argument(
        "--db", dest="command_db", metavar="URL", help="SQLite database URL or file (default: the app's database)"
    )
    parser.add_argument(
        "--no-backtest", action="store_true", help="only the sanity checks (the revenue back-test takes a minute)"
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    return parser


def run_check_models(args: argparse.Namespace, context: AppContext) -> ExitCode:
    """Print the table (or JSON); the exit status says whether every sanity check held."""
    from ai.model_checks import check_models
    from ai.services import Services, ServiceUnavailable

    services = Services.for_run(context)
    try:
        report = check_models(
            services,
            backtests=not args.no_backtest,
            progress=lambda _percent, message: print(f"… {message}", file=sys.stderr),
        )
    except ServiceUnavailable as error:
        write_error(str(error))
        return error.exit_code
    if args.json:
        write_json(report.to_json(), indent=2)
    else:
        print(report.table())
    return ExitCode.DONE if report.passed else ExitCode.CHECKS_FAILED
