"""Planogram Studio: the designer (default) and its headless commands.

    python main.py [--db URL] [--user NAME]      --user works before any command: act as that database user
    python main.py demo --db URL [--devices N] [--days D] [--seed S]
    python main.py api ENDPOINT [--db URL]      request JSON on stdin, response JSON on stdout
    python main.py export --device ID [--cabinet I] --format pdf|png|csv|json --out FILE [--db URL]
    python main.py export --route 1,2,3 --out route.pdf [--db URL]
    python main.py backtest [--db URL]          revenue model: MAPE, RMSE and interval coverage on held-out data
    python main.py experiment create|status|complete|list …   A/B experiments across devices, JSON out
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence

EXIT_BAD_INPUT = 2


class _Parser(argparse.ArgumentParser):
    """argparse that exits with status 2 and a message naming the fix (its default, made explicit)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message} (see --help)\n")


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} must be at least 1")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="planogram-studio", description="Planogram designer for CVD vending operators.")
    parser.add_argument("--db", metavar="URL", help="SQLAlchemy URL or SQLite file (default: the demo database)")
    parser.add_argument("--cvd", metavar="URL", help="a CVD database to design on (pulled into a working copy)")
    parser.add_argument(
        "--user", metavar="NAME", help="act as this user of the database (default: $PLANOGRAM_USER, else the OS login)"
    )
    commands = parser.add_subparsers(dest="command", parser_class=_Parser)

    demo = commands.add_parser("demo", help="write the demo fleet (a simulator with planted truth) to a database")
    demo.add_argument("--db", metavar="URL", required=True, help="where to write: SQLAlchemy URL or SQLite file")
    demo.add_argument("--devices", type=_positive, default=12, help="number of devices (default 12)")
    demo.add_argument("--days", type=_positive, default=180, help="days of sales history (default 180)")
    demo.add_argument("--seed", type=int, default=7, help="random seed; the same seed gives identical data")

    # --help is handled by run_api: it must succeed only for endpoints that exist (CI runs their contracts)
    api = commands.add_parser(
        "api", add_help=False, help="answer one of the seed's AI endpoints: request JSON on stdin, response on stdout"
    )
    api.add_argument("endpoint", nargs="?", metavar="ENDPOINT", help="e.g. realtime-analysis")
    api.add_argument(
        "--db", metavar="URL", dest="api_db", help="SQLAlchemy URL or SQLite file (default: the demo database)"
    )
    api.add_argument(
        "-h", "--help", action="store_true", dest="api_help", help="describe ENDPOINT's request and response"
    )
    from widgets.export_cli import add_export_parser  # light: Qt loads only when an export runs

    add_export_parser(commands)
    from ai.revenue_backtest import add_backtest_parser

    add_backtest_parser(commands)
    from widgets.experiments_cli import add_experiment_parser

    add_experiment_parser(commands)
    from storage.cvd.cli import add_sync_parser

    add_sync_parser(commands)
    return parser


def run_demo(args: argparse.Namespace) -> int:
    from storage.engine import normalise_url
    from storage.simulator import build_demo_fleet

    def progress(percent: int, message: str) -> None:
        print(f"\r{percent:3d}%  {message:<60}", end="", file=sys.stderr, flush=True)

    try:
        summary = build_demo_fleet(
            normalise_url(args.db), devices=args.devices, days=args.days, seed=args.seed, progress=progress
        )
    except ValueError as error:
        print(f"\nplanogram-studio demo: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(file=sys.stderr)
    print(json.dumps({"success": True, **summary.__dict__}, default=str))
    return 0


def run_api(args: argparse.Namespace) -> int:
    """JSON in, JSON out; invalid input exits 2 with the seed's error object, never a traceback."""
    from ai.endpoints import endpoint_help, run_endpoint
    from storage.engine import default_database_url

    if args.api_help:
        code, text = endpoint_help(args.endpoint)
        print(text)
        return code
    database = args.api_db or args.db or default_database_url()
    code, body = run_endpoint(args.endpoint, sys.stdin.read, database)
    print(json.dumps(body))
    return code


def run_gui(database: str | None) -> int:
    from storage.engine import default_database_path, default_database_url, normalise_url
    from widgets.app import run_designer

    if database is None:
        return run_designer(default_database_url(), build_demo=not default_database_path().exists())
    return run_designer(normalise_url(database), build_demo=False)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.user:  # every command signs in through storage.users, which reads it from here
        os.environ["PLANOGRAM_USER"] = args.user  # the command-line step replaces this with the app context
    if args.command == "demo":
        return run_demo(args)
    if args.command == "api":
        return run_api(args)
    if args.command == "backtest":
        from ai.revenue_backtest import run_backtest

        return run_backtest(args)
    if args.command == "experiment":
        from widgets.experiments_cli import run_experiment

        return run_experiment(args)
    if args.command == "sync":
        from storage.cvd.cli import run_sync_command

        return run_sync_command(args)
    if args.command == "export":
        from widgets.export_cli import run_export

        return run_export(args)
    if args.cvd or (args.db and _is_cvd(args.db)):
        from widgets.sync_open import run_designer_on_cvd

        return run_designer_on_cvd(args.cvd or args.db)
    return run_gui(args.db)


def _is_cvd(database: str) -> bool:
    from storage.cvd.source import is_cvd_database

    return is_cvd_database(database)


if __name__ == "__main__":
    sys.exit(main())
