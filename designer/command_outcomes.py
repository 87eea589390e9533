"""How every headless command ends: one table of exit statuses, one JSON error shape, one validation error.

Shared by the commands of every layer (``demo``, ``api``, ``export``, ``backtest``, ``check-models``,
``experiment``, ``sync``) and the designer's own start, so a script that calls any of them reads the same status
for the same kind of failure. The README's command section lists the statuses; a test keeps the two in step.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Mapping, Sequence
from enum import IntEnum
from typing import TextIO


class ExitCode(IntEnum):
    """The process's exit status."""

    DONE = 0
    """The command did what was asked (the designer: its window was closed)."""
    CANCELLED = 1
    """The person stopped it: the designer's first-run build of the demo fleet was cancelled."""
    NO_DISPLAY = 1
    """The designer found no display to open its window on (it says so in one line); the same status as
    CANCELLED, of which it is an alias: in both the window never did its work, and scripts already read 1 so."""
    BAD_INPUT = 2
    """Bad arguments or request, or a database that is not ours (a folder, a foreign schema); nothing was changed or
    created."""
    REFUSED = 3
    """The acting user's role may not do this (``--user`` chooses who acts)."""
    UNREACHABLE = 4
    """The CVD database stopped answering part-way through a sync; queued pushes stay queued."""
    CHECKS_FAILED = 5
    """``check-models`` ran, and at least one sanity check failed on the open database (its table names which)."""
    BUSY = 6
    """Another program holds the database's write lock and kept it past the wait (5 s); nothing was changed:
    run the command again once that program is done."""
    READ_ONLY = 7
    """The command changes the database but the file, its folder or its mount cannot be written; nothing was
    changed. Commands that only read still run on such a file (without their audit row)."""
    CORRUPT = 8
    """The database file is damaged (cut short, or it fails SQLite's ``quick_check``); nothing was written to it:
    restore it from a backup, or rebuild it (a CVD working copy: pull again into a new file)."""
    NEWER_VERSION = 9
    """The database was written by a newer version of Planogram Studio (a schema this one does not know); it was
    left untouched: update the app."""
    NO_DATABASE = 10
    """There is no database at the path given (no file, or not even its folder) and the command only reads or
    writes one: nothing was created. Name an existing one, or build one (``demo``, ``sync pull``)."""
    NOT_A_DATABASE = 11
    """The file given is empty (0 bytes) or not a SQLite file at all; it was left untouched."""
    RATE_LIMITED = 12
    """The acting user spent a rate limit (the seed's 429: realtime, predictions or training, set in Settings);
    nothing was answered or counted: the message says in how many seconds to send it again."""


PROBLEMS_NAMED = 10
"""Problems a :class:`RequestInvalid` message names; the rest are counted (10,000 bad slots make one line)."""
MAX_ERROR_CHARS = 2_000
"""The longest ``error`` text an answer carries; past it the text is cut and says so."""


class RequestInvalid(ValueError):
    """A request or plan that cannot be carried out as asked; each problem names itself and its fix.

    ``problems`` are plain sentences or objects whose text is one (an endpoint's slot-level problems); the
    message joins the first :data:`PROBLEMS_NAMED` with "; " and counts the rest.
    """

    def __init__(self, problems: str | Sequence[object]) -> None:
        self.problems: list[object] = [problems] if isinstance(problems, str) else list(problems)
        named = "; ".join(str(problem) for problem in self.problems[:PROBLEMS_NAMED])
        more = len(self.problems) - PROBLEMS_NAMED
        super().__init__(named + (f"; and {more:,} more problems" if more > 0 else ""))


def error_body(message: str, extra: Mapping[str, object] | None = None) -> dict[str, object]:
    """The seed's error shape: ``success`` false and an ``error`` that names the problem and the fix.

    The message is cut at :data:`MAX_ERROR_CHARS` characters: an error never carries a request back whole.
    """
    if len(message) > MAX_ERROR_CHARS:
        message = f"{message[:MAX_ERROR_CHARS]}… ({len(message) - MAX_ERROR_CHARS:,} more characters)"
    return {"success": False, "error": message, **(extra or {})}


def write_json(body: object, *, indent: int | None = None, to: TextIO | None = None) -> None:
    """One strict JSON document on standard output (values JSON cannot hold, such as dates, as text).

    NaN and ±Infinity are not JSON (a strict reader refuses ``NaN``): a figure that is not finite is written
    as null, so a reader sees "no figure" rather than a document it cannot read.
    """
    print(json_text(body, indent=indent), file=to or sys.stdout)


def json_text(body: object, *, indent: int | None = None) -> str:
    """``body`` as strict JSON text (what :func:`write_json` prints and the HTTP service answers)."""
    try:
        return json.dumps(body, indent=indent, default=str, allow_nan=False)
    except ValueError:
        return json.dumps(finite_or_null(body), indent=indent, default=str, allow_nan=False)


def finite_or_null(value: object) -> object:
    """``value`` with every NaN or infinite float (in lists, tuples and dicts, at any depth) replaced by None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {key: finite_or_null(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [finite_or_null(item) for item in value]
    return value


def write_error(message: str, extra: Mapping[str, object] | None = None, *, to: TextIO | None = None) -> None:
    """The error object on standard output, as the seed's endpoints answer it."""
    write_json(error_body(message, extra), to=to)
