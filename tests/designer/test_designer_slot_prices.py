"""A slot's own price: set in the inspector, undone, kept through moves and files, dropped with the product."""

from __future__ import annotations

import json

import pytest

from designer.cabinets import Cabinet, TemperatureZone
from designer.command_stack import CommandStack
from designer.editing import EditContext, EditRefused, clear_slots, move_slot, place_product, set_slot_details
from designer.planogram_files import (
    content_hash,
    planogram_from_csv,
    planogram_from_json,
    planogram_to_csv,
    planogram_to_json,
)
from designer.planograms import Planogram, Slot, planogram_from_dict, planogram_to_dict
from designer.positions import Position
from designer.products import Catalogue, Product
from designer.validation import PlanogramInvalid, slots_from_entries, validate_planogram

DORITOS = Product(1, "Doritos", "chips", 1.5, 0.6)
COOKIES = Product(2, "Choc Cookies", "cookies", 1.25, 0.5)
CATALOGUE = Catalogue([DORITOS, COOKIES])
CABINET = Cabinet(1, 0, 4, 5, TemperatureZone.AMBIENT)
CONTEXT = EditContext(CABINET, CATALOGUE)
A1, A2, B3 = Position.parse("A1"), Position.parse("A2"), Position.parse("B3")


@pytest.fixture
def stack() -> CommandStack:
    return CommandStack(Planogram.from_slots(1, 0, [Slot(A1, 1, 5, 10, 8, 3.0), Slot(A2, 2, 3, 12, 9)]))


def test_a_slot_sells_at_its_own_price_else_the_catalogues(stack: CommandStack) -> None:
    assert stack.planograms[0].slot_at(A1).effective_price(DORITOS.price) == 3.0
    assert stack.planograms[0].slot_at(A2).effective_price(COOKIES.price) == 1.25


def test_the_inspector_prices_a_slot_and_undo_brings_the_catalogue_price_back(stack: CommandStack) -> None:
    stack.push_edit(0, set_slot_details(CONTEXT, stack.planograms[0], A2, price=1.75))
    assert stack.planograms[0].slot_at(A2).price == 1.75
    assert stack.planograms[0].slot_at(A2).quantity == 3  # nothing else moved
    stack.undo()
    assert stack.planograms[0].slot_at(A2).price is None
    stack.redo()
    assert stack.planograms[0].slot_at(A2).effective_price(COOKIES.price) == 1.75


def test_resetting_to_the_catalogue_price_follows_the_catalogue_again(stack: CommandStack) -> None:
    stack.push_edit(0, set_slot_details(CONTEXT, stack.planograms[0], A1, price=None))
    assert stack.planograms[0].slot_at(A1).price is None
    stack.undo()
    assert stack.planograms[0].slot_at(A1).price == 3.0


def test_typing_the_catalogue_price_is_the_same_as_following_it(stack: CommandStack) -> None:
    stack.push_edit(0, set_slot_details(CONTEXT, stack.planograms[0], A1, price=1.5))
    assert stack.planograms[0].slot_at(A1).price is None
    with pytest.raises(EditRefused, match="already has these values"):
        set_slot_details(CONTEXT, stack.planograms[0], A2, price=1.25)


def test_quantity_and_price_change_together_as_one_undo_step(stack: CommandStack) -> None:
    stack.push_edit(0, set_slot_details(CONTEXT, stack.planograms[0], A2, quantity=7, price=2.0))
    stack.undo()
    assert stack.planograms[0].slot_at(A2) == Slot(A2, 2, 3, 12, 9)


@pytest.mark.parametrize(
    ("price", "message"),
    [(-0.5, "negative"), (150.0, r"more than \$100.00.*1\.50, not 150"), (float("nan"), "not a number")],
)
def test_an_impossible_price_is_refused_with_a_fix(stack: CommandStack, price: float, message: str) -> None:
    with pytest.raises(EditRefused, match=message):
        set_slot_details(CONTEXT, stack.planograms[0], A2, price=price)
    assert stack.planograms[0].slot_at(A2).price is None


def test_an_empty_slot_cannot_be_priced(stack: CommandStack) -> None:
    with pytest.raises(EditRefused, match="B3 is empty; place a product"):
        set_slot_details(CONTEXT, stack.planograms[0], B3, price=2.0)


def test_a_new_product_starts_at_its_catalogue_price(stack: CommandStack) -> None:
    stack.push_edit(0, place_product(CONTEXT, stack.planograms[0], A1, 2))
    assert stack.planograms[0].slot_at(A1).price is None
    stack.undo()
    assert stack.planograms[0].slot_at(A1).price == 3.0


def test_the_price_travels_with_the_product_when_moved_and_goes_when_cleared(stack: CommandStack) -> None:
    stack.push_edit(0, move_slot(CONTEXT, stack.planograms[0], A1, B3))
    assert stack.planograms[0].slot_at(B3).price == 3.0
    stack.push_edit(0, clear_slots(CONTEXT, stack.planograms[0], [B3]))
    assert stack.planograms[0].slot_at(B3).price is None


def test_recovery_json_keeps_the_price_and_old_files_without_one_still_load(stack: CommandStack) -> None:
    data = planogram_to_dict(stack.planograms[0])
    assert planogram_from_dict(json.loads(json.dumps(data))).slots == stack.planograms[0].slots
    for entry in data["slots"]:
        del entry["price"]
    assert planogram_from_dict(data).slot_at(A1).price is None


def test_a_stored_price_out_of_range_is_a_validation_problem() -> None:
    planogram = Planogram.from_slots(1, 0, [Slot(A1, 1, 5, 10, 8, -1.0)])
    (problem,) = validate_planogram(planogram, CABINET, CATALOGUE)
    assert problem.slot == "A1" and "negative" in problem.problem


def test_slot_entries_take_a_price_and_refuse_text() -> None:
    slots = slots_from_entries([{"position": "A1", "product_id": 1, "price": 2.5}], CABINET, CATALOGUE)
    assert slots[0].price == 2.5
    with pytest.raises(PlanogramInvalid, match="'cheap' is not a number"):
        slots_from_entries([{"position": "A1", "product_id": 1, "price": "cheap"}], CABINET, CATALOGUE)


def test_csv_and_json_exports_show_the_slots_price_and_import_it_back(stack: CommandStack) -> None:
    planogram = stack.planograms[0]
    csv_text = planogram_to_csv(planogram, CATALOGUE)
    assert "A1,1,Doritos,3.00," in csv_text and "A2,2,Choc Cookies,1.25," in csv_text
    assert planogram_from_csv(csv_text, CABINET, CATALOGUE).slots == planogram.slots
    json_text = planogram_to_json(planogram, CABINET, CATALOGUE)
    assert planogram_from_json(json_text, CABINET, CATALOGUE).slots == planogram.slots


def test_the_content_hash_covers_an_own_price_but_not_the_catalogues(stack: CommandStack) -> None:
    planogram = stack.planograms[0]
    catalogue_priced = Planogram.from_slots(1, 0, [Slot(A1, 1, 5, 10, 8), Slot(A2, 2, 3, 12, 9)])
    assert content_hash(planogram) != content_hash(catalogue_priced)
    # without own prices the hash is the one computed before slots had prices (printed on old field sheets)
    assert content_hash(catalogue_priced) == "23abcf02e0"
