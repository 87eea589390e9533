"""How to open a database: any SQLAlchemy URL or SQLite file (where the demo lives: ``storage.app_context``)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # SQLAlchemy loads when a database is opened, not when a URL is only normalised
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session, sessionmaker

APP_NAME = "planogram-studio"


def normalise_url(url_or_path: str) -> str:
    """Accept a SQLAlchemy URL or a bare path to a SQLite file."""
    if "://" in url_or_path:
        return url_or_path
    return f"sqlite:///{Path(url_or_path).expanduser().resolve()}"


def sqlite_file(url: str) -> Path | None:
    """The file behind a SQLite URL, or None for servers and in-memory databases."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def display_url(url: str) -> str:
    """The URL as shown to users: never with a password in it."""
    from sqlalchemy.engine import make_url

    return make_url(normalise_url(url)).render_as_string(hide_password=True)


def make_engine(url: str, *, read_only: bool = False) -> Engine:
    """An engine for ``url``; SQLite connections enforce foreign keys and wait up to ``BUSY_TIMEOUT_S`` for a lock.

    ``read_only`` opens a SQLite file so that nothing can be written to it or beside it (no journal, no
    ``-wal``/``-shm``): for a file on a read-only mount, an immutable file, or one the user may not write.
    WAL is switched on by :func:`storage.schema.prepare_database` once the file is known to be ours, because
    the journal mode is written into the file and a foreign database must be left untouched. No folder is
    created here: only a command that creates a database may (``prepare_database(..., access=CREATE)``).
    """
    from sqlalchemy import create_engine, event

    from storage.database import BUSY_TIMEOUT_S, mark_read_only

    url = normalise_url(url)
    file = sqlite_file(url)
    if file is not None and read_only:
        engine = create_engine(url, creator=lambda: read_only_connection(file))
        mark_read_only(engine)
    elif file is not None:
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_S})
    elif url.startswith("postgresql"):
        # the server's own zone must not leak into stored times: CURRENT_TIMESTAMP defaults are UTC, as on SQLite
        engine = create_engine(url, connect_args={"options": "-c timezone=UTC"})
    else:
        engine = create_engine(url)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _configure(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

    return engine


def read_only_connection(file: Path) -> sqlite3.Connection:
    """SQLite's read-only open; ``immutable`` too (no locks, no -shm) unless a -wal beside it holds pages to read."""
    from storage.database import BUSY_TIMEOUT_S

    wal = Path(f"{file}-wal")
    pending = wal.exists() and wal.stat().st_size > 0
    uri = f"{file.as_uri()}?mode=ro" + ("" if pending else "&immutable=1")
    return sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_S, check_same_thread=False)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    from sqlalchemy.orm import sessionmaker

    return sessionmaker(engine, expire_on_commit=False)
