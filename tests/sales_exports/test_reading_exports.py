"""Reading telemetry sales exports: the Seed layout as it really comes, any layout by a saved mapping, and every
row either a sale line or a refusal naming its line and reason."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from designer.command_outcomes import RequestInvalid
from designer.positions import Position
from designer.sales_exports import (
    SEED,
    CoilRule,
    ColumnMapping,
    infer_coil_rule,
    load_mapping,
    mapping_from_json,
    read_export,
    save_mapping,
)
from tests.sales_exports.seed_files import SEED_HEADER, seed_row, write_seed


def test_a_seed_export_reads_with_its_bom_both_date_spellings_and_a_blank_category(tmp_path: Path) -> None:
    path = write_seed(
        tmp_path / "seed.csv",
        [
            seed_row(day="Saturday, January 1, 2022", category=""),
            seed_row(
                product="Coca Cola - Zero Sugar", basket="1001", day="Saturday, January 1, 2022", coil="148", price="2"
            ),
            seed_row(basket="1002", day="1/2/2022", kind="Cash"),
        ],
    )
    parsed = read_export(path)
    assert parsed.refused == []
    assert [line.sold_on for line in parsed.lines] == [date(2022, 1, 1), date(2022, 1, 1), date(2022, 1, 2)]
    assert parsed.lines[0].category == ""
    assert [line.payment for line in parsed.lines] == ["card", "card", "cash"]
    assert parsed.lines[1].unit_price == Decimal("2") and parsed.lines[1].coil == "148"
    assert parsed.multi_line_baskets() == 1


def test_the_machines_own_coil_wins_and_the_back_offices_copy_fills_a_blank(tmp_path: Path) -> None:
    path = write_seed(tmp_path / "seed.csv", [seed_row(coil="141", mcoil="142"), seed_row(coil="", mcoil="143")])
    assert [line.coil for line in read_export(path).lines] == ["141", "143"]


def test_every_refused_row_names_its_line_and_reason(tmp_path: Path) -> None:
    path = write_seed(
        tmp_path / "seed.csv",
        [
            seed_row(),
            seed_row(status="Unlinked"),
            seed_row(product=""),
            seed_row(day="the first of May"),
            seed_row(price="free"),
            seed_row(qty="0"),
            seed_row(coil="A4", mcoil="A4"),
        ],
    )
    parsed = read_export(path)
    assert len(parsed.lines) == 1
    reasons = {row.line_number: row.reason for row in parsed.refused}
    assert sorted(reasons) == [3, 4, 5, 6, 7, 8]
    assert "Unlinked" in reasons[3] and "no product" in reasons[4] and "the first of May" in reasons[5]
    assert "free" in reasons[6] and "quantity" in reasons[7] and "A4" in reasons[8]


def test_a_file_that_is_not_seed_is_refused_with_the_way_to_map_it(tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    path.write_text("When,Where,What\n2022-01-01,M1,Takis\n", encoding="utf-8")
    with pytest.raises(RequestInvalid, match=r"--format MAPPING\.json"):
        read_export(path)


def test_any_csv_reads_by_a_saved_mapping(tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    path.write_text(
        "When;Machine;Item;Slot;Cost\n2022-03-04;Lobby;Takis;12;1,50\n2022-03-04;Lobby;Cola;13;2\n", encoding="utf-8"
    )
    mapping = mapping_from_json(
        {
            "source": "lobby vendor",
            "columns": {"date": "When", "machine": "Machine", "product": "Item", "coil": "Slot", "price": "Cost"},
        }
    )
    saved = tmp_path / "lobby.json"
    save_mapping(mapping, saved)
    parsed = read_export(path, load_mapping(saved))
    assert [(line.product, line.coil, line.sold_on) for line in parsed.lines] == [
        ("Takis", "12", date(2022, 3, 4)),
        ("Cola", "13", date(2022, 3, 4)),
    ]
    assert parsed.lines[0].quantity == 1 and parsed.lines[0].basket == ""
    assert parsed.multi_line_baskets() == 0


def test_an_xlsx_export_reads_by_a_mapping_with_real_dates_and_numbers(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Machine", "Product", "Coil", "Sold", "Price", "Qty", "Basket"])
    sheet.append(["Lobby", "Takis", 148, date(2022, 5, 6), 1.5, 2, 77])
    book.save(tmp_path / "sales.xlsx")
    mapping = mapping_from_json(
        {
            "columns": {
                "machine": "Machine",
                "product": "Product",
                "coil": "Coil",
                "date": "Sold",
                "price": "Price",
                "quantity": "Qty",
                "basket": "Basket",
            }
        }
    )
    (line,) = read_export(tmp_path / "sales.xlsx", mapping).lines
    assert (line.coil, line.sold_on, line.quantity, line.unit_price, line.basket, line.line_number) == (
        "148",
        date(2022, 5, 6),
        2,
        Decimal("1.5"),
        "77",
        2,
    )


def test_a_mapping_without_a_required_column_is_refused_naming_it() -> None:
    with pytest.raises(RequestInvalid, match="coil"):
        mapping_from_json({"columns": {"machine": "M", "product": "P", "date": "D", "price": "X"}})


def test_the_coil_rule_strips_the_door_digit_and_counts_columns_as_the_machine_does() -> None:
    assert CoilRule(1, 1).position("148") == Position.parse("D8")  # the default selection code 48 is D8
    from_zero = infer_coil_rule(["140", "148", "110"])
    assert from_zero == CoilRule(1, 0) and from_zero.position("148") == Position.parse("D9")
    assert from_zero.position("140") == Position.parse("D1")
    assert infer_coil_rule(["11", "48"]) == CoilRule(0, 1)
    assert CoilRule(1, 0).cabinet_index("248") == 1
    assert "→ slot D9" in from_zero.describe("148")


CELL = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(CELL, min_size=0, max_size=20), max_size=25))
def test_any_rows_become_lines_or_refusals_never_an_error(tmp_path: Path, rows: list[list[str]]) -> None:
    path = tmp_path / "fuzz.csv"
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(SEED_HEADER.split(","))
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    parsed = read_export(path, SEED)
    numbers = [line.line_number for line in parsed.lines] + [row.line_number for row in parsed.refused]
    assert len(numbers) == parsed.rows_read == len(set(numbers))
    assert all(line.quantity >= 1 and line.unit_price >= 0 and line.coil.isdigit() for line in parsed.lines)


VALID = st.builds(
    seed_row,
    product=st.sampled_from(["Takis", "Cola", "Water"]),
    basket=st.integers(1, 6).map(str),
    day=st.dates(date(2020, 1, 1), date(2024, 12, 31))
    .map(lambda day: st.sampled_from([f"{day.month}/{day.day}/{day.year}", day.strftime("%A, %B %-d, %Y")]))
    .flatmap(lambda choice: choice),
    kind=st.sampled_from(["Cash", "Credit"]),
    coil=st.integers(110, 169).map(str),
    qty=st.integers(1, 3).map(str),
)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(VALID, min_size=1, max_size=30))
def test_valid_lines_all_read_and_equal_lines_keep_distinct_fingerprints(tmp_path: Path, rows: list) -> None:
    path = write_seed(tmp_path / "valid.csv", rows)
    first, again = read_export(path), read_export(path)
    assert len(first.lines) == len(rows) and first.refused == []
    fingerprints = [line.fingerprint for line in first.lines]
    assert len(set(fingerprints)) == len(rows)  # two identical vends are two sales
    assert fingerprints == [line.fingerprint for line in again.lines]  # and the same file reads the same


def test_a_mapping_names_the_columns_it_misses_in_a_header() -> None:
    mapping = ColumnMapping(
        "x", {"machine": ("M",), "product": ("P",), "coil": ("C",), "date": ("D",), "price": ("Price",)}
    )
    assert mapping.missing_from(["M", "P", "C", "D"]) == ["unit price (column 'Price')"]
