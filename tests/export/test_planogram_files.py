"""Planogram files: CSV/JSON exports that round-trip, a content hash, and imports refused with clear reasons."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import Engine

from designer.cabinets import Cabinet, TemperatureZone
from designer.planogram_files import (
    CSV_COLUMNS,
    DeviceIdentity,
    PlanogramFileInvalid,
    content_hash,
    import_planogram_file,
    planogram_to_csv,
    planogram_to_json,
    read_planogram,
)
from designer.planograms import Planogram, PlanogramStatus, Slot
from designer.positions import Position
from designer.products import Catalogue
from storage.fleet import FleetRepository


@pytest.fixture(scope="module")
def approved(demo_engine: Engine) -> tuple[Cabinet, Planogram, DeviceIdentity]:
    """Device 1, cabinet 0 of the demo fleet: its active planogram (empty slots stored as empty rows)."""
    layout = FleetRepository(demo_engine).device_layout(1)
    cabinet = layout.cabinets[0]
    device = layout.device
    return (
        cabinet,
        layout.planogram_for(cabinet),
        DeviceIdentity(1, device.name, device.asset_number, device.location_name),
    )


def problems_of(data: bytes | str, cabinet: Cabinet, catalogue: Catalogue, kind: str | None = None) -> list[str]:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    with pytest.raises(PlanogramFileInvalid) as refused:
        read_planogram(raw, cabinet, catalogue, source="upload.csv", kind=kind)
    return [str(problem) for problem in refused.value.problems]


# --- export and round trips ---------------------------------------------------------------------


def test_json_export_imports_as_an_equal_planogram(approved, catalogue: Catalogue) -> None:
    cabinet, planogram, device = approved
    text = planogram_to_json(planogram, cabinet, catalogue, device)

    assert read_planogram(text.encode(), cabinet, catalogue, kind="json") == planogram
    document = json.loads(text)
    assert document["device"]["asset_number"] == "VM-000001"
    assert document["cabinet"] == {"index": 0, "name": cabinet.name, "rows": 6, "columns": 6, "zone": "ambient"}
    assert (document["version"], document["status"]) == (planogram.version, "active")
    assert document["content_hash"] == content_hash(planogram)


def test_csv_export_has_the_agreed_header_and_imports_the_same_slots(approved, catalogue: Catalogue) -> None:
    cabinet, planogram, _ = approved
    text = planogram_to_csv(planogram, catalogue)

    assert text.splitlines()[0] == (
        "position,product_id,product_name,cash_price,quantity,capacity,par_level,selection_code,card_price"
    )
    assert tuple(text.splitlines()[0].split(",")) == CSV_COLUMNS
    assert read_planogram(text.encode(), cabinet, catalogue, kind="csv").slots == planogram.slots


def test_a_hand_made_planogram_round_trips_through_json_with_its_empty_slots(catalogue: Catalogue) -> None:
    cabinet = Cabinet(7, 1, 2, 3, TemperatureZone.AMBIENT, "Snacks")
    product = next(p for p in catalogue.values() if p.temperature_requirement is TemperatureZone.AMBIENT)
    planogram = Planogram.from_slots(
        7,
        1,
        [Slot(Position(0, 0), product.id, 3, 9, 7), Slot(Position(1, 2), None, 0, 10, 0)],
        name="Trial «été»",
        status=PlanogramStatus.DRAFT,
        version=4,
    )

    assert read_planogram(planogram_to_json(planogram, cabinet, catalogue).encode(), cabinet, catalogue) == planogram


def test_exporting_the_same_version_twice_gives_identical_bytes(approved, catalogue: Catalogue) -> None:
    cabinet, planogram, device = approved

    assert planogram_to_json(planogram, cabinet, catalogue, device) == planogram_to_json(
        planogram, cabinet, catalogue, device
    )
    assert planogram_to_csv(planogram, catalogue) == planogram_to_csv(planogram, catalogue)


def test_the_content_hash_follows_what_was_approved_not_the_stock(approved) -> None:
    _, planogram, _ = approved
    first = next(planogram.filled_slots())
    restocked = replace(planogram, slots={**planogram.slots, first.position: replace(first, quantity=0)})
    new_par = replace(planogram, slots={**planogram.slots, first.position: replace(first, par_level=1)})

    assert len(content_hash(planogram)) == 10
    assert content_hash(restocked) == content_hash(planogram)
    assert content_hash(new_par) != content_hash(planogram)
    assert content_hash(replace(planogram, version=planogram.version + 1)) != content_hash(planogram)


def test_import_reads_files_by_their_extension(approved, catalogue: Catalogue, tmp_path: Path) -> None:
    cabinet, planogram, device = approved
    (tmp_path / "layout.json").write_text(planogram_to_json(planogram, cabinet, catalogue, device), encoding="utf-8")
    (tmp_path / "layout.csv").write_text(planogram_to_csv(planogram, catalogue), encoding="utf-8")

    assert import_planogram_file(tmp_path / "layout.json", cabinet, catalogue) == planogram
    imported = import_planogram_file(tmp_path / "layout.csv", cabinet, catalogue)
    assert imported.slots == planogram.slots
    assert imported.name == "Imported from layout.csv"


# --- refused imports ----------------------------------------------------------------------------


def test_wrong_columns_are_named_with_the_columns_to_use(approved, catalogue: Catalogue) -> None:
    cabinet, _, _ = approved

    problems = problems_of("slot,item,qty\nA1,3,4\n", cabinet, catalogue)

    assert any("line 1: unknown columns 'slot', 'item', 'qty'" in problem for problem in problems)
    assert any("no 'position' or 'product_id' column" in problem for problem in problems)
    assert all("position, product_id, product_name" in problem for problem in problems)


def test_a_cell_that_is_not_a_number_is_named_by_line_and_column(approved, catalogue: Catalogue) -> None:
    cabinet, planogram, _ = approved
    lines = planogram_to_csv(planogram, catalogue).splitlines()
    cells = lines[6].split(",")
    cells[5] = "ten"  # capacity
    lines[6] = ",".join(cells)

    problems = problems_of("\n".join(lines), cabinet, catalogue)

    assert problems == [
        "line 7, column capacity: 'ten' is not a whole number. Fix: write capacity as a whole number, e.g. 8."
    ]


def test_an_unknown_product_is_refused_with_its_line_and_slot(approved, catalogue: Catalogue) -> None:
    cabinet, _, _ = approved

    problems = problems_of("position,product_id,quantity,capacity,par_level\nA1,99999,1,8,6\n", cabinet, catalogue)

    assert problems == [
        "line 2, slot A1: product 99999 is not in the catalogue. "
        "Fix: add the product to the catalogue first, or pick an existing one."
    ]


def test_a_slot_listed_twice_names_both_lines(approved, catalogue: Catalogue) -> None:
    cabinet, _, _ = approved
    chips = next(p.id for p in catalogue.values() if p.category == "chips")

    problems = problems_of(f"position,product_id\nA1,{chips}\nA2,{chips}\na1,{chips}\n", cabinet, catalogue)

    assert problems == ["lines 2 and 4, slot A1: the same slot is listed twice. Fix: keep one entry per slot."]


def test_a_twenty_by_thirty_cabinet_is_refused_once_not_per_slot(approved, catalogue: Catalogue) -> None:
    cabinet, planogram, device = approved
    document = json.loads(planogram_to_json(planogram, cabinet, catalogue, device))
    document["cabinet"].update(rows=20, columns=30)
    chips = next(p.id for p in catalogue.values() if p.category == "chips")
    big_csv = "position,product_id\n" + "".join(
        f"{'ABCDEFGHIJKLMNOPQRST'[r]}{c},{chips}\n" for r in range(20) for c in range(1, 31)
    )

    from_json = problems_of(json.dumps(document), cabinet, catalogue, kind="json")
    from_csv = problems_of(big_csv, cabinet, catalogue, kind="csv")

    assert len(from_json) == 1 and "20 rows × 30 columns is larger than the designer processes" in from_json[0]
    assert len(from_csv) == 1 and "slots reach T30" in from_csv[0] and "20 rows × 30 columns" in from_csv[0]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (bytes(range(256)) * 4, "binary data (it contains NUL bytes)"),
        (b"\x89PNG\r\n\x1a\n\xff\xfe" + b"garbage" * 10, "not UTF-8 text: byte 0x89 at offset 0"),
        (b"", "the file is empty"),
        (
            b'{"slots": [{"position": "A1",',
            "not valid JSON: Expecting property name enclosed in double quotes at line 1",
        ),
        (b'{"name": "Snacks"}', "holds a JSON object without a 'slots' list, not a planogram"),
    ],
)
def test_garbage_is_refused_with_what_is_wrong_and_a_fix(
    approved, catalogue: Catalogue, data: bytes, expected: str
) -> None:
    cabinet, _, _ = approved

    problems = problems_of(data, cabinet, catalogue)

    assert len(problems) == 1
    assert expected in problems[0]
    assert "Fix:" in problems[0]


def test_every_problem_is_reported_in_one_pass(approved, catalogue: Catalogue) -> None:
    cabinet, _, _ = approved
    chips = next(p.id for p in catalogue.values() if p.category == "chips")
    text = (
        "position,product_id,product_name,quantity,capacity,par_level\n"
        f"A1,{chips},,2,x,6\n"
        f"Z99,{chips},,1,8,6\n"
        f"A3,{chips},Definitely Not Chips,1,8,6\n"
        f"A4,{chips},,9,8,6\n"
        "A5,1\n"
    )

    problems = problems_of(text, cabinet, catalogue)

    assert [problem.split(":")[0] for problem in problems] == [
        "line 2, column capacity",
        "line 4, column product_name",
        "line 6 has 2 values but the header names 6 columns. Fix",
        "line 3, slot Z99",
        "line 5, slot A4",
    ]


def test_an_exported_file_edited_afterwards_is_not_passed_off_as_approved(approved, catalogue: Catalogue) -> None:
    cabinet, planogram, device = approved
    document = json.loads(planogram_to_json(planogram, cabinet, catalogue, device))
    document["slots"][0]["par_level"] -= 1

    problems = problems_of(json.dumps(document), cabinet, catalogue, kind="json")

    assert len(problems) == 1 and "changed after it was exported" in problems[0]
    del document["content_hash"]
    edited = read_planogram(json.dumps(document).encode(), cabinet, catalogue)
    assert edited.slots[Position(0, 0)].par_level == planogram.slots[Position(0, 0)].par_level - 1


def test_json_for_a_cabinet_of_another_size_or_with_unknown_fields_is_refused(approved, catalogue: Catalogue) -> None:
    cabinet, planogram, device = approved
    document = json.loads(planogram_to_json(planogram, cabinet, catalogue, device))
    document["cabinet"]["rows"] = 5
    document["slots"][1]["qty"] = 3

    problems = problems_of(json.dumps(document), cabinet, catalogue, kind="json")

    assert any("cabinet of 5 rows × 6 columns, but this cabinet has 6 rows × 6 columns" in p for p in problems)
    assert any(p.startswith("slot entry 2: unknown field 'qty'") for p in problems)


def test_a_missing_file_is_refused_naming_the_file(approved, catalogue: Catalogue, tmp_path: Path) -> None:
    cabinet, _, _ = approved

    with pytest.raises(PlanogramFileInvalid) as refused:
        import_planogram_file(tmp_path / "nowhere.csv", cabinet, catalogue)

    assert str(refused.value).startswith("nowhere.csv was not imported (nothing changed)")
    assert "cannot be read" in str(refused.value)
