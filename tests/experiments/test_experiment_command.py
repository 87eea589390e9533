"""``python main.py experiment …``: JSON out, and bad input exits 2 naming the problem and the fix."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import main
from designer.command_outcomes import ExitCode


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict]:
    code = main.main(argv)
    return code, json.loads(capsys.readouterr().out)


@pytest.fixture
def database(plain_fleet_file: Path, tmp_path: Path) -> str:
    copy = tmp_path / "fleet.sqlite"
    copy.write_bytes(plain_fleet_file.read_bytes())
    return str(copy)


def test_create_status_complete_round_trip(database: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, made = _run(["experiment", "create", "--db", database, "--name", "eye level", "--devices",
                       "1,2,3,4,5,6,7,8", "--start", "2026-06-01", "--split", "randomised", "--seed", "5",
                       "--metrics", "revenue,units"], capsys)  # fmt: skip
    assert code == 0 and made["success"] is True
    experiment = made["experiment"]
    assert experiment["status"] == "active" and experiment["assignment"] == "randomised"
    assert sorted(experiment["control_group"]["device_ids"] + experiment["treatment_group"]["device_ids"]) == list(
        range(1, 9)
    )
    number = str(experiment["id"])

    code, status = _run(["experiment", "status", number, "--db", database], capsys)
    assert code == 0
    results = status["experiment"]["results"]
    assert set(results["metrics"]) == {"revenue_per_day", "units_per_day"}
    assert results["interim"] is True and results["as_of"] == "2026-06-30"

    code, done = _run(["experiment", "complete", number, "--db", database], capsys)
    assert code == 0
    assert done["experiment"]["status"] == "completed"
    assert done["experiment"]["winner"] in {"control", "treatment", "inconclusive"}
    assert done["experiment"]["results"]["metrics"]["revenue_per_day"]["power"]["message"]

    code, listed = _run(["experiment", "list", "--db", database], capsys)
    assert [e["id"] for e in listed["experiments"]] == [experiment["id"]]


def test_devices_are_named_by_id_or_asset_number(database: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, made = _run(["experiment", "create", "--db", database, "--name", "by asset", "--devices",
                       "VM-000001,2,asset:VM-000003,id:4", "--start", "2026-06-01", "--split", "chosen",
                       "--treatment-devices", "VM-000002,4"], capsys)  # fmt: skip
    assert code == 0, made
    experiment = made["experiment"]
    assert sorted(experiment["treatment_group"]["device_ids"]) == [2, 4]
    assert sorted(experiment["control_group"]["device_ids"]) == [1, 3]


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["create", "--name", "x", "--devices", "1,99", "--start", "2026-06-01"], "device 99 is not in this database"),
        (["create", "--name", "x", "--devices", "1,a", "--start", "2026-06-01"], "device a is not in this database"),
        (["create", "--name", "x", "--devices", "1", "--start", "2026-06-01"], "at least two devices"),
        (["create", "--name", "x", "--devices", "1,2", "--start", "2026-06-01", "--end", "2026-05-01"], "before"),
        (["create", "--name", "x", "--devices", "1,2", "--start", "2026-06-01", "--split", "chosen"], "--treatment"),
        (
            ["create", "--name", "x", "--devices", "1,2", "--start", "2026-06-01", "--treatment-planograms", "999"],
            "does not exist",
        ),
        (["status", "42"], "experiment list"),
    ],
)
def test_bad_input_exits_2_with_the_reason(
    database: str, argv: list[str], words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, body = _run(["experiment", *argv, "--db", database], capsys)
    assert code == 2 and body["success"] is False
    assert words in body["error"]


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["create", "--name", "x", "--devices", "1,,2", "--start", "2026-06-01"], "is not a list of devices"),
        (["create", "--name", "x", "--devices", "1,2", "--start", "June"], "YYYY-MM-DD"),
        (["create", "--name", "x", "--devices", "1,2", "--start", "2026-06-01", "--metrics", "joy"], "choose from"),
    ],
)
def test_malformed_arguments_exit_2(argv: list[str], words: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main.main(["experiment", *argv])
    assert exit_.value.code == 2
    assert words in capsys.readouterr().err


def test_a_missing_database_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, body = _run(["experiment", "list", "--db", str(tmp_path / "none.sqlite")], capsys)
    assert code == ExitCode.NO_DATABASE and "does not exist" in body["error"]
    assert not (tmp_path / "none.sqlite").exists()


def test_a_viewer_is_refused_with_status_3(database: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, body = _run(["--user", "vera.viewer", "experiment", "create", "--db", database, "--name", "x", "--devices",
                       "1,2", "--start", "2026-06-01"], capsys)  # fmt: skip
    assert code == 3 and "Only a manager or admin can run experiments" in body["error"]
    code, body = _run(["experiment", "list", "--db", database], capsys)
    assert code == 0 and body["experiments"] == []


def test_an_experiment_create_accepted_always_has_a_status(database: str, capsys: pytest.CaptureFixture[str]) -> None:
    """A start before the devices' sales is accepted by create; status then says why there is no verdict yet
    instead of failing with exit 2, and only complete refuses (there is nothing to close it on)."""
    code, made = _run(["experiment", "create", "--db", database, "--name", "too early", "--devices", "1,2,3,4",
                       "--start", "2020-01-06", "--split", "randomised"], capsys)  # fmt: skip
    assert code == 0
    number = str(made["experiment"]["id"])

    code, status = _run(["experiment", "status", number, "--db", database], capsys)
    assert code == 0 and status["success"] is True
    results = status["experiment"]["results"]
    assert results["winner"] == "inconclusive" and results["metrics"] == {}
    assert results["note"].startswith("no analysis yet: ") and "2020-01-06" in results["note"]

    code, refused = _run(["experiment", "complete", number, "--db", database], capsys)
    assert code == 2 and "2020-01-06" in refused["error"]
