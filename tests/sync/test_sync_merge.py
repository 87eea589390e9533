"""The three-way slot merge: one-sided changes are taken from either side, a slot changed on both is a conflict
that keeps mine unless told otherwise, and "everywhere" choices apply to every slot."""

from __future__ import annotations

from designer.sync_merge import Choice, SlotContent, merge_layouts

COKE, PEPSI, TWIX, SNICKERS = (
    SlotContent(12, 10, 8),
    SlotContent(11, 10, 8),
    SlotContent(16, 8, 5),
    SlotContent(15, 8, 5),
)
BASE = {"A1": COKE, "A2": COKE, "B1": TWIX}


def test_changes_made_on_one_side_only_are_all_kept() -> None:
    mine = {**BASE, "A2": PEPSI}  # I changed A2
    theirs = {"A1": COKE, "A2": COKE}  # CVD cleared B1

    result = merge_layouts(BASE, mine, theirs)

    assert result.layout == {"A1": COKE, "A2": PEPSI}
    assert result.clean and result.from_mine == ["A2"] and result.from_theirs == ["B1"]


def test_the_same_change_on_both_sides_is_no_conflict() -> None:
    both = {**BASE, "A1": PEPSI}
    assert merge_layouts(BASE, both, dict(both)).clean


def test_different_changes_to_one_slot_conflict_and_keep_mine_by_default() -> None:
    mine = {**BASE, "A1": PEPSI, "C3": SNICKERS}
    theirs = {**BASE, "A1": TWIX}

    result = merge_layouts(BASE, mine, theirs)

    assert [(c.position, c.mine, c.theirs) for c in result.conflicts] == [("A1", PEPSI, TWIX)]
    assert result.layout["A1"] == PEPSI and result.layout["C3"] == SNICKERS


def test_a_per_slot_choice_takes_theirs_for_that_slot_only() -> None:
    mine = {**BASE, "A1": PEPSI, "A2": PEPSI}
    theirs = {**BASE, "A1": TWIX, "A2": TWIX}

    result = merge_layouts(BASE, mine, theirs, Choice.MERGE, {"A2": Choice.THEIRS})

    assert (result.layout["A1"], result.layout["A2"]) == (PEPSI, TWIX)
    assert len(result.conflicts) == 2  # still reported, whatever was chosen


def test_keep_mine_and_take_theirs_apply_everywhere() -> None:
    mine = {**BASE, "A1": PEPSI}
    theirs = {"A1": COKE, "A2": SNICKERS}  # CVD changed A2 and cleared B1

    assert merge_layouts(BASE, mine, theirs, Choice.MINE).layout == mine
    assert merge_layouts(BASE, mine, theirs, Choice.THEIRS).layout == theirs


def test_positions_come_out_in_shelf_order() -> None:
    mine = {"A10": COKE, "A2": COKE, "B1": COKE}
    result = merge_layouts({}, mine, {})
    assert list(result.layout) == ["A2", "A10", "B1"]
