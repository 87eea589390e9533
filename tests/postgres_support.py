"""A real PostgreSQL server for the tests: a throwaway local cluster, fresh databases, the CVD sample loaded in.

Why: an operator's shared CVD database may be a PostgreSQL server, and only a real server shows where types,
constraints, sequences and transactions differ from a SQLite file. SQLite-only green tests would hide that.

Developers::

    eval "$(.venv/bin/python -m tests.postgres_support start)"   # exports PLANOGRAM_TEST_POSTGRES
    .venv/bin/python -m tests.postgres_support stop
    .venv/bin/python -m tests.postgres_support load postgresql://owner@server/cvd --from cvd.sqlite

Tests take the ``postgres_url`` (an empty database) or ``cvd_postgres_url`` (the real CVD sample) fixture, or
call :func:`cvd_generated_postgres` (the CVD database :mod:`tests.cvd_builder` generates) or
:func:`cvd_sample_postgres`. Without a server they skip, saying how to start
one; under ``CI=true`` they fail.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import hashlib
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.pool import NullPool

from tests.shared_sample import CVD_SAMPLE, cvd_sample_path

ENV_VARIABLE = "PLANOGRAM_TEST_POSTGRES"
CLUSTER_DIR = Path(
    os.environ.get("PLANOGRAM_TEST_POSTGRES_DIR", Path(tempfile.gettempdir()) / "planogram-test-postgres")
)
START_HINT = 'eval "$(.venv/bin/python -m tests.postgres_support start)"'
_TEMPLATE_PREFIX = "cvd_sample_template"
_GENERATED_PREFIX = "cvd_generated_template"
_GENERATED_FROM = ("tests/cvd_builder.py", "storage/cvd/schema.py", "tests/postgres_support.py")
_BTREE_LIMIT = 2000  # bytes; PostgreSQL refuses b-tree entries over 2704


# --- the server -------------------------------------------------------------------------------------------


def server_url() -> str | None:
    """The admin URL of the test server (a superuser, database ``postgres``), or None when none is configured."""
    return os.environ.get(ENV_VARIABLE) or None


def require_server() -> str:
    """The test server's URL; skips the test without one, but fails it in CI, where a skip would hide a gap."""
    url = server_url()
    if url is not None:
        return url
    reason = f"no PostgreSQL test server: {ENV_VARIABLE} is unset (start one with: {START_HINT})"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; .ci/run must start it before pytest", pytrace=False)
    pytest.skip(reason)


def _admin_engine() -> Engine:
    url = server_url()
    if url is None:
        raise RuntimeError(f"{ENV_VARIABLE} is unset; start a test server with: {START_HINT}")
    return sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)


def _database_url(name: str) -> str:
    return make_url(require_server()).set(database=name).render_as_string(hide_password=False)


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def fresh_database(prefix: str, template: str | None = None) -> str:
    """Create an empty, uniquely named database (a copy of ``template`` if given) and return its URL.

    The database is dropped when the Python process ends; fixtures drop theirs sooner.
    """
    require_server()
    slug = re.sub(r"[^a-z0-9_]+", "_", prefix.lower()).strip("_")[:40] or "test"
    name = f"{slug}_{uuid.uuid4().hex[:10]}"
    engine = _admin_engine()
    try:
        with engine.connect() as connection:
            clause = f" TEMPLATE {_quoted(template)}" if template else ""
            connection.exec_driver_sql(f"CREATE DATABASE {_quoted(name)}{clause}")
    finally:
        engine.dispose()
    atexit.register(_drop_quietly, name)
    return _database_url(name)


def drop_database(url: str) -> None:
    """Drop the database behind ``url``, closing whatever connections are still open on it."""
    name = make_url(url).database
    if not name or server_url() is None:
        return
    engine = _admin_engine()
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {_quoted(name)} WITH (FORCE)")
    finally:
        engine.dispose()


def _drop_quietly(name: str) -> None:
    # the server may be gone already at exit; the throwaway cluster is deleted with it then
    with contextlib.suppress(sa.exc.SQLAlchemyError, pytest.skip.Exception, pytest.fail.Exception):
        drop_database(_database_url(name))


# --- the CVD sample: its SQLite schema translated, every row copied ----------------------------------------


def _postgres_type(column_type: sa.types.TypeEngine[Any]) -> sa.types.TypeEngine[Any]:
    """CVD's SQLite column type as PostgreSQL spells it, keeping what SQLite really stores (REAL is a double)."""
    if isinstance(column_type, sa.Boolean):
        return sa.Boolean()
    if isinstance(column_type, sa.DateTime | sa.TIMESTAMP):
        return sa.TIMESTAMP()
    if isinstance(column_type, sa.Date):
        return sa.Date()
    if isinstance(column_type, sa.Float):
        return sa.Double()
    if isinstance(column_type, sa.Numeric):
        return sa.Numeric(column_type.precision, column_type.scale)
    if isinstance(column_type, sa.BigInteger):
        return sa.BigInteger()
    if isinstance(column_type, sa.Integer):
        return sa.Integer()
    if isinstance(column_type, sa.LargeBinary):
        return sa.LargeBinary()
    return sa.Text()  # VARCHAR(n) too: SQLite never enforces n and CVD relies on it ('CONSOLIDATED' in a VARCHAR(10))


def _postgres_default(column: sa.Column[Any]) -> sa.DefaultClause | None:
    """The column's default in PostgreSQL terms: SQLite writes booleans as 0/1, PostgreSQL needs false/true."""
    default = column.server_default
    if default is None or not isinstance(default, sa.DefaultClause):
        return None
    text = str(default.arg.text if isinstance(default.arg, sa.TextClause) else default.arg).strip()
    if text.upper() == "NULL":
        return None
    if isinstance(column.type, sa.Boolean):
        text = {"0": "false", "1": "true"}.get(text.strip("'"), text.lower())
    return sa.DefaultClause(sa.text(text))


def _autoincrement_tables(source: sqlite3.Connection) -> set[str]:
    """Tables whose integer key is AUTOINCREMENT: PostgreSQL gives them an identity column."""
    rows = source.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND sql IS NOT NULL")
    return {name for name, sql in rows if re.search(r"\bAUTOINCREMENT\b", sql, re.IGNORECASE)}


def _long_text_columns(source: sqlite3.Connection, schema: sa.MetaData) -> set[tuple[str, str]]:
    """Indexed text columns holding values too long for a PostgreSQL b-tree entry (about 2.7 kB)."""
    found = set()
    for table in schema.tables.values():
        for index in table.indexes:
            for column in index.columns:
                (longest,) = source.execute(
                    f"SELECT max(length(CAST({_quoted(column.name)} AS BLOB))) FROM {_quoted(table.name)}"
                ).fetchone()
                if (longest or 0) > _BTREE_LIMIT:
                    found.add((table.name, column.name))
    return found


def translate_schema(
    source: sa.MetaData, autoincrement: set[str], long_text: set[tuple[str, str]] = frozenset()
) -> sa.MetaData:
    """CVD's tables for PostgreSQL: same names, columns, keys, unique constraints, checks and indexes.

    An index over long text (CVD indexes whole knowledge-base articles) becomes a hash index: the same
    equality look-ups, without PostgreSQL's b-tree entry size limit.
    """
    target = sa.MetaData()
    for table in source.sorted_tables:
        if table.name.startswith("sqlite_"):
            continue
        identity_key = table.name in autoincrement and len(table.primary_key.columns) == 1
        columns = []
        for column in table.columns:
            is_identity = identity_key and column.primary_key and isinstance(column.type, sa.Integer)
            columns.append(
                sa.Column(
                    column.name,
                    _postgres_type(column.type),
                    *([sa.Identity()] if is_identity else []),
                    primary_key=column.primary_key,
                    nullable=column.nullable and not column.primary_key,
                    server_default=None if is_identity else _postgres_default(column),
                    autoincrement=is_identity,
                )
            )
        constraints: list[sa.Constraint] = []
        for foreign_key in table.foreign_key_constraints:
            constraints.append(
                sa.ForeignKeyConstraint(
                    [element.parent.name for element in foreign_key.elements],
                    [element.target_fullname for element in foreign_key.elements],
                    name=foreign_key.name,
                    ondelete=foreign_key.ondelete,
                    onupdate=foreign_key.onupdate,
                )
            )
        for constraint in table.constraints:
            if isinstance(constraint, sa.UniqueConstraint):
                constraints.append(sa.UniqueConstraint(*(c.name for c in constraint.columns), name=constraint.name))
            elif isinstance(constraint, sa.CheckConstraint):
                constraints.append(sa.CheckConstraint(str(constraint.sqltext), name=constraint.name))
        new_table = sa.Table(table.name, target, *columns, *constraints)
        for index in table.indexes:
            names = [c.name for c in index.columns]
            hashed = len(names) == 1 and not index.unique and (table.name, names[0]) in long_text
            sa.Index(index.name, *(new_table.c[n] for n in names), unique=bool(index.unique),
                     postgresql_using="hash" if hashed else None)
    return target


def copy_rows(connection: Connection, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Bulk-load rows with PostgreSQL's COPY (text format: the server parses '2025-07-01 08:13:00', 1, 32.23)."""
    driver = connection.connection.driver_connection
    column_list = ", ".join(_quoted(c) for c in columns)
    count = 0
    with driver.cursor() as cursor, cursor.copy(f"COPY {_quoted(table)} ({column_list}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def advance_identities(connection: Connection, sequence_floor: dict[str, int] | None = None) -> None:
    """Move every identity past the highest id (and past SQLite's sqlite_sequence), so the next insert works."""
    floor = sequence_floor or {}
    identities = connection.exec_driver_sql(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND is_identity = 'YES'"
    ).all()
    for table, column in identities:
        highest = connection.exec_driver_sql(f"SELECT max({_quoted(column)}) FROM {_quoted(table)}").scalar()
        value = max(highest or 0, floor.get(table, 0))
        if value > 0:
            connection.execute(
                sa.text("SELECT setval(pg_get_serial_sequence(:table, :column), :value)"),
                {"table": _quoted(table), "column": column, "value": value},
            )


def _open_sample(sqlite_path: Path) -> sqlite3.Connection:
    if not sqlite_path.is_file():
        raise FileNotFoundError(f"CVD sample not found at {sqlite_path}: the shared folder must sit beside the repo")
    return sqlite3.connect(f"file:{sqlite_path}?mode=ro", uri=True)


def load_cvd_sample(url: str, sqlite_path: Path = CVD_SAMPLE) -> None:
    """Copy the CVD SQLite database's schema and every row into the (empty) PostgreSQL database at ``url``."""
    source_engine = sa.create_engine("sqlite://", creator=lambda: _open_sample(sqlite_path), poolclass=NullPool)
    source_schema = sa.MetaData()
    source_schema.reflect(source_engine)
    source_engine.dispose()
    source = _open_sample(sqlite_path)
    target_engine = sa.create_engine(url, poolclass=NullPool)
    try:
        long_text = _long_text_columns(source, source_schema)
        target_schema = translate_schema(source_schema, _autoincrement_tables(source), long_text)
        with target_engine.begin() as connection:
            target_schema.create_all(connection)
            for table in target_schema.sorted_tables:
                names = [c.name for c in table.columns]
                select = f"SELECT {', '.join(_quoted(n) for n in names)} FROM {_quoted(table.name)}"
                copy_rows(connection, table.name, names, source.execute(select))
            sequences = dict(source.execute("SELECT name, seq FROM sqlite_sequence"))
            advance_identities(connection, sequences)
    finally:
        source.close()
        target_engine.dispose()


def _template(prefix: str, fingerprint: str, fill: Callable[[str], None]) -> str:
    """A database filled once (per ``fingerprint`` of what fills it) by ``fill(url)``, cloned for each test."""
    name = f"{prefix}_{fingerprint}"
    engine = _admin_engine()
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT pg_advisory_lock(91157)")  # other test processes may build it too
            try:
                exists = connection.execute(
                    sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
                ).scalar()
                if not exists:
                    stale = connection.execute(
                        sa.text("SELECT datname FROM pg_database WHERE datname LIKE :prefix"),
                        {"prefix": f"{prefix}_%"},
                    ).scalars()
                    for old in list(stale):  # built from another sample or loader: nobody clones those now
                        connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {_quoted(old)} WITH (FORCE)")
                    building = f"{name}_building"
                    connection.exec_driver_sql(f"CREATE DATABASE {_quoted(building)}")
                    fill(_database_url(building))
                    connection.exec_driver_sql(f"ALTER DATABASE {_quoted(building)} RENAME TO {_quoted(name)}")
            finally:
                connection.exec_driver_sql("SELECT pg_advisory_unlock(91157)")
    finally:
        engine.dispose()
    return name


def _sample_template() -> str:
    """A database holding the loaded sample, built once per sample file and loader."""
    sample = cvd_sample_path()
    stat = sample.stat()
    loader = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:8]  # a changed loader builds a new one
    return _template(
        _TEMPLATE_PREFIX, f"{stat.st_size}_{int(stat.st_mtime)}_{loader}", lambda url: load_cvd_sample(url, sample)
    )


def _generated_template() -> str:
    """A database holding the generated CVD fleet, built once per version of the builder and CVD's tables."""
    from tests.cvd_builder import write_cvd_database

    project = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256(b"".join((project / path).read_bytes() for path in _GENERATED_FROM)).hexdigest()
    return _template(_GENERATED_PREFIX, digest[:12], write_cvd_database)


def cvd_sample_postgres(prefix: str = "cvd") -> str:
    """A fresh PostgreSQL database holding the real CVD sample's schema and rows; skips (fails in CI) without a
    server or without the sample."""
    require_server()
    return fresh_database(prefix, template=_sample_template())


def cvd_generated_postgres(prefix: str = "cvd") -> str:
    """A fresh PostgreSQL database holding the generated CVD database; skips (fails in CI) without a server."""
    require_server()
    return fresh_database(prefix, template=_generated_template())


@pytest.fixture
def postgres_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """An empty database on the test server, dropped after the test."""
    url = fresh_database(request.node.name)
    yield url
    drop_database(url)


@pytest.fixture
def cvd_postgres_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A database on the test server loaded with the real CVD sample, dropped after the test."""
    url = cvd_sample_postgres(request.node.name)
    yield url
    drop_database(url)


# --- a throwaway local cluster: start | stop | env ---------------------------------------------------------


def _bin(program: str) -> str:
    """A PostgreSQL server program: Debian keeps them in /usr/lib/postgresql/<version>/bin, off the PATH."""
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{program}"), key=lambda p: int(p.parts[-3]))
    if candidates:
        return str(candidates[-1])
    found = shutil.which(program)
    if found is None:
        raise SystemExit(f"{program} not found: install PostgreSQL (Debian: apt-get install postgresql)")
    return found


def _as_server_user(command: list[str]) -> list[str]:
    """initdb and the server refuse to run as root: run them as the ``postgres`` account then."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _running_url() -> str | None:
    data, url_file = CLUSTER_DIR / "data", CLUSTER_DIR / "url"
    if not url_file.is_file():
        return None
    status = subprocess.run(_as_server_user([_bin("pg_ctl"), "status", "-D", str(data)]), capture_output=True)
    url = url_file.read_text().strip()
    if status.returncode != 0:
        return None
    try:  # a stale pid file whose number another process now holds passes pg_ctl's check: knock on the port
        socket.create_connection(("127.0.0.1", make_url(url).port or 5432), timeout=2).close()
    except OSError:
        return None
    return url


def start_cluster() -> str:
    """Start (or reuse) a cluster listening on 127.0.0.1 only, trusting local logins; return its admin URL."""
    url = _running_url()
    if url is not None:
        return url
    shutil.rmtree(CLUSTER_DIR, ignore_errors=True)
    data = CLUSTER_DIR / "data"
    CLUSTER_DIR.mkdir(parents=True)
    data.mkdir(mode=0o700)
    if os.geteuid() == 0:
        shutil.chown(data, "postgres", "postgres")
    subprocess.run(
        _as_server_user([_bin("initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                         "--no-locale", "--no-sync"]),
        check=True, capture_output=True,
    )
    port = _free_port()
    settings = {
        "listen_addresses": "'127.0.0.1'",
        "port": str(port),
        "unix_socket_directories": f"'{data}'",
        "fsync": "off",  # a throwaway test cluster: durability buys nothing, speed does
        "synchronous_commit": "off",
        "full_page_writes": "off",
        "max_connections": "200",
    }
    with (data / "postgresql.conf").open("a") as conf:
        conf.writelines(f"{key} = {value}\n" for key, value in settings.items())
    log = CLUSTER_DIR / "server.log"
    if os.geteuid() == 0:
        shutil.chown(CLUSTER_DIR, "postgres", "postgres")
    started = subprocess.run(
        _as_server_user([_bin("pg_ctl"), "start", "-w", "-D", str(data), "-l", str(log)]), capture_output=True
    )
    if started.returncode != 0:
        raise SystemExit(f"PostgreSQL did not start: {log.read_text() if log.exists() else started.stderr.decode()}")
    url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    (CLUSTER_DIR / "url").write_text(url + "\n")
    return url


def stop_cluster() -> None:
    """Stop the throwaway cluster and delete its files."""
    data = CLUSTER_DIR / "data"
    if data.is_dir():
        subprocess.run(_as_server_user([_bin("pg_ctl"), "stop", "-m", "fast", "-D", str(data)]), capture_output=True)
    shutil.rmtree(CLUSTER_DIR, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.postgres_support", description="A throwaway PostgreSQL cluster for the tests."
    )
    parser.add_argument("action", choices=["start", "stop", "env", "load"],
                        help="start (or reuse) a cluster and print the export line; stop and delete it; print the "
                             "line; load a CVD SQLite file into the empty database at URL")  # fmt: skip
    parser.add_argument("url", nargs="?", help="load: the empty PostgreSQL database, postgresql://owner@host/db")
    parser.add_argument("--from", dest="source", type=Path, default=CVD_SAMPLE, help="load: the CVD SQLite file")
    args = parser.parse_args(argv)
    if args.action == "load":
        if not args.url:
            parser.error("load needs the URL of an empty PostgreSQL database")
        load_cvd_sample(args.url, args.source)
        print(f"{args.source} loaded into {make_url(args.url).render_as_string(hide_password=True)}", file=sys.stderr)
        return 0
    if args.action == "stop":
        stop_cluster()
        return 0
    url = start_cluster() if args.action == "start" else _running_url()
    if url is None:
        print(f"no test cluster is running; start one with: {START_HINT}", file=sys.stderr)
        return 1
    print(f"export {ENV_VARIABLE}={url}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
