"""``python main.py token --user NAME [--db URL]``: an access token for the HTTP service, for scripts and tests.

Minted with this machine's signing key (:mod:`storage.signing_key`), so only someone who can read that key — the
person who runs the service — can make one; no password is asked, which is what makes it the way in on a
database that keeps none (the demo). The user must be in the database and switched on; what they may do is
still checked on every request.
"""

from __future__ import annotations

import argparse
from datetime import timedelta
from typing import TYPE_CHECKING

from designer.command_outcomes import ExitCode, write_error, write_json

if TYPE_CHECKING:
    from storage.app_context import AppContext


def add_token_parser(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:  # type: ignore[type-arg]
    token: argparse.ArgumentParser = commands.add_parser(
        "token", help="print an access token for `serve` (Authorization: Bearer TOKEN), signed with this machine's key"
    )
    token.add_argument("--user", dest="token_user", metavar="NAME", required=True, help="a user of the database")
    token.add_argument("--db", metavar="URL", dest="command_db", help="the database the service answers for")
    token.add_argument("--minutes", type=int, default=60, help="how long it is valid (default 60, at most 1440)")
    token.add_argument("--json", action="store_true", help="print the token with its expiry and id as JSON")
    return token


def run_token(args: argparse.Namespace, context: AppContext) -> ExitCode:
    from ai import access_tokens
    from ai.http_service import token_body
    from ai.model_store import database_identity
    from storage.credentials import known_user
    from storage.signing_key import signing_key
    from storage.users import user_by_id

    if not 1 <= args.minutes <= access_tokens.MAX_LIFETIME.total_seconds() // 60:
        write_error("--minutes must be between 1 and 1440")
        return ExitCode.BAD_INPUT
    stored = known_user(context.engine, args.token_user)
    if stored is None:
        write_error(f"{args.token_user!r} is not a user of this database; name one of its users with --user")
        return ExitCode.REFUSED
    from storage.engine import session_factory

    with session_factory(context.engine)() as session:
        user = user_by_id(session, stored.user_id)
    if not stored.is_active:
        write_error(f"{user.username} is switched off in CVD; ask an admin to switch the account on")
        return ExitCode.REFUSED
    now = context.clock()
    text, claims = access_tokens.mint(
        signing_key(context.folders.config).secret,
        user.id,
        user.username,
        database_identity(context.database_url),
        now,
        timedelta(minutes=args.minutes),
    )
    if args.json:
        write_json(token_body(text, claims, now))
    else:
        print(text)
    return ExitCode.DONE
