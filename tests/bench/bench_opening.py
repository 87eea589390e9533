"""What the first writing open of a database costs now that it runs ``PRAGMA quick_check``, on both demo fleets.

    .venv/bin/python tests/bench/bench_opening.py       the 12-device fleet (seed 7) and the 40-device one (seed 11)
    .venv/bin/python tests/bench/bench_opening.py --repeats 11

Each open is ``storage.schema.prepare_database`` on a database already at the current schema: "first" is the
first writing open of the file in a process (quick_check runs), "again" every later one (it does not). The
difference is what a headless command or the designer's start pays once per process, against its budget.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT))

from storage import schema  # noqa: E402
from storage.simulator import build_demo_fleet  # noqa: E402

BUDGET_MS = 250.0
"""The most the check may add to the first open of the larger (40-device) fleet."""
FLEETS = {"12-device (seed 7)": (12, 7), "40-device (seed 11)": (40, 11)}


def open_ms(path: Path, *, first: bool) -> float:
    if first:
        schema._checked_files.clear()
    started = time.perf_counter()
    schema.prepare_database(str(path)).dispose()
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        for name, (devices, seed) in FLEETS.items():
            path = Path(folder) / f"fleet-{devices}.sqlite"
            build_demo_fleet(f"sqlite:///{path}", devices=devices, seed=seed)
            open_ms(path, first=True)  # the switch to WAL and the OS cache, once
            first = [open_ms(path, first=True) for _ in range(args.repeats)]
            again = [open_ms(path, first=False) for _ in range(args.repeats)]
            added = statistics.median(first) - statistics.median(again)
            verdict = "within" if added <= BUDGET_MS else "OVER"
            print(
                f"{name}, {path.stat().st_size / 1e6:.1f} MB: first writing open {statistics.median(first):.0f} ms "
                f"(median of {args.repeats}), later opens {statistics.median(again):.0f} ms; quick_check adds "
                f"{added:.0f} ms, {verdict} the {BUDGET_MS:.0f} ms budget"
            )


if __name__ == "__main__":
    main()
