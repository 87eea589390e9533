"""``python main.py serve``: the seed's AI endpoints as a local HTTP service (:mod:`ai.http_service`).

Loopback only by default; any other address needs ``--certfile`` and ``--keyfile`` (the service then speaks only
HTTPS), because tokens and planogram data must not cross a network in clear text. The signing key is read (or
made) here, before uvicorn starts its workers, so every worker signs and checks with the same one. uvicorn and
FastAPI are imported only when the service starts, so ``--help`` answers at once.
"""

from __future__ import annotations

import argparse
import ipaddress
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from designer.command_outcomes import ExitCode, write_error

if TYPE_CHECKING:
    from storage.app_context import AppContext

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


def add_serve_parser(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:  # type: ignore[type-arg]
    serve: argparse.ArgumentParser = commands.add_parser(
        "serve", help="answer the AI endpoints over HTTP (POST /api/planograms/ENDPOINT, GET /health, /docs)"
    )
    serve.add_argument("--db", metavar="URL", dest="command_db", help="SQLAlchemy URL or SQLite file to answer for")
    serve.add_argument("--host", default=DEFAULT_HOST, help=f"address to listen on (default {DEFAULT_HOST})")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    serve.add_argument("--workers", type=int, default=1, help="worker processes (each loads the models once)")
    serve.add_argument("--certfile", type=Path, help="TLS certificate (PEM); needed to listen beyond this machine")
    serve.add_argument("--keyfile", type=Path, help="TLS private key (PEM) of --certfile")
    serve.set_defaults(answer_without_context=refuse_before_opening)
    return serve


def refuse_before_opening(args: argparse.Namespace) -> ExitCode | None:
    """An address, port or worker count that cannot be served is refused before any database is opened."""
    problem = listening_problem(args.host, args.certfile, args.keyfile)
    if problem is None and not 1 <= args.workers <= 64:
        problem = "--workers must be between 1 and 64"
    if problem is None and not 0 <= args.port <= 65535:
        problem = "--port must be between 0 and 65535"
    if problem is None:
        return None
    write_error(problem)
    return ExitCode.BAD_INPUT


def listening_problem(host: str, certfile: Path | None, keyfile: Path | None) -> str | None:
    """Why the service may not listen as asked (None: it may): off-loopback only with a certificate and key."""
    if (certfile is None) != (keyfile is None):
        return "give both --certfile and --keyfile, or neither"
    for path in (certfile, keyfile):
        if path is not None and not path.is_file():
            return f"{path} is not a file; name the PEM file of the certificate and of its key"
    if certfile is not None or _is_loopback(host):
        return None
    return (
        f"refusing to listen on {host} without TLS: tokens and planogram data would cross the network in clear "
        "text. Fix: add --certfile CERT.pem --keyfile KEY.pem, or listen on 127.0.0.1"
    )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def run_serve(args: argparse.Namespace, context: AppContext) -> ExitCode:
    """Check the address and the database, make sure the signing key exists, then run uvicorn until stopped."""
    refused = refuse_before_opening(args)
    if refused is not None:
        return refused
    import os

    import uvicorn

    from ai.http_service import CONFIG_VARIABLE, ServiceConfig
    from storage.engine import display_url
    from storage.signing_key import signing_key

    _ = context.engine  # opened and migrated once here, not raced by the workers
    key = signing_key(context.folders.config)
    config = ServiceConfig(context.database_url, str(context.folders.data), str(context.folders.config))
    os.environ[CONFIG_VARIABLE] = config.to_environment()
    scheme = "https" if args.certfile else "http"
    print(
        f"planogram-studio serve: {scheme}://{args.host}:{args.port} for {display_url(context.database_url)} "
        f"({args.workers} worker{'s' if args.workers > 1 else ''}); API docs at /docs; signing key in {key.where}",
        file=sys.stderr,
        flush=True,
    )
    uvicorn.run(
        "ai.http_service:app_from_environment",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        ssl_certfile=str(args.certfile) if args.certfile else None,
        ssl_keyfile=str(args.keyfile) if args.keyfile else None,
        log_level="warning",
        access_log=False,
    )
    return ExitCode.DONE
