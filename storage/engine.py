"""How to open a database: any SQLAlchemy URL or SQLite file (where the demo lives: ``storage.app_context``)."""

from __future__ import annotations

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


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite connections enforce foreign keys.

    WAL is switched on by :func:`storage.schema.prepare_database` once the file is known to be ours, because
    the journal mode is written into the file and a foreign database must be left untouched.
    """
    from sqlalchemy import create_engine, event

    url = normalise_url(url)
    file = sqlite_file(url)
    if file is not None:
        file.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _configure(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

    return engine


def session_factory(engine: Engine) -> sessionmaker[Session]:
    from sqlalchemy.orm import sessionmaker

    return sessionmaker(engine, expire_on_commit=False)
