"""A merchandiser's edits: place, replace, move, swap, clear, inspect, bulk, copy — and undo them all."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from designer.cabinets import Cabinet, TemperatureZone
from designer.command_stack import CommandStack
from designer.editing import (
    EditContext,
    EditRefused,
    clear_slots,
    copy_planogram,
    move_slot,
    place_product,
    place_together,
    revert_to,
    set_capacity,
    set_par_levels,
    set_slot_details,
)
from designer.planograms import Planogram, Slot, planogram_from_dict, planogram_to_dict
from designer.positions import Position
from designer.products import Catalogue, Product

CHIPS = Product(1, "Sea Salt Chips", "chips", 1.75, 0.6)
COOKIES = Product(2, "Choc Cookies", "cookies", 1.5, 0.5)
ICE_CREAM = Product(3, "Vanilla Cone", "ice cream", 3.0, 1.1, TemperatureZone.FROZEN)
CATALOGUE = Catalogue([CHIPS, COOKIES, ICE_CREAM])
CABINET = Cabinet(1, 0, 4, 5, TemperatureZone.AMBIENT)
CONTEXT = EditContext(CABINET, CATALOGUE)
A1, A2, B3 = Position.parse("A1"), Position.parse("A2"), Position.parse("B3")


@pytest.fixture
def stack() -> CommandStack:
    planogram = Planogram.from_slots(1, 0, [Slot(A1, 1, 5, 10, 8), Slot(A2, 2, 3, 12, 9)])
    return CommandStack(planogram)


def test_placing_a_product_fills_an_empty_slot_and_undo_empties_it(stack: CommandStack) -> None:
    stack.push_edit(0, place_product(CONTEXT, stack.planograms[0], B3, 1))
    assert stack.planograms[0].slot_at(B3).product_id == 1
    assert stack.planograms[0].slot_at(B3).quantity == stack.planograms[0].slot_at(B3).par_level  # loaded to par
    assert stack.undo_text == "Place Sea Salt Chips in B3"
    stack.undo()
    assert stack.planograms[0].slot_at(B3).is_empty and B3 not in stack.planograms[0].slots


def test_a_product_placed_in_a_slot_without_a_par_level_starts_three_quarters_full(stack: CommandStack) -> None:
    stack.planograms[0].slots[B3] = Slot(B3, None, 0, 12, 0)
    stack.push_edit(0, place_product(CONTEXT, stack.planograms[0], B3, 2))
    assert stack.planograms[0].slot_at(B3) == Slot(B3, 2, 9, 12, 9)


def test_dropping_onto_an_occupied_slot_replaces_the_product(stack: CommandStack) -> None:
    stack.push_edit(0, place_product(CONTEXT, stack.planograms[0], A1, 2))
    assert stack.planograms[0].slot_at(A1).product_id == 2
    assert stack.planograms[0].slot_at(A1).capacity == 10  # the slot's hardware stays
    stack.undo()
    assert stack.planograms[0].slot_at(A1) == Slot(A1, 1, 5, 10, 8)


def test_moving_a_slot_onto_an_empty_one_moves_it(stack: CommandStack) -> None:
    stack.push_edit(0, move_slot(CONTEXT, stack.planograms[0], A1, B3))
    assert stack.planograms[0].slot_at(A1).is_empty
    assert stack.planograms[0].slot_at(B3) == Slot(B3, 1, 5, 10, 8)


def test_moving_onto_an_occupied_slot_swaps_them(stack: CommandStack) -> None:
    stack.push_edit(0, move_slot(CONTEXT, stack.planograms[0], A1, A2))
    assert (stack.planograms[0].slot_at(A1).product_id, stack.planograms[0].slot_at(A2).product_id) == (2, 1)
    assert stack.undo_text == "Swap A1 and A2"
    stack.undo()
    assert (stack.planograms[0].slot_at(A1).product_id, stack.planograms[0].slot_at(A2).product_id) == (1, 2)


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda p: place_product(CONTEXT, p, B3, 3), "Vanilla Cone must be kept frozen"),
        (lambda p: place_product(CONTEXT, p, Position.parse("Z99"), 1), "outside this cabinet"),
        (lambda p: move_slot(CONTEXT, p, A1, Position.parse("E1")), "outside this cabinet"),
        (lambda p: move_slot(CONTEXT, p, B3, A1), "nothing to move"),
        (lambda p: set_slot_details(CONTEXT, p, A1, quantity=11), "more than the capacity"),
        (lambda p: set_capacity(CONTEXT, p, [A1], 0), "at least 1"),
        (lambda p: place_product(CONTEXT, p, A1, 99), "not in the catalogue"),
    ],
)
def test_a_refused_edit_changes_nothing(stack: CommandStack, make, reason: str) -> None:  # type: ignore[no-untyped-def]
    before = planogram_to_dict(stack.planograms[0])
    with pytest.raises(EditRefused, match=reason):
        stack.push_edit(0, make(stack.planograms[0]))
    assert planogram_to_dict(stack.planograms[0]) == before
    assert not stack.can_undo


def test_delete_clears_many_slots_in_one_undo_step(stack: CommandStack) -> None:
    stack.push_edit(0, clear_slots(CONTEXT, stack.planograms[0], [A1, A2, B3]))
    assert stack.planograms[0].slot_at(A1).is_empty and stack.planograms[0].slot_at(A2).is_empty
    assert stack.planograms[0].slot_at(A1).capacity == 10
    assert stack.undo_text == "Clear 2 slots"
    stack.undo()
    assert stack.planograms[0].product_ids() == {1, 2}


def test_bulk_capacity_lowers_stock_that_would_not_fit(stack: CommandStack) -> None:
    stack.push_edit(0, set_capacity(CONTEXT, stack.planograms[0], [A1, A2], 4))
    assert stack.planograms[0].slot_at(A1) == Slot(A1, 1, 4, 4, 4)
    assert stack.planograms[0].slot_at(A2) == Slot(A2, 2, 3, 4, 4)
    stack.undo()
    assert stack.planograms[0].slot_at(A2) == Slot(A2, 2, 3, 12, 9)


def test_the_inspector_changes_quantity_capacity_and_par(stack: CommandStack) -> None:
    stack.push_edit(0, set_slot_details(CONTEXT, stack.planograms[0], A1, quantity=7, capacity=14, par_level=12))
    assert stack.planograms[0].slot_at(A1) == Slot(A1, 1, 7, 14, 12)


def test_copying_needs_the_same_shape_and_replaces_everything(stack: CommandStack) -> None:
    other = Cabinet(2, 0, 4, 5, TemperatureZone.AMBIENT)
    source = Planogram.from_slots(2, 0, [Slot(B3, 2, 1, 6, 5)])
    stack.push_edit(0, copy_planogram(CONTEXT, stack.planograms[0], source, other))
    assert stack.planograms[0].slots == {B3: Slot(B3, 2, 1, 6, 5)}
    stack.undo()
    assert stack.planograms[0].product_ids() == {1, 2}
    with pytest.raises(EditRefused, match="same shape"):
        copy_planogram(CONTEXT, stack.planograms[0], source, Cabinet(2, 1, 5, 5, TemperatureZone.AMBIENT))


def test_undo_redo_chain_and_the_saved_mark(stack: CommandStack) -> None:
    stack.set_clean(0)
    stack.push_edit(0, place_product(CONTEXT, stack.planograms[0], B3, 1))
    stack.push_edit(0, move_slot(CONTEXT, stack.planograms[0], A1, A2))
    assert not stack.is_clean(0)
    stack.undo()
    stack.undo()
    assert stack.is_clean(0)
    stack.redo()
    assert stack.planograms[0].slot_at(B3).product_id == 1 and stack.redo_text == "Swap A1 and A2"
    stack.push_edit(0, clear_slots(CONTEXT, stack.planograms[0], [B3]))  # a new edit drops the redo branch
    assert not stack.can_redo and stack.history() == ["Place Sea Salt Chips in B3", "Clear B3"]


def test_views_hear_which_slots_changed(stack: CommandStack) -> None:
    heard: list[dict[int, frozenset[Position]]] = []
    stack.subscribe(lambda changes: heard.append(dict(changes)))
    stack.push_edit(0, move_slot(CONTEXT, stack.planograms[0], A1, A2))
    stack.undo()
    assert heard == [{0: frozenset({A1, A2})}, {0: frozenset({A1, A2})}]


POSITIONS = st.builds(Position, st.integers(0, 3), st.integers(0, 4))
ACTIONS = st.lists(
    st.one_of(
        st.tuples(st.just("place"), POSITIONS, st.sampled_from([1, 2])),
        st.tuples(st.just("move"), POSITIONS, POSITIONS),
        st.tuples(st.just("clear"), POSITIONS, POSITIONS),
        st.tuples(st.just("capacity"), POSITIONS, st.integers(1, 15)),
    ),
    max_size=25,
)


@settings(max_examples=60, deadline=None)
@given(ACTIONS)
def test_undoing_everything_restores_the_original_and_redoing_restores_the_result(actions) -> None:  # type: ignore[no-untyped-def]
    planogram = Planogram.from_slots(1, 0, [Slot(A1, 1, 5, 10, 8), Slot(A2, 2, 3, 12, 9)])
    original = planogram_to_dict(planogram)
    stack = CommandStack(planogram)
    for kind, first, second in actions:
        try:
            if kind == "place":
                stack.push_edit(0, place_product(CONTEXT, planogram, first, second))
            elif kind == "move":
                stack.push_edit(0, move_slot(CONTEXT, planogram, first, second))
            elif kind == "clear":
                stack.push_edit(0, clear_slots(CONTEXT, planogram, [first, second]))
            else:
                stack.push_edit(0, set_capacity(CONTEXT, planogram, [first], second))
        except EditRefused:
            pass
    result = planogram_to_dict(planogram)
    while stack.can_undo:
        stack.undo()
    assert planogram_to_dict(planogram) == original
    while stack.can_redo:
        stack.redo()
    assert planogram_to_dict(planogram) == result
    assert planogram_from_dict(result).slots == planogram.slots


def test_reverting_to_a_version_is_one_undoable_step(stack: CommandStack) -> None:
    old = Planogram.from_slots(1, 0, [Slot(B3, 2, 2, 8, 6)], version=3)
    stack.push_edit(0, revert_to(CONTEXT, stack.planograms[0], old))
    assert stack.planograms[0].slots == old.slots and stack.undo_text == "Revert to version 3"
    stack.undo()
    assert stack.planograms[0].product_ids() == {1, 2}
    with pytest.raises(EditRefused, match="belongs to cabinet 2_0"):
        revert_to(CONTEXT, stack.planograms[0], Planogram.from_slots(2, 0, []))


def test_par_levels_from_the_forecast_land_on_every_slot_of_the_product_within_capacity(stack: CommandStack) -> None:
    stack.push_edit(0, set_par_levels(CONTEXT, stack.planograms[0], {1: 9, 2: 30}))
    assert stack.planograms[0].slot_at(A1).par_level == 9
    assert stack.planograms[0].slot_at(A2).par_level == 12  # capped at capacity
    with pytest.raises(EditRefused, match="already have these par levels"):
        set_par_levels(CONTEXT, stack.planograms[0], {1: 9})


def test_placing_products_together_moves_them_side_by_side_in_one_step(stack: CommandStack) -> None:
    stack.push_edit(0, move_slot(CONTEXT, stack.planograms[0], A2, B3))  # chips in A1, cookies in B3
    stack.push_edit(0, place_together(CONTEXT, stack.planograms[0], [1, 2]))
    assert (stack.planograms[0].slot_at(A1).product_id, stack.planograms[0].slot_at(A2).product_id) == (1, 2)
    assert stack.undo_text.startswith("Place together: Sea Salt Chips")
    stack.undo()
    assert stack.planograms[0].slot_at(B3).product_id == 2 and stack.planograms[0].slot_at(A2).is_empty
    with pytest.raises(EditRefused, match="fewer than two"):
        place_together(CONTEXT, stack.planograms[0], [1, 99])
