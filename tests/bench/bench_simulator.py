"""How fast the demo fleet builds, against the budget "default fleet < 30 s".

    .venv/bin/python tests/bench/bench_simulator.py                 the default fleet (12 devices, 180 days)
    .venv/bin/python tests/bench/bench_simulator.py --devices 50 --days 365
    .venv/bin/python tests/bench/bench_simulator.py --large         also 1000 devices × 365 days

Each build goes into a fresh temporary SQLite file, removed afterwards (``--keep DIR`` keeps them).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT))

from storage.simulator import FleetSummary, build_demo_fleet  # noqa: E402

DEFAULT_BUDGET_SECONDS = 30.0


def measure(devices: int, days: int, folder: Path) -> FleetSummary:
    target = folder / f"fleet-{devices}x{days}.sqlite"
    target.unlink(missing_ok=True)

    def progress(percent: int, message: str) -> None:
        print(f"\r  {percent:3d}%  {message:<40}", end="", file=sys.stderr, flush=True)

    summary = build_demo_fleet(f"sqlite:///{target}", devices=devices, days=days, progress=progress)
    print("\r" + " " * 60 + "\r", end="", file=sys.stderr)
    size_mb = target.stat().st_size / 1e6
    rate = summary.sales_rows / summary.seconds if summary.seconds else float("inf")
    print(
        f"devices {summary.devices:5d}  days {days:4d}  sales rows {summary.sales_rows:11,d}  "
        f"seconds {summary.seconds:8.2f}  rows/s {rate:10,.0f}  file {size_mb:8.1f} MB"
    )
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--devices", type=int, default=12)
    parser.add_argument("--days", type=int, default=180)
    parser.add_argument("--large", action="store_true", help="also build 1000 devices × 365 days")
    parser.add_argument("--keep", type=Path, help="write the databases into this folder and keep them")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench-simulator-") as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        summary = measure(args.devices, args.days, folder)
        within = True
        if (args.devices, args.days) == (12, 180):
            within = summary.seconds < DEFAULT_BUDGET_SECONDS
            verdict = "within" if within else "OVER"
            print(f"default fleet: {summary.seconds:.2f} s, {verdict} the budget of {DEFAULT_BUDGET_SECONDS:.0f} s")
        if args.large:
            measure(1000, 365, folder)
    return 0 if within else 1


if __name__ == "__main__":
    raise SystemExit(main())
