"""A person's data: exported whole, deleted with nothing of theirs left in the AI tables (aggregated sales stay,
the deletion is audited), only by an admin; the DPIA is written from the real data flows; old AI data is purged
when the app starts."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

import main
from designer.command_outcomes import ExitCode
from storage.app_context import AppContext, DataFolders
from storage.keys import KeyStore
from storage.llm_tables import LlmCacheRecord, LlmCallRecord
from storage.schema import prepare_database
from storage.simulator import build_demo_fleet
from storage.tables import AiFeedback, AiPrediction, User

NOTE = "Maria asked about the gym cooler"


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("people") / "fleet.sqlite"
    build_demo_fleet(f"sqlite:///{path}", devices=2, days=14, seed=5)
    return path


def _ids(engine) -> dict[str, int]:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        return {user.username: user.id for user in session.query(User)}


def _add_ai_rows(engine, user_id: int, at: datetime, note: str) -> None:  # type: ignore[no-untyped-def]
    stamp = at.replace(tzinfo=None)
    with Session(engine) as session, session.begin():
        prediction = AiPrediction(
            prediction_type="revenue", device_id=1, cabinet_index=0, input_data=json.dumps({"note": note}),
            prediction_result='{"daily_revenue": 12.5}', created_at=stamp, created_by=user_id,
        )  # fmt: skip
        session.add(prediction)
        session.flush()
        session.add_all([
            AiFeedback(prediction_id=prediction.id, feedback_type="accepted", user_feedback=json.dumps(note),
                       created_at=stamp, created_by=user_id),
            LlmCacheRecord(key=f"{user_id}-{stamp.isoformat()}", task="what_if", model="claude", answer="{}",
                           created_at=stamp, expires_at=stamp + timedelta(days=30), user_id=user_id),
            LlmCallRecord(created_at=stamp, month=stamp.strftime("%Y-%m"), user_id=user_id, task="what_if",
                          model="claude", outcome="answered", cost_usd=0.01),
        ])  # fmt: skip


@pytest.fixture
def fleet(demo_file: Path, tmp_path: Path) -> Path:
    path = tmp_path / "fleet.sqlite"
    path.write_bytes(demo_file.read_bytes())
    engine = prepare_database(f"sqlite:///{path}")
    ids, now = _ids(engine), datetime.now(UTC)
    _add_ai_rows(engine, ids["maria.manager"], now, NOTE)
    _add_ai_rows(engine, ids["dan.driver"], now, "Dan's own question")
    engine.dispose()
    return path


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main.main(argv)
    return code, capsys.readouterr().out


def _count(path: Path, query: str, *params: object) -> int:
    with sqlite3.connect(path) as connection:
        return connection.execute(query, params).fetchone()[0]


def test_export_user_holds_everything_about_them_opened_but_never_their_hash(
    fleet: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _run(["--user", "admin", "privacy", "export-user", "maria.manager", "--db", str(fleet)], capsys)

    held = json.loads(out)
    assert code == ExitCode.DONE and held["user"]["username"] == "maria.manager"
    assert [p["input_data"] for p in held["predictions"]] == [{"note": NOTE}]
    assert [f["user_feedback"] for f in held["feedback"]] == [NOTE]
    assert len(held["llm_cache"]) == len(held["llm_calls"]) == 1
    assert "password_hash" not in held["user"] and held["user"]["password_hash_held"] is False


def test_a_user_may_not_export_someone_elses_data(fleet: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _run(["--user", "dan.driver", "privacy", "export-user", "maria.manager", "--db", str(fleet)], capsys)
    assert code == ExitCode.REFUSED and "admin" in json.loads(out)["error"]


def test_delete_user_leaves_no_row_of_theirs_in_the_ai_tables_and_keeps_the_sales(
    fleet: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = prepare_database(f"sqlite:///{fleet}")
    maria, dan = _ids(engine)["maria.manager"], _ids(engine)["dan.driver"]
    engine.dispose()
    sales_before = _count(fleet, "SELECT count(*) FROM sales")

    code, out = _run(
        ["--user", "admin", "privacy", "delete-user", "maria.manager", "--yes", "--db", str(fleet)], capsys
    )

    assert code == ExitCode.DONE and json.loads(out)["deleted"]["predictions"] == 1
    for query in (
        "SELECT count(*) FROM ai_predictions WHERE created_by = ?",
        "SELECT count(*) FROM ai_feedback WHERE created_by = ?",
        "SELECT count(*) FROM llm_cache WHERE user_id = ?",
        "SELECT count(*) FROM llm_calls WHERE user_id = ?",
        "SELECT count(*) FROM ai_experiments WHERE created_by = ?",
        "SELECT count(*) FROM users WHERE id = ? AND (username = 'maria.manager' OR email IS NOT NULL)",
    ):
        assert _count(fleet, query, maria) == 0, query
    assert _count(fleet, "SELECT count(*) FROM ai_predictions WHERE created_by = ?", dan) == 1  # others' stay
    assert _count(fleet, "SELECT count(*) FROM llm_calls") == 2  # the spending figures stay, without a name
    assert _count(fleet, "SELECT count(*) FROM sales") == sales_before
    assert _count(fleet, "SELECT count(*) FROM audit_log WHERE action = 'privacy.user_deleted'") == 1


def test_only_an_admin_deletes_a_persons_data(fleet: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--user", "maria.manager", "privacy", "delete-user", "dan.driver", "--yes", "--db", str(fleet)]
    code, out = _run(argv, capsys)
    assert code == ExitCode.REFUSED and "Only an admin" in json.loads(out)["error"]
    assert _count(fleet, "SELECT count(*) FROM ai_predictions") == 2


def test_the_dpia_quotes_the_settings_the_sealed_columns_the_key_and_the_counts(
    fleet: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_file = tmp_path / "dpia.md"
    code, _out = _run(["--user", "admin", "privacy", "dpia", "--out", str(out_file), "--db", str(fleet)], capsys)

    text = out_file.read_text()
    assert code == ExitCode.DONE
    assert "ai_predictions.input_data" in text and "llm_cache.answer" in text
    assert "kept 365 days" in text and "90 days" in text
    assert "ai-data.key" in text  # no keyring on this box: the key file is named
    assert "2 predictions" in text and "Users: 4 in this database, 0 with a CVD password hash" in text


def test_old_predictions_and_claude_logs_are_purged_when_the_app_starts(fleet: Path, tmp_path: Path) -> None:
    engine = prepare_database(f"sqlite:///{fleet}")
    maria = _ids(engine)["maria.manager"]
    _add_ai_rows(engine, maria, datetime.now(UTC) - timedelta(days=400), "an old question")
    engine.dispose()
    folders = DataFolders.under(tmp_path / "app")
    folders.config.mkdir(parents=True)
    (folders.settings_file).write_text(json.dumps({"version": 2, "data_protection": {"llm_log_days": 30}}))

    context = AppContext.create(database=str(fleet), folders=folders, keys=KeyStore())
    _ = context.engine  # the start
    context.close()

    assert _count(fleet, "SELECT count(*) FROM ai_predictions") == 2  # the two recent ones
    assert _count(fleet, "SELECT count(*) FROM ai_feedback") == 2
    assert _count(fleet, "SELECT count(*) FROM llm_calls") == 2
    details = json.loads(
        sqlite3.connect(fleet).execute("SELECT details FROM audit_log WHERE action = 'privacy.purged'").fetchone()[0]
    )
    assert (details["predictions"], details["llm_calls"], details["llm_log_days"]) == (1, 1, 30)
