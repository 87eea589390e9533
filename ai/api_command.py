"""``python main.py api ENDPOINT [--db URL]``: one of the seed's AI endpoints, request JSON in, response JSON out.

The parser sits beside its handler; the endpoints' registry (:mod:`ai.endpoints`) is light and the services
(pandas, SQLAlchemy, the models) load only when a request is answered, so ``--help`` answers at once.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from designer.command_outcomes import ExitCode, write_json
from designer.input_gate import read_limited

if TYPE_CHECKING:
    from storage.app_context import AppContext


def add_api_parser(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:  # type: ignore[type-arg]
    # --help is answered by run_api: it must succeed only for endpoints that exist (CI runs their contracts)
    api: argparse.ArgumentParser = commands.add_parser(
        "api", add_help=False, help="answer one of the seed's AI endpoints: request JSON on stdin, response on stdout"
    )
    api.add_argument("endpoint", nargs="?", metavar="ENDPOINT", help="e.g. realtime-analysis")
    api.add_argument(
        "--db", metavar="URL", dest="command_db", help="SQLAlchemy URL or SQLite file (default: the demo database)"
    )
    api.add_argument(
        "-h", "--help", action="store_true", dest="api_help", help="describe ENDPOINT's request and response"
    )
    api.set_defaults(answer_without_context=answer_api_help)
    return api


def answer_api_help(args: argparse.Namespace) -> ExitCode | None:
    """``api [ENDPOINT] --help`` needs no database, settings or folders: answered before the context is built.

    None when the call is not a help request (the command then runs with its context).
    """
    if not args.api_help:
        return None
    from ai.endpoints import endpoint_help

    code, text = endpoint_help(args.endpoint)
    print(text)
    return code


def run_api(args: argparse.Namespace, context: AppContext) -> ExitCode:
    """JSON in, JSON out; invalid input exits 2 with the seed's error object, never a traceback.

    Standard input is read only up to the gate's byte limit (one byte more tells that it was over).
    """
    from ai.endpoints import run_endpoint

    answered = answer_api_help(args)
    if answered is not None:
        return answered
    code, body = run_endpoint(args.endpoint, lambda: read_limited(sys.stdin), context)
    write_json(body)
    return code
