"""Selection codes and card prices on slots: the default numbering, inspector edits with undo, codes that stay
with the machine's positions when products move, and duplicate codes reported with a fix."""

from __future__ import annotations

import json

import pytest

from designer.cabinets import Cabinet, TemperatureZone
from designer.command_stack import CommandStack
from designer.editing import (
    EditContext,
    EditRefused,
    clear_slots,
    copy_planogram,
    move_slot,
    place_product,
    set_slot_details,
)
from designer.planograms import Planogram, Slot, default_selection_code, planogram_from_dict, planogram_to_dict
from designer.positions import MAX_COLUMNS, MAX_ROWS, Position
from designer.products import Catalogue, Product
from designer.validation import PlanogramInvalid, selection_code_clashes, slots_from_entries, validate_planogram

DORITOS = Product(1, "Doritos", "chips", 1.5, 0.6)
COOKIES = Product(2, "Choc Cookies", "cookies", 1.25, 0.5)
CATALOGUE = Catalogue([DORITOS, COOKIES])
CABINET = Cabinet(1, 0, 4, 10, TemperatureZone.AMBIENT)
CONTEXT = EditContext(CABINET, CATALOGUE)
A1, A2, B3, D8 = (Position.parse(label) for label in ("A1", "A2", "B3", "D8"))


@pytest.fixture
def stack() -> CommandStack:
    return CommandStack(Planogram.from_slots(1, 0, [Slot(A1, 1, 5, 10, 8, 3.0), Slot(A2, 2, 3, 12, 9)]))


def slot(stack: CommandStack, position: Position) -> Slot:
    return stack.planograms[0].slot_at(position)


@pytest.mark.parametrize(("label", "code"), [("A1", "11"), ("D8", "48"), ("A10", "110"), ("J20", "1020")])
def test_the_default_code_is_the_row_number_then_the_column_number(label: str, code: str) -> None:
    assert default_selection_code(Position.parse(label)) == code


def test_no_two_positions_of_a_device_get_the_same_default_code() -> None:
    codes = [
        default_selection_code(Position(row, column), cabinet)
        for cabinet in range(3)
        for row in range(MAX_ROWS)
        for column in range(MAX_COLUMNS)
    ]
    assert len(set(codes)) == len(codes)
    assert default_selection_code(Position(0, 0), 1) == "2-11"  # the second cabinet names itself first


def test_a_code_typed_in_the_inspector_is_kept_and_undo_brings_the_default_back(stack: CommandStack) -> None:
    stack.push_edit(0, set_slot_details(CONTEXT, stack.planograms[0], A1, selection_code=" a1 "))
    assert slot(stack, A1).selection_code == "A1"
    assert stack.planograms[0].selection_code(A1) == "A1"
    stack.undo()
    assert (slot(stack, A1).selection_code, stack.planograms[0].selection_code(A1)) == (None, "11")


def test_typing_the_default_code_or_nothing_follows_the_default(stack: CommandStack) -> None:
    stack.push_edit(0, set_slot_details(CONTEXT, stack.planograms[0], A1, selection_code="101"))
    stack.push_edit(0, set_slot_details(CONTEXT, stack.planograms[0], A1, selection_code="11"))
    assert slot(stack, A1).selection_code is None
    stack.push_edit(0, set_slot_details(CONTEXT, stack.planograms[0], A1, selection_code="101"))
    stack.push_edit(0, set_slot_details(CONTEXT, stack.planograms[0], A1, selection_code=""))
    assert slot(stack, A1).selection_code is None


def test_a_code_another_slot_uses_is_refused_naming_that_slot(stack: CommandStack) -> None:
    with pytest.raises(EditRefused, match="selection code 12 is also the code of A2"):
        set_slot_details(CONTEXT, stack.planograms[0], A1, selection_code="12")
    with pytest.raises(EditRefused, match="selection code 48 is also the code of D8"):  # an empty position too
        set_slot_details(CONTEXT, stack.planograms[0], A1, selection_code="48")
    with pytest.raises(EditRefused, match="letters and digits"):
        set_slot_details(CONTEXT, stack.planograms[0], A1, selection_code="1 1")
    assert slot(stack, A1).selection_code is None


def test_codes_stay_with_the_machine_s_positions_when_products_move(stack: CommandStack) -> None:
    stack.push_edit(0, set_slot_details(CONTEXT, stack.planograms[0], A1, selection_code="A1"))
    stack.push_edit(0, move_slot(CONTEXT, stack.planograms[0], A1, B3))
    planogram = stack.planograms[0]
    assert (planogram.slot_at(B3).product_id, planogram.selection_code(B3)) == (1, "23")
    assert (planogram.slot_at(A1).is_empty, planogram.selection_code(A1)) == (True, "A1")
    stack.push_edit(0, move_slot(CONTEXT, planogram, B3, A1))
    stack.push_edit(0, move_slot(CONTEXT, planogram, A1, A2))  # a swap
    assert (planogram.slot_at(A2).product_id, planogram.selection_code(A2)) == (1, "12")
    assert (planogram.slot_at(A1).product_id, planogram.selection_code(A1)) == (2, "A1")
    stack.push_edit(0, clear_slots(CONTEXT, planogram, [A1]))
    assert planogram.selection_code(A1) == "A1"


def test_copying_another_cabinet_s_layout_keeps_this_cabinet_s_codes(stack: CommandStack) -> None:
    stack.push_edit(0, set_slot_details(CONTEXT, stack.planograms[0], A1, selection_code="A1"))
    source = Planogram.from_slots(2, 0, [Slot(A1, 2, selection_code="7"), Slot(B3, 1)])
    stack.push_edit(0, copy_planogram(CONTEXT, stack.planograms[0], source, Cabinet(2, 0, 4, 10, CABINET.zone)))
    planogram = stack.planograms[0]
    assert (planogram.slot_at(A1).product_id, planogram.selection_code(A1), planogram.selection_code(B3)) == (
        2,
        "A1",
        "23",
    )


def test_cards_pay_the_cash_price_until_the_slot_has_a_card_price(stack: CommandStack) -> None:
    assert (slot(stack, A1).cash_price(DORITOS.price), slot(stack, A1).card_price_or_cash(DORITOS.price)) == (3.0, 3.0)
    stack.push_edit(0, set_slot_details(CONTEXT, stack.planograms[0], A2, card_price=1.35))
    assert (slot(stack, A2).cash_price(COOKIES.price), slot(stack, A2).card_price_or_cash(COOKIES.price)) == (
        1.25,
        1.35,
    )
    stack.undo()
    assert slot(stack, A2).card_price is None
    stack.push_edit(0, set_slot_details(CONTEXT, stack.planograms[0], A1, card_price=3.2))
    stack.push_edit(0, set_slot_details(CONTEXT, stack.planograms[0], A1, card_price=3.0))  # = cash: one price
    assert slot(stack, A1).card_price is None


def test_cash_and_card_prices_change_together_as_one_undo_step(stack: CommandStack) -> None:
    stack.push_edit(0, set_slot_details(CONTEXT, stack.planograms[0], A2, price=1.5, card_price=1.6))
    assert (slot(stack, A2).price, slot(stack, A2).card_price) == (1.5, 1.6)
    stack.undo()
    assert (slot(stack, A2).price, slot(stack, A2).card_price) == (None, None)


def test_a_wrong_card_price_is_refused_and_an_empty_slot_has_none(stack: CommandStack) -> None:
    with pytest.raises(EditRefused, match=r"card price \$150.00 is more than"):
        set_slot_details(CONTEXT, stack.planograms[0], A2, card_price=150.0)
    with pytest.raises(EditRefused, match="place a product before pricing"):
        set_slot_details(CONTEXT, stack.planograms[0], B3, card_price=2.0)


def test_a_new_product_and_a_cleared_slot_drop_the_card_price(stack: CommandStack) -> None:
    stack.push_edit(0, set_slot_details(CONTEXT, stack.planograms[0], A1, card_price=3.2))
    stack.push_edit(0, place_product(CONTEXT, stack.planograms[0], A1, 2))
    assert slot(stack, A1).card_price is None
    stack.push_edit(0, set_slot_details(CONTEXT, stack.planograms[0], A2, card_price=1.4))
    stack.push_edit(0, clear_slots(CONTEXT, stack.planograms[0], [A2]))
    assert slot(stack, A2).card_price is None


def test_recovery_json_keeps_codes_and_card_prices_and_older_journals_still_load(stack: CommandStack) -> None:
    stack.push_edit(0, set_slot_details(CONTEXT, stack.planograms[0], A1, selection_code="A1", card_price=3.1))
    data = planogram_to_dict(stack.planograms[0])
    assert planogram_from_dict(json.loads(json.dumps(data))).slots == stack.planograms[0].slots
    for entry in data["slots"]:
        del entry["selection_code"], entry["card_price"]
    assert planogram_from_dict(data).selection_code(A1) == "11"


def test_a_duplicate_code_is_a_validation_problem_with_a_fix() -> None:
    planogram = Planogram.from_slots(1, 0, [Slot(A1, 1), Slot(A2, 2, selection_code="11")])
    (problem,) = validate_planogram(planogram, CABINET, CATALOGUE)
    assert problem.slot == "A2" and "selection code 11 is also the code of A1" in problem.problem
    assert "its own selection code" in problem.fix


def test_a_code_shared_with_another_cabinet_of_the_device_is_a_problem() -> None:
    drinks = Cabinet(1, 1, 2, 5, TemperatureZone.REFRIGERATED)
    cooler = Planogram.from_slots(1, 1, [Slot(A1, selection_code="48")])
    snacks = Planogram.from_slots(1, 0, [Slot(D8, 1)])
    (problem,) = selection_code_clashes(cooler, drinks, [(snacks, CABINET)])
    assert (problem.slot, problem.problem) == ("A1", "selection code 48 is also the code of D8 in cabinet 0")
    assert selection_code_clashes(Planogram(1, 1), drinks, [(snacks, CABINET)]) == []  # defaults never clash


def test_slot_entries_take_codes_and_card_prices_and_refuse_duplicates() -> None:
    (entry,) = slots_from_entries(
        [{"position": "A1", "product_id": 1, "price": 2.0, "card_price": 2.1, "selection_code": "a1"}],
        CABINET,
        CATALOGUE,
    )
    assert (entry.price, entry.card_price, entry.selection_code) == (2.0, 2.1, "A1")
    (same,) = slots_from_entries([{"position": "A1", "product_id": 1, "card_price": 1.5, "selection_code": "11"}],
                                 CABINET, CATALOGUE)  # fmt: skip
    assert (same.card_price, same.selection_code) == (None, None)  # the cash price and the default code
    with pytest.raises(PlanogramInvalid, match="selection code 12 is also the code of A1"):
        slots_from_entries([{"position": "A1", "product_id": 1, "selection_code": "12"}, {"position": "A2"}],
                           CABINET, CATALOGUE)  # fmt: skip
