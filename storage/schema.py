"""Opening a database safely: create or upgrade our schema with alembic, refuse files that are not ours.

Alembic (not a home-made version table) because its batch mode rebuilds SQLite tables without losing rows
and the same revisions run on PostgreSQL, the server database a fleet outgrows a laptop into. Alembic itself
is imported only when the schema must change: a database already at the head revision — every open but the
first after an upgrade — is recognised by reading its ``alembic_version`` row and the revision ids written in
the migration files, which saves a headless command about 0.4 s of start-up.
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, MetaData, inspect, text
from sqlalchemy.exc import DatabaseError, OperationalError

from designer.command_outcomes import ExitCode
from storage import llm_tables, machine_audit_tables, sales_import_tables, sync_tables, tables, template_tables
from storage.base import Base
from storage.database import SQLITE_HEADER, DatabaseProblem, explain_failure
from storage.engine import display_url, make_engine, normalise_url, sqlite_file

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")
HEAD = "head"
VERSION_TABLE = "alembic_version"
_REVISION_LINE = re.compile(r"^(revision|down_revision)\s*(?::[^=]*)?=\s*(.+?)\s*$", re.MULTILINE)
# Each table module puts its tables on the one Base when imported; naming all five here is what makes
# OUR_SCHEMA complete for everyone who needs every table (alembic's target, the demo writer, the tests).
TABLE_MODULES = (tables, llm_tables, sync_tables, machine_audit_tables, sales_import_tables, template_tables)
OUR_SCHEMA: MetaData = Base.metadata


__all__ = ["Access", "DatabaseProblem", "current_revision", "head_revision", "opening_for", "prepare_database"]


class Access(StrEnum):
    """What a command may do to the database it opens."""

    READ = "read"
    """It only reads: nothing is created; a file that cannot be written is opened read-only (its side records,
    such as the audit row, are skipped with a warning)."""
    WRITE = "write"
    """It changes an existing database: a file that cannot be written is refused (``READ_ONLY``)."""
    CREATE = "create"
    """It may create the database and its folder (``demo``, a first ``sync pull``, the designer); an existing
    empty (0-byte) file is still refused: it may be a file the person did not mean."""
    BUILD = "build"
    """The demo build's own new file, which it claimed empty beside the target: that empty file is the database."""


_run_access = Access.CREATE
_checked_files: set[tuple[str, int, int]] = set()


@contextmanager
def opening_for(access: Access) -> Iterator[None]:
    """Open every database as ``access`` allows while the block runs (``main.py`` sets it for one command)."""
    global _run_access
    before, _run_access = _run_access, access
    try:
        yield
    finally:
        _run_access = before


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


def prepare_database(url: str, revision: str = HEAD, *, access: Access | None = None) -> Engine:
    """An engine on ``url`` with the schema created or upgraded to the current version.

    ``access`` defaults to the one the running command set (:func:`opening_for`), else ``CREATE``. Raises
    :class:`DatabaseProblem` (its ``exit_code`` says which) and leaves the file as it was when it cannot be used.
    """
    access = access or _run_access
    url = normalise_url(url)
    file = sqlite_file(url)
    read_only = _check_file(file, url, access) if file is not None else False
    engine = make_engine(url, read_only=read_only)
    try:
        stored = current_revision(engine)
        _refuse_newer_schema(stored, url)
        if file is not None and not read_only and stored is not None:
            _quick_check(engine, file, url)
        if stored != head_revision() or revision != HEAD:
            if read_only:
                raise DatabaseProblem(
                    f"{display_url(url)} was written by an older version of Planogram Studio and must be upgraded "
                    "once, but it cannot be written (read-only file, folder or mount); it was left untouched. "
                    "Open it once where it can be written, or copy it to a writable folder",
                    ExitCode.READ_ONLY,
                )
            upgrade(engine, url, revision)
        if file is not None and not read_only:
            with engine.connect() as connection:  # readers never wait on the writer (the GUI reads while workers write)
                connection.exec_driver_sql("PRAGMA journal_mode=WAL")
    except (DatabaseError, OperationalError) as error:
        engine.dispose()
        raise _unusable(error, url, file) from None
    except DatabaseProblem:
        engine.dispose()
        raise
    return engine


def _unusable(error: BaseException, url: str, file: Path | None) -> DatabaseProblem:
    problem = explain_failure(error, display_url(url), file)
    if problem.exit_code != ExitCode.BAD_INPUT:
        return problem
    return DatabaseProblem(
        f"{display_url(url)} is not a readable database ({getattr(error, 'orig', error)}); "
        "open another file, or restore this one from a backup"
    )


def _check_file(file: Path, url: str, access: Access) -> bool:
    """Refuse what may not be opened as ``access`` asks, before SQLite touches it; True: open it read-only."""
    if file.exists() and not file.is_file():
        raise DatabaseProblem(f"{file} is a folder, not a database file; choose a .sqlite file")
    if not file.exists():
        if access not in (Access.CREATE, Access.BUILD):
            missing = "" if file.parent.is_dir() else f" (the folder {file.parent} does not exist either)"
            raise DatabaseProblem(
                f"there is no database at {file}: the file does not exist{missing}, and nothing was created. "
                f"Name an existing database with --db, or make one there: python main.py demo --db {file} (a demo "
                f"fleet), or python main.py sync pull --cvd URL --db {file} (a working copy of a CVD database)",
                ExitCode.NO_DATABASE,
            )
        folder = next(parent for parent in file.parents if parent.exists())
        if not _writable(folder):
            raise DatabaseProblem(
                f"cannot create {file}: {_why_not_writable(folder)}; nothing was created. Choose a folder you can "
                "write to",
                ExitCode.READ_ONLY,
            )
        file.parent.mkdir(parents=True, exist_ok=True)
        return False
    if file.stat().st_size == 0:
        if access is Access.BUILD:
            return False
        raise DatabaseProblem(
            f"{file} is empty (0 bytes): it is not a Planogram Studio database, and it was left untouched. Name "
            f"the database file with --db, or build one there: python main.py demo --db {file}",
            ExitCode.NOT_A_DATABASE,
        )
    with file.open("rb") as opened:
        start = opened.read(len(SQLITE_HEADER))
    if start != SQLITE_HEADER:
        raise DatabaseProblem(
            f"{display_url(url)} is not a readable database: it is not a SQLite file (it begins {start[:12]!r}), "
            "and it was left untouched. Name the database file with --db, or restore this one from a backup",
            ExitCode.NOT_A_DATABASE,
        )
    if _writable(file) and _writable(file.parent):
        return False
    if access is Access.READ:
        return True
    blocked = file if not _writable(file) else file.parent
    raise DatabaseProblem(
        f"{file} cannot be changed: {_why_not_writable(blocked)}; nothing was changed. This command writes to the "
        "database: copy it to a folder you can write to (or make it writable) and run it again. Commands that "
        "only read (api, export, backtest, check-models, experiment list/status, sync status) work on it as it is",
        ExitCode.READ_ONLY,
    )


def _writable(path: Path) -> bool:
    """Whether this process may write ``path`` (False on a read-only mount or an immutable file, even for root)."""
    return os.access(path, os.W_OK)


def _why_not_writable(path: Path) -> str:
    try:
        if os.statvfs(path).f_flag & os.ST_RDONLY:
            return f"{path} is on a read-only mount"
    except (OSError, AttributeError):  # statvfs is POSIX only
        pass
    if path.is_dir():
        return f"its folder {path} is read-only (SQLite writes its journal beside the file)"
    return f"{path} is read-only (or immutable)"


@cache
def known_revisions() -> frozenset[str]:
    """Every revision id of our migrations: a stored revision outside them was written by a newer version."""
    found: set[str] = set()
    for file in (MIGRATIONS / "versions").glob("*.py"):
        if file.name == "__init__.py":
            continue
        stated = dict(match.groups() for match in _REVISION_LINE.finditer(file.read_text(encoding="utf-8")))
        try:
            found.add(str(ast.literal_eval(stated["revision"])))
        except (KeyError, ValueError, SyntaxError):
            from alembic.script import ScriptDirectory

            return frozenset(script.revision for script in ScriptDirectory(str(MIGRATIONS)).walk_revisions())
    return frozenset(found)


def _refuse_newer_schema(stored: str | None, url: str) -> None:
    if stored is None or stored in known_revisions():
        return
    raise DatabaseProblem(
        f"{display_url(url)} was written by a newer version of Planogram Studio (its schema is {stored!r}; this "
        f"version knows up to {head_revision()!r}), and it was left untouched. Update Planogram Studio to open it",
        ExitCode.NEWER_VERSION,
    )


def _quick_check(engine: Engine, file: Path, url: str) -> None:
    """``PRAGMA quick_check`` the first time this process opens ``file`` for writing (a replaced file counts anew)."""
    status = file.stat()
    key = (str(file.resolve()), status.st_dev, status.st_ino)
    if key in _checked_files:
        return
    with engine.connect() as connection:
        findings = [str(row) for row in connection.exec_driver_sql("PRAGMA quick_check(3)").scalars()]
    if findings != ["ok"]:
        said = "; ".join(line.strip() for finding in findings for line in finding.splitlines() if line.strip())
        raise DatabaseProblem(
            f"{display_url(url)} is damaged: SQLite's quick_check says {said[:240]}; nothing "
            "was written to it. Restore it from a backup, or build it anew "
            "(a CVD working copy: sync pull into a new file)",
            ExitCode.CORRUPT,
        )
    _checked_files.add(key)
