"""What the audit log holds after each audited action: one row, the right user, action and resource, and no
secrets or request bodies."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from ai.endpoints import run_endpoint
from designer.command_outcomes import ExitCode
from designer.planograms import Planogram, Slot
from designer.positions import Position
from storage.app_context import AppContext
from storage.settings import SettingsStore
from storage.tables import AuditLogRecord
from storage.users import sign_in
from storage.versions import PlanogramVersions


def rows(engine: Engine, action: str) -> list[AuditLogRecord]:
    with Session(engine) as session:
        return list(session.scalars(select(AuditLogRecord).where(AuditLogRecord.action == action)))


def test_an_activation_is_one_row_naming_the_planogram(engine: Engine) -> None:
    maria = sign_in(engine, "maria.manager", audit=False)
    versions = PlanogramVersions(engine)
    draft = versions.save(Planogram.from_slots(1, 0, [Slot(Position(0, 0), 1)]), user_id=maria.id)
    versions.activate(draft.id, user_id=maria.id)
    [row] = rows(engine, "planogram.activate")
    assert (row.user_id, row.resource_type, row.resource_id) == (maria.id, "planogram", draft.id)
    assert row.host


def test_a_headless_ai_call_is_one_row_with_ids_and_time_but_not_the_request(
    engine: Engine, app_context: AppContext
) -> None:
    context = app_context.with_database(str(engine.url)).as_user("maria.manager")
    request = {"device_id": 1, "analysis_period_days": 30, "min_confidence": 0.5, "note": "Jane Doe, 555-0100"}
    code, _body = run_endpoint("affinity-analysis", lambda: json.dumps(request), context)
    assert code in (0, 2)  # answered, or the tiny fleet has too few baskets: either way the run is audited
    [row] = rows(engine, "ai.affinity-analysis")
    details = json.loads(row.details)
    maria = sign_in(engine, "maria.manager", audit=False)
    assert (row.user_id, row.resource_type, row.resource_id) == (maria.id, "device", 1)
    assert details["device_ids"] == [1] and details["response_time_ms"] >= 0
    assert "Jane" not in row.details and "555" not in row.details


def test_a_refused_headless_ai_call_answers_the_seeds_error_and_exit_3(
    engine: Engine, app_context: AppContext
) -> None:
    context = app_context.with_database(str(engine.url)).as_user("dan.driver")
    request = {"planogram_id": "1_0", "product_id": 1, "slot_position": "A1"}
    code, body = run_endpoint("realtime-analysis", lambda: json.dumps(request), context)
    assert code == ExitCode.REFUSED
    assert body["success"] is False and body["fallback_available"] is False
    assert "Only a manager or admin can run AI features; you are signed in as a driver" in body["error"]
    assert "--user" in body["error"]
    assert rows(engine, "ai.realtime-analysis") == []


def test_a_settings_change_names_the_fields_never_the_values(engine: Engine, tmp_path: Path) -> None:
    admin = sign_in(engine, "admin", audit=False)
    store = SettingsStore(tmp_path / "settings.json")
    models = dict(store.current.llm.models)
    first = next(iter(models))
    models[first] = replace(models[first], model="claude-secret-model-x")
    changed = replace(store.current, llm=replace(store.current.llm, models=models, monthly_cap_usd=7.0))
    store.save_as(changed, admin.id, engine)
    store.save_as(changed, admin.id, engine)  # saving the same values again is not a change
    [row] = rows(engine, "settings.changed")
    assert (row.user_id, row.resource_type) == (admin.id, "settings")
    assert json.loads(row.details) == {"fields": [f"llm.models.{first.value}.model", "llm.monthly_cap_usd"]}
    assert "secret" not in row.details and "7.0" not in row.details
