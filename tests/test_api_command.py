"""``python main.py api ENDPOINT``: request JSON on stdin, response JSON on stdout, exit 2 on bad input."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from storage.simulator import build_demo_fleet

PROJECT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def run_api(*args: str, stdin: str = "") -> tuple[int, Any, str]:
    done = subprocess.run(
        [sys.executable, "main.py", "api", *args], cwd=PROJECT, input=stdin, capture_output=True, text=True,
        timeout=120, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )  # fmt: skip
    assert "Traceback" not in done.stderr, done.stderr
    try:
        body = json.loads(done.stdout) if done.stdout.lstrip().startswith(("{", "[")) else done.stdout
    except json.JSONDecodeError:
        pytest.fail(f"stdout is not one JSON document: {done.stdout[:300]!r}")
    return done.returncode, body, done.stderr


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("api") / "fleet.sqlite"
    build_demo_fleet(f"sqlite:///{path}", devices=3, days=30, seed=5)
    return path


def placement(fleet: Path, slot: str = "B2", product_id: int | None = None) -> dict[str, Any]:
    with closing(sqlite3.connect(fleet)) as database:
        slots = [
            {"position": position, "product_id": product, "quantity": quantity, "capacity": capacity}
            for position, product, quantity, capacity in database.execute(
                "SELECT s.position, s.product_id, s.quantity, s.capacity FROM planogram_slots s JOIN planograms p "
                "ON p.id = s.planogram_id WHERE p.device_id = 1 AND p.cabinet_index = 0 AND p.status = 'active' "
                "AND s.product_id IS NOT NULL ORDER BY s.position"
            )
        ]
    return {
        "planogram_id": "1_0",
        "product_id": product_id or slots[0]["product_id"],
        "slot_position": slot,
        "context": {"current_slots": slots},
    }


def test_a_request_gets_the_seeds_response_and_the_model_is_saved_for_next_time(fleet: Path) -> None:
    code, body, _ = run_api("realtime-analysis", "--db", str(fleet), stdin=json.dumps(placement(fleet)))
    assert code == 0, body
    assert body["success"] is True and 0 <= body["placement_score"] <= 100 and 0 <= body["confidence"] <= 1
    assert set(body) >= {"feedback", "zone_analysis", "response_time_ms"}
    models = list(Path(os.environ["XDG_DATA_HOME"], "planogram-studio", "models").glob("placement-*.npz"))
    assert len(models) == 1
    saved_at = models[0].stat().st_mtime_ns

    code, again, _ = run_api("realtime-analysis", "--db", f"sqlite:///{fleet}", stdin=json.dumps(placement(fleet)))
    assert code == 0 and again["placement_score"] == body["placement_score"]
    assert again["model_version"] == body["model_version"] and models[0].stat().st_mtime_ns == saved_at


def test_a_batch_with_an_invalid_entry_answers_in_order_and_exits_2(fleet: Path) -> None:
    batch = [placement(fleet, "A1"), placement(fleet, "Z99"), placement(fleet, "C3")]
    code, bodies, _ = run_api("realtime-analysis", "--db", str(fleet), stdin=json.dumps(batch))
    assert code == 2
    assert [b["success"] for b in bodies] == [True, False, True]
    assert "Z99" in bodies[1]["error"] and bodies[1]["fallback_available"] is False


def test_malformed_json_is_a_json_error_with_status_2(fleet: Path) -> None:
    code, body, _ = run_api("realtime-analysis", "--db", str(fleet), stdin="{not json")
    assert code == 2 and body["success"] is False and "not JSON" in body["error"]


def test_an_unknown_endpoint_is_a_json_error_with_status_2() -> None:
    code, body, _ = run_api("no-such-endpoint", stdin="{}")
    assert code == 2 and body["success"] is False and "realtime-analysis" in body["error"]


def test_help_succeeds_only_for_endpoints_that_exist() -> None:
    code, text, _ = run_api("realtime-analysis", "--help")
    assert code == 0 and "placement_score" in text
    code, body, _ = run_api("predict-shelf-life", "--help")  # not an endpoint: CI skips its contract
    assert code == 2 and body["success"] is False and "realtime-analysis" in body["error"]


def test_a_missing_database_is_reported_and_not_created(tmp_path: Path, fleet: Path) -> None:
    missing = tmp_path / "nowhere.sqlite"
    code, body, _ = run_api("realtime-analysis", "--db", str(missing), stdin=json.dumps(placement(fleet)))
    assert code == 2 and "no database" in body["error"] and not missing.exists()


def test_a_corrupt_database_is_reported_without_a_traceback(tmp_path: Path, fleet: Path) -> None:
    corrupt = tmp_path / "corrupt.sqlite"
    corrupt.write_bytes(b"this is not a database" * 100)
    code, body, _ = run_api("realtime-analysis", "--db", str(corrupt), stdin=json.dumps(placement(fleet)))
    assert code == 2 and "not a readable database" in body["error"]
