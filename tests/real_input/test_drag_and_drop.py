"""Drag and drop with a real X mouse: press, move in small steps, release, as a merchandiser's hand does.

These are the tests that would have caught the lost palette drop: entering the cabinet view over the grey
margin around the grid made Qt refuse the whole drag, and tests posting Qt drag events at slot centres never
passed over the margin. Outcomes are read from the recovery journal (every unsaved edit is written there) and
the database, not only from the screen.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.real_input.screen import (
    Launch,
    Point,
    RunningDesigner,
    State,
    current_cabinet,
    palette_row,
    slot,
    steps,
)


def journal_slots(designer: RunningDesigner, state: State, device_id: int, cabinet_index: int) -> dict[str, int]:
    """The unsaved document of one cabinet as the recovery journal holds it: slot label → product id."""
    path = Path(state["recovery_folder"]) / f"{device_id}_{cabinet_index}.json"
    if not path.exists():
        return {}
    body = json.loads(path.read_text(encoding="utf-8"))
    slots = body["planogram"]["slots"]
    found = {}
    for entry in slots:
        label, product_id = entry["position"], entry.get("product_id")
        if product_id is not None:
            found[label] = product_id
    return found


def path_over_the_margin(start: Point, state: State, target: Point) -> list[Point]:
    """From a palette row, left into the cabinet view across its right margin (2 px steps), then to ``target``.

    The cursor first enters the view level with the target, over the grey margin beside the grid.
    """
    x, _y, width, _height = current_cabinet(state)["viewport"]
    outside = (x + width + 12, target[1])
    inside = (x + width - 6, target[1])
    return [start, *steps(start, outside, 4), *steps(outside, inside, 2), *steps(inside, target, 2)]


def empty_slot(cabinet: State) -> State:
    return next(entry for entry in cabinet["slots"] if entry["product_id"] is None)


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
    journal = journal_slots(designer, after, 1, 0)
    assert journal.get(target["label"]) == product["product_id"], "the edit is in the recovery journal"
