"""Opening a database safely: create or upgrade our schema with alembic, refuse files that are not ours.

Alembic (not a home-made version table) because its batch mode rebuilds SQLite tables without losing rows
and the same revisions run on PostgreSQL, the server database a fleet outgrows a laptop into.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, MetaData, inspect
from sqlalchemy.exc import DatabaseError, OperationalError

from storage import llm_tables, sync_tables, tables
from storage.base import Base
from storage.engine import display_url, make_engine, normalise_url, sqlite_file

MIGRATIONS = Path(__file__).with_name("migrations")
HEAD = "head"
# Each table module puts its tables on the one Base when imported; naming all three here is what makes
# OUR_SCHEMA complete for everyone who needs every table (alembic's target, the demo writer, the tests).
TABLE_MODULES = (tables, llm_tables, sync_tables)
OUR_SCHEMA: MetaData = Base.metadata


class DatabaseProblem(RuntimeError):
    """A database the app cannot open; the message names the problem and what to do."""


def _alembic_config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    return ScriptDirectory(str(MIGRATIONS)).get_current_head() or ""


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


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
