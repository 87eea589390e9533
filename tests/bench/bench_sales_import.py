"""Importing a telemetry sales export (issue 20 item 6): 1,000,000 Seed lines, printed against the budget (< 60 s).

    .venv/bin/python tests/bench/bench_sales_import.py [LINES] [DATABASE_URL]

The lines are generated (20 machines, 200 products, 45 coils each, a third of the lines in two-line card baskets,
the rest single cash vends, over 365 days) into a temporary Seed CSV, then read, planned and stored into a fresh
SQLite database (or the empty database DATABASE_URL names, e.g. a PostgreSQL one) exactly as ``sales import``
does; then the same file again (nothing added) and the import taken back. Each step's wall time is printed with
the machine's load average and this process's CPU seconds (on a shared box wall time follows the load, CPU time
does not): figures, not assertions.
"""

from __future__ import annotations

import csv
import os
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from designer.sales_exports import read_export
from storage.sales_imports import import_sales, plan_import, undo_import
from storage.schema import prepare_database
from tests.sales_exports.seed_files import SEED_HEADER, seed_row

BUDGET_S = 60.0


def write_lines(path: Path, lines: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    start = date(2022, 1, 1)
    coils = [f"1{tray}{column}" for tray in range(1, 6) for column in range(9)]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(SEED_HEADER.split(","))
        basket = 10_000_000_000
        written = 0
        while written < lines:
            basket += 1
            site = rng.randrange(20)
            machine = f"Site {site} x{1300 + site}"
            day = start + timedelta(days=rng.randrange(365))
            card = rng.random() < 0.33
            for _ in range(2 if card and written + 1 < lines else 1):
                writer.writerow(
                    seed_row(
                        product=f"Product {rng.randrange(200)}",
                        basket=str(basket),
                        day=f"{day.month}/{day.day}/{day.year}",
                        kind="Credit" if card else "Cash",
                        coil=rng.choice(coils),
                        price=rng.choice(["1.5", "2", "2.5"]),
                        machine=machine,
                    )
                )
                written += 1


def main() -> None:
    lines = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    url = sys.argv[2] if len(sys.argv) > 2 else None
    with tempfile.TemporaryDirectory() as folder:
        export = Path(folder) / "export.csv"
        write_lines(export, lines)
        engine = prepare_database(url or f"sqlite:///{Path(folder) / 'fleet.sqlite'}")
        load_before = os.getloadavg()[0]
        started, cpu = time.perf_counter(), time.process_time()
        parsed = read_export(export)
        read_s = time.perf_counter() - started
        plan = plan_import(engine, parsed, time_zone="America/New_York")
        plan_s = time.perf_counter() - started - read_s
        summary = import_sales(engine, plan, file_name=export.name)
        total = time.perf_counter() - started
        cpu = time.process_time() - cpu
        load_after = os.getloadavg()[0]
        again = time.perf_counter()
        repeat = import_sales(engine, plan_import(engine, read_export(export), time_zone="America/New_York"))
        again_s = time.perf_counter() - again
        undone = time.perf_counter()
        assert summary.import_id is not None
        undo_import(engine, summary.import_id)
        undo_s = time.perf_counter() - undone
    verdict = "within" if total < BUDGET_S else "OVER"
    print(
        f"sales import, {lines:,} lines into {engine.dialect.name}, on {os.cpu_count()} cores, "
        f"load average {load_before:.2f} before, {load_after:.2f} after"
    )
    print(
        f"  read {read_s:6.1f} s · plan {plan_s:6.1f} s · store {total - read_s - plan_s:6.1f} s · "
        f"total {total:6.1f} s (budget {BUDGET_S:.0f} s: {verdict}); {cpu:.1f} s of this process's CPU"
    )
    print(
        f"  sales added {summary.sales_added:,}; the same file again: {repeat.sales_added:,} added, "
        f"{repeat.plan.already_present:,} already present in {again_s:.1f} s; undone in {undo_s:.1f} s"
    )


if __name__ == "__main__":
    main()
