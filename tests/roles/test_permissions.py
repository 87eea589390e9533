"""Every role against every action, at the service layer: allowed, or refused with the text the menu shows.

The expected table is written out from the issue (viewer reads; driver reads and exports; manager edits,
activates, syncs, runs AI and experiments; admin also manages users and AI settings), not read back from
``designer.roles``, so a wrong entry there fails here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from ai.services import Services
from designer.planograms import Planogram, Slot
from designer.positions import Position
from designer.roles import Action, PermissionDenied, Role, refusal
from storage.settings import SettingsStore
from storage.users import change_user, sign_in, user_by_id
from storage.versions import PlanogramVersions
from widgets.field_sheets.export_cli import ExportFormat, ExportRequest, export_sheets

READS = {Action.VIEW}
EXPECTED: dict[Role, set[Action]] = {
    Role.VIEWER: READS,
    Role.DRIVER: READS | {Action.EXPORT},
    Role.MANAGER: READS
    | {Action.EXPORT, Action.EDIT, Action.ACTIVATE, Action.SYNC, Action.RUN_AI, Action.RUN_EXPERIMENTS},
    Role.ADMIN: set(Action),
}
USERS = {Role.ADMIN: "admin", Role.MANAGER: "maria.manager", Role.DRIVER: "dan.driver", Role.VIEWER: "vera.viewer"}


def _save(engine: Engine, user_id: int, _tmp: Path) -> None:
    PlanogramVersions(engine).save(Planogram.from_slots(1, 0, [Slot(Position(0, 0), 1)]), user_id=user_id)


def _activate(engine: Engine, user_id: int, _tmp: Path) -> None:
    versions = PlanogramVersions(engine)
    draft = versions.save(Planogram.from_slots(1, 0, [Slot(Position(0, 0), 1)]))  # the app itself, e.g. a pull
    versions.activate(draft.id, user_id=user_id)


def _export(engine: Engine, user_id: int, tmp: Path) -> None:
    PlanogramVersions(engine).save(Planogram.from_slots(1, 0, [Slot(Position(0, 0), 1)]), activate=True)
    request = ExportRequest(ExportFormat.CSV, (1,), 0, out=tmp / "slots.csv")
    export_sheets(engine, request, user_id=user_id)
    assert (tmp / "slots.csv").exists()


def _run_ai(engine: Engine, user_id: int, _tmp: Path) -> None:
    with Session(engine) as session:
        user = user_by_id(session, user_id)
    with Services(str(engine.url), engine=engine, user=user).ai_run("realtime-analysis", [1], [0]):
        pass


def _ai_settings(engine: Engine, user_id: int, tmp: Path) -> None:
    store = SettingsStore(tmp / "settings.json")
    cheaper = replace(store.current, llm=replace(store.current.llm, monthly_cap_usd=5.0))
    store.save_as(cheaper, user_id, engine)
    assert SettingsStore(tmp / "settings.json").current.llm.monthly_cap_usd == 5.0


def _manage_users(engine: Engine, user_id: int, _tmp: Path) -> None:
    with Session(engine) as session:
        by = user_by_id(session, user_id)
    change_user(engine, by, sign_in(engine, "vera.viewer", audit=False).id, role=Role.DRIVER)


def _exposed_check(action: Action) -> Callable[[Engine, int, Path], None]:
    """Sync and experiments are other helpers' services: they call ``user.require`` with these actions."""

    def check(engine: Engine, user_id: int, _tmp: Path) -> None:
        with Session(engine) as session:
            user_by_id(session, user_id).require(action)

    return check


SERVICES: dict[Action, Callable[[Engine, int, Path], None]] = {
    Action.VIEW: _exposed_check(Action.VIEW),
    Action.EDIT: _save,
    Action.ACTIVATE: _activate,
    Action.EXPORT: _export,
    Action.RUN_AI: _run_ai,
    Action.AI_SETTINGS: _ai_settings,
    Action.MANAGE_USERS: _manage_users,
    Action.SYNC: _exposed_check(Action.SYNC),
    Action.RUN_EXPERIMENTS: _exposed_check(Action.RUN_EXPERIMENTS),
}


def test_every_action_has_a_service_in_this_matrix() -> None:
    assert set(SERVICES) == set(Action)


@pytest.mark.parametrize("action", list(Action), ids=str)
@pytest.mark.parametrize("role", list(Role), ids=str)
def test_a_role_may_do_what_the_issue_says_and_nothing_more(
    engine: Engine, tmp_path: Path, role: Role, action: Action
) -> None:
    user = sign_in(engine, USERS[role], audit=False)
    if action in EXPECTED[role]:
        SERVICES[action](engine, user.id, tmp_path)
        assert user.can(action) and user.why_not(action) is None
    else:
        with pytest.raises(PermissionDenied) as refused:
            SERVICES[action](engine, user.id, tmp_path)
        assert str(refused.value) == refusal(role, action) == user.why_not(action)
        assert f"you are signed in as a {role.value}" in str(refused.value)


def test_a_refused_save_stores_nothing(engine: Engine, tmp_path: Path) -> None:
    viewer = sign_in(engine, "vera.viewer", audit=False)
    with pytest.raises(PermissionDenied):
        _save(engine, viewer.id, tmp_path)
    assert PlanogramVersions(engine).history(1, 0) == []


def test_a_manager_may_change_the_labour_cost_but_not_claudes_settings(engine: Engine, tmp_path: Path) -> None:
    maria = sign_in(engine, "maria.manager", audit=False)
    store = SettingsStore(tmp_path / "settings.json")
    store.save_as(replace(store.current, labour_cost_per_slot=2.5), maria.id, engine)
    with pytest.raises(PermissionDenied, match="Only an admin can change AI settings"):
        store.save_as(replace(store.current, llm=replace(store.current.llm, enabled=False)), maria.id, engine)
    assert SettingsStore(tmp_path / "settings.json").current.llm.enabled


def test_an_admin_demoted_mid_session_is_refused_at_the_next_action(engine: Engine) -> None:
    first = sign_in(engine, "admin", audit=False)
    second = change_user(engine, first, sign_in(engine, "maria.manager", audit=False).id, role=Role.ADMIN)
    change_user(engine, second, first.id, role=Role.VIEWER)
    with pytest.raises(PermissionDenied):
        change_user(engine, first, second.id, role=Role.VIEWER)  # ``first`` still says admin; the database does not
