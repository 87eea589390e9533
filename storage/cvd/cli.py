"""``python main.py sync pull|push|status --cvd URL [--db WORKING_COPY]``: sync without a window, JSON out."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

EXIT_PROBLEM = 2
EXIT_REFUSED = 3  # the role may not push (as for the other commands' refusals)
EXIT_UNREACHABLE = 4


def add_sync_parser(commands: Any) -> None:
    sync = commands.add_parser("sync", help="pull from / push to a CVD database (JSON report on stdout)")
    sync.add_argument("direction", choices=("pull", "push", "status", "both"), help="what to do")
    sync.add_argument("--cvd", metavar="URL", required=True, help="the CVD database: SQLite file or postgresql:// URL")
    sync.add_argument(
        "--db", metavar="URL", dest="sync_db", help="working copy (default: one per CVD database in the data dir)"
    )


def run_sync_command(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import DBAPIError

    from storage.cvd.control import SyncControl, SyncProblem
    from storage.cvd.queue import queue_status
    from storage.cvd.source import working_copy_url
    from storage.cvd.sync import sync
    from storage.engine import display_url, normalise_url
    from storage.schema import DatabaseProblem, prepare_database

    working = normalise_url(args.sync_db) if args.sync_db else working_copy_url(args.cvd)

    def progress(percent: int, message: str) -> None:
        print(f"\r{percent:3d}%  {message:<60}", end="", file=sys.stderr, flush=True)

    try:
        if args.direction == "status":
            engine = prepare_database(working)
            body: dict[str, Any] = {
                "success": True,
                "working_copy": display_url(working),
                "queue": queue_status(engine),
            }
            engine.dispose()
        else:
            user_id, refusal = _who(working, getattr(args, "user", None), args.direction)
            if refusal:
                print(json.dumps({"success": False, "error": refusal}))
                return EXIT_REFUSED
            report = sync(
                args.cvd,
                working,
                push=args.direction in ("push", "both"),
                pull_too=args.direction in ("pull", "both"),
                control=SyncControl(progress, user_id=user_id),
            )
            print(file=sys.stderr)
            body = {"success": True, "working_copy": display_url(working), **report.as_json()}
    except (SyncProblem, DatabaseProblem) as problem:
        print(json.dumps({"success": False, "error": str(problem)}))
        return EXIT_PROBLEM
    except DBAPIError as error:
        print(
            json.dumps(
                {
                    "success": False,
                    "error": f"the CVD database stopped answering ({error.orig}); "
                    "queued pushes stay queued, run the sync again",
                }
            )
        )
        return EXIT_UNREACHABLE
    print(json.dumps(body, default=str))
    return 0


def _who(working: str, username: str | None, direction: str) -> tuple[int | None, str | None]:
    """The signed-in user of an existing working copy, and why they may not push (None when they may)."""
    from designer.roles import Action
    from storage.engine import sqlite_file
    from storage.schema import prepare_database
    from storage.users import sign_in

    file = sqlite_file(working)
    if file is not None and not file.exists():
        return None, None  # the first pull: nothing to push yet, CVD's users arrive with it
    engine = prepare_database(working)
    try:
        user = sign_in(engine, username, audit=False)
    finally:
        engine.dispose()
    reason = user.why_not(Action.SYNC) if direction in ("push", "both") else None
    return user.id, (f"{user.username} may not push to CVD: {reason}" if reason else None)
