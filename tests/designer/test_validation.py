"""Validation messages name the slot, the problem and a fix."""

from __future__ import annotations

import pytest

from designer.cabinets import Cabinet, TemperatureZone
from designer.planograms import Planogram, Slot
from designer.positions import Position
from designer.products import Catalogue, Product
from designer.validation import PlanogramInvalid, slots_from_entries, validate_planogram

CHIPS = Product(1, "Sea Salt Chips", "chips", 1.75, 0.6)
ICE_CREAM = Product(2, "Vanilla Cone", "ice cream", 3.0, 1.1, TemperatureZone.FROZEN)
COLA = Product(3, "Cola 20oz", "soda", 2.25, 0.7, TemperatureZone.REFRIGERATED)
CATALOGUE = Catalogue([CHIPS, ICE_CREAM, COLA])
AMBIENT = Cabinet(1, 0, 6, 8, TemperatureZone.AMBIENT)


def problems_for(entries: list[dict[str, object]]) -> list[str]:
    with pytest.raises(PlanogramInvalid) as refusal:
        slots_from_entries(entries, AMBIENT, CATALOGUE, allow_empty=False)
    return [str(problem) for problem in refusal.value.problems]


def test_good_entries_become_slots() -> None:
    slots = slots_from_entries(
        [{"position": "A1", "product_id": 1, "quantity": 5, "capacity": 10, "par_level": 8}], AMBIENT, CATALOGUE
    )
    assert slots == [Slot(Position(0, 0), 1, 5, 10, 8)]


def test_an_unknown_product_is_named_with_a_fix() -> None:
    (message,) = problems_for([{"position": "B2", "product_id": 999}])
    assert "slot B2" in message and "999" in message and "not in the catalogue" in message and "Fix:" in message


@pytest.mark.parametrize(("product_id", "words"), [(-1, "not valid"), (None, "null"), ("7", "whole number")])
def test_a_bad_product_id_is_refused(product_id: object, words: str) -> None:
    (message,) = problems_for([{"position": "A1", "product_id": product_id}])
    assert "slot A1" in message and words in message


def test_z99_is_refused_as_outside_the_cabinet() -> None:
    (message,) = problems_for([{"position": "Z99", "product_id": 1}])
    assert "Z99" in message and "outside the cabinet" in message and "A1 to F8" in message


def test_a_malformed_position_is_refused() -> None:
    (message,) = problems_for([{"position": "??", "product_id": 1}])
    assert "'??'" in message and "A1" in message


def test_the_same_slot_twice_is_refused() -> None:
    (message,) = problems_for([{"position": "A1", "product_id": 1}, {"position": "a1", "product_id": 1}])
    assert "slot A1" in message and "twice" in message


def test_more_stock_than_the_slot_holds_is_refused() -> None:
    (message,) = problems_for([{"position": "C3", "product_id": 1, "quantity": 12, "capacity": 10, "par_level": 8}])
    assert "slot C3" in message and "quantity 12 is more than the capacity 10" in message


def test_ice_cream_in_an_ambient_cabinet_is_refused() -> None:
    (message,) = problems_for([{"position": "A2", "product_id": 2}])
    assert "slot A2" in message and "Vanilla Cone must be kept frozen" in message and "frozen cabinet" in message


def test_every_problem_is_reported_at_once() -> None:
    messages = problems_for(
        [
            {"position": "Z99", "product_id": 1},
            {"position": "A1", "product_id": -1},
            {"position": "A2", "product_id": 2},
        ]
    )
    assert len(messages) == 3


def test_a_document_with_a_slot_outside_the_cabinet_is_invalid() -> None:
    planogram = Planogram.from_slots(1, 0, [Slot(Position(7, 0), 1, 1, 10, 8), Slot(Position(0, 0), 3, 1, 10, 8)])
    messages = [str(p) for p in validate_planogram(planogram, AMBIENT, CATALOGUE)]
    assert any("slot A1" in m and "refrigerated" in m for m in messages)
    assert any("slot H1" in m and "outside" in m for m in messages)


def test_a_valid_document_has_no_problems() -> None:
    planogram = Planogram.from_slots(1, 0, [Slot(Position(0, 0), 1, 4, 10, 8), Slot(Position(0, 1))])
    assert validate_planogram(planogram, AMBIENT, CATALOGUE) == []
    assert planogram.product_ids() == {1}
    assert planogram.slot_at(Position(5, 5)).is_empty
