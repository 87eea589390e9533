"""Who a headless command acts for on a protected database: a password asked at the terminal, or a token.

A database whose users carry CVD password hashes (:func:`storage.credentials.is_protected`) does not take
``--user`` on trust: the command asks for that user's password on the terminal (``getpass``: never echoed,
never stored) and checks it as CVD does, or reads an access token from ``PLANOGRAM_TOKEN`` (minted by
``python main.py token`` with this machine's signing key, so a script runs without a prompt). Without either
the command is refused (exit 3, REFUSED) before it reads anything. An unprotected database (the demo, a local
one) acts as ``--user`` says, as before. On a PostgreSQL server the server's login already proved who it is:
the command acts as the database user of the same name.

``sync pull`` and ``sync status`` are exempt: they talk to CVD with CVD's own credentials, and a first pull
is what brings the hashes in. ``demo``, ``token`` and ``serve`` are exempt too (a new database; the signing-key
holder; the service checks every request itself).
"""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from storage.credentials import SignInRefused, check_password, existing_database, is_protected, known_user

if TYPE_CHECKING:
    from storage.access_ledger import AccessLedger
    from storage.app_context import AppContext
    from storage.database import Engine

TOKEN_VARIABLE = "PLANOGRAM_TOKEN"
"""An access token from ``python main.py token --user NAME --db URL``: how a script signs in without a prompt."""
EXEMPT = frozenset({"demo", "token", "serve", "sync pull", "sync status"})

AskPassword = Callable[[str], str | None]


def ask_at_terminal(login: str) -> str | None:
    """The password typed at the terminal (not echoed); None when nobody is at one (a pipe, a scheduler)."""
    if not sys.stdin.isatty():
        return None
    return getpass.getpass(f"Password for {login}: ")


def who_acts(
    command: str, context: AppContext, environ: Mapping[str, str], ask: AskPassword | None = None
) -> AppContext:
    """The context acting for the person proved by a token or a password; raises :class:`SignInRefused`.

    ``command`` is the command and its action (``sync push``); the context is returned unchanged where no proof
    is needed (an exempt command, an unprotected or missing database).
    """
    if command in EXEMPT or command.split(" ")[0] in EXEMPT:
        return context
    engine = existing_database(context.database_url)
    if engine is None:
        return context  # no database yet, or one the command itself will explain
    try:
        if engine.dialect.name == "postgresql":
            return _server_login(context, engine)
        if not is_protected(engine):
            return context
        token = environ.get(TOKEN_VARIABLE, "").strip()
        if token:
            return context.as_user(_token_user(context, token))
        password = (ask or ask_at_terminal)(context.login)
        if password is None:
            raise SignInRefused(
                f"this database is protected by CVD passwords, and no password could be asked (no terminal). Fix: "
                f"run the command in a terminal to be asked for {context.login}'s password, or give a token: "
                f"{TOKEN_VARIABLE}=$(python main.py token --user {context.login} --db DATABASE) python main.py …"
            )
        user = check_password(engine, context.login, password, _ledger(context), context.clock())
        return context.as_user(user.username) if user.username != context.login else context
    finally:
        engine.dispose()


def _server_login(context: AppContext, engine: Engine) -> AppContext:
    """On PostgreSQL the server's login is the identity: act as the database's user of the same name."""
    login = engine.url.username
    known = known_user(engine, login) if login else None
    return context.as_user(known.username) if known is not None else context


def _token_user(context: AppContext, token: str) -> str:
    """The user a valid token names; a forged, expired, revoked or foreign one is refused."""
    from ai import access_tokens
    from ai.model_store import database_identity
    from storage.signing_key import signing_key

    identity = database_identity(context.database_url)
    try:
        claims = access_tokens.read(signing_key(context.folders.config).secret, token, identity, context.clock())
    except access_tokens.TokenRefused as refused:
        raise SignInRefused(f"{TOKEN_VARIABLE}: {refused}") from None
    if _ledger(context).is_revoked(claims.jti):
        raise SignInRefused(f"{TOKEN_VARIABLE}: the token was revoked. Fix: get a new one (python main.py token)")
    return claims.username


def _ledger(context: AppContext) -> AccessLedger:
    from ai.model_store import database_identity
    from storage.access_ledger import AccessLedger

    return AccessLedger.in_folder(context.folders.data, database_identity(context.database_url))
