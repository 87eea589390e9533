"""The recovery journal: unsaved edits written to disk within a fifth of a second, so a crash loses at most that.

One small JSON file per cabinet being edited, replaced atomically (write, fsync, rename) so a kill at any
instant leaves either the previous or the new state, never a torn file. Saving a version discards it.
Edits reach it through :meth:`RecoveryJournal.record_soon`: a :class:`JournalWriter` thread writes the latest
document of each cabinet, so the GUI thread never waits on fsync and a burst of edits costs one write.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import logging
import os
import threading
import time
import weakref
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from designer.planograms import Planogram, planogram_from_dict, planogram_to_dict

FORMAT = 1
DELAY = 0.2  # seconds an edit may wait for the writer: coalesces bursts, far inside "lose at most one second"

log = logging.getLogger(__name__)
CabinetKey = tuple[int, int]  # device id, cabinet index


@dataclass(frozen=True, slots=True)
class UnsavedWork:
    """A cabinet's edits found after a crash."""

    planogram: Planogram
    base_id: int | None  # the stored version the edits started from
    edit_count: int
    written_at: datetime
    path: Path


class RecoveryJournal:
    """Unsaved planograms of one database, kept in ``folder``."""

    def __init__(self, folder: Path, database: str) -> None:
        key = hashlib.sha256(database.encode()).hexdigest()[:16]
        self.folder = folder / key
        self.database = database
        self._writer: JournalWriter | None = None

    def _path(self, device_id: int, cabinet_index: int) -> Path:
        return self.folder / f"{device_id}_{cabinet_index}.json"

    def record(self, planogram: Planogram, *, base_id: int | None, edit_count: int) -> None:
        """Write the whole document (at most 200 slots: a few kB, well under a millisecond)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self._path(planogram.device_id, planogram.cabinet_index)
        body = {
            "format": FORMAT,
            "database": self.database,
            "base_id": base_id,
            "edit_count": edit_count,
            "written_at": datetime.now(UTC).isoformat(),
            "planogram": planogram_to_dict(planogram),
        }
        temporary = path.with_suffix(".tmp")
        with open(temporary, "w", encoding="utf-8") as file:
            file.write(json.dumps(body))  # dumps runs the C encoder; dump streams through Python in tiny pieces
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)

    def record_soon(self, planogram: Planogram, *, base_id: int | None, edit_count: int) -> None:
        """Hand the document to the writer thread: on disk within :data:`DELAY`, never waited for here.

        ``planogram`` must be a copy nobody changes afterwards (the writer reads it on its own thread).
        """
        self._writer_started().record(planogram, base_id=base_id, edit_count=edit_count)

    def discard(self, device_id: int, cabinet_index: int) -> None:
        """Drop the cabinet's entry; once the writer runs this goes through it, so no older record can follow."""
        if self._writer is not None:
            self._writer.discard(device_id, cabinet_index)
        else:
            self.remove(device_id, cabinet_index)

    def remove(self, device_id: int, cabinet_index: int) -> None:
        """Delete the cabinet's file now (the writer's side of :meth:`discard`)."""
        self._path(device_id, cabinet_index).unlink(missing_ok=True)

    def flush(self) -> None:
        """Return once everything handed to the writer is on disk (before saving, closing, reading back)."""
        if self._writer is not None:
            self._writer.flush()

    def close(self) -> None:
        """Flush and stop the writer thread (another database is opened); a later record starts a new one."""
        writer, self._writer = self._writer, None
        if writer is not None:
            writer.close()

    def _writer_started(self) -> JournalWriter:
        if self._writer is None:
            self._writer = JournalWriter(self)
        return self._writer

    def pending(self) -> list[UnsavedWork]:
        """Every cabinet with unsaved edits (after the writer's queue); unreadable files are skipped, never fatal."""
        self.flush()
        found: list[UnsavedWork] = []
        if not self.folder.is_dir():
            return found
        for path in sorted(self.folder.glob("*.json")):
            try:
                body = json.loads(path.read_text(encoding="utf-8"))
                if body.get("format") != FORMAT or body.get("database") != self.database:
                    continue
                found.append(
                    UnsavedWork(
                        planogram_from_dict(body["planogram"]),
                        body.get("base_id"),
                        int(body.get("edit_count", 0)),
                        datetime.fromisoformat(body["written_at"]),
                        path,
                    )
                )
            except (OSError, ValueError, KeyError, TypeError):
                continue
        return found


@dataclass(frozen=True, slots=True)
class _Record:
    planogram: Planogram
    base_id: int | None
    edit_count: int


_DISCARD = None  # a pending discard, in the writer's latest-wins table
_live_writers: weakref.WeakSet[JournalWriter] = weakref.WeakSet()


@atexit.register
def _flush_at_exit() -> None:
    """A normal exit writes what is pending: the writer is a daemon thread and would be cut off."""
    for writer in list(_live_writers):
        writer.flush()


class JournalWriter:
    """One thread writing a journal: the latest record or discard per cabinet wins, written within ``delay``.

    Each cabinet's operations reach the disk in the order they were handed over (one thread, one table),
    so a discard is never overtaken by an older record. The atomic write itself is the journal's.
    """

    def __init__(self, journal: RecoveryJournal, delay: float = DELAY) -> None:
        self.journal = journal
        self.delay = delay
        self._lock = threading.Condition()
        self._waiting: dict[CabinetKey, _Record | None] = {}
        self._due: float | None = None  # when the oldest waiting operation must be written
        self._writing = False
        self._flushing = 0
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="recovery journal writer", daemon=True)
        self._thread.start()
        _live_writers.add(self)

    def record(self, planogram: Planogram, *, base_id: int | None, edit_count: int) -> None:
        self._hand_over((planogram.device_id, planogram.cabinet_index), _Record(planogram, base_id, edit_count))

    def discard(self, device_id: int, cabinet_index: int) -> None:
        self._hand_over((device_id, cabinet_index), _DISCARD)

    def flush(self) -> None:
        """Write what waits now, and return once it (and any write under way) is on disk."""
        with self._lock:
            self._flushing += 1
            self._lock.notify_all()
            try:
                while (self._waiting or self._writing) and self._thread.is_alive():
                    self._lock.wait()
            finally:
                self._flushing -= 1

    def close(self) -> None:
        self.flush()
        with self._lock:
            self._closed = True
            self._lock.notify_all()
        self._thread.join()
        _live_writers.discard(self)

    def _hand_over(self, key: CabinetKey, operation: _Record | None) -> None:
        with self._lock:
            if self._closed:
                raise RuntimeError("the journal writer is closed")
            self._waiting.pop(key, None)  # re-inserted last: the table's order is the order of the latest requests
            self._waiting[key] = operation
            if self._due is None:  # the writer sleeps until told; later hand-overs find it already timed
                self._due = time.monotonic() + self.delay
                self._lock.notify_all()

    def _run(self) -> None:
        while True:
            with self._lock:
                while not self._closed:
                    if self._waiting and (self._flushing or time.monotonic() >= (self._due or 0.0)):
                        break
                    self._lock.wait(None if not self._waiting else max(0.0, (self._due or 0.0) - time.monotonic()))
                if self._closed and not self._waiting:
                    return
                batch, self._waiting, self._due = self._waiting, {}, None
                self._writing = True
            try:
                for key, operation in batch.items():
                    self._write(key, operation)
            finally:
                with self._lock:
                    self._writing = False
                    self._lock.notify_all()

    def _write(self, key: CabinetKey, operation: _Record | None) -> None:
        """A failed write is logged and the next edit tries again; the thread must outlive a full disk."""
        try:
            if operation is None:
                self.journal.remove(*key)
            else:
                self.journal.record(operation.planogram, base_id=operation.base_id, edit_count=operation.edit_count)
        except Exception:  # any failure: a dead writer would silently stop all recovery
            log.exception("could not write the recovery journal for cabinet %s", key)
