"""Planogram Studio: the designer (default) and its headless commands.

    python main.py [--db URL] [--cvd URL] [--user NAME]   the designer; --user works before any command too
    python main.py demo --db URL [--devices N] [--days D] [--seed S]
    python main.py api ENDPOINT [--db URL]      request JSON on stdin, response JSON on stdout
    python main.py export --device ID_OR_ASSET [--cabinet I] --format pdf|png|csv|json --out FILE [--db URL]
    python main.py export --route 1,2,3 --out route.pdf [--db URL]
    python main.py backtest [--db URL]          revenue model: MAPE, RMSE and interval coverage on held-out data
    python main.py backtest --forecast [--holdout 14]   forecast vs peers and the oracle: WAPE, MASE, bias
    python main.py backtest --placement         held-out slot rankings (Spearman) vs fixed zone weights
    python main.py check-models [--db URL]      sanity report: back-tests vs baselines, sanity checks (5: one fails)
    python main.py experiment create|status|complete|list …   A/B experiments across devices, JSON out
    python main.py sync pull|push|status|both --cvd URL [--db WORKING_COPY]
    python main.py audit import FILE... [--device ID_OR_ASSET] | link MACHINE --device X | undo IMPORT | machines
    python main.py sales import FILE [--format seed|MAPPING.json] [--device X] | undo IMPORT | imports
    python main.py template save|list|versions|apply|undo|operations|proposals|accept|decline …   templates, JSON
    python main.py template replace-product|price|par-levels … [--dry-run]   fleet-wide edits, undone as one
    python main.py serve [--db URL] [--host 127.0.0.1] [--port 8765] [--workers N] [--certfile F --keyfile F]
    python main.py token --user NAME [--db URL]   an access token for serve (this machine's signing key)
    python main.py privacy export-user|delete-user USER | dpia [--out FILE] | reset-ai-data   a person's data, DPIA
    On a database protected by CVD passwords a command asks --user's password at the terminal, or reads a token
    from $PLANOGRAM_TOKEN; without either it is refused (exit 3). See ai/headless_sign_in.py.

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
import sqlite3
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from ai.api_command import add_api_parser, run_api
from ai.backtest_command import add_backtest_parser, run_backtest
from ai.check_models_command import add_check_models_parser, run_check_models
from ai.experiments_command import add_experiment_parser, run_experiment
from ai.privacy_command import add_privacy_parser, run_privacy
from ai.serve_command import add_serve_parser, run_serve
from ai.template_command import add_template_parser, run_template
from ai.token_command import add_token_parser, run_token
from designer.command_outcomes import ExitCode
from storage.cvd.sync_command import add_sync_parser, run_sync
from storage.demo_command import add_demo_parser, run_demo
from storage.machine_audit_command import add_audit_parser, run_audit
from storage.sales_import_command import add_sales_parser, run_sales
from widgets.field_sheets.export_cli import add_export_parser, run_export

if TYPE_CHECKING:
    from storage.app_context import AppContext

DISPLAYLESS_PLATFORMS = frozenset({"offscreen", "minimal", "minimalegl", "vnc", "eglfs", "linuxfb", "vkkhrdisplay"})
"""Qt platform plugins that draw without an X11 or Wayland display."""

USER_VARIABLE = "PLANOGRAM_USER"
"""Who acts when ``--user`` is not given (a shell or a shortcut can set it); else the OS login."""

AddParser = Callable[[argparse._SubParsersAction], argparse.ArgumentParser]  # type: ignore[type-arg]
Handler = Callable[[argparse.Namespace, "AppContext"], int]

COMMANDS: dict[str, tuple[AddParser, Handler]] = {
    "demo": (add_demo_parser, run_demo),
    "api": (add_api_parser, run_api),
    "export": (add_export_parser, run_export),
    "backtest": (add_backtest_parser, run_backtest),
    "check-models": (add_check_models_parser, run_check_models),
    "experiment": (add_experiment_parser, run_experiment),
    "sync": (add_sync_parser, run_sync),
    "audit": (add_audit_parser, run_audit),
    "sales": (add_sales_parser, run_sales),
    "template": (add_template_parser, run_template),
    "serve": (add_serve_parser, run_serve),
    "token": (add_token_parser, run_token),
    "privacy": (add_privacy_parser, run_privacy),
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
    if args.command is not None:
        _add_parser, run = COMMANDS[args.command]
        answer_at_once: Callable[[argparse.Namespace], int | None] | None = getattr(
            args, "answer_without_context", None
        )
        answered = answer_at_once(args) if answer_at_once is not None else None
        if answered is not None:  # e.g. `api ENDPOINT --help`: no folders, settings or database needed
            return answered
        context = build_context(args)
        try:
            context = sign_in_headless(args, context)
        except PermissionError as refused:  # storage.credentials.SignInRefused: a protected database, no proof
            _say(args.command, str(refused))
            return ExitCode.REFUSED
        try:
            return run_on_database(args, context, run)
        finally:
            context.close()
    problem = missing_display(os.environ, sys.platform)
    if problem is not None:  # before Qt is imported: its abort (status 134) blames a library that is not missing
        print(problem, file=sys.stderr)
        return ExitCode.NO_DISPLAY
    context = build_context(args)
    if args.cvd or (args.db and _is_cvd(args.db)):
        from widgets.sync.open_cvd import run_designer_on_cvd

        return run_designer_on_cvd(context, args.cvd or args.db)
    from widgets.app import run_designer

    demo = context.folders.demo_database  # an empty one (a first open killed before its schema) is built anew
    return run_designer(context, build_demo=context.uses_demo_database and not (demo.exists() and demo.stat().st_size))


READING = {
    "api",
    "export",
    "backtest",
    "check-models",
    "experiment list",
    "experiment status",
    "sync status",
    "audit machines",
    "audit report",
    "sales imports",
    "template list",
    "template versions",
    "template operations",
    "template proposals",
    "token",
    "privacy export-user",
    "privacy dpia",
}
"""Commands that only read the database: they never create it or its folder, and run on a read-only file
(without their audit row). The others change it; ``demo``, a first ``sync pull`` and the designer may create it."""
CREATING = {"demo", "sync pull", "sync both", "sales import"}
OPENED_BY_THEMSELVES = {"api", "demo", "sync pull", "sync both"}
"""Commands that open the database themselves (the api answers in its endpoint's error shape; the others may
create it); every other command's database is opened, and checked, before it runs."""


def sign_in_headless(args: argparse.Namespace, context: AppContext) -> AppContext:
    """On a database protected by CVD passwords: the context of the person a password or token proves, else
    :class:`PermissionError` (exit 3); any other database acts as ``--user`` says (:mod:`ai.headless_sign_in`)."""
    from ai.headless_sign_in import who_acts

    name = " ".join(str(part) for part in (args.command, _action(args)) if part)
    if getattr(args, "experiment_user", None):  # `experiment … --user NAME` names who acts, as --user does
        context, args.experiment_user = context.as_user(args.experiment_user), None
    return who_acts(name, context, os.environ)


def run_on_database(args: argparse.Namespace, context: AppContext, run: Handler) -> int:
    """Run the command with the database opened as its kind allows; a database problem ends it with its own status.

    The one place where a missing, empty, foreign, newer, locked, read-only or damaged database becomes a message
    naming the file, the problem and the fix, and the exit status of that problem (never a traceback).
    """
    from storage.database import DatabaseFailure, DatabaseProblem, explain_failure
    from storage.engine import display_url, sqlite_file
    from storage.schema import Access, opening_for

    name = " ".join(str(part) for part in (args.command, _action(args)) if part)
    access = Access.READ if name in READING or args.command in READING else Access.WRITE
    if name in CREATING or args.command in CREATING:
        access = Access.CREATE
    try:
        with opening_for(access):
            if name not in OPENED_BY_THEMSELVES and args.command not in OPENED_BY_THEMSELVES:
                _ = context.engine
            return run(args, context)
    except DatabaseProblem as problem:
        _say(args.command, str(problem))
        return problem.exit_code
    except (DatabaseFailure, sqlite3.Error) as failure:  # sqlite3's own: a repository that opens the file itself
        problem = explain_failure(failure, display_url(context.database_url), sqlite_file(context.database_url))
        _say(args.command, str(problem))
        return problem.exit_code


def _action(args: argparse.Namespace) -> str | None:
    """The subcommand's action (``experiment list``, ``sync status``), if it has one."""
    return (
        getattr(args, "experiment_action", None)
        or getattr(args, "direction", None)
        or getattr(args, "audit_action", None)
        or getattr(args, "sales_action", None)
        or getattr(args, "template_action", None)
        or getattr(args, "privacy_action", None)
    )


def _say(command: str, message: str) -> None:
    """The failure as the command reports its own: the JSON error object, or one line on stderr for ``export``."""
    from designer.command_outcomes import write_error

    if command == "export":
        print(f"planogram-studio {command}: error: {message}", file=sys.stderr)
    else:
        write_error(message)


def missing_display(environ: Mapping[str, str], platform: str) -> str | None:
    """The one line to print when the designer has no screen to open its window on; None when it has one.

    On Linux and the other X11/Wayland systems the window needs ``DISPLAY`` or ``WAYLAND_DISPLAY``, unless
    ``QT_QPA_PLATFORM`` names a platform that draws without one (``offscreen``, ``minimal``, ``vnc``, …;
    it may list fallbacks as ``a;b`` and options as ``name:option``). Windows and macOS always have one.
    """
    if platform.startswith(("win", "darwin", "cygwin")):
        return None
    if environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"):
        return None
    requested = environ.get("QT_QPA_PLATFORM", "")
    if any(choice.split(":")[0].strip() in DISPLAYLESS_PLATFORMS for choice in requested.split(";")):
        return None
    return (
        "planogram-studio: no display to open the designer on (DISPLAY and WAYLAND_DISPLAY are unset); run it in "
        "a desktop session, or on a virtual screen: xvfb-run .venv/bin/python main.py (with the same arguments). "
        "The headless commands (python main.py --help) need no display"
    )


def _is_cvd(database: str) -> bool:
    from storage.cvd.source import is_cvd_database

    return is_cvd_database(database)


if __name__ == "__main__":
    sys.exit(main())
