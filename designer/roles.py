"""Who may do what: CVD's four roles (the seed's hierarchy) and the actions of this app they allow.

viewer reads; driver reads and exports; manager edits, activates, runs AI features and experiments; admin
also manages users and AI settings. One table, consulted by the service layer (which refuses) and by the
window (which disables the action and says why), so the two can never disagree.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    VIEWER = "viewer"
    DRIVER = "driver"
    MANAGER = "manager"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return _RANKS[self]


_RANKS = {Role.VIEWER: 0, Role.DRIVER: 1, Role.MANAGER: 2, Role.ADMIN: 3}


class Action(StrEnum):
    VIEW = "view"
    EXPORT = "export"
    EDIT = "edit"
    ACTIVATE = "activate"
    SYNC = "sync"
    RUN_AI = "run_ai"
    RUN_EXPERIMENTS = "run_experiments"
    MANAGE_USERS = "manage_users"
    AI_SETTINGS = "ai_settings"


MINIMUM_ROLE: dict[Action, Role] = {
    Action.VIEW: Role.VIEWER,
    Action.EXPORT: Role.DRIVER,
    Action.EDIT: Role.MANAGER,
    Action.ACTIVATE: Role.MANAGER,
    Action.SYNC: Role.MANAGER,
    Action.RUN_AI: Role.MANAGER,
    Action.RUN_EXPERIMENTS: Role.MANAGER,
    Action.MANAGE_USERS: Role.ADMIN,
    Action.AI_SETTINGS: Role.ADMIN,
}

_WHAT = {
    Action.VIEW: "view planograms",
    Action.EXPORT: "export or print slot maps and pick lists",
    Action.EDIT: "edit planograms",
    Action.ACTIVATE: "activate a planogram",
    Action.SYNC: "sync with CVD",
    Action.RUN_AI: "run AI features",
    Action.RUN_EXPERIMENTS: "run experiments",
    Action.MANAGE_USERS: "manage users",
    Action.AI_SETTINGS: "change AI settings",
}


class PermissionDenied(PermissionError):
    """The signed-in user's role does not allow the action; the message says who may and what to do."""

    def __init__(self, role: Role, action: Action, reason: str | None = None) -> None:
        self.role = role
        self.action = action
        super().__init__(reason or refusal(role, action))


def parse_role(text: str | None) -> Role:
    """CVD's ``users.role`` text; anything unknown is read as the least privileged role."""
    try:
        return Role((text or "").strip().lower())
    except ValueError:
        return Role.VIEWER


def allows(role: Role, action: Action) -> bool:
    return role.rank >= MINIMUM_ROLE[action].rank


def refusal(role: Role, action: Action) -> str:
    """Why ``role`` may not do ``action``, in the words a disabled menu item's tooltip shows."""
    allowed = [other.value for other in Role if other.rank >= MINIMUM_ROLE[action].rank]
    who = "an admin" if allowed == [Role.ADMIN.value] else f"a {', '.join(allowed[:-1])} or {allowed[-1]}"
    return (
        f"Only {who} can {_WHAT[action]}; you are signed in as a {role.value}. "
        "Ask an admin to change your role (Tools → Users…, or in CVD)"
    )


def require(role: Role, action: Action) -> None:
    if not allows(role, action):
        raise PermissionDenied(role, action)
