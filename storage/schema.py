"""Opening a database safely: create or upgrade our schema with alembic, refuse files that are not ours.

Alembic (not a home-made version table) because its batch mode rebuilds SQLite tables without losing rows
and the same revisions run on PostgreSQL, the server database a fleet outgrows a laptop into. Alembic itself
is imported only when the schema must change: a database already at the head revision — every open but the
first after an upgrade — is recognised by reading its ``alembic_version`` row and the revision ids written in
the migration files, which saves a headless command about 0.4 s of start-up.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, MetaData, inspect, text
from sqlalchemy.exc import DatabaseError, OperationalError

from storage import llm_tables, sync_tables, tables
from storage.base import Base
from storage.engine import display_url, make_engine, normalise_url, sqlite_file

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")
HEAD = "head"
VERSION_TABLE = "alembic_version"
_REVISION_LINE = re.compile(r"^(revision|down_revision)\s*(?::[^=]*)?=\s*(.+?)\s*$", re.MULTILINE)
# Each table module puts its tables on the one Base when imported; naming all three here is what makes
# OUR_SCHEMA complete for everyone who needs every table (alembic's target, the demo writer, the tests).
TABLE_MODULES = (tables, llm_tables, sync_tables)
OUR_SCHEMA: MetaData = Base.metadata


class DatabaseProblem(RuntimeError):
    """A database the app cannot open; the message names the problem and what to do."""


def _alembic_config(connection: Connection) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


@cache
def head_revision() -> str:
    """The newest revision id of our migrations ("" when there are none).

    Read from the ``revision``/``down_revision`` lines of the migration files, as alembic writes them; when
    they do not name exactly one head (a branch, a file written otherwise) alembic's own script directory
    decides, so the answer is always alembic's.
    """
    heads = _heads_written_in(sorted((MIGRATIONS / "versions").glob("*.py")))
    if heads is not None and len(heads) <= 1:
        return next(iter(heads), "")
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(MIGRATIONS)).get_current_head() or ""


def _heads_written_in(files: list[Path]) -> set[str] | None:
    """Revisions no other revision builds on; None when a file does not state both ids as plain literals."""
    revisions: set[str] = set()
    built_on: set[str] = set()
    for file in files:
        if file.name == "__init__.py":
            continue
        stated = dict(match.groups() for match in _REVISION_LINE.finditer(file.read_text(encoding="utf-8")))
        try:
            revision = ast.literal_eval(stated["revision"])
            down = ast.literal_eval(stated["down_revision"])
        except (KeyError, ValueError, SyntaxError):
            return None
        if not isinstance(revision, str):
            return None
        revisions.add(revision)
        for parent in down if isinstance(down, tuple | list) else [down]:
            if parent is not None:
                built_on.add(str(parent))
    return revisions - built_on


def current_revision(engine: Engine) -> str | None:
    """The revision the database's schema is at; None for a database without our version table (new or foreign)."""
    with engine.connect() as connection:
        return _stored_revision(connection)


def _stored_revision(connection: Connection) -> str | None:
    """What alembic's ``MigrationContext.get_current_revision`` answers, without importing alembic."""
    if not inspect(connection).has_table(VERSION_TABLE):
        return None
    rows = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars().all()
    if len(rows) > 1:
        raise DatabaseProblem(
            f"{display_url(str(connection.engine.url))} records {len(rows)} schema versions at once "
            f"({', '.join(rows)}); restore it from a backup"
        )
    return rows[0] if rows else None


def _refuse_foreign_schema(connection: Connection, url: str) -> None:
    """A CVD web-app database (or anything else) must never be altered by opening it."""
    tables = set(inspect(connection).get_table_names())
    if not tables or "alembic_version" in tables:
        return
    columns = set()
    if "devices" in tables:
        columns = {column["name"] for column in inspect(connection).get_columns("devices")}
    if {"asset", "cooler"} <= columns or "cabinet_configurations" in tables:
        raise DatabaseProblem(
            f"{display_url(url)} is a CVD web-app database, not a Planogram Studio working copy, and was left "
            "untouched (it is never migrated). Open it with `python main.py --cvd URL` or File → Open CVD database…, "
            "which pull it into a working copy and sync back"
        )
    raise DatabaseProblem(
        f"{display_url(url)} already holds tables that are not Planogram Studio's ({', '.join(sorted(tables)[:5])}…); "
        "it was left untouched. Choose an empty or Planogram Studio database"
    )


def upgrade(engine: Engine, url: str, revision: str = HEAD) -> None:
    """Bring the schema to ``revision``; rows already stored are kept."""
    with engine.begin() as connection:
        _refuse_foreign_schema(connection, url)
        from alembic import command

        command.upgrade(_alembic_config(connection), revision)


def prepare_database(url: str, revision: str = HEAD) -> Engine:
    """An engine on ``url`` with the schema created or upgraded to the current version."""
    url = normalise_url(url)
    file = sqlite_file(url)
    if file is not None and file.exists() and not file.is_file():
        raise DatabaseProblem(f"{file} is a folder, not a database file; choose a .sqlite file")
    engine = make_engine(url)
    try:
        if current_revision(engine) != head_revision() or revision != HEAD:
            upgrade(engine, url, revision)
    except (DatabaseError, OperationalError) as error:
        engine.dispose()
        raise DatabaseProblem(
            f"{display_url(url)} is not a readable database ({getattr(error, 'orig', error)}); "
            "open another file, or restore this one from a backup"
        ) from None
    except DatabaseProblem:
        engine.dispose()
        raise
    if file is not None:
        with engine.connect() as connection:  # readers never wait on the writer (the GUI reads while workers write)
            connection.exec_driver_sql("PRAGMA journal_mode=WAL")
    return engine
