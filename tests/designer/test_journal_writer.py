"""The journal writer: edits reach the disk off the caller's thread, latest per cabinet, in the order handed over."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from designer.planograms import Planogram, Slot
from designer.positions import Position
from designer.recovery import JournalWriter, RecoveryJournal


def document(cabinet: int, product: int) -> Planogram:
    return Planogram.from_slots(3, cabinet, [Slot(Position(0, 0), product, 2, 9, 6)])


def products(journal: RecoveryJournal) -> dict[int, int | None]:
    return {w.planogram.cabinet_index: w.planogram.slot_at(Position(0, 0)).product_id for w in journal.pending()}


def test_records_reach_the_disk_without_a_flush_within_the_delay(tmp_path: Path) -> None:
    journal = RecoveryJournal(tmp_path, "db")
    writer = JournalWriter(journal, delay=0.01)
    written = threading.Event()
    original = journal.record

    def record(*args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        original(*args, **kwargs)
        written.set()

    journal.record = record  # type: ignore[method-assign]
    writer.record(document(1, 7), base_id=4, edit_count=1)
    assert written.wait(5), "the writer never wrote"
    assert products(RecoveryJournal(tmp_path, "db")) == {1: 7}
    writer.close()


def test_the_latest_record_of_each_cabinet_wins_and_a_burst_costs_one_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    journal = RecoveryJournal(tmp_path, "db")
    writes: list[int] = []
    original = journal.record
    monkeypatch.setattr(journal, "record", lambda p, **k: (writes.append(p.cabinet_index), original(p, **k)))
    writer = JournalWriter(journal, delay=60)  # nothing is written until the flush
    for product in range(1, 6):
        writer.record(document(1, product), base_id=None, edit_count=product)
    writer.record(document(2, 9), base_id=None, edit_count=1)
    writer.flush()
    assert products(journal) == {1: 5, 2: 9}
    assert sorted(writes) == [1, 2]
    writer.close()


def test_a_discard_is_never_overtaken_by_an_earlier_record(tmp_path: Path) -> None:
    journal = RecoveryJournal(tmp_path, "db")
    writer = JournalWriter(journal, delay=60)
    writer.record(document(1, 7), base_id=None, edit_count=1)
    writer.record(document(2, 8), base_id=None, edit_count=1)
    writer.discard(3, 1)
    writer.flush()
    assert products(journal) == {2: 8}
    writer.record(document(1, 5), base_id=None, edit_count=2)  # after the discard: it stays
    writer.flush()
    assert products(journal) == {1: 5, 2: 8}
    writer.close()


def test_the_journal_hands_edits_to_its_writer_and_reading_back_waits_for_it(tmp_path: Path) -> None:
    journal = RecoveryJournal(tmp_path, "db")
    journal.record_soon(document(1, 7), base_id=None, edit_count=1)
    assert products(journal) == {1: 7}  # pending() flushes first
    journal.record_soon(document(1, 8), base_id=None, edit_count=2)
    journal.discard(3, 1)
    journal.close()
    assert products(RecoveryJournal(tmp_path, "db")) == {}
    journal.record_soon(document(2, 6), base_id=None, edit_count=1)  # a closed journal starts a new writer
    journal.flush()
    assert products(RecoveryJournal(tmp_path, "db")) == {2: 6}
    journal.close()


def test_a_failed_write_does_not_stop_the_writer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    journal = RecoveryJournal(tmp_path, "db")
    original = journal.record
    failures = iter([OSError("disk full")])

    def record(planogram: Planogram, **kwargs: object) -> None:
        failure = next(failures, None)
        if failure is not None:
            raise failure
        original(planogram, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(journal, "record", record)
    writer = JournalWriter(journal, delay=60)
    writer.record(document(1, 7), base_id=None, edit_count=1)
    writer.flush()
    assert products(journal) == {}
    writer.record(document(1, 8), base_id=None, edit_count=2)
    writer.flush()
    assert products(journal) == {1: 8}
    writer.close()
