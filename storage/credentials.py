"""Checking a CVD user's password the way CVD's web app does: one rule for every sign-in we offer.

CVD (``app.py``) stores ``werkzeug.security.generate_password_hash`` values and checks them with
``check_password_hash``; a user is found by username or by email and must be active; 5 failed attempts lock the
account for 15 minutes and a success clears the count. :func:`check_password` applies exactly that to a
working copy's user. The HTTP service's token endpoint uses it today, and the designer's sign-in can use it
as it is (issue 22).

Where the hash is read: the CVD database the working copy was pulled from (``sync_state['cvd.source']``),
read-only and by named columns, with a ``locked_until`` that CVD set honoured; the attempt count and our own
lock are kept on this machine (:class:`storage.access_ledger.AccessLedger`) and nothing about sign-ins is
written back to CVD. A database whose users carry no hashes (the demo, a local database) is *unprotected*: no
password can be checked there, and the refusal says how to get a token instead (``main.py token``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, MetaData, Table, or_, select
from sqlalchemy.exc import SQLAlchemyError

from storage.access_ledger import AccessLedger
from storage.engine import session_factory
from storage.sync_tables import CvdLink
from storage.tables import User
from storage.users import USER_LINK, SignedInUser, cvd_source, user_by_id

LOCK_AFTER_FAILURES = 5
LOCK_FOR = timedelta(minutes=15)
_SAME_ANSWER = "wrong username or password"
"""One answer for an unknown name and a wrong password, so the refusal does not tell which names exist."""


class SignInRefused(PermissionError):
    """The credentials do not sign anyone in; the message is safe to show to whoever tried."""


@dataclass(frozen=True, slots=True)
class StoredCredentials:
    """What CVD keeps to check one user's password, beside the working copy's user it belongs to."""

    user_id: int
    username: str
    password_hash: str | None
    is_active: bool
    cvd_locked_until: datetime | None = None


def check_password(
    engine: Engine, login: str, password: str, ledger: AccessLedger, now: datetime | None = None
) -> SignedInUser:
    """The working copy's user whose username or email is ``login``, if ``password`` is theirs; else
    :class:`SignInRefused`. A failure is counted and the fifth locks the account for 15 minutes."""
    now = now or datetime.now(UTC)
    stored = stored_credentials(engine, login)
    if stored is None:
        raise SignInRefused(_SAME_ANSWER)
    if stored.password_hash is None:
        raise SignInRefused(
            f"{stored.username} has no password in this database (it is unprotected: no CVD users were pulled "
            "into it). Fix: on the machine that runs the service, get a token with: python main.py token --user "
            f"{stored.username} --db URL"
        )
    if not stored.is_active:
        raise SignInRefused(f"{stored.username} is switched off in CVD; ask an admin to switch the account on")
    locks = [moment for moment in (ledger.failures(stored.user_id).locked_until, stored.cvd_locked_until) if moment]
    locked_until = max(locks, default=None)
    if locked_until is not None and locked_until > now:
        minutes = max(1, round((locked_until - now).total_seconds() / 60))
        raise SignInRefused(f"the account is locked after too many failed sign-ins; try again in {minutes} min")
    from werkzeug.security import check_password_hash  # CVD's own check: same methods, same salts

    if not check_password_hash(stored.password_hash, password):
        failed = ledger.record_failure(stored.user_id, LOCK_AFTER_FAILURES, LOCK_FOR, now)
        if failed.locked_until is not None:
            raise SignInRefused(f"{_SAME_ANSWER}; the account is now locked for {LOCK_FOR.seconds // 60} minutes")
        raise SignInRefused(_SAME_ANSWER)
    ledger.record_success(stored.user_id)
    with session_factory(engine)() as session:
        return user_by_id(session, stored.user_id)


def stored_credentials(engine: Engine, login: str) -> StoredCredentials | None:
    """The credentials of the user named ``login`` (username, or email where CVD keeps one); None when no such
    user is in the working copy."""
    name = login.strip()
    pulled = pulled_credentials(engine, name)
    if pulled is not None:
        return pulled
    with session_factory(engine)() as session:
        source = cvd_source(session)
        if source is None:
            return known_user(engine, name)
        cvd_row = _cvd_user(source, name)
        if cvd_row is None:
            return None
        local_id = session.scalar(
            select(CvdLink.local_id).where(CvdLink.kind == USER_LINK, CvdLink.cvd_id == cvd_row["id"])
        )
        if local_id is None:
            return None  # not pulled yet: the next pull brings the user in
        active = cvd_row["is_active"] is None or bool(cvd_row["is_active"])
        locked = _as_utc(cvd_row.get("locked_until"))
        return StoredCredentials(local_id, cvd_row["username"], cvd_row["password_hash"] or None, active, locked)


def pulled_credentials(engine: Engine, login: str) -> StoredCredentials | None:
    """The credentials the last pull copied into the working copy (username first, else email), so sign-in works
    offline; None when no user there carries a usable hash (then CVD itself is asked, as before migration 0014)."""
    with session_factory(engine)() as session:
        users = session.scalars(select(User).where(or_(User.username == login, User.email == login))).all()
    user = next((u for u in users if u.username == login), None) or next(iter(users), None)
    if user is None or not usable_hash(user.password_hash):
        return None
    locked = user.cvd_locked_until.replace(tzinfo=UTC) if user.cvd_locked_until else None
    return StoredCredentials(user.id, user.username, user.password_hash, bool(user.is_active), locked)


def usable_hash(value: str | None) -> bool:
    """A werkzeug ``method$salt$digest`` value; CVD's sample ships ``redacted`` in its place, which checks nothing."""
    return bool(value) and str(value).count("$") == 2 and bool(str(value).split("$", 1)[0])


def is_protected(engine: Engine) -> bool:
    """True when the database's users carry password hashes (pulled from CVD): sign-in then asks for a password.
    A database with none (the demo, a new local one) is *unprotected*: a user is picked, as before."""
    with session_factory(engine)() as session:
        hashes = session.scalars(select(User.password_hash).where(User.password_hash.is_not(None))).all()
    return any(usable_hash(value) for value in hashes)


def existing_database(url: str) -> Engine | None:
    """An engine on the database at ``url`` when it exists and has our users table (SQLite opened read-only);
    None otherwise: nothing is created, and the command that runs next explains any problem itself."""
    from sqlalchemy import inspect

    from storage.engine import make_engine, sqlite_file

    file = sqlite_file(url)
    if file is not None and (not file.is_file() or file.stat().st_size == 0):
        return None
    engine = make_engine(url, read_only=file is not None)
    try:
        columns = {column["name"] for column in inspect(engine).get_columns("users")}
    except SQLAlchemyError:
        columns = set()
    if "password_hash" not in columns:
        engine.dispose()
        return None
    return engine


def cvd_lock_time(value: object) -> datetime | None:
    """CVD's ``locked_until`` as the naive UTC time the working copy stores (None: not locked)."""
    moment = _as_utc(value)
    return None if moment is None else moment.replace(tzinfo=None)


def known_user(engine: Engine, username: str) -> StoredCredentials | None:
    """The working copy's user of that name with no hash (``main.py token`` needs no password), or None."""
    with session_factory(engine)() as session:
        user = session.scalar(select(User).where(User.username == username.strip()))
        return None if user is None else StoredCredentials(user.id, user.username, None, bool(user.is_active))


def _cvd_user(source: str, name: str) -> dict[str, object] | None:
    """CVD's row for ``name`` (username first, else email), read-only; only the columns the check needs."""
    from storage.cvd.control import SyncProblem
    from storage.cvd.source import open_cvd

    try:
        engine = open_cvd(source)
    except SyncProblem:
        raise SignInRefused("the CVD database this copy was pulled from cannot be reached now; try again") from None
    try:
        users = Table("users", MetaData(), autoload_with=engine)
        wanted = [users.c[column] for column in ("id", "username", "password_hash", "is_active")]
        if "locked_until" in users.c:
            wanted.append(users.c.locked_until)
        matches = [users.c.username == name]
        if "email" in users.c:
            matches.append(users.c.email == name)
        with engine.connect() as connection:
            rows = [dict(row) for row in connection.execute(select(*wanted).where(or_(*matches))).mappings()]
    except SQLAlchemyError:
        raise SignInRefused("the CVD database this copy was pulled from cannot be read now; try again") from None
    finally:
        engine.dispose()
    by_name = [row for row in rows if row["username"] == name]
    return (by_name or rows or [None])[0]


def _as_utc(value: object) -> datetime | None:
    """CVD's ``locked_until`` (naive UTC text or datetime) as an aware time."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value
