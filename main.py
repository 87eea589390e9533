"""Planogram Studio: the designer (default) and its headless commands.

    python main.py [--db URL]
    python main.py demo --db URL [--devices N] [--days D] [--seed S]
"""

from __future__ import annotations

import argparse
import json
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
    commands = parser.add_subparsers(dest="command", parser_class=_Parser)

    demo = commands.add_parser("demo", help="write the demo fleet (a simulator with planted truth) to a database")
    demo.add_argument("--db", metavar="URL", required=True, help="where to write: SQLAlchemy URL or SQLite file")
    demo.add_argument("--devices", type=_positive, default=12, help="number of devices (default 12)")
    demo.add_argument("--days", type=_positive, default=180, help="days of sales history (default 180)")
    demo.add_argument("--seed", type=int, default=7, help="random seed; the same seed gives identical data")
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


def run_gui(database: str | None) -> int:
    from storage.engine import default_database_path, default_database_url, normalise_url
    from widgets.app import run_designer

    if database is None:
        return run_designer(default_database_url(), build_demo=not default_database_path().exists())
    return run_designer(normalise_url(database), build_demo=False)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "demo":
        return run_demo(args)
    return run_gui(args.db)


if __name__ == "__main__":
    sys.exit(main())
