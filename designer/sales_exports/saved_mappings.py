"""Column mappings remembered per source, so the person picks an export's columns once per telemetry supplier.

A source is recognised by its header signature: the export's column names, each case-folded with its spacing
collapsed, blank ones left out, in any order (a supplier that reorders its columns is still the same source; one that
adds, drops or renames a column is a new one and is mapped again). Each mapping is one JSON file named by that
signature in the folder given (the app's config folder), written as :func:`save_mapping` writes any mapping, so the
same file also serves ``sales import FILE --format MAPPING.json``. Pure Python: no Qt, no database.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from designer.command_outcomes import RequestInvalid
from designer.sales_exports.columns import ColumnMapping, load_mapping, save_mapping


def header_signature(header: Sequence[str]) -> str:
    """The source a header belongs to, as 16 hex digits (see the module's docstring for what counts as the same)."""
    names = sorted({" ".join(name.casefold().split()) for name in header if name.strip()})
    return hashlib.sha256("\x1f".join(names).encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class SavedMapping:
    """A mapping saved for one source: its file, and whether it was saved for exactly the header at hand."""

    path: Path
    mapping: ColumnMapping
    same_source: bool


class SavedMappings:
    """The mappings saved in ``folder``, one file per source."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def path_for(self, header: Sequence[str]) -> Path:
        return self.folder / f"{header_signature(header)}.json"

    def save(self, mapping: ColumnMapping, header: Sequence[str]) -> Path:
        """Keep ``mapping`` for exports with ``header``'s columns (replacing the one saved for them before)."""
        path = self.path_for(header)
        save_mapping(mapping, path)
        return path

    def offered_for(self, header: Sequence[str]) -> list[SavedMapping]:
        """The saved mappings that can read a file with ``header``: the one saved for this source first, then
        those of other sources whose required columns the header also has, by source name. Unreadable files are
        left out (a mapping edited by hand and broken does not stop an import)."""
        if not self.folder.is_dir():
            return []
        own = self.path_for(header)
        found = []
        for path in sorted(self.folder.glob("*.json")):
            try:
                mapping = load_mapping(path)
            except RequestInvalid:
                continue
            if path == own or not mapping.missing_from(header):
                found.append(SavedMapping(path, mapping, path == own))
        return sorted(found, key=lambda saved: (not saved.same_source, saved.mapping.source.casefold()))


def source_name(path: Path) -> str:
    """A name for a new source, from the export's file name (``vendsys_march.csv`` → ``vendsys_march``)."""
    return path.stem[:60] or "mapping"


__all__ = ["SavedMapping", "SavedMappings", "header_signature", "source_name"]
