"""What the access checks remember between requests and processes: counted API calls, revoked tokens, failed
sign-ins.

Kept in a small SQLite file of this machine (``access.sqlite`` in the user data folder), not in the planogram
database: every worker of ``main.py serve`` and every ``main.py api`` process share one count per user (each
call is counted in one ``BEGIN IMMEDIATE`` transaction, so two workers cannot both take the last place), a CVD
database's ``users`` are never written to, and nothing here needs a schema migration of the planogram database.
Rows name the database they belong to (:func:`ai.model_store.database_identity`'s text), so one file serves
every database of the machine. Rows older than the longest rate window, and revocations of tokens that have
expired anyway, are dropped as new ones are written.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from designer.rate_limits import Budget, OverLimit, RateLimits, over_limit

LEDGER_FILE = "access.sqlite"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS api_calls (database TEXT NOT NULL, user_id INTEGER NOT NULL, budget TEXT NOT NULL,
                                      at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS api_calls_by_user ON api_calls (database, user_id, budget, at);
CREATE INDEX IF NOT EXISTS api_calls_by_time ON api_calls (at);
CREATE TABLE IF NOT EXISTS revoked_tokens (jti TEXT PRIMARY KEY, expires_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS sign_in_failures (database TEXT NOT NULL, user_id INTEGER NOT NULL,
                                             failures INTEGER NOT NULL, locked_until REAL,
                                             PRIMARY KEY (database, user_id));
"""


@dataclass(frozen=True, slots=True)
class SignInFailures:
    """A user's failed sign-ins since the last success, and until when the account is locked (None: not locked)."""

    failures: int = 0
    locked_until: datetime | None = None


class AccessLedger:
    """The machine's ledger of access facts for one database (``database`` is that database's identity)."""

    def __init__(self, path: Path, database: str) -> None:
        self.path = path
        self.database = database
        self._opened = threading.local()
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connection() as connection:
            connection.executescript(_SCHEMA)

    @classmethod
    def in_folder(cls, data_folder: Path, database: str) -> AccessLedger:
        return cls(data_folder / LEDGER_FILE, database)

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        """This thread's connection, opened on its first use and kept: every served request counts a call, and
        opening the file for each cost more than the count itself."""
        connection: sqlite3.Connection | None = getattr(self._opened, "connection", None)
        if connection is None:
            connection = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            self._opened.connection = connection
        yield connection

    @contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        with self._connection() as connection:
            connection.execute("BEGIN IMMEDIATE")
            try:
                yield connection
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")

    # --- rate limits ----------------------------------------------------------------------------------------

    def count_call(self, user_id: int, budget: Budget, limits: RateLimits, now: datetime) -> OverLimit | None:
        """Count one request of ``budget`` for the user at ``now``, or refuse it (counting nothing) when the
        user's window is full."""
        _, window = limits.window(budget)
        stamp = now.timestamp()
        with self._writing() as connection:
            oldest = stamp - limits.longest_window().total_seconds()
            connection.execute("DELETE FROM api_calls WHERE at <= ?", (oldest,))
            rows = connection.execute(
                "SELECT at FROM api_calls WHERE database = ? AND user_id = ? AND budget = ? AND at > ?",
                (self.database, user_id, budget.value, stamp - window.total_seconds()),
            ).fetchall()
            refused = over_limit(budget, limits, [_moment(at) for (at,) in rows], now)
            if refused is None:
                connection.execute(
                    "INSERT INTO api_calls (database, user_id, budget, at) VALUES (?, ?, ?, ?)",
                    (self.database, user_id, budget.value, stamp),
                )
        return refused

    def charge(self, user_id: int, budgets: Sequence[Budget], limits: RateLimits, now: datetime) -> OverLimit | None:
        """Count one request that spends each of ``budgets`` (its kind, and a training when it must train first),
        or refuse it at the first budget that is full."""
        for budget in budgets:
            refused = self.count_call(user_id, budget, limits, now)
            if refused is not None:
                return refused
        return None

    # --- revoked tokens -------------------------------------------------------------------------------------

    def revoke(self, jti: str, expires_at: datetime) -> None:
        with self._writing() as connection:
            connection.execute("DELETE FROM revoked_tokens WHERE expires_at < ?", (datetime.now(UTC).timestamp(),))
            connection.execute(
                "INSERT OR REPLACE INTO revoked_tokens (jti, expires_at) VALUES (?, ?)", (jti, expires_at.timestamp())
            )

    def is_revoked(self, jti: str) -> bool:
        with self._connection() as connection:
            return connection.execute("SELECT 1 FROM revoked_tokens WHERE jti = ?", (jti,)).fetchone() is not None

    # --- failed sign-ins ------------------------------------------------------------------------------------

    def failures(self, user_id: int) -> SignInFailures:
        with self._connection() as connection:
            row = connection.execute(
                "SELECT failures, locked_until FROM sign_in_failures WHERE database = ? AND user_id = ?",
                (self.database, user_id),
            ).fetchone()
        if row is None:
            return SignInFailures()
        return SignInFailures(row[0], _moment(row[1]) if row[1] is not None else None)

    def record_failure(self, user_id: int, lock_after: int, lock_for: timedelta, now: datetime) -> SignInFailures:
        """One more failed attempt; the ``lock_after``-th locks the account for ``lock_for`` (and starts the count
        again, as CVD's app does)."""
        with self._writing() as connection:
            row = connection.execute(
                "SELECT failures FROM sign_in_failures WHERE database = ? AND user_id = ?", (self.database, user_id)
            ).fetchone()
            failures = (row[0] if row else 0) + 1
            locked_until = now + lock_for if failures >= lock_after else None
            connection.execute(
                "INSERT OR REPLACE INTO sign_in_failures (database, user_id, failures, locked_until) "
                "VALUES (?, ?, ?, ?)",
                (self.database, user_id, 0 if locked_until else failures, locked_until and locked_until.timestamp()),
            )
        return SignInFailures(failures, locked_until)

    def record_success(self, user_id: int) -> None:
        with self._writing() as connection:
            connection.execute(
                "DELETE FROM sign_in_failures WHERE database = ? AND user_id = ?", (self.database, user_id)
            )


def _moment(stamp: float) -> datetime:
    return datetime.fromtimestamp(stamp, UTC)
