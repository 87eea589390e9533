"""``python main.py sales import|undo|imports``: a JSON summary, status 2 with every refused row on bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import main
from tests.sales_exports.seed_files import seed_row, write_seed
from tests.shared_sample import seed_export_path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict]:
    status = main.main(list(argv))
    return status, json.loads(capsys.readouterr().out)


def test_refused_rows_end_with_status_2_listing_each_line_and_nothing_imported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = str(tmp_path / "fleet.sqlite")
    path = write_seed(tmp_path / "e.csv", [seed_row(), seed_row(product="", basket="2"), seed_row(day="soon")])
    status, body = run(capsys, "sales", "import", str(path), "--db", database)
    assert status == 2 and body["success"] is False
    assert [row["line"] for row in body["refused"]] == [3, 4]
    status, body = run(capsys, "sales", "imports", "--db", database)
    assert status == 0 and body["imports"] == []


def test_import_then_undo_by_the_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    database = str(tmp_path / "fleet.sqlite")
    path = write_seed(tmp_path / "e.csv", [seed_row(), seed_row(product="Cola", coil="141")])
    status, body = run(capsys, "sales", "import", str(path), "--db", database, "--time-zone", "UTC")
    assert status == 0 and body["sales_added"] == 2 and body["baskets_with_more_than_one_item"] == 1
    assert "12:00 in UTC" in body["sold_at_rule"] and "selection 48" in body["devices"][0]["coil_rule"]["reads"]
    status, undone = run(capsys, "sales", "undo", str(body["import_id"]), "--db", database)
    assert status == 0 and undone["sales_removed"] == 2


def test_a_mapping_file_imports_any_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    mapping = tmp_path / "vendor.json"
    mapping.write_text(
        json.dumps(
            {
                "source": "vendor",
                "columns": {"machine": "Machine", "product": "Item", "coil": "Slot", "date": "Day", "price": "Price"},
            }
        )
    )
    path = tmp_path / "vendor.csv"
    path.write_text("Day,Machine,Item,Slot,Price\n2022-02-01,Lobby,Takis,11,1.5\n", encoding="utf-8")
    status, body = run(
        capsys, "sales", "import", str(path), "--format", str(mapping), "--db", str(tmp_path / "f.sqlite")
    )
    assert status == 0 and body["format"] == "vendor" and body["sales_added"] == 1
    assert body["devices"][0]["cabinets_inferred"] == [{"cabinet_index": 0, "rows": 1, "columns": 1}]


def test_a_bad_coil_rule_is_refused_naming_the_form(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_seed(tmp_path / "e.csv", [seed_row()])
    status, body = run(
        capsys, "sales", "import", str(path), "--coil-rule", "Lobby=x", "--db", str(tmp_path / "f.sqlite")
    )
    assert status == 2 and "MACHINE=DOOR_DIGITS,FIRST_COLUMN" in body["error"]


def test_the_real_export_imports_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    export = seed_export_path()
    database = str(tmp_path / "real.sqlite")
    status, body = run(
        capsys, "sales", "import", str(export), "--db", database, "--skip-refused", "--time-zone", "America/New_York"
    )
    assert status == 0
    assert (body["lines_read"], body["sales_added"], len(body["refused"])) == (6445, 6441, 4)
    assert body["devices_created"] == 5 and body["baskets_with_more_than_one_item"] == 279
    status, again = run(capsys, "sales", "import", str(export), "--db", database, "--skip-refused")
    assert (again["sales_added"], again["already_present"]) == (0, 6441)
