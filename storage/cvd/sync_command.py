"""``python main.py sync pull|push|status|both --cvd URL [--db WORKING_COPY]``: sync without a window, JSON out.

The parser sits beside its handler; the sync itself loads only when the command runs. The working copy is the
``--db`` named, else the application context's working copy of the CVD database; who pushes is the context's
login (``--user``).
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from designer.command_outcomes import ExitCode, write_error, write_json

if TYPE_CHECKING:
    from storage.app_context import AppContext


def add_sync_parser(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:  # type: ignore[type-arg]
    sync: argparse.ArgumentParser = commands.add_parser(
        "sync", help="pull from / push to a CVD database (JSON report on stdout)"
    )
    sync.add_argument("direction", choices=("pull", "push", "status", "both"), help="what to do")
    sync.add_argument("--cvd", metavar="URL", required=True, help="the CVD database: SQLite file or postgresql:// URL")
    sync.add_argument(
        "--db", metavar="URL", dest="command_db", help="working copy (default: one per CVD database in the data dir)"
    )
    return sync


def run_sync(args: argparse.Namespace, context: AppContext) -> ExitCode:
    """Sync ``context``'s database (the working copy) with CVD; 2 on a problem, 3 refused, 4 CVD stopped answering,
    a database problem its own status (6 busy, 7 read-only, 8 damaged, 9 newer)."""
    from sqlalchemy.exc import DBAPIError

    from storage.cvd.control import SyncControl, SyncProblem
    from storage.cvd.queue import queue_status
    from storage.cvd.source import missing_tables_message
    from storage.cvd.sync import sync
    from storage.database import DatabaseProblem, explain_failure
    from storage.engine import display_url

    working = context.database_url

    def progress(percent: int, message: str) -> None:
        print(f"\r{percent:3d}%  {message:<60}", end="", file=sys.stderr, flush=True)

    try:
        if args.direction == "status":
            body: dict[str, Any] = {
                "success": True,
                "working_copy": display_url(working),
                "queue": queue_status(context.engine),
            }
        else:
            user_id, refusal = _who(context, args.direction)
            if refusal:
                write_error(refusal)
                return ExitCode.REFUSED
            report = sync(
                args.cvd,
                working,
                push=args.direction in ("push", "both"),
                pull_too=args.direction in ("pull", "both"),
                control=SyncControl(progress, user_id=user_id),
            )
            print(file=sys.stderr)
            body = {"success": True, "working_copy": display_url(working), **report.as_json()}
    except DatabaseProblem as problem:
        write_error(str(problem))
        return problem.exit_code
    except SyncProblem as problem:
        write_error(str(problem))
        return ExitCode.BAD_INPUT
    except DBAPIError as error:
        table = _missing_table(error)
        if table is not None:  # the CVD side lacks a table sync needs: running it again cannot help
            write_error(missing_tables_message(args.cvd, [table]))
            return ExitCode.BAD_INPUT
        problem = explain_failure(error, f"{display_url(args.cvd)} or the working copy {display_url(working)}")
        if problem.exit_code == ExitCode.BUSY:  # either side's lock: a later run succeeds
            write_error(f"{problem}; queued pushes stay queued")
            return ExitCode.BUSY
        write_error(f"the CVD database stopped answering ({error.orig}); queued pushes stay queued, run the sync again")
        return ExitCode.UNREACHABLE
    finally:
        context.close()
    write_json(body)
    return ExitCode.DONE


def _missing_table(error: BaseException) -> str | None:
    """The table a "no such table" (SQLite) or "relation … does not exist" (PostgreSQL) failure names, if any."""
    import re

    said = str(getattr(error, "orig", error))
    found = re.search(r"no such table: (\w+)|relation \"(?:\w+\.)?(\w+)\" does not exist", said)
    return next((name for name in found.groups() if name), None) if found else None


def _who(context: AppContext, direction: str) -> tuple[int | None, str | None]:
    """The signed-in user of an existing working copy, and why they may not push (None when they may)."""
    from designer.roles import Action
    from storage.engine import sqlite_file

    file = sqlite_file(context.database_url)
    if file is not None and not file.exists():
        return None, None  # the first pull: nothing to push yet, CVD's users arrive with it
    user = context.user
    context.close()  # the sync opens the working copy itself
    reason = user.why_not(Action.SYNC) if direction in ("push", "both") else None
    return user.id, (f"{user.username} may not push to CVD: {reason}" if reason else None)
