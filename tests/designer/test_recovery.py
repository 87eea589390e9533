"""The recovery journal gives back exactly the document that was being edited."""

from __future__ import annotations

from pathlib import Path

from designer.planograms import Planogram, PlanogramStatus, Slot
from designer.positions import Position
from designer.recovery import RecoveryJournal


def document() -> Planogram:
    return Planogram.from_slots(
        3,
        1,
        [Slot(Position(0, 0), 7, 2, 9, 6), Slot(Position(2, 4))],
        name="Gym v2",
        status=PlanogramStatus.DRAFT,
        id=41,
    )


def test_recorded_work_comes_back_exactly(tmp_path: Path) -> None:
    journal = RecoveryJournal(tmp_path, "sqlite:///fleet.sqlite")
    journal.record(document(), base_id=40, edit_count=3)
    (found,) = RecoveryJournal(tmp_path, "sqlite:///fleet.sqlite").pending()
    assert found.planogram == document()
    assert (found.base_id, found.edit_count) == (40, 3)


def test_saving_discards_the_journal(tmp_path: Path) -> None:
    journal = RecoveryJournal(tmp_path, "db")
    journal.record(document(), base_id=None, edit_count=1)
    journal.discard(3, 1)
    assert journal.pending() == []


def test_another_databases_work_is_not_offered(tmp_path: Path) -> None:
    RecoveryJournal(tmp_path, "one.sqlite").record(document(), base_id=None, edit_count=1)
    assert RecoveryJournal(tmp_path, "two.sqlite").pending() == []


def test_a_torn_or_foreign_file_is_skipped_not_fatal(tmp_path: Path) -> None:
    journal = RecoveryJournal(tmp_path, "db")
    journal.record(document(), base_id=None, edit_count=1)
    (journal.folder / "9_9.json").write_text('{"format": 1, "planogram": ')
    assert [w.planogram.device_id for w in journal.pending()] == [3]
