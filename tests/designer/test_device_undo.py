"""Undo belongs to the device: one step may change several cabinets, and Ctrl+Z takes all of it back."""

from __future__ import annotations

import pytest

from designer.cabinets import Cabinet, TemperatureZone
from designer.command_stack import CommandStack, DeviceEdit
from designer.editing import EditContext, move_slot, place_product, replace_layout, set_par_levels
from designer.planograms import Planogram, Slot
from designer.positions import Position
from designer.products import Catalogue, Product

CHIPS = Product(1, "Sea Salt Chips", "chips", 1.75, 0.6)
COOKIES = Product(2, "Choc Cookies", "cookies", 1.5, 0.5)
CATALOGUE = Catalogue([CHIPS, COOKIES])
CONTEXTS = {index: EditContext(Cabinet(7, index, 3, 3, TemperatureZone.AMBIENT), CATALOGUE) for index in range(3)}
A1, A2, B2 = Position.parse("A1"), Position.parse("A2"), Position.parse("B2")


def device() -> CommandStack:
    """A device of three cabinets, each holding chips in A1 and cookies in A2."""
    return CommandStack(
        *(Planogram.from_slots(7, index, [Slot(A1, 1, 5, 10, 8), Slot(A2, 2, 3, 12, 9)]) for index in range(3))
    )


def slots(stack: CommandStack) -> dict[int, dict[Position, Slot]]:
    return {index: dict(planogram.slots) for index, planogram in stack.planograms.items()}


def personalise(stack: CommandStack) -> DeviceEdit:
    """Every cabinet gets cookies alone in B2: the kind of proposal the personalisation wizard makes."""
    proposed = {index: Planogram.from_slots(7, index, [Slot(B2, 2, 4, 12, 9)]) for index in stack.planograms}
    return DeviceEdit.together(
        "Apply personalised planogram",
        {
            index: replace_layout(CONTEXTS[index], planogram, proposed[index], "Apply personalised planogram")
            for index, planogram in stack.planograms.items()
        },
    )


def test_a_personalisation_of_every_cabinet_is_one_step_that_undo_and_redo_take_whole() -> None:
    stack = device()
    stored = slots(stack)
    stack.push(personalise(stack))
    changed = slots(stack)
    assert all(cabinet == {B2: Slot(B2, 2, 4, 12, 9)} for cabinet in changed.values())
    assert stack.history() == ["Apply personalised planogram"] and stack.modified() == {0, 1, 2}
    stack.undo()
    assert slots(stack) == stored and not stack.can_undo and stack.modified() == frozenset()
    stack.redo()
    assert slots(stack) == changed and stack.undo_text == "Apply personalised planogram"


def test_views_hear_every_cabinet_a_step_touched_with_its_own_slots() -> None:
    stack = device()
    heard: list[dict[int, frozenset[Position]]] = []
    stack.subscribe(lambda changes: heard.append(dict(changes)))
    stack.push(DeviceEdit.together("Set par levels", {
        index: set_par_levels(CONTEXTS[index], stack.planograms[index], {1: 2}) for index in (0, 2)
    }))  # fmt: skip
    stack.undo()
    assert heard == [{0: frozenset({A1}), 2: frozenset({A1})}] * 2
    assert stack.planograms[1].slot_at(A1).par_level == 8  # untouched cabinet, never repainted


def test_a_step_of_one_cabinet_keeps_its_own_words() -> None:
    stack = device()
    edit = set_par_levels(CONTEXTS[1], stack.planograms[1], {1: 2, 2: 2})
    stack.push(DeviceEdit.together("Set par levels", {1: edit}))
    assert stack.undo_text == "Set par levels on 2 slots" and stack.modified() == {1}


def test_each_cabinet_is_clean_where_it_was_saved_whatever_the_other_cabinets_did() -> None:
    stack = device()
    stack.push_edit(0, place_product(CONTEXTS[0], stack.planograms[0], B2, 1))
    stack.set_clean(0)  # cabinet 0 saved
    stack.push_edit(1, move_slot(CONTEXTS[1], stack.planograms[1], A1, B2))
    assert stack.modified() == {1}  # an edit of cabinet 1 leaves saved cabinet 0 clean
    stack.push(personalise(stack))
    assert stack.modified() == {0, 1, 2}
    stack.undo()
    assert stack.modified() == {1}
    stack.undo()
    assert stack.modified() == frozenset()
    stack.undo()  # before the save: cabinet 0 differs from what is stored
    assert stack.modified() == {0}
    stack.set_index(2)
    assert stack.modified() == {1} and stack.planograms[1].slot_at(B2).product_id == 1


def test_a_new_step_drops_the_redo_branch_and_a_saved_state_in_it_is_never_clean_again() -> None:
    stack = device()
    stack.push(personalise(stack))
    stack.set_clean(0)
    stack.undo()
    assert stack.can_redo and stack.modified() == {0}
    stack.push_edit(2, move_slot(CONTEXTS[2], stack.planograms[2], A1, B2))
    assert not stack.can_redo and stack.history() == ["Move Sea Salt Chips from A1 to B2"]
    assert stack.modified() == {0, 2}
    stack.undo()
    assert stack.modified() == {0}  # the saved personalisation is gone from the history


def test_a_save_compares_states_so_edits_on_other_cabinets_do_not_count() -> None:
    stack = device()
    stack.push_edit(0, place_product(CONTEXTS[0], stack.planograms[0], B2, 1))
    saving = stack.state(0)
    stack.push_edit(1, place_product(CONTEXTS[1], stack.planograms[1], B2, 1))
    assert stack.state(0) == saving
    stack.push_edit(0, move_slot(CONTEXTS[0], stack.planograms[0], B2, A1))
    assert stack.state(0) != saving
    stack.undo()
    assert stack.state(0) == saving and stack.edit_count(0) == 1 and stack.edit_count(1) == 1


def test_restoring_one_cabinet_to_its_stored_layout_leaves_the_others_and_can_be_undone() -> None:
    stack = device()
    stored = slots(stack)
    stack.push(personalise(stack))
    changed = slots(stack)
    assert stack.restore_stored(1, "Discard unsaved changes")
    assert slots(stack) == {0: changed[0], 1: stored[1], 2: changed[2]}
    assert stack.modified() == {0, 2} and stack.undo_text == "Discard unsaved changes"
    stack.undo()
    assert slots(stack) == changed and stack.modified() == {0, 1, 2}
    stack.set_index(0)
    assert not stack.restore_stored(1, "Discard unsaved changes")  # as stored already: nothing to do


def test_a_step_must_touch_the_devices_open_cabinets() -> None:
    stack = device()
    edit = place_product(CONTEXTS[0], stack.planograms[0], B2, 1)
    with pytest.raises(ValueError, match="open cabinets"):
        stack.push(DeviceEdit("Place", {5: edit}))
    with pytest.raises(ValueError, match="open cabinets"):
        stack.push(DeviceEdit("Nothing", {}))
    assert stack.planograms[0].slot_at(B2).is_empty and not stack.can_undo


def test_a_cabinet_opened_later_joins_clean_and_its_edits_undo_with_the_rest() -> None:
    stack = CommandStack(Planogram.from_slots(7, 0, [Slot(A1, 1, 5, 10, 8)]))
    stack.push_edit(0, move_slot(CONTEXTS[0], stack.planograms[0], A1, B2))
    stack.add(Planogram.from_slots(7, 1, [Slot(A1, 1, 5, 10, 8)]))
    assert stack.modified() == {0}
    stack.push_edit(1, move_slot(CONTEXTS[1], stack.planograms[1], A1, A2))
    stack.set_index(0)
    assert stack.planograms[0].slot_at(A1).product_id == 1 and stack.planograms[1].slot_at(A1).product_id == 1
    with pytest.raises(ValueError, match="already"):
        stack.add(Planogram(7, 1))
