"""Positions and cabinets as a merchandiser names them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from designer.cabinets import Cabinet, CabinetTooLarge, TemperatureZone, suitable_zones, zone_accepts
from designer.positions import MAX_COLUMNS, MAX_ROWS, Position, PositionError


def test_a1_is_the_top_left_slot() -> None:
    assert Position.parse("A1") == Position(0, 0)
    assert Position.parse("c12") == Position(2, 11)
    assert Position(1, 2).label == "B3"


@pytest.mark.parametrize("text", ["", "1A", "A0", "AA1", "A-1", "B", None, 3])
def test_a_malformed_position_says_what_a_valid_one_looks_like(text: object) -> None:
    with pytest.raises(PositionError, match="A1"):
        Position.parse(text)


@given(st.integers(0, 25), st.integers(0, 998))
def test_every_position_reads_back_from_its_label(row: int, column: int) -> None:
    position = Position(row, column)
    assert Position.parse(position.label) == position


def test_z99_is_outside_a_ten_by_twenty_cabinet() -> None:
    cabinet = Cabinet(1, 0, MAX_ROWS, MAX_COLUMNS, TemperatureZone.AMBIENT)
    assert cabinet.contains(Position.parse("J20"))
    assert not cabinet.contains(Position.parse("Z99"))
    assert not cabinet.contains(Position.parse("K1"))


def test_the_largest_cabinet_processed_is_ten_rows_by_twenty_columns() -> None:
    cabinet = Cabinet(1, 0, 10, 20, TemperatureZone.AMBIENT)
    assert cabinet.slot_count == 200
    assert [p.label for p in cabinet.positions()][:3] == ["A1", "A2", "A3"]
    assert cabinet.planogram_id == "1_0"


@pytest.mark.parametrize(("rows", "columns"), [(20, 30), (11, 5), (5, 21), (0, 4)])
def test_an_oversize_cabinet_is_refused_naming_the_limit(rows: int, columns: int) -> None:
    with pytest.raises(CabinetTooLarge) as refusal:
        Cabinet(1, 0, rows, columns, TemperatureZone.AMBIENT)
    message = str(refusal.value)
    assert f"{rows}" in message
    if rows and columns:
        assert "10 rows" in message and "20 columns" in message


def test_frozen_goods_only_go_in_a_freezer_and_cold_drinks_not_on_a_warm_shelf() -> None:
    assert zone_accepts(TemperatureZone.FROZEN, TemperatureZone.FROZEN)
    assert not zone_accepts(TemperatureZone.AMBIENT, TemperatureZone.FROZEN)
    assert not zone_accepts(TemperatureZone.AMBIENT, TemperatureZone.REFRIGERATED)
    assert zone_accepts(TemperatureZone.REFRIGERATED, TemperatureZone.AMBIENT)
    assert not zone_accepts(TemperatureZone.FROZEN, TemperatureZone.AMBIENT)
    assert not zone_accepts(TemperatureZone.REFRIGERATED, TemperatureZone.FROZEN)


def test_a_freezer_keeps_a_refrigerated_product_cold_as_operators_stock_it() -> None:
    """Issue 15: NOS Energy needs "refrigerated or colder"; CVD keeps it in coolers and a freezer."""
    assert zone_accepts(TemperatureZone.FROZEN, TemperatureZone.REFRIGERATED)
    assert zone_accepts(TemperatureZone.REFRIGERATED, TemperatureZone.REFRIGERATED)
    assert suitable_zones(TemperatureZone.REFRIGERATED) == [TemperatureZone.REFRIGERATED, TemperatureZone.FROZEN]
    assert suitable_zones(TemperatureZone.AMBIENT) == [TemperatureZone.AMBIENT, TemperatureZone.REFRIGERATED]
    assert suitable_zones(TemperatureZone.FROZEN) == [TemperatureZone.FROZEN]


def test_an_unknown_zone_names_the_valid_ones() -> None:
    with pytest.raises(ValueError, match="ambient, refrigerated, frozen"):
        TemperatureZone.parse("tepid")
