"""The seed's per-user rate limits at ``python main.py api``: one count per request (a batch is one), shared with
every other process, refused beyond the limit with exit 12 and the seed's error object, set in Settings."""

from __future__ import annotations

import io
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import main
from designer.command_outcomes import ExitCode
from storage.simulator import build_demo_fleet
from tests.test_api_command import placement

FORECAST = {"device_id": 1, "products": [1], "forecast_days": 3}
Api = Callable[..., tuple[int, Any]]


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("limits") / "fleet.sqlite"
    build_demo_fleet(f"sqlite:///{path}", devices=2, days=30, seed=3)
    return path


def set_limits(**numbers: int) -> None:
    """What an operator types in Settings → rate limits (the settings file of this test's private config folder)."""
    folder = Path(os.environ["XDG_CONFIG_HOME"], "planogram-studio")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "settings.json").write_text(json.dumps({"rate_limits": numbers}), encoding="utf-8")


@pytest.fixture
def api(fleet: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Api:
    def run(endpoint: str, request: object, user: str = "maria.manager") -> tuple[int, Any]:
        monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps(request)))
        code = main.main(["--user", user, "api", endpoint, "--db", str(fleet)])
        out, err = capsys.readouterr()
        assert "Traceback" not in err, err
        return code, json.loads(out)

    return run


def test_beyond_the_predictions_limit_a_request_is_refused_with_its_own_exit_code(api: Api) -> None:
    set_limits(predictions_per_minute=2)
    assert [api("demand-forecast", FORECAST)[0] for _ in range(2)] == [ExitCode.DONE, ExitCode.DONE]
    code, body = api("demand-forecast", FORECAST)
    assert code == ExitCode.RATE_LIMITED == 12
    assert body["success"] is False
    assert "rate limit exceeded: 2 predictions requests a minute per user" in body["error"]
    assert "Fix: wait" in body["error"] and "forecasts" not in body
    code, _ = api("demand-forecast", FORECAST, user="admin")
    assert code == ExitCode.DONE, "each user has a count of their own"


def test_a_batch_is_one_request_and_realtime_has_its_own_budget(api: Api, fleet: Path) -> None:
    set_limits(realtime_per_minute=2, predictions_per_minute=0)
    batch = [placement(fleet, slot) for slot in ("A1", "A2", "B1", "B2")]
    code, answers = api("realtime-analysis", batch)
    assert code == ExitCode.DONE and len(answers) == 4
    assert api("realtime-analysis", placement(fleet))[0] == ExitCode.DONE
    code, body = api("realtime-analysis", placement(fleet))
    assert code == ExitCode.RATE_LIMITED and "2 realtime requests a minute" in body["error"]
    code, body = api("demand-forecast", FORECAST)
    assert code == ExitCode.RATE_LIMITED and "0 predictions requests" in body["error"]


def test_a_request_that_must_train_first_spends_a_training(api: Api, fleet: Path) -> None:
    """No saved model fits this fresh data folder: scoring would train first, which the hourly budget refuses;
    a forecast, which does not stand on the placement model, still runs."""
    set_limits(training_per_hour=0)
    code, body = api("realtime-analysis", placement(fleet))
    assert code == ExitCode.RATE_LIMITED and "0 training requests an hour" in body["error"]
    assert not list(Path(os.environ["XDG_DATA_HOME"], "planogram-studio", "models").glob("placement-*.npz"))
    assert api("demand-forecast", FORECAST)[0] == ExitCode.DONE


def test_the_count_is_shared_with_the_next_process(api: Api, fleet: Path) -> None:
    """Limits hold across processes: each ``api`` call is a process of its own, counted in one ledger file."""
    import subprocess

    set_limits(predictions_per_minute=1)
    assert api("demand-forecast", FORECAST)[0] == ExitCode.DONE
    done = subprocess.run(
        [sys.executable, "main.py", "--user", "maria.manager", "api", "demand-forecast", "--db", str(fleet)],
        cwd=Path(main.__file__).parent, input=json.dumps(FORECAST), capture_output=True, text=True, timeout=120,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )  # fmt: skip
    assert done.returncode == ExitCode.RATE_LIMITED, done.stderr
    assert "rate limit exceeded" in json.loads(done.stdout)["error"]
