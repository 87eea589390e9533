"""Signing in: who the app acts for, and what their role lets them do."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from designer.roles import Action, PermissionDenied, Role
from storage.sync_tables import CvdLink, SyncState
from storage.tables import AuditLogRecord, User
from storage.users import change_user, list_users, sign_in
from storage.versions import PlanogramVersions


def audit_rows(engine: Engine, action: str) -> list[AuditLogRecord]:
    with Session(engine) as session:
        return list(session.scalars(select(AuditLogRecord).where(AuditLogRecord.action == action)))


def pulled_from_cvd(engine: Engine) -> None:
    """What the sync's pull leaves: the source, and CVD's users linked (kind ``user``) with CVD's roles."""
    with Session(engine) as session, session.begin():
        session.add(SyncState(key="cvd.source", value="sqlite:////data/cvd.sqlite"))
        for cvd_id, name, role in ((2, "manager2", "manager"), (3, "viewer3", "viewer")):
            user = User(username=name, role=role, ai_features_enabled=True)
            session.add(user)
            session.flush()
            session.add(CvdLink(kind="user", local_id=user.id, cvd_id=cvd_id, cvd_key=name))


def test_the_name_comes_from_the_argument_then_the_environment_then_the_os(engine: Engine, monkeypatch) -> None:
    import main

    def acting(*argv: str) -> str:
        """Who ``main.py`` signs in for these arguments (the one place that reads the environment)."""
        return main.build_context(main.build_parser().parse_args(list(argv))).login

    monkeypatch.setenv("PLANOGRAM_USER", "dan.driver")
    assert sign_in(engine, acting("--user", "maria.manager")).role is Role.MANAGER
    assert sign_in(engine, acting()).username == "dan.driver"
    monkeypatch.delenv("PLANOGRAM_USER")
    monkeypatch.setattr("getpass.getuser", lambda: "vera.viewer")
    assert sign_in(engine, acting()).role is Role.VIEWER


def test_an_unknown_login_on_a_local_copy_designs_as_a_manager(engine: Engine) -> None:
    user = sign_in(engine, "laptop.owner")
    assert (user.role, user.notice) == (Role.MANAGER, None)
    assert PlanogramVersions(engine).current_user("laptop.owner") == user.id  # the same row, not a second one


def test_an_unknown_login_on_a_cvd_copy_only_reads_and_is_told_why(engine: Engine) -> None:
    pulled_from_cvd(engine)
    user = sign_in(engine, "root")
    assert user.role is Role.VIEWER
    assert "sign in as a CVD user" in (user.why_not(Action.EDIT) or "")
    assert sign_in(engine, "maria.manager").role is Role.VIEWER  # a local user is not a CVD user
    assert sign_in(engine, "manager2").can(Action.ACTIVATE)
    assert sign_in(engine, "viewer3").role is Role.VIEWER


def test_switching_ai_features_off_refuses_ai_only(engine: Engine) -> None:
    admin = sign_in(engine, "admin")
    maria = sign_in(engine, "maria.manager")
    maria = change_user(engine, admin, maria.id, ai_features_enabled=False)
    assert not maria.can(Action.RUN_AI) and maria.can(Action.EDIT)
    with pytest.raises(PermissionDenied, match=r"AI features are switched off for maria\.manager"):
        maria.require(Action.RUN_AI)


def test_a_role_change_is_audited_once_and_takes_effect_at_the_next_save(engine: Engine) -> None:
    from designer.planograms import Planogram

    admin = sign_in(engine, "admin")
    driver = sign_in(engine, "dan.driver")
    versions = PlanogramVersions(engine)
    with pytest.raises(PermissionDenied, match="Only a manager or admin can edit planograms"):
        versions.save(Planogram.from_slots(1, 0, []), user_id=driver.id)
    change_user(engine, admin, driver.id, role=Role.MANAGER)
    versions.save(Planogram.from_slots(1, 0, []), user_id=driver.id)
    [row] = audit_rows(engine, "user.role_changed")
    assert (row.user_id, row.resource_type, row.resource_id) == (admin.id, "user", driver.id)
    assert json.loads(row.details) == {"username": "dan.driver", "role": ["driver", "manager"]}
    assert row.host


def test_only_an_admin_manages_users(engine: Engine) -> None:
    maria = sign_in(engine, "maria.manager")
    with pytest.raises(PermissionDenied, match="Only an admin can manage users"):
        change_user(engine, maria, maria.id, role=Role.ADMIN)
    assert {user.username for user in list_users(engine)} >= {"admin", "maria.manager"}


def test_a_sign_in_writes_one_audit_row(engine: Engine) -> None:
    user = sign_in(engine, "dan.driver")
    [row] = audit_rows(engine, "user.sign_in")
    assert (row.user_id, row.resource_type, row.resource_id) == (user.id, "user", user.id)
    with Session(engine) as session:
        assert session.scalar(select(User.role).where(User.id == user.id)) == "driver"


def test_a_refusal_names_every_role_that_may_and_the_fix() -> None:
    from designer.roles import refusal

    assert refusal(Role.VIEWER, Action.EXPORT) == (
        "Only a driver, manager or admin can export or print slot maps and pick lists; you are signed in as a "
        "viewer. Ask an admin to change your role (Tools → Users…, or in CVD)"
    )
    assert refusal(Role.MANAGER, Action.MANAGE_USERS).startswith("Only an admin can manage users;")
