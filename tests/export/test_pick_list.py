"""Pick lists: units to load per slot and per route, from sales since the stock was last known."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine

from designer.cabinets import TemperatureZone
from designer.pick_list import (
    StockAnchor,
    StockBasis,
    build_pick_list,
    route_totals,
    stock_anchor,
)
from designer.planograms import Planogram, Slot
from designer.positions import Position
from designer.products import Catalogue, Product
from storage.field_data import device_stock, restock_visits, route_stock

A1, A2, A3 = Position(0, 0), Position(0, 1), Position(0, 2)
VISIT = datetime(2026, 6, 29, 10, 0)
STORED = datetime(2026, 6, 1, 9, 0)
CATALOGUE = Catalogue(
    [
        Product(1, "Cola", "soda", 1.75, temperature_requirement=TemperatureZone.AMBIENT),
        Product(2, "Chips", "chips", 1.50),
        Product(3, "Water", "water", 1.25),
    ]
)


def planogram(*slots: Slot, device_id: int = 1, cabinet_index: int = 0) -> Planogram:
    return Planogram.from_slots(device_id, cabinet_index, slots, version=2)


def test_after_a_restock_visit_the_driver_tops_each_slot_up_to_par() -> None:
    document = planogram(
        Slot(A1, 1, quantity=2, capacity=10, par_level=8), Slot(A2, 2, quantity=0, capacity=6, par_level=6)
    )
    sold = {(A1, 1): 5, (A2, 2): 1}

    pick = build_pick_list(document, CATALOGUE, sold, StockAnchor(StockBasis.RESTOCK_VISIT, VISIT))

    assert [(line.position, line.expected_on_hand, line.load) for line in pick.lines] == [(A1, 3, 5), (A2, 5, 1)]
    assert pick.total_load == 6
    assert pick.units_by_product() == {1: 5, 2: 1}


def test_without_a_visit_stock_counts_down_from_the_stored_quantities() -> None:
    document = planogram(Slot(A1, 1, quantity=4, capacity=10, par_level=8))

    pick = build_pick_list(document, CATALOGUE, {(A1, 1): 3}, StockAnchor(StockBasis.STORED_QUANTITIES, STORED))

    assert pick.lines[0].expected_on_hand == 1
    assert pick.lines[0].load == 7


def test_loads_are_never_negative_and_never_overfill_a_slot() -> None:
    above_par = Slot(A1, 1, quantity=10, capacity=10, par_level=6)  # stocked above par: nothing to load
    oversold = Slot(A2, 2, quantity=3, capacity=8, par_level=8)  # more sales than stock: on hand is 0, not −2
    par_over_capacity = Slot(A3, 3, quantity=0, capacity=5, par_level=9)  # bad data: load at most the room there is
    document = planogram(above_par, oversold, par_over_capacity)
    sold = {(A2, 2): 5}

    pick = build_pick_list(document, CATALOGUE, sold, StockAnchor(StockBasis.STORED_QUANTITIES, STORED))

    assert [(line.expected_on_hand, line.load) for line in pick.lines] == [(10, 0), (0, 8), (0, 5)]
    assert all(0 <= line.load <= line.capacity - line.expected_on_hand for line in pick.lines)


def test_sales_of_the_product_that_stood_there_before_do_not_count() -> None:
    document = planogram(Slot(A1, 2, quantity=0, capacity=10, par_level=8))

    pick = build_pick_list(document, CATALOGUE, {(A1, 1): 6}, StockAnchor(StockBasis.RESTOCK_VISIT, VISIT))

    assert pick.lines[0].expected_on_hand == 8
    assert pick.lines[0].load == 0


def test_empty_slots_are_not_on_the_pick_list() -> None:
    document = planogram(Slot(A1, 1, quantity=1, capacity=10, par_level=8), Slot(A2, None))

    pick = build_pick_list(document, CATALOGUE, {}, StockAnchor(StockBasis.RESTOCK_VISIT, VISIT))

    assert [line.position for line in pick.lines] == [A1]


def test_stock_is_counted_from_the_later_of_the_last_visit_and_the_stored_quantities() -> None:
    assert stock_anchor(VISIT, STORED) == StockAnchor(StockBasis.RESTOCK_VISIT, VISIT)
    assert stock_anchor(STORED, VISIT) == StockAnchor(StockBasis.STORED_QUANTITIES, VISIT)
    assert stock_anchor(VISIT, VISIT).basis is StockBasis.RESTOCK_VISIT  # a layout change made at a visit
    assert stock_anchor(None, STORED) == StockAnchor(StockBasis.STORED_QUANTITIES, STORED)
    assert stock_anchor(None, None).moment is None


def test_route_totals_add_every_machines_loads_per_product() -> None:
    anchor = StockAnchor(StockBasis.RESTOCK_VISIT, VISIT)
    first = build_pick_list(
        planogram(Slot(A1, 1, capacity=10, par_level=8), Slot(A2, 2, capacity=6, par_level=6)),
        CATALOGUE,
        {(A1, 1): 3, (A2, 2): 6},
        anchor,
    )
    second = build_pick_list(
        planogram(Slot(A1, 1, capacity=10, par_level=8), Slot(A2, 3, capacity=6, par_level=6), device_id=2),
        CATALOGUE,
        {(A1, 1): 4},
        anchor,
    )

    totals = {total.product_id: total for total in route_totals([first, second])}

    assert {product: total.units for product, total in totals.items()} == {1: 7, 2: 6}  # water needs nothing
    assert totals[1].device_ids == (1, 2)
    assert totals[1].slots == 2


def test_the_demo_pick_list_finds_exactly_the_stock_the_simulator_left(
    demo_engine: Engine, catalogue: Catalogue
) -> None:
    """The simulator stores each slot's closing stock as its quantity: counting from the last visit must agree."""
    checked = 0
    for stock in route_stock(demo_engine, [1, 2, 3]):
        assert stock.last_visit is not None and stock.as_of is not None
        for cabinet in stock.cabinets:
            assert cabinet.planogram is not None
            pick = build_pick_list(cabinet.planogram, catalogue, cabinet.sold_since, cabinet.anchor)
            for line in pick.lines:
                assert line.expected_on_hand == cabinet.planogram.slot_at(line.position).quantity
                checked += 1
    assert checked > 50


def test_field_data_is_anchored_on_the_latest_sale_not_the_clock(demo_engine: Engine) -> None:
    first = device_stock(demo_engine, 1)
    again = device_stock(demo_engine, 1, restock_visits(demo_engine))

    assert first == again
    assert first.last_visit is not None and first.last_visit <= first.as_of  # type: ignore[operator]
    assert all(cabinet.anchor.moment == first.last_visit for cabinet in first.cabinets)


def test_each_line_names_the_code_to_key_and_the_prices_to_check() -> None:
    layout = planogram(Slot(A1, 1, 2, 10, 8, selection_code="A1"), Slot(A2, 2, 2, 10, 8, 1.6, card_price=1.7),
                       cabinet_index=1)  # fmt: skip
    lines = build_pick_list(layout, CATALOGUE, {}, StockAnchor(StockBasis.STORED_QUANTITIES, None)).lines
    assert [(line.selection_code, line.cash_price, line.card_price, line.card_differs) for line in lines] == [
        ("A1", 1.75, 1.75, False),
        ("2-12", 1.6, 1.7, True),  # the second cabinet's default code names it
    ]
