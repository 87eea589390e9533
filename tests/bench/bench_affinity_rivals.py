"""Anti-affinity: time and recall / false alarms against the simulator's planted rivalries.

    .venv/bin/python tests/bench/bench_affinity_rivals.py                    12 and 40 devices, seeds 7, 11, 3
    .venv/bin/python tests/bench/bench_affinity_rivals.py --devices 40 --seeds 7
    .venv/bin/python tests/bench/bench_affinity_rivals.py --null             also fleets with no rivalry planted

Each fleet is built in a temp dir (180 days). Reading the fleet (slot-days) and finding the rivals are timed
apart; a hit is a flagged pair that was planted, a false alarm one that was not.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT))

from sqlalchemy import select  # noqa: E402

import storage.simulator.demand  # noqa: E402
from ai.rivalry import find_rivals, fleet_days  # noqa: E402
from storage.fleet import FleetRepository  # noqa: E402
from storage.schema import prepare_database  # noqa: E402
from storage.simulator import build_demo_fleet  # noqa: E402
from storage.tables import SimulationTruth  # noqa: E402


def measure(folder: Path, devices: int, seed: int, planted: bool) -> tuple[int, int, int]:
    """(hits, false alarms, planted pairs) of one fleet, after printing its line."""
    url = f"sqlite:///{folder / f'fleet-{devices}-{seed}-{planted}.sqlite'}"
    rivalries = storage.simulator.demand.RIVALRIES
    if not planted:
        storage.simulator.demand.RIVALRIES = ()
    try:
        build_demo_fleet(url, devices=devices, days=180, seed=seed)
    finally:
        storage.simulator.demand.RIVALRIES = rivalries
    engine = prepare_database(url)
    category = {p.id: p.category for p in FleetRepository(engine).catalogue().values()}
    with engine.connect() as connection:
        value = connection.scalar(select(SimulationTruth.value).where(SimulationTruth.key == "rivalries"))
    truth = {frozenset(r["product_ids"]) for r in json.loads(value)} if planted else set()
    started = time.perf_counter()
    fleet = fleet_days(engine)
    read = time.perf_counter() - started
    started = time.perf_counter()
    rivals = find_rivals(fleet, category)
    found = time.perf_counter() - started
    engine.dispose()
    flagged = {frozenset((r.a, r.b)) for r in rivals}
    hits, false = len(flagged & truth), len(flagged - truth)
    label = "planted" if planted else "none planted"
    print(
        f"{devices:>3} devices, seed {seed:>2} ({label:<12}): {hits}/{len(truth)} planted found, {false} false alarms; "
        f"read {read:.2f} s, find {found:.2f} s"
    )
    return hits, false, len(truth)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--devices", type=int, nargs="+", default=[12, 40])
    parser.add_argument("--seeds", type=int, nargs="+", default=[7, 11, 3])
    parser.add_argument("--null", action="store_true", help="also fleets with no rivalry planted")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        for devices in args.devices:
            totals = [0, 0, 0]
            for seed in args.seeds:
                for planted in (True, False) if args.null else (True,):
                    result = measure(Path(folder), devices, seed, planted)
                    totals = [t + r for t, r in zip(totals, result, strict=True)]
            print(f"{devices:>3} devices: recall {totals[0]}/{totals[2]}, {totals[1]} false alarms in all")


if __name__ == "__main__":
    main()
