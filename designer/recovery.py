"""The recovery journal: unsaved edits written to disk on every edit, so a crash loses nothing.

One small JSON file per cabinet being edited, replaced atomically (write, fsync, rename) so a kill at any
instant leaves either the previous or the new state, never a torn file. Saving a version discards it.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from designer.planograms import Planogram, planogram_from_dict, planogram_to_dict

FORMAT = 1


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

    def discard(self, device_id: int, cabinet_index: int) -> None:
        self._path(device_id, cabinet_index).unlink(missing_ok=True)

    def pending(self) -> list[UnsavedWork]:
        """Every cabinet with unsaved edits; unreadable files are skipped, never fatal."""
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
