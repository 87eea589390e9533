"""Who is using the app: the signed-in user, their CVD role, and an admin's changes to users.

The working copy's ``users`` table is the source of roles. On a local working copy (the demo, or a laptop
designing offline with no CVD source) the laptop's owner is registered as a manager on first use, as before.
On a working copy pulled from CVD (``sync_state['cvd.source']`` is set) only users that came from CVD's
``users`` table (a ``cvd_links`` row of kind ``user``, written by the sync's pull) keep their role:
anyone else reads only, and is told to sign in as a CVD user. Every check reads the role from the database at
the moment of the action, so a role changed by an admin takes effect at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from designer.command_outcomes import ExitCode
from designer.roles import Action, PermissionDenied, Role, allows, parse_role, refusal
from storage.audit import record as audit_record
from storage.database import DatabaseProblem, is_read_only
from storage.engine import display_url, session_factory
from storage.sync_tables import CvdLink, SyncState
from storage.tables import User

CVD_SOURCE_KEY = "cvd.source"
USER_LINK = "user"  # cvd_links.kind of a user pulled from CVD


@dataclass(frozen=True)
class SignedInUser:
    """The person the app acts for; ``notice`` says why they have fewer rights than they may expect."""

    id: int
    username: str
    role: Role
    ai_features_enabled: bool
    notice: str | None = None

    def why_not(self, action: Action) -> str | None:
        """The refusal a disabled action shows, or None when the action is allowed."""
        if not allows(self.role, action):
            return refusal(self.role, action) + (f". {self.notice}" if self.notice else "")
        if action is Action.RUN_AI and not self.ai_features_enabled:
            return f"AI features are switched off for {self.username}; ask an admin to switch them on in Tools → Users…"
        return None

    def can(self, action: Action) -> bool:
        return self.why_not(action) is None

    def require(self, action: Action) -> None:
        """Raise :class:`PermissionDenied` (with the refusal text) unless the user may do ``action``."""
        reason = self.why_not(action)
        if reason is not None:
            raise PermissionDenied(self.role, action, reason)


def cvd_source(session: Session) -> str | None:
    """The CVD database this working copy was pulled from (as the sync recorded it), or None for a local copy."""
    return session.scalar(select(SyncState.value).where(SyncState.key == CVD_SOURCE_KEY)) or None


def sign_in(engine: Engine, username: str, *, audit: bool = True) -> SignedInUser:
    """Sign ``username`` in (registering an unknown login) and, unless ``audit`` is False, audit ``user.sign_in``.

    Who signs in is always said by the caller (the application context's login), never looked up here.
    """
    name = username.strip()
    with session_factory(engine).begin() as session:
        user, registered = _find_or_register(session, name)
        signed_in = _signed_in(session, user)
        if audit:
            details = {"role": signed_in.role.value, "registered": registered, "cvd": signed_in.notice is None}
            audit_record(session, user.id, "user.sign_in", details, resource_type="user", resource_id=user.id)
        return signed_in


def user_by_id(session: Session, user_id: int) -> SignedInUser:
    """The user as they stand now (role changes take effect on the next check)."""
    user = session.get(User, user_id)
    if user is None:
        raise LookupError(f"user {user_id} no longer exists; sign in again (File → Sign in as…)")
    return _signed_in(session, user)


def require_user(session: Session, user_id: int | None, action: Action) -> None:
    """The service-layer check: ``user_id`` None is the app itself (simulator, sync), anyone else needs the role."""
    if user_id is not None:
        user_by_id(session, user_id).require(action)


def require_action(engine: Engine, user_id: int | None, action: Action) -> None:
    """:func:`require_user` in its own read, for services that do not otherwise open a session."""
    if user_id is not None:
        with session_factory(engine)() as session:
            require_user(session, user_id, action)


def list_users(engine: Engine) -> list[SignedInUser]:
    """Everyone in the working copy, by name; for "Sign in as…" and the admin's Users dialog."""
    with session_factory(engine)() as session:
        return [_signed_in(session, user) for user in session.scalars(select(User).order_by(User.username))]


def change_user(
    engine: Engine, by: SignedInUser, user_id: int, *, role: Role | None = None, ai_features_enabled: bool | None = None
) -> SignedInUser:
    """An admin changes another user's role or AI switch; audited as ``user.role_changed`` (old and new)."""
    with session_factory(engine).begin() as session:
        user_by_id(session, by.id).require(Action.MANAGE_USERS)
        user = session.get(User, user_id)
        if user is None:
            raise LookupError(f"user {user_id} no longer exists; reopen the Users dialog")
        changes: dict[str, object] = {}
        if role is not None and parse_role(user.role) is not role:
            if user.id == by.id and role is not Role.ADMIN:
                raise ValueError("you cannot take your own admin role away; ask another admin to do it")
            changes["role"] = [parse_role(user.role).value, role.value]
            user.role = role.value
        if ai_features_enabled is not None and bool(user.ai_features_enabled) != ai_features_enabled:
            changes["ai_features_enabled"] = [bool(user.ai_features_enabled), ai_features_enabled]
            user.ai_features_enabled = ai_features_enabled
        if changes:
            details = {"username": user.username, **changes}
            audit_record(session, by.id, "user.role_changed", details, resource_type="user", resource_id=user.id)
        return _signed_in(session, user)


def _find_or_register(session: Session, name: str) -> tuple[User, bool]:
    user = session.scalar(select(User).where(User.username == name))
    if user is not None:
        return user, False
    engine = session.get_bind()
    if isinstance(engine, Engine) and is_read_only(engine):
        raise DatabaseProblem(
            f"{display_url(str(engine.url))} has no user {name!r} and is read-only, so none can be added; nothing was "
            "changed. Run with --user NAME of one of its users, or copy the database to a folder you can write to",
            ExitCode.READ_ONLY,
        )
    role = Role.VIEWER if cvd_source(session) else Role.MANAGER  # offline laptop owner designs; CVD decides otherwise
    user = User(username=name, role=role.value, ai_features_enabled=True)
    session.add(user)
    session.flush()
    return user, True


def _signed_in(session: Session, user: User) -> SignedInUser:
    source = cvd_source(session)
    linked = source is None or session.scalar(
        select(CvdLink.id).where(CvdLink.kind == USER_LINK, CvdLink.local_id == user.id)
    )
    if linked and not user.is_active:
        notice = f"{user.username} is switched off in CVD, so may only read; ask an admin to switch the account on"
        return SignedInUser(user.id, user.username, Role.VIEWER, bool(user.ai_features_enabled), notice)
    if linked:
        return SignedInUser(user.id, user.username, parse_role(user.role), bool(user.ai_features_enabled))
    notice = (
        f"{user.username} is not a user of the CVD database {display_url(source)}; "
        "sign in as a CVD user (File → Sign in as…)"
    )
    return SignedInUser(user.id, user.username, Role.VIEWER, bool(user.ai_features_enabled), notice)
