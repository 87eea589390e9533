"""``python main.py template …``: a manager saves a template, previews it on every office machine with --dry-run
(JSON with the predicted revenue change), applies it as one operation and undoes it in one step."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import main
from designer.command_outcomes import ExitCode

MANAGER = ["--user", "maria.manager"]


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict]:
    code = main.main(argv)
    return code, json.loads(capsys.readouterr().out)


def test_save_preview_apply_and_undo_every_office_machine(
    fleet_database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = ["--db", str(fleet_database)]
    code, saved = run([*MANAGER, "template", "save", "Office snacks", "--device", "1", "--tag", "office", *db], capsys)
    assert code == ExitCode.DONE and saved["template"]["version"] == 1 and saved["template"]["shape"] == "6x6"

    code, listed = run(["template", "list", "office", *db], capsys)
    assert [t["name"] for t in listed["templates"]] == ["Office snacks"]

    office = ["--location-type", "office"]
    code, preview = run([*MANAGER, "template", "apply", "Office snacks", *office, "--dry-run", *db], capsys)
    assert code == ExitCode.DONE and preview["dry_run"] is True
    lines = {line["name"]: line for line in preview["machines"]}
    assert set(lines) == {"Office Lobby 1", "Office Lobby 2"}
    assert lines["Office Lobby 1"]["status"] == "unchanged"  # the template's own machine
    changing = lines["Office Lobby 2"]
    predicted = changing["predicted_daily_revenue_change"]
    assert changing["status"] == "changes" and changing["slots_changed"]
    assert predicted["lower"] <= predicted["change"] <= predicted["upper"] and predicted["level"] == 0.9
    assert preview["totals"]["predicted_daily_revenue_change"]["change"] == pytest.approx(predicted["change"], abs=0.01)
    code, nothing = run(["template", "operations", *db], capsys)
    assert nothing["operations"] == []  # the dry run wrote nothing

    code, applied = run([*MANAGER, "template", "apply", "Office snacks", *office, "--activate", *db], capsys)
    assert code == ExitCode.DONE and applied["cabinets_changed"] == 1
    operation = applied["operation_id"]
    assert applied["undo"] == f"python main.py template undo {operation}"

    code, refused = run(["--user", "vera.viewer", "template", "undo", str(operation), *db], capsys)
    assert code == ExitCode.REFUSED and "manager or admin" in refused["error"]

    code, undone = run([*MANAGER, "template", "undo", str(operation), *db], capsys)
    assert code == ExitCode.DONE and undone["cabinets_changed"] == 1
    code, again = run([*MANAGER, "template", "undo", str(operation), *db], capsys)
    assert code == ExitCode.BAD_INPUT and "already undone" in again["error"]


def test_a_price_rise_by_percentage_is_previewed_per_machine(
    fleet_database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = ["--db", str(fleet_database)]
    code, preview = run([*MANAGER, "template", "price", "1", "--percent", "10", "--dry-run", *db], capsys)
    assert code == ExitCode.DONE
    changing = [line for line in preview["machines"] if line["status"] == "changes"]
    assert changing and all("→" in difference for line in changing for difference in line["differences"])


def test_an_unknown_template_names_the_ones_there_are(fleet_database: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = ["--db", str(fleet_database)]
    run([*MANAGER, "template", "save", "Gym drinks", "--device", "3", "--cabinet", "2", *db], capsys)
    code, answer = run([*MANAGER, "template", "apply", "Office", "--dry-run", *db], capsys)
    assert code == ExitCode.BAD_INPUT and "Gym drinks" in answer["error"]
