"""Parsing machine audits (issue 19): printed against the budget, not asserted.

    .venv/bin/python tests/bench/bench_machine_audits.py

A generated 500-selection file with every record the parser reads (PA1–PA5, three PA7 devices, an LA1 per
selection: ~4,500 lines, ~120 kB) — budget: median parse < 50 ms — and the 23 real uploads of the CVD sample, each
read as the importer will read it (bytes in, a whole AuditRead out, G85 checked). The machine's load average is
printed beside the times: the timings are wall clock on a shared 2-core machine.
"""

from __future__ import annotations

import gc
import os
import sqlite3
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from designer.machine_audits import audit_to_text, parse_audit
from designer.machine_audits.crc import crc16_arc
from tests.machine_audits.factories import busy_machine
from tests.shared_sample import CVD_SAMPLE

BUDGET_MS = 50.0
RUNS = 41
NEWLINE = b"\n"


def timed(action: object, runs: int = RUNS) -> tuple[float, float, float]:
    """Median and best wall time, and median CPU time of this process, of ``runs`` calls in milliseconds (garbage
    collection off while timing). On a loaded machine the wall time includes waiting for a core; the CPU time is
    what the parse itself costs."""
    wall, cpu = [], []
    gc.disable()
    try:
        for _ in range(runs):
            started, started_cpu = time.perf_counter(), time.process_time()
            action()  # type: ignore[operator]
            cpu.append((time.process_time() - started_cpu) * 1000)
            wall.append((time.perf_counter() - started) * 1000)
    finally:
        gc.enable()
    return statistics.median(wall), min(wall), statistics.median(cpu)


def main() -> None:
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for selections in (48, 500, 2000):
        data = audit_to_text(busy_machine(selections)).encode()
        parse_audit(data)  # warm: the CRC's word table is built once per process (~10 ms)
        median, best, cpu = timed(lambda data=data: parse_audit(data))
        crc_median = timed(lambda data=data: crc16_arc(data))[0]
        budget = ""
        if selections == 500:
            verdict = "OK" if median < BUDGET_MS else ("OVER (CPU within)" if cpu < BUDGET_MS else "OVER BUDGET")
            budget = f"budget < {BUDGET_MS:.0f} ms  {verdict}"
        print(
            f"{selections:>5} selections  {data.count(NEWLINE):>6,} lines  {len(data) / 1000:6.1f} kB  "
            f"parse median {median:6.1f} ms (best {best:5.1f}, CPU {cpu:5.1f})  of which CRC ~{crc_median:4.1f} ms  "
            f"{budget}"
        )
    if not CVD_SAMPLE.is_file():
        print(f"the real CVD sample is not beside this checkout ({CVD_SAMPLE}): real files skipped")
        return
    with sqlite3.connect(CVD_SAMPLE) as connection:
        uploads = connection.execute("SELECT id, filename, raw_content FROM dex_reads ORDER BY id").fetchall()
    total = 0.0
    seen: set[str] = set()
    for upload, filename, text in uploads:
        data = text.encode()
        median, best, cpu = timed(lambda data=data: parse_audit(data), runs=21)
        total += median
        if text in seen:
            continue
        seen.add(text)
        read = parse_audit(data)
        print(
            f"  upload {upload:>2} {filename.strip():<24} {data.count(NEWLINE):>4} lines {len(read.selections):>3} "
            f"selections  median {median:5.2f} ms (best {best:5.2f}, CPU {cpu:5.2f})  "
            f"CRC {'ok' if read.crc_verified else 'FAILS'}  {len(read.warnings)} warning(s)"
        )
    print(f"all {len(uploads)} real uploads: {total:.1f} ms in all (sum of medians; {len(seen)} distinct files)")


if __name__ == "__main__":
    main()
