"""Drag and drop with a real X mouse: press, move in small steps, release, as a merchandiser's hand does.

These are the tests that would have caught the lost palette drop: entering the cabinet view over the grey
margin around the grid made Qt refuse the whole drag, and tests posting Qt drag events at slot centres never
passed over the margin. Outcomes are read from the recovery journal (every unsaved edit is written there) and
the database, not only from the screen.
"""

from __future__ import annotations

from pathlib import Path

from tests.real_input.screen import (
    Launch,
    Point,
    State,
    current_cabinet,
    empty_slot,
    journal_settles,
    journal_slots,
    palette_row,
    path_over_the_margin,
    slot,
    steps,
)


def test_a_product_dragged_in_over_the_margin_lands_in_the_empty_slot(
    launch: Launch, demo_copy: Path, tmp_path: Path
) -> None:
    designer = launch(["--db", str(demo_copy), "--user", "maria.manager"])
    state = designer.state()
    cabinet = current_cabinet(state)
    assert cabinet["zone"] == "ambient"
    target = empty_slot(cabinet)
    product = palette_row(state, "ambient")

    designer.hands.drag(path_over_the_margin(tuple(product["centre"]), state, tuple(target["centre"])))
    designer.settle()
    designer.screenshot(tmp_path / "palette-drop.png")

    after = designer.wait_until(
        lambda s: slot(current_cabinet(s), target["label"])["product_id"] is not None or s["tooltip"],
        "the drop to land (or be refused)",
        timeout=5,
    )
    assert slot(current_cabinet(after), target["label"])["product_id"] == product["product_id"]
    assert current_cabinet(after)["modified"], "the tab marks the cabinet as changed"
    journal_settles(after, lambda j: j.get(target["label"]) == product["product_id"], "the drop")


def filled_slots(cabinet: State) -> list[State]:
    return [entry for entry in cabinet["slots"] if entry["product_id"] is not None]


def slot_path(start: State, end: State) -> list[Point]:
    begin, finish = tuple(start["centre"]), tuple(end["centre"])
    return [begin, *steps(begin, finish, 3)]


def test_a_slot_dragged_onto_an_empty_slot_moves_and_onto_a_filled_one_swaps(
    launch: Launch, demo_copy: Path, tmp_path: Path
) -> None:
    designer = launch(["--db", str(demo_copy), "--user", "maria.manager"])
    cabinet = current_cabinet(designer.state())
    moving, empty = filled_slots(cabinet)[0], empty_slot(cabinet)

    designer.hands.drag(slot_path(moving, empty))
    moved = designer.wait_until(
        lambda s: slot(current_cabinet(s), empty["label"])["product_id"] == moving["product_id"], "the move"
    )
    designer.screenshot(tmp_path / "slot-move.png")
    assert slot(current_cabinet(moved), moving["label"])["product_id"] is None
    journal_settles(
        moved, lambda j: j.get(empty["label"]) == moving["product_id"] and moving["label"] not in j, "the move"
    )

    first, second = filled_slots(current_cabinet(moved))[:2]
    assert first["product_id"] != second["product_id"]
    designer.hands.drag(slot_path(first, second))
    swapped = designer.wait_until(
        lambda s: slot(current_cabinet(s), second["label"])["product_id"] == first["product_id"], "the swap"
    )
    designer.screenshot(tmp_path / "slot-swap.png")
    assert slot(current_cabinet(swapped), first["label"])["product_id"] == second["product_id"]
    journal_settles(
        swapped,
        lambda j: (j.get(first["label"]), j.get(second["label"])) == (second["product_id"], first["product_id"]),
        "the swap",
    )


def test_a_frozen_product_dropped_on_the_ambient_cabinet_changes_nothing_and_says_why(
    launch: Launch, demo_copy: Path, tmp_path: Path
) -> None:
    designer = launch(["--db", str(demo_copy), "--user", "maria.manager"])
    state = designer.state()
    cabinet = current_cabinet(state)
    target, frozen = empty_slot(cabinet), palette_row(state, "frozen")
    hovering: list[State] = []

    def while_held() -> None:
        hovering.append(designer.settle())
        designer.screenshot(tmp_path / "refused-while-hovering.png")

    designer.hands.drag(
        path_over_the_margin(tuple(frozen["centre"]), state, tuple(target["centre"])), before_release=while_held
    )
    after = designer.wait_until(
        lambda s: s["status"].startswith("Not changed:") and bool(s["tooltip"]), "the reason in the status bar"
    )
    designer.screenshot(tmp_path / "refused-after-release.png")

    assert "must be kept frozen" in hovering[0]["tooltip"], "the reason is shown at the cursor while hovering"
    assert "must be kept frozen" in after["status"] and "ambient" in after["status"]
    assert "must be kept frozen" in after["tooltip"], "and stays at the cursor after the release"
    assert slot(current_cabinet(after), target["label"])["product_id"] is None
    assert not current_cabinet(after)["modified"]
    designer.settle()  # longer than the journal writer's 0.2 s
    assert journal_slots(after, 1, 0) == {}, "nothing was journaled: nothing changed"


def test_ctrl_z_and_ctrl_shift_z_undo_and_redo_a_drop(launch: Launch, demo_copy: Path, tmp_path: Path) -> None:
    designer = launch(["--db", str(demo_copy), "--user", "maria.manager"])
    state = designer.state()
    target, product = empty_slot(current_cabinet(state)), palette_row(state, "ambient")
    designer.hands.drag(path_over_the_margin(tuple(product["centre"]), state, tuple(target["centre"])))

    def placed(s: State) -> int | None:
        return slot(current_cabinet(s), target["label"])["product_id"]

    designer.wait_until(lambda s: placed(s) == product["product_id"], "the drop")
    designer.focus()
    designer.hands.key("ctrl+z")
    undone = designer.wait_until(lambda s: placed(s) is None, "Ctrl+Z to take the drop back")
    designer.screenshot(tmp_path / "undone.png")
    assert not current_cabinet(undone)["modified"], "back to the stored version"
    journal_settles(undone, lambda j: target["label"] not in j, "the undo")

    designer.hands.key("ctrl+shift+z")
    redone = designer.wait_until(lambda s: placed(s) == product["product_id"], "Ctrl+Shift+Z to redo it")
    designer.screenshot(tmp_path / "redone.png")
    journal_settles(redone, lambda j: j.get(target["label"]) == product["product_id"], "the redo")
