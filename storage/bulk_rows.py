"""Many rows into one table inside the caller's transaction, fast on both databases we run on.

A million sales through the ORM or Core's per-row parameter handling take minutes; here SQLite gets the driver's
``executemany`` with each value already in the form SQLAlchemy would store (:meth:`BulkRows.stored`, cached per
distinct value: a million sales share a few hundred moments and prices), PostgreSQL gets psycopg's ``COPY``, and any
other database a plain Core insert. Ids are handed out before the insert (:func:`allocate_ids`), so rows that point
at the new rows need no ``RETURNING``.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, func, insert, select
from sqlalchemy.schema import CreateIndex


class BulkRows:
    """Rows of ``columns`` for ``table``; values given in Python form, stored as SQLAlchemy would store them."""

    def __init__(self, connection: Connection, table: Table, columns: Sequence[str]) -> None:
        self.connection, self.table, self.columns = connection, table, tuple(columns)
        dialect = connection.dialect
        self.kind = "sqlite" if dialect.name == "sqlite" else "copy" if dialect.driver == "psycopg" else "core"
        self._processors: dict[str, Callable[[Any], Any] | None] = {
            name: table.c[name].type.dialect_impl(dialect).bind_processor(dialect) if self.kind == "sqlite" else None
            for name in self.columns
        }
        self._stored: dict[str, dict[Hashable, Any]] = {name: {} for name in self.columns}

    def stored(self, column: str, value: Hashable) -> Any:
        """``value`` as this table's ``column`` stores it over the driver (a datetime as SQLite's text, …)."""
        cache = self._stored[column]
        found = cache.get(value, cache)
        if found is cache:
            processor = self._processors[column]
            found = cache[value] = processor(value) if processor is not None and value is not None else value
        return found

    def moment(self, value: datetime | None) -> Any:
        """A timestamp as the driver is given it: SQLAlchemy's SQLite text (``2022-01-01 17:00:00.000000``), else
        the datetime itself."""
        if value is None or self.kind != "sqlite":
            return value
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")

    def insert(self, rows: Sequence[tuple[Any, ...]]) -> None:
        """Insert ``rows`` (tuples in :attr:`columns` order, values passed through :meth:`stored` where typed)."""
        if not rows:
            return
        names = ", ".join(self.columns)
        if self.kind == "sqlite":
            marks = ", ".join("?" for _ in self.columns)
            self.connection.exec_driver_sql(f"INSERT INTO {self.table.name} ({names}) VALUES ({marks})", list(rows))
        elif self.kind == "copy":
            driver = self.connection.connection.driver_connection
            assert driver is not None
            with driver.cursor() as cursor, cursor.copy(f"COPY {self.table.name} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            self.connection.execute(insert(self.table), [dict(zip(self.columns, row, strict=True)) for row in rows])


def allocate_ids(connection: Connection, table: Table, count: int) -> Sequence[int]:
    """``count`` ids for new rows of ``table`` that no other writer will take: PostgreSQL draws them from the
    column's sequence; SQLite, whose writer holds the database's only write lock for the whole transaction (the
    caller has written already), takes those above the highest in use."""
    if count <= 0:
        return []
    if connection.dialect.name == "postgresql":
        drawn = connection.exec_driver_sql(
            f"SELECT nextval(pg_get_serial_sequence('{table.name}', 'id')) FROM generate_series(1, {int(count)})"
        )
        return [int(value) for value in drawn.scalars()]
    start = int(connection.scalar(select(func.max(table.c.id))) or 0) + 1
    return range(start, start + count)


def placeholders(connection: Connection, count: int) -> str:
    """``count`` positional parameter marks in the driver's own style, for a raw ``IN (…)``."""
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    return ", ".join(mark for _ in range(count))


@contextmanager
def indexes_built_after(connection: Connection, tables: Sequence[Table], adding: int) -> Iterator[None]:
    """On SQLite, when ``adding`` rows at least double a table, its secondary indexes are dropped for the insert
    and built once after it (a sort instead of a random b-tree insert per row: a million-line import stores ~30 %
    faster); inside the caller's transaction, so a failure puts them back with everything else. A larger table
    keeps its indexes: rebuilding them over all its rows would cost more than the rows added."""
    if connection.dialect.name != "sqlite":
        yield
        return
    dropped = []
    for table in tables:
        held = int(connection.scalar(select(func.count()).select_from(table)) or 0)
        if adding >= held:
            dropped += sorted(table.indexes, key=lambda index: str(index.name))
    for index in dropped:
        connection.exec_driver_sql(f'DROP INDEX IF EXISTS "{index.name}"')
    yield
    for index in dropped:
        connection.execute(CreateIndex(index))
