"""Importing planogram files of hostile size (issue 18): printed against the budget, not asserted.

    .venv/bin/python tests/bench/bench_import.py

A CSV of one slot repeated N times (the case that was quadratic: 8,000 lines took 114 s and 1.5 GB) and a CSV of
N bad lines, each read as the Import action reads it; budget: 100,000 lines < 5 s, and the refusal's text stays
short (the first 50 problems, the rest counted).
"""

from __future__ import annotations

import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from designer.cabinets import Cabinet, TemperatureZone
from designer.planogram_files import PlanogramFileInvalid, read_planogram
from designer.products import Catalogue, Product

HEADER = "position,product_id,product_name,price,quantity,capacity,par_level\n"
BUDGET_S = 5.0


def refusal(data: bytes, cabinet: Cabinet, catalogue: Catalogue) -> str:
    try:
        read_planogram(data, cabinet, catalogue, kind="csv")
    except PlanogramFileInvalid as refused:
        return str(refused)
    return ""


def main() -> None:
    cabinet = Cabinet(1, 0, 10, 20, TemperatureZone.AMBIENT)
    catalogue = Catalogue([Product(i, f"Product {i}", "snacks", 1.5) for i in range(1, 61)])
    for lines in (500, 8_000, 100_000):
        for what, line in (("one slot repeated", "A1,27,,,,,\n"), ("bad product ids", "A1,xx,,,,,\n")):
            data = (HEADER + line * lines).encode()
            started = time.perf_counter()
            message = refusal(data, cabinet, catalogue)
            elapsed = time.perf_counter() - started
            tracemalloc.start()  # a second read for the memory: tracing slows Python several times over
            refusal(data, cabinet, catalogue)
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            verdict = "OK" if lines < 100_000 or elapsed < BUDGET_S else "OVER BUDGET"
            print(
                f"{lines:>7,} lines, {what:<18} {elapsed:6.2f} s  peak {peak / 1e6:6.1f} MB  "
                f"message {len(message):>6,} chars  budget 100,000 lines < {BUDGET_S:.0f} s  {verdict}"
            )


if __name__ == "__main__":
    main()
