"""Importing machine audits (issue 19): 10,000 DEX files into a fresh database, printed against the budget, not
asserted.

    .venv/bin/python tests/bench/bench_audit_import.py [--files 10000] [--machines 100]

The files are 100 machines × 100 weekly reads, 48 selections each (the Crane National 187's size, every record the
parser reads), each read's counters advanced from the one before; written to a temporary folder first (not
timed). Timed: reading the files, parsing them (all or nothing), storing reads and selections in one import and
rebuilding the sales between reads — what ``audit import`` does. Budget: < 60 s on 2 cores. The load average is
printed beside the time: it is wall clock on a shared machine.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from designer.machine_audits import AuditRead, MachineIdentity, Tally, VendTotals, audit_to_text
from storage.machine_audits import AuditFile, import_audits, read_audit_files
from storage.schema import prepare_database
from tests.machine_audits.factories import busy_machine

BUDGET_S = 60.0


def next_read(read: AuditRead, week: int) -> AuditRead:
    """A week on: every selection sold a few more, the read counter one up."""
    selections = {}
    for index, (name, selection) in enumerate(read.selections.items()):
        paid = selection.paid
        assert paid is not None and paid.since_init is not None and selection.price is not None
        sold = (index + week) % 9
        value = paid.since_init.value
        grown = Tally(paid.since_init.count + sold, replace(value, amount=value.amount + sold * selection.price.amount))
        selections[name] = replace(selection, paid=VendTotals(grown, paid.since_reset))
    counters = read.counters
    assert counters is not None and counters.read_at is not None
    moved = replace(
        counters, read_at=counters.read_at + timedelta(days=7), reads_since_init=(counters.reads_since_init or 0) + 1
    )
    return replace(read, selections=selections, counters=moved, clock_at=moved.read_at)


def write_files(folder: Path, files: int, machines: int) -> list[Path]:
    paths = []
    per_machine = files // machines
    for machine in range(machines):
        read = busy_machine(48, seed=machine)
        read = replace(read, machine=MachineIdentity("BENCH", f"SN{machine:05d}", "187"))
        read = replace(read, counters=replace(read.counters, read_at=datetime(2024, 1, 1)))  # type: ignore[arg-type]
        for week in range(per_machine):
            path = folder / f"m{machine:03d}-w{week:03d}.dex"
            path.write_text(audit_to_text(read), newline="")
            paths.append(path)
            read = next_read(read, week)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--machines", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        started = time.perf_counter()
        paths = write_files(root, args.files, args.machines)
        print(f"wrote {len(paths):,} files in {time.perf_counter() - started:.1f} s (not timed)")
        engine = prepare_database(f"sqlite:///{root / 'bench.sqlite'}")
        load = os.getloadavg()[0]
        cpu = _cpu()
        started = time.perf_counter()
        arrived = datetime.now(UTC).replace(tzinfo=None)
        files = [AuditFile(path.name, path.read_bytes(), arrived) for path in paths]
        read_at, read_cpu = time.perf_counter(), _cpu()
        parsed = read_audit_files(files)
        parsed_at, parsed_cpu = time.perf_counter(), _cpu()
        summary = import_audits(engine, parsed)
        done, done_cpu = time.perf_counter(), _cpu()
        engine.dispose()
    total = done - started
    verdict = "OK" if total < BUDGET_S else "OVER BUDGET"
    print(f"load average {load:.1f} at the start, {os.getloadavg()[0]:.1f} at the end, on {os.cpu_count()} cores")
    print(
        f"wall: read {read_at - started:.1f} s, parse {parsed_at - read_at:.1f} s, "
        f"store + sales {done - parsed_at:.1f} s"
    )
    print(
        f"CPU (this process + parse workers): read {_spent(cpu, read_cpu)}, parse {_spent(read_cpu, parsed_cpu)}, "
        f"store + sales {_spent(parsed_cpu, done_cpu)}"
    )
    print(
        f"{len(paths):,} files → {summary.reads_new:,} reads, {summary.sales_periods:,} selection-periods: "
        f"{total:.1f} s  budget < {BUDGET_S:.0f} s  {verdict}"
    )


def _cpu() -> tuple[float, float]:
    """CPU seconds of this process and of its finished children (the parse workers)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def _spent(before: tuple[float, float], after: tuple[float, float]) -> str:
    own, workers = after[0] - before[0], after[1] - before[1]
    return f"{own:.1f} s" + (f" + {workers:.1f} s in workers" if workers else "")


if __name__ == "__main__":
    main()
