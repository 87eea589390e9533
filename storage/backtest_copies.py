"""Copies of a SQLite database cut at a day, for held-out back-tests: the model is fitted on the copy, and the
original (only read) holds what happened after the cut."""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from datetime import date, datetime
from pathlib import Path

from storage.engine import read_only_connection


def copy_as_of(source: Path, cut_off: date, folder: Path) -> str:
    """A copy of the SQLite file ``source`` in ``folder`` as it stood at midnight before ``cut_off``: later sales,
    stock-outs and planogram versions removed, restocks after it undone. Returns the copy's URL."""
    target = folder / f"cut-{cut_off.isoformat()}.sqlite"
    writable = os.access(source, os.W_OK) and os.access(source.parent, os.W_OK)
    opened = sqlite3.connect(source) if writable else read_only_connection(source)  # a read-only mount, too
    with closing(opened) as original, closing(sqlite3.connect(target)) as copy:
        original.backup(copy)
        stamp = datetime.combine(cut_off, datetime.min.time()).isoformat(sep=" ")
        copy.execute("DELETE FROM sales WHERE sold_at >= ?", (stamp,))
        copy.execute("DELETE FROM stockouts WHERE sold_out_at >= ?", (stamp,))
        copy.execute("UPDATE stockouts SET restocked_at = NULL WHERE restocked_at >= ?", (stamp,))
        later = "SELECT id FROM planograms WHERE activated_at >= ?"
        copy.execute(f"DELETE FROM planogram_slots WHERE planogram_id IN ({later})", (stamp,))
        copy.execute(f"DELETE FROM planograms WHERE id IN ({later})", (stamp,))
        copy.commit()
    return f"sqlite:///{target}"
