"""What the models and the views hold of a database: its handle, the errors it fails with, its URL's password.

The queries live in storage's repositories; ``ai/`` and ``widgets/`` only pass a database along and catch
its failure, so they import these names rather than SQLAlchemy (an import-linter contract keeps it so).
A failure is explained once, here (:func:`explain_failure`), so every command says the same thing about a
locked, read-only or damaged file and ends with the same exit status.
"""

from __future__ import annotations

import sys
import weakref
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from designer.command_outcomes import ExitCode

__all__ = [
    "BUSY_TIMEOUT_S",
    "DatabaseFailure",
    "DatabaseProblem",
    "Engine",
    "explain_failure",
    "is_read_only",
    "skip_write_on_read_only",
    "url_password",
    "url_with_password",
]

DatabaseFailure = SQLAlchemyError
"""Any failure of a repository's query (a locked or unreadable file, a lost server). It is SQLAlchemy's own
base error under a storage name: every repository raises it already, so nothing needs translating, and the
driver's message stays on it as ``orig``."""

BUSY_TIMEOUT_S = 5.0
"""How long a SQLite connection waits for another program's write lock before it gives up (seconds)."""

SQLITE_HEADER = b"SQLite format 3\x00"

_read_only_engines: weakref.WeakSet[Engine] = weakref.WeakSet()
_warned: weakref.WeakKeyDictionary[Engine, set[str]] = weakref.WeakKeyDictionary()


class DatabaseProblem(RuntimeError):
    """A database the app cannot open or use; the message names the file, the problem and what to do.

    ``exit_code`` is the status a command ends with for it (``BAD_INPUT`` unless the problem has its own).
    """

    def __init__(self, message: str, exit_code: ExitCode = ExitCode.BAD_INPUT) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def mark_read_only(engine: Engine) -> Engine:
    """Remember that ``engine`` was opened read-only (see :func:`is_read_only`)."""
    _read_only_engines.add(engine)
    return engine


def is_read_only(engine: Engine) -> bool:
    """Whether ``engine`` was opened read-only because its file, folder or mount cannot be written."""
    return engine in _read_only_engines


def skip_write_on_read_only(engine: Engine, what: str) -> bool:
    """True (after a one-line warning on stderr, once per ``what`` and engine) when ``engine`` is read-only.

    For the rows a reading command adds on the side (its audit row, the predictions it answered): on a
    read-only database the answer still comes, only the record of it is skipped.
    """
    if not is_read_only(engine):
        return False
    warned = _warned.setdefault(engine, set())
    if what not in warned:
        warned.add(what)
        print(f"read-only: {what} {'were' if what.endswith('s') else 'was'} not written", file=sys.stderr)
    return True


def explain_failure(error: BaseException, shown_as: str, file: Path | None = None) -> DatabaseProblem:
    """A query's failure as the problem a person can act on: busy, read-only, damaged, or unreadable.

    ``shown_as`` names the database in the message (never with a password); ``file`` is its SQLite file, if any.
    """
    reason = str(getattr(error, "orig", None) or error)
    said = reason.lower()
    if "locked" in said or "busy" in said:
        return DatabaseProblem(
            f"{shown_as} is busy: another program holds its write lock and kept it longer than "
            f"{BUSY_TIMEOUT_S:g} s ({reason}); nothing was changed. Try again when that program is done",
            ExitCode.BUSY,
        )
    if "readonly" in said or "read-only" in said:
        return DatabaseProblem(
            f"{shown_as} is read-only ({reason}); nothing was changed. Copy it to a folder you can write to, "
            "or make the file writable, then run the command again",
            ExitCode.READ_ONLY,
        )
    if "malformed" in said or "disk image" in said or ("not a database" in said and has_sqlite_header(file)):
        return DatabaseProblem(
            f"{shown_as} is damaged ({reason}); nothing was written to it. Restore it from a backup, or build it "
            "anew (a CVD working copy: sync pull into a new file)",
            ExitCode.CORRUPT,
        )
    return DatabaseProblem(
        f"{shown_as} could not be read ({reason}); nothing was changed. Check the URL, or open another database"
    )


def has_sqlite_header(file: Path | None) -> bool:
    """Whether ``file`` starts as every SQLite database does (False for no file, or one that cannot be read)."""
    if file is None:
        return False
    try:
        with file.open("rb") as opened:
            return opened.read(len(SQLITE_HEADER)) == SQLITE_HEADER
    except OSError:
        return False


def url_password(url: str) -> str | None:
    """The password written in a database URL, if any."""
    return make_url(url).password


def url_with_password(url: str, password: str) -> str:
    """``url`` with ``password`` in it, spelled out (to connect with; never to show or store)."""
    return make_url(url).set(password=password).render_as_string(hide_password=False)
