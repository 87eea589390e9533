"""``python main.py api ENDPOINT``: request JSON on stdin, response JSON on stdout, exit 2 on bad input.

The calls run ``main.main`` in this process with standard input and output captured; the process boundary
itself (one JSON document on stdout, the exit status, the model saved for the next process) is tested by
real processes where it is the point.
"""

from __future__ import annotations

import io
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

import main
from storage.simulator import build_demo_fleet

PROJECT = Path(__file__).resolve().parents[1]

Api = Callable[..., tuple[int, Any, str]]


def _body(stdout: str) -> Any:
    """One JSON document (or the help text); anything else on stdout fails the test."""
    try:
        return json.loads(stdout) if stdout.lstrip().startswith(("{", "[")) else stdout
    except json.JSONDecodeError:
        pytest.fail(f"stdout is not one JSON document: {stdout[:300]!r}")


@pytest.fixture
def run_api(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Api:
    """``python main.py api ARGS`` with ``stdin`` as standard input, in this process: (status, body, stderr)."""

    def run(*args: str, stdin: str = "") -> tuple[int, Any, str]:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        code = main.main(["api", *args])
        out, err = capsys.readouterr()
        assert "Traceback" not in err, err
        return code, _body(out), err

    return run


def run_api_process(*args: str, stdin: str = "") -> tuple[int, Any, str]:
    """The same call in a child process: what a script calling the command sees."""
    done = subprocess.run(
        [sys.executable, "main.py", "api", *args], cwd=PROJECT, input=stdin, capture_output=True, text=True,
        timeout=120, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )  # fmt: skip
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, _body(done.stdout), done.stderr


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


@pytest.mark.slow
def test_a_request_gets_the_seeds_response_and_the_model_is_saved_for_next_time(fleet: Path, run_api: Api) -> None:
    """The second call is a process of its own, as a script's next call would be: JSON on stdout, status 0."""
    code, body, _ = run_api("realtime-analysis", "--db", str(fleet), stdin=json.dumps(placement(fleet)))
    assert code == 0, body
    assert body["success"] is True and 0 <= body["placement_score"] <= 100 and 0 <= body["confidence"] <= 1
    assert set(body) >= {"feedback", "zone_analysis", "response_time_ms"}
    models = list(Path(os.environ["XDG_DATA_HOME"], "planogram-studio", "models").glob("placement-*.npz"))
    assert len(models) == 1
    saved_at = models[0].stat().st_mtime_ns

    code, again, err = run_api_process(
        "realtime-analysis", "--db", f"sqlite:///{fleet}", stdin=json.dumps(placement(fleet))
    )
    assert code == 0 and again["placement_score"] == body["placement_score"] and err == ""
    assert again["model_version"] == body["model_version"] and models[0].stat().st_mtime_ns == saved_at


@pytest.mark.slow
def test_a_request_on_a_saved_model_loads_no_training_library(fleet: Path, run_api: Api) -> None:
    """What keeps a call within its 1.5 s budget (tests/bench/bench_commands.py times it): pandas, SciPy,
    scikit-learn and alembic cost ~1.5 s to import and only training or migrating needs them. A fresh
    interpreter, since this one has imported them all already."""
    request = json.dumps(placement(fleet))
    assert run_api("realtime-analysis", "--db", str(fleet), stdin=request)[0] == 0  # trains and saves the model
    script = (
        "import sys, main; code = main.main(['api', 'realtime-analysis', '--db', sys.argv[1]]); "
        "print(' '.join(sorted(sys.modules)), file=sys.stderr); sys.exit(code)"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(fleet)], cwd=PROJECT, input=request, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["success"] is True
    heavy = set(done.stderr.splitlines()[-1].split()) & {"pandas", "scipy", "sklearn", "alembic", "PySide6"}
    assert not heavy, f"a realtime-analysis call imported {sorted(heavy)}; import them where they are used"


def test_a_batch_with_an_invalid_entry_answers_in_order_and_exits_2(fleet: Path, run_api: Api) -> None:
    batch = [placement(fleet, "A1"), placement(fleet, "Z99"), placement(fleet, "C3")]
    code, bodies, _ = run_api("realtime-analysis", "--db", str(fleet), stdin=json.dumps(batch))
    assert code == 2
    assert [b["success"] for b in bodies] == [True, False, True]
    assert "Z99" in bodies[1]["error"] and bodies[1]["fallback_available"] is False


def test_malformed_json_is_a_json_error_with_status_2(fleet: Path, run_api: Api) -> None:
    code, body, _ = run_api("realtime-analysis", "--db", str(fleet), stdin="{not json")
    assert code == 2 and body["success"] is False and "not JSON" in body["error"]


def test_an_unknown_endpoint_is_a_json_error_with_status_2(run_api: Api) -> None:
    code, body, _ = run_api("no-such-endpoint", stdin="{}")
    assert code == 2 and body["success"] is False and "realtime-analysis" in body["error"]


@pytest.mark.slow
def test_help_succeeds_only_for_endpoints_that_exist() -> None:
    """CI probes each endpoint by this exit status of its own process before running the endpoint's contract."""
    code, text, _ = run_api_process("realtime-analysis", "--help")
    assert code == 0 and "placement_score" in text
    code, body, _ = run_api_process("predict-shelf-life", "--help")  # not an endpoint: CI skips its contract
    assert code == 2 and body["success"] is False and "realtime-analysis" in body["error"]


def test_help_is_answered_before_any_database_or_folder_is_opened(
    run_api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_context(_args: object) -> None:
        raise AssertionError("api --help built the run's context")

    monkeypatch.setattr(main, "build_context", no_context)

    code, text, _ = run_api("demand-forecast", "--help")
    assert code == 0 and "forecast_days" in text
    code, listing, _ = run_api("--help")
    assert code == 0 and all(name in listing for name in ("realtime-analysis", "predict-revenue"))


def test_a_missing_database_is_reported_and_not_created(tmp_path: Path, fleet: Path, run_api: Api) -> None:
    missing = tmp_path / "nowhere.sqlite"
    code, body, _ = run_api("realtime-analysis", "--db", str(missing), stdin=json.dumps(placement(fleet)))
    assert code == 10 and "no database" in body["error"] and not missing.exists()  # ExitCode.NO_DATABASE


def test_a_corrupt_database_is_reported_without_a_traceback(tmp_path: Path, fleet: Path, run_api: Api) -> None:
    corrupt = tmp_path / "corrupt.sqlite"
    corrupt.write_bytes(b"this is not a database" * 100)
    code, body, _ = run_api("realtime-analysis", "--db", str(corrupt), stdin=json.dumps(placement(fleet)))
    assert code == 11 and "not a readable database" in body["error"]  # ExitCode.NOT_A_DATABASE
