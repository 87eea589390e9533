"""Short-lived signed access tokens for the HTTP service: a JWT (HS256) naming the user, the database, an expiry
and an id to revoke it by, as the seed's security section describes.

A token is minted by the token endpoint (after a CVD password check) or by ``main.py token`` on the machine that
holds the signing key; it is bound to one database (``db``: a digest of its identity), so a token for the demo
does not open a CVD working copy. Reading one refuses, with a reason fit for the 401 answer: no token, a
malformed one, a bad signature, an expired one, one for another database. Revocation is the caller's check
(the ``jti`` against the access ledger). Pure: the key and the clock come from the caller.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

ALGORITHM = "HS256"
DEFAULT_LIFETIME = timedelta(hours=1)
"""The seed's AI session token lives an hour."""
MAX_LIFETIME = timedelta(days=1)


class TokenRefused(PermissionError):
    """The request's token does not authenticate anyone; the message says why and how to get a good one."""


@dataclass(frozen=True, slots=True)
class AccessToken:
    """What a valid token says: who, for which database, until when, and its id."""

    user_id: int
    username: str
    database: str
    expires_at: datetime
    jti: str


def database_claim(database_identity: str) -> str:
    """The database a token is for, without naming its path or server in a token a script may log."""
    return hashlib.sha256(database_identity.encode()).hexdigest()[:16]


def mint(
    key: bytes,
    user_id: int,
    username: str,
    database_identity: str,
    now: datetime,
    lifetime: timedelta = DEFAULT_LIFETIME,
) -> tuple[str, AccessToken]:
    """A signed token for the user on the database, valid for ``lifetime`` from ``now``; and what it says."""
    if not timedelta(0) < lifetime <= MAX_LIFETIME:
        raise ValueError(f"a token lives between 1 second and {MAX_LIFETIME.days} day")
    issued = now.astimezone(UTC).replace(microsecond=0)
    claims = AccessToken(user_id, username, database_claim(database_identity), issued + lifetime, secrets.token_hex(16))
    payload = {
        "sub": username,
        "uid": user_id,
        "db": claims.database,
        "iat": int(issued.timestamp()),
        "exp": int(claims.expires_at.timestamp()),
        "jti": claims.jti,
    }
    return jwt.encode(payload, key, algorithm=ALGORITHM), claims


def read(key: bytes, token: str | None, database_identity: str, now: datetime) -> AccessToken:
    """The token's claims if it is well signed, unexpired and for this database; else :class:`TokenRefused`."""
    if not token:
        raise TokenRefused(
            "authentication required: send 'Authorization: Bearer TOKEN'. Fix: get a token from POST /auth/token "
            "or with: python main.py token --user NAME --db URL"
        )
    try:
        payload = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            options={"require": ["sub", "uid", "db", "exp", "iat", "jti"], "verify_exp": False, "verify_iat": False},
        )
    except jwt.InvalidSignatureError:
        raise TokenRefused("the token's signature is not valid here. Fix: get a new token from this service") from None
    except jwt.InvalidTokenError as error:
        raise TokenRefused(f"the token cannot be read ({error}). Fix: get a new token from this service") from None
    expires_at = datetime.fromtimestamp(payload["exp"], UTC) if isinstance(payload["exp"], int) else None
    if expires_at is None or expires_at <= now:
        raise TokenRefused("the token has expired. Fix: get a new one (POST /auth/token or python main.py token)")
    if payload["db"] != database_claim(database_identity):
        raise TokenRefused("the token was issued for another database. Fix: get a token for this service's database")
    if not all(isinstance(payload[name], kind) for name, kind in (("uid", int), ("sub", str), ("jti", str))):
        raise TokenRefused("the token does not name a user. Fix: get a new token from this service")
    return AccessToken(payload["uid"], payload["sub"], payload["db"], expires_at, payload["jti"])
