"""Rows per second into and out of CVD's ``sales`` table: a SQLite file against a PostgreSQL server.

    eval "$(.venv/bin/python -m tests.postgres_support start)"
    .venv/bin/python tests/bench/bench_postgres_load.py                 1 M synthetic sales rows
    .venv/bin/python tests/bench/bench_postgres_load.py --rows 200000

Both targets start as the CVD sample (schema, indexes and rows as the CVD web app wrote them); the same
synthetic rows (sample devices and products, a year of timestamps in CVD's text format) go in

* by each driver's own bulk path: SQLite ``executemany`` in one transaction, PostgreSQL ``COPY``;
* by SQLAlchemy Core ``insert()`` with lists of 10,000 rows, as portable sync code would write;

and are read back by a streamed Core ``select`` (what a pull does). The sync benchmark cites these figures.
Foreign keys are checked on both (the app's SQLite engines switch them on; PostgreSQL always checks), and
they dominate PostgreSQL's insert cost: two look-ups per sales row. The test cluster runs with fsync off.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import numpy as np
import sqlalchemy as sa

PROJECT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT))

from storage.engine import make_engine  # noqa: E402
from tests.postgres_support import CVD_SAMPLE, copy_rows, cvd_sample_postgres, drop_database  # noqa: E402

COLUMNS = ("device_id", "product_id", "sale_units", "sale_cash", "created_at", "updated_at")
BATCH = 10_000
SAMPLE_SALES = 2731  # rows the CVD sample already holds


def synthetic_sales(rows: int, seed: int = 9) -> list[tuple[object, ...]]:
    """Sales as the CVD web app stores them: per device and product, units, cash, a text timestamp."""
    with sqlite3.connect(f"file:{CVD_SAMPLE}?mode=ro", uri=True) as sample:
        devices = [d for (d,) in sample.execute("SELECT id FROM devices ORDER BY id")]
        products = dict(sample.execute("SELECT id, price FROM products WHERE NOT is_system ORDER BY id"))
    rng = np.random.default_rng(seed)
    device = rng.choice(devices, rows)
    product = rng.choice(list(products), rows)
    units = rng.integers(1, 12, rows)
    start = dt.datetime(2025, 1, 1)
    seconds = np.sort(rng.integers(0, 365 * 86_400, rows))
    stamps = [(start + dt.timedelta(seconds=int(s))).strftime("%Y-%m-%d %H:%M:%S") for s in seconds]
    return [
        (int(d), int(p), int(u), round(float(u) * products[int(p)], 2), t, t)
        for d, p, u, t in zip(device, product, units, stamps, strict=True)
    ]


def _timed(label: str, rows: int, work: Callable[..., object], *arguments: object) -> float:
    began = time.perf_counter()
    work(*arguments)
    seconds = time.perf_counter() - began
    print(f"  {label:<46} {rows:>10,d} rows {seconds:8.2f} s {rows / seconds:>12,.0f} rows/s", flush=True)
    return rows / seconds


def as_mappings(rows: list[tuple[object, ...]]) -> list[dict[str, object]]:
    """Rows as Core takes them; its DateTime columns want datetimes (on SQLite too), made before timing."""
    mappings = [dict(zip(COLUMNS, row, strict=True)) for row in rows]
    for row in mappings:
        row["created_at"] = row["updated_at"] = dt.datetime.fromisoformat(str(row["created_at"]))
    return mappings


def _core_insert(engine: sa.Engine, rows: list[dict[str, object]]) -> None:
    sales = sa.Table("sales", sa.MetaData(), autoload_with=engine)
    with engine.begin() as connection:
        for first in range(0, len(rows), BATCH):
            connection.execute(sa.insert(sales), rows[first : first + BATCH])


def _stream(engine: sa.Engine) -> int:
    sales = sa.Table("sales", sa.MetaData(), autoload_with=engine)
    count = 0
    with engine.connect() as connection:
        result = connection.execution_options(yield_per=50_000).execute(sa.select(sales))
        for partition in result.partitions():
            count += len(partition)
    return count


def _sqlite_executemany(target: Path, rows: list[tuple[object, ...]]) -> None:
    marks = ", ".join("?" for _ in COLUMNS)
    with closing(sqlite3.connect(target)) as database, database:
        database.execute("PRAGMA foreign_keys=ON")  # as the app's engines do, and as PostgreSQL always does
        database.executemany(f"INSERT INTO sales ({', '.join(COLUMNS)}) VALUES ({marks})", rows)


def _postgres_copy(engine: sa.Engine, rows: list[tuple[object, ...]]) -> None:
    with engine.begin() as connection:
        copy_rows(connection, "sales", COLUMNS, rows)


def _fresh_sqlite(folder: Path, name: str) -> Path:
    target = folder / name
    shutil.copyfile(CVD_SAMPLE, target)
    target.chmod(0o644)
    return target


def measure_sqlite(rows: list[tuple[object, ...]], folder: Path) -> dict[str, float]:
    total = len(rows) + SAMPLE_SALES
    figures = {"executemany": _timed("SQLite executemany, one transaction", len(rows), _sqlite_executemany,
                                     _fresh_sqlite(folder, "driver.sqlite"), rows)}  # fmt: skip
    engine = make_engine(f"sqlite:///{_fresh_sqlite(folder, 'core.sqlite')}")  # the app's: foreign keys on
    try:
        mappings = as_mappings(rows)
        figures["core"] = _timed("SQLite Core insert, 10k-row lists", len(rows), _core_insert, engine, mappings)
        figures["read"] = _timed("SQLite streamed Core select", total, _read_all, engine, total)
    finally:
        engine.dispose()
    return figures


def measure_postgres(rows: list[tuple[object, ...]]) -> dict[str, float]:
    total = len(rows) + SAMPLE_SALES
    figures = {}
    for method in ("copy", "core"):
        url = cvd_sample_postgres(f"bench_{method}")
        engine = sa.create_engine(url)
        try:
            if method == "copy":
                figures["copy"] = _timed("PostgreSQL COPY, one transaction", len(rows), _postgres_copy, engine, rows)
            else:
                mappings = as_mappings(rows)
                figures["core"] = _timed("PostgreSQL Core insert, 10k-row lists", len(rows), _core_insert, engine,
                                         mappings)  # fmt: skip
                figures["read"] = _timed("PostgreSQL streamed Core select", total, _read_all, engine, total)
        finally:
            engine.dispose()
            drop_database(url)
    return figures


def _read_all(engine: sa.Engine, expected: int) -> None:
    counted = _stream(engine)
    if counted != expected:
        raise AssertionError(f"read {counted:,} rows, expected {expected:,}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    began = time.perf_counter()
    rows = synthetic_sales(args.rows)
    print(f"{args.rows:,} synthetic CVD sales rows made in {time.perf_counter() - began:.1f} s")
    with tempfile.TemporaryDirectory(prefix="bench-postgres-load-") as scratch:
        sqlite = measure_sqlite(rows, Path(scratch))
    postgres = measure_postgres(rows)
    print(
        f"bulk path: PostgreSQL COPY {postgres['copy']:,.0f} rows/s vs SQLite executemany "
        f"{sqlite['executemany']:,.0f} rows/s; Core insert {postgres['core']:,.0f} vs "
        f"{sqlite['core']:,.0f} rows/s; streamed read {postgres['read']:,.0f} vs {sqlite['read']:,.0f} rows/s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
