"""``python main.py demo --db URL [--devices N] [--days D] [--seed S]``: write the demo fleet, JSON summary out.

Like every command module its parser sits beside its handler and only the standard library and ``designer``
load at the top: the simulator loads when the command runs, so ``main.py --help`` stays quick.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from designer.command_outcomes import ExitCode, write_json

if TYPE_CHECKING:
    from storage.app_context import AppContext


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} must be at least 1")
    return value


def add_demo_parser(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:  # type: ignore[type-arg]
    demo: argparse.ArgumentParser = commands.add_parser(
        "demo", help="write the demo fleet (a simulator with planted truth) to a database"
    )
    demo.add_argument(
        "--db", metavar="URL", dest="command_db", required=True, help="where to write: SQLAlchemy URL or SQLite file"
    )
    demo.add_argument("--devices", type=_positive, default=12, help="number of devices (default 12)")
    demo.add_argument("--days", type=_positive, default=180, help="days of sales history (default 180)")
    demo.add_argument("--seed", type=int, default=7, help="random seed; the same seed gives identical data")
    return demo


def run_demo(args: argparse.Namespace, context: AppContext) -> ExitCode:
    """Build the fleet into the context's database; progress on stderr, the summary as JSON on stdout."""
    from storage.simulator import build_demo_fleet

    def progress(percent: int, message: str) -> None:
        print(f"\r{percent:3d}%  {message:<60}", end="", file=sys.stderr, flush=True)

    try:
        summary = build_demo_fleet(
            context.database_url, devices=args.devices, days=args.days, seed=args.seed, progress=progress
        )
    except ValueError as error:
        print(f"\nplanogram-studio demo: {error}", file=sys.stderr)
        return ExitCode.BAD_INPUT
    print(file=sys.stderr)
    write_json({"success": True, **summary.__dict__})
    return ExitCode.DONE
