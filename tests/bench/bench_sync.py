"""CVD sync at scale, against the budgets "initial pull of 1 M sales < 60 s" and "one day's sync < 2 s".

    .venv/bin/python tests/bench/bench_sync.py                  SQLite (a copy of the CVD sample + 1 M sales)
    .venv/bin/python tests/bench/bench_sync.py --rows 200000    fewer rows, for a quick look
    PLANOGRAM_TEST_POSTGRES=… .venv/bin/python tests/bench/bench_sync.py --postgres   also on PostgreSQL

The generated sales (not timed) are appended to a private copy of ``cvd_sample.sqlite`` (or a PostgreSQL
database loaded with it); the working copy is a fresh SQLite file, as on a merchandiser's laptop. "One day"
is one day's share of the generated year (rows / 365), synced with the full sync (pushes, audit, pull).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT))

from storage.cvd.pull import pull  # noqa: E402
from storage.cvd.sync import sync_engines  # noqa: E402
from storage.engine import make_engine  # noqa: E402
from storage.schema import prepare_database  # noqa: E402
from tests.shared_sample import CVD_SAMPLE  # noqa: E402
from tests.sync.helpers import add_cvd_sales  # noqa: E402

INITIAL_BUDGET_S = 60.0
DAY_BUDGET_S = 2.0
DAY_SECONDS = 86_400


def measure(label: str, cvd_url: str, rows: int, folder: Path) -> bool:
    cvd = make_engine(cvd_url)
    step = max(1, 365 * DAY_SECONDS // rows)  # a year of sales, evenly spread
    started = time.perf_counter()
    add_cvd_sales(cvd, rows, start="2025-08-06 00:00:00", step_seconds=step)
    print(f"[{label}] generated {rows:,} CVD sales in {time.perf_counter() - started:.1f} s (not timed)")
    local = prepare_database(f"sqlite:///{folder / f'working-{label}.sqlite'}")

    started = time.perf_counter()
    summary = pull(cvd, local)
    initial = time.perf_counter() - started
    pulled = summary.sales_new
    print(
        f"[{label}] initial pull: {pulled:,} sales in {initial:.1f} s = {pulled / initial:,.0f} rows/s "
        f"(budget < {INITIAL_BUDGET_S:.0f} s) {'OK' if initial < INITIAL_BUDGET_S else 'OVER BUDGET'}"
    )

    day_rows = max(1, rows // 365)
    add_cvd_sales(cvd, day_rows, start="2026-08-06 00:00:00", step_seconds=max(1, DAY_SECONDS // day_rows))
    started = time.perf_counter()
    report = sync_engines(cvd, local)
    day = time.perf_counter() - started
    assert report.pulled is not None and report.pulled.sales_new == day_rows, report
    print(
        f"[{label}] one day's sync: {day_rows:,} new sales (+ layouts compared, queue, audit) in {day:.2f} s "
        f"(budget < {DAY_BUDGET_S:.0f} s) {'OK' if day < DAY_BUDGET_S else 'OVER BUDGET'}"
    )
    local.dispose()
    cvd.dispose()
    return initial < INITIAL_BUDGET_S and day < DAY_BUDGET_S


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000, help="CVD sales rows to pull (default 1,000,000)")
    parser.add_argument("--postgres", action="store_true", help="also measure a PostgreSQL CVD database")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-sync-"))
    ok = True
    try:
        cvd_file = folder / "cvd.sqlite"
        shutil.copyfile(CVD_SAMPLE, cvd_file)
        ok &= measure("sqlite", f"sqlite:///{cvd_file}", args.rows, folder)
        if args.postgres:
            from tests.postgres_support import cvd_sample_postgres, drop_database

            url = cvd_sample_postgres("bench_sync")
            try:
                ok &= measure("postgresql", url, args.rows, folder)
            finally:
                drop_database(url)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
