"""The AI data is sealed at rest: the raw file holds no plaintext prediction or cached answer, the app reads them
back as written, a lost key says how to get back, and values from an older release are sealed on request."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from storage import sealed_columns
from storage.llm_ledger import LlmLedger
from storage.predictions import store_prediction
from storage.schema import prepare_database
from storage.simulator import build_demo_fleet
from tests.memory_keyring import DictKeyring

SECRET_REQUEST = '{"note": "request of Mrs Example at Gym Entrance"}'
SECRET_ANSWER = '{"prediction": "Snickers sells 41 units a week at Gym Entrance"}'
CLAUDE_SAYS = '{"summary": "Move the cold brew to eye level, says Claude"}'


@pytest.fixture(scope="module")
def small_fleet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sealed") / "fleet.sqlite"
    build_demo_fleet(f"sqlite:///{path}", devices=2, days=14, seed=3)
    return path


def _fleet_with_ai_data(small_fleet: Path, tmp_path: Path) -> Path:
    path = tmp_path / "fleet.sqlite"
    path.write_bytes(small_fleet.read_bytes())
    engine = prepare_database(f"sqlite:///{path}")
    store_prediction(engine, "revenue", 1, 0, SECRET_REQUEST, SECRET_ANSWER, 0.9, "v1", 12)
    now = datetime.now(UTC)
    LlmLedger(engine).store_answer("k" * 64, "analysis", "claude", CLAUDE_SAYS, now, now + timedelta(days=1))
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


def _raw_bytes(path: Path) -> bytes:
    """The database file and any write-ahead log beside it, as another program would read them from disk."""
    return b"".join(file.read_bytes() for file in (path, Path(f"{path}-wal")) if file.exists())


def test_the_raw_file_holds_no_plaintext_prediction_or_cached_answer(small_fleet: Path, tmp_path: Path) -> None:
    path = _fleet_with_ai_data(small_fleet, tmp_path)

    raw = _raw_bytes(path)
    assert b"Mrs Example" not in raw and b"41 units a week" not in raw and b"cold brew" not in raw
    with sqlite3.connect(path) as connection:  # still a plain SQLite file other tools open
        stored = connection.execute("SELECT input_data, prediction_result FROM ai_predictions").fetchone()
        cached = connection.execute("SELECT answer FROM llm_cache").fetchone()[0]
    assert all(value.startswith("sealed1:") for value in (*stored, cached))


def test_the_app_reads_the_sealed_values_back_as_written(small_fleet: Path, tmp_path: Path) -> None:
    path = _fleet_with_ai_data(small_fleet, tmp_path)
    engine = prepare_database(f"sqlite:///{path}")
    from sqlalchemy import select

    from storage.tables import AiPrediction

    with engine.connect() as connection:
        row = connection.execute(select(AiPrediction.input_data, AiPrediction.prediction_result)).one()
    assert tuple(row) == (SECRET_REQUEST, SECRET_ANSWER)
    assert LlmLedger(engine).cached_answer("k" * 64, datetime.now(UTC)) == CLAUDE_SAYS
    engine.dispose()


def test_without_a_keyring_the_key_is_a_file_only_its_owner_reads(small_fleet: Path, tmp_path: Path) -> None:
    _fleet_with_ai_data(small_fleet, tmp_path)
    key_file = sealed_columns.user_config_folder() / sealed_columns.KEY_FILE

    assert sealed_columns.ai_data_key_location() == str(key_file)
    assert key_file.stat().st_mode & 0o777 == 0o600


def test_with_a_keyring_the_key_lives_there(
    small_fleet: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import keyring

    ring = DictKeyring()
    keyring.set_keyring(ring)  # the module's fixture puts the headless backend back afterwards
    sealed_columns._seal_for.cache_clear()
    _fleet_with_ai_data(small_fleet, tmp_path)
    sealed_columns._seal_for.cache_clear()

    assert sealed_columns.ai_data_key_location() == "the system keyring"
    assert ("planogram-studio", sealed_columns.KEY_ACCOUNT) in ring.passwords


def test_a_lost_key_gives_a_clear_error_naming_the_way_back(small_fleet: Path, tmp_path: Path) -> None:
    path = _fleet_with_ai_data(small_fleet, tmp_path)
    (sealed_columns.user_config_folder() / sealed_columns.KEY_FILE).unlink()
    sealed_columns._seal_for.cache_clear()  # a new process: the key is read again, and a new one made
    engine = prepare_database(f"sqlite:///{path}")

    with pytest.raises(sealed_columns.AiDataKeyLost) as lost:
        LlmLedger(engine).cached_answer("k" * 64, datetime.now(UTC))
    assert "privacy reset-ai-data" in str(lost.value)
    engine.dispose()


def test_values_an_older_release_wrote_in_the_clear_are_sealed(small_fleet: Path, tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    path.write_bytes(small_fleet.read_bytes())
    with sqlite3.connect(path) as connection:
        connection.execute(
            "INSERT INTO ai_predictions (prediction_type, device_id, cabinet_index, input_data, prediction_result) "
            "VALUES ('revenue', 1, 0, ?, ?)",
            (SECRET_REQUEST, SECRET_ANSWER),
        )
    engine = prepare_database(f"sqlite:///{path}")

    assert sealed_columns.seal_plaintext(engine) == 2
    assert sealed_columns.seal_plaintext(engine) == 0
    from sqlalchemy import select

    from storage.tables import AiPrediction

    with engine.connect() as connection:
        assert tuple(connection.execute(select(AiPrediction.input_data, AiPrediction.prediction_result)).one()) == (
            SECRET_REQUEST,
            SECRET_ANSWER,
        )
    engine.dispose()
    assert b"Mrs Example" not in _raw_bytes(path)
