"""Planogram Studio: the designer (default) and its headless commands.

    python main.py [--db URL] [--cvd URL] [--user NAME]   the designer; --user works before any command too
    python main.py demo --db URL [--devices N] [--days D] [--seed S]
    python main.py api ENDPOINT [--db URL]      request JSON on stdin, response JSON on stdout
    python main.py export --device ID [--cabinet I] --format pdf|png|csv|json --out FILE [--db URL]
    python main.py export --route 1,2,3 --out route.pdf [--db URL]
    python main.py backtest [--db URL]          revenue model: MAPE, RMSE and interval coverage on held-out data
    python main.py experiment create|status|complete|list …   A/B experiments across devices, JSON out
    python main.py sync pull|push|status|both --cvd URL [--db WORKING_COPY]

This module only parses and dispatches. It builds the one application context of the run
(:class:`storage.app_context.AppContext`: folders, settings, key store, database, who acts) and hands it to
the command's handler, which lives with the layer whose work it does; each command module defines its own
arguments beside its handler and loads its heavy modules only when it runs. Who acts is ``--user``, else the
environment variable ``PLANOGRAM_USER`` (read here and nowhere else), else the OS login. Exit statuses are
:class:`designer.command_outcomes.ExitCode` (listed in the README).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from ai.api_command import add_api_parser, run_api
from ai.backtest_command import add_backtest_parser, run_backtest
from ai.experiments_command import add_experiment_parser, run_experiment
from designer.command_outcomes import ExitCode
from storage.cvd.sync_command import add_sync_parser, run_sync
from storage.demo_command import add_demo_parser, run_demo
from widgets.field_sheets.export_cli import add_export_parser, run_export

if TYPE_CHECKING:
    from storage.app_context import AppContext

USER_VARIABLE = "PLANOGRAM_USER"
"""Who acts when ``--user`` is not given (a shell or a shortcut can set it); else the OS login."""

AddParser = Callable[[argparse._SubParsersAction], argparse.ArgumentParser]  # type: ignore[type-arg]
Handler = Callable[[argparse.Namespace, "AppContext"], int]

COMMANDS: dict[str, tuple[AddParser, Handler]] = {
    "demo": (add_demo_parser, run_demo),
    "api": (add_api_parser, run_api),
    "export": (add_export_parser, run_export),
    "backtest": (add_backtest_parser, run_backtest),
    "experiment": (add_experiment_parser, run_experiment),
    "sync": (add_sync_parser, run_sync),
}
"""Each command: how its arguments are added, and the handler that runs it with the run's context."""


class _Parser(argparse.ArgumentParser):
    """argparse that exits with status 2 and a message naming the fix (its default, made explicit)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(ExitCode.BAD_INPUT, f"{self.prog}: error: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="planogram-studio", description="Planogram designer for CVD vending operators.")
    parser.add_argument("--db", metavar="URL", help="SQLAlchemy URL or SQLite file (default: the demo database)")
    parser.add_argument("--cvd", metavar="URL", help="a CVD database to design on (pulled into a working copy)")
    parser.add_argument(
        "--user",
        metavar="NAME",
        help=f"act as this user of the database (default: ${USER_VARIABLE}, else the OS login)",
    )
    commands = parser.add_subparsers(dest="command", parser_class=_Parser)
    for add_parser, _run in COMMANDS.values():
        add_parser(commands)
    return parser


def build_context(args: argparse.Namespace) -> AppContext:
    """The run's one application context: the command's ``--db`` (else the one before it), and who acts."""
    from storage.app_context import AppContext

    database = getattr(args, "command_db", None) or args.db
    context = AppContext.create(database=database, login=args.user or os.environ.get(USER_VARIABLE) or None)
    if args.command == "sync" and database is None:
        return context.on_working_copy(args.cvd)
    return context


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    context = build_context(args)
    if args.command is not None:
        _add_parser, run = COMMANDS[args.command]
        try:
            return run(args, context)
        finally:
            context.close()
    if args.cvd or (args.db and _is_cvd(args.db)):
        from widgets.sync.open_cvd import run_designer_on_cvd

        return run_designer_on_cvd(context, args.cvd or args.db)
    from widgets.app import run_designer

    return run_designer(context, build_demo=context.uses_demo_database and not context.folders.demo_database.exists())


def _is_cvd(database: str) -> bool:
    from storage.cvd.source import is_cvd_database

    return is_cvd_database(database)


if __name__ == "__main__":
    sys.exit(main())
