"""Every edit goes through the device's undo stack and reaches the recovery journal at once."""

from __future__ import annotations

from pathlib import Path

from designer.cabinets import Cabinet, TemperatureZone
from designer.editing import clear_slots, move_slot, place_product
from designer.planograms import Planogram, Slot
from designer.positions import Position
from designer.products import Catalogue, Product
from designer.recovery import RecoveryJournal
from widgets.editing.undo import CabinetEditor, DeviceUndo

A1, B2 = Position(0, 0), Position(1, 1)
CATALOGUE = Catalogue([Product(1, "Chips", "chips", 1.5), Product(2, "Ice", "ice cream", 3, 1, TemperatureZone.FROZEN)])


def editor(tmp_path: Path) -> CabinetEditor:
    planogram = Planogram.from_slots(1, 0, [Slot(A1, 1, 4, 10, 8)], id=5)
    journal = RecoveryJournal(tmp_path, "db")
    return DeviceUndo(1).open(Cabinet(1, 0, 3, 3, TemperatureZone.AMBIENT), planogram, CATALOGUE, journal)


def test_an_edit_is_journaled_immediately_and_undo_to_saved_discards_it(tmp_path: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    cabinet = editor(tmp_path)
    with qtbot.waitSignal(cabinet.edited) as changed:
        assert cabinet.attempt(lambda c, p: move_slot(c, p, A1, B2)) is None
    assert changed.args == [frozenset({A1, B2})]
    (pending,) = cabinet.journal.pending()
    assert pending.planogram.slots == {B2: Slot(B2, 1, 4, 10, 8)} and pending.base_id == 5
    assert cabinet.is_modified
    cabinet.stack.undo()
    assert cabinet.journal.pending() == [] and not cabinet.is_modified
    cabinet.stack.redo()
    assert cabinet.planogram.slot_at(B2).product_id == 1


def test_a_refused_edit_is_reported_and_nothing_changes(tmp_path: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    cabinet = editor(tmp_path)
    with qtbot.waitSignal(cabinet.refused) as refused:
        reason = cabinet.attempt(lambda c, p: place_product(c, p, B2, 2))
    assert reason is not None and "frozen" in reason and refused.args == [reason]
    assert cabinet.stack.history() == [] and cabinet.journal.pending() == []


def test_saving_marks_clean_and_clears_the_journal(tmp_path: Path) -> None:
    cabinet = editor(tmp_path)
    cabinet.attempt(lambda c, p: clear_slots(c, p, [A1]))
    saved = Planogram.from_slots(1, 0, cabinet.planogram.slots.values(), id=6, version=2)
    cabinet.mark_saved(saved)
    assert not cabinet.is_modified and cabinet.base_id == 6 and cabinet.journal.pending() == []
