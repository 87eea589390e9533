"""Personalisation of a 4-cabinet device: the time of one personalize-location answer, in process.

    .venv/bin/python tests/bench/bench_personalization.py              default fleet (12 devices, 180 days)
    .venv/bin/python tests/bench/bench_personalization.py --days 365   a longer history

The demo fleet has no 4-cabinet machine, so two are added to a temporary copy: the demo's cabinet shapes plus
a 10 × 20 freezer, and four 10 × 20 cabinets (800 slots, the largest the designer processes). Timed on a warm
placement model (trained once first, as the designer holds one); the answer includes reading the device, the
joint assignment over all cabinets, the hour-of-day profile and the peers' sales.
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

from ai.model_store import ModelStore, train_placement_model  # noqa: E402
from ai.personalization import PersonalizationRequest, personalize  # noqa: E402
from ai.personalization_context import read_location_history  # noqa: E402
from ai.personalization_optimizer import GoalWeights, optimise_device  # noqa: E402
from ai.placement_scoring import PlacementScorer  # noqa: E402
from ai.services import Services  # noqa: E402
from storage.fleet import FleetRepository  # noqa: E402
from storage.schema import prepare_database  # noqa: E402
from storage.simulator import build_demo_fleet  # noqa: E402
from tests.personalization.device_builder import FOUR_CABINETS, add_device  # noqa: E402

LARGEST = ((10, 20, "ambient"), (10, 20, "refrigerated"), (10, 20, "refrigerated"), (10, 20, "frozen"))
REPEATS = 15


def timed(function, repeats: int) -> tuple[float, float, object]:  # type: ignore[no-untyped-def]
    """Median and maximum milliseconds of ``repeats`` calls, and the last result."""
    times = []
    result = None
    for _ in range(repeats):
        started = time.perf_counter()
        result = function()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), max(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--days", type=int, default=180)
    parser.add_argument("--repeats", type=int, default=REPEATS)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'fleet.sqlite'}"
        started = time.perf_counter()
        build_demo_fleet(url, devices=12, days=args.days, seed=7)
        engine = prepare_database(url)
        devices = {
            "demo shapes + 10×20 freezer (4 cabinets, 282 slots)": add_device(engine, "office", FOUR_CABINETS),
            "four 10×20 cabinets (800 slots)": add_device(engine, "office", LARGEST),
        }
        print(f"fleet: 12 demo devices × {args.days} days built in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        model = train_placement_model(engine)
        scorer = PlacementScorer(model, FleetRepository(engine).catalogue())
        print(f"placement model trained once in {time.perf_counter() - started:.1f} s (not part of the timings)")
        services = Services(
            url, model_store=ModelStore(Path(folder) / "models"), engine=engine, placement_scorer=scorer
        )
        goals = GoalWeights()
        for label, device_id in devices.items():
            request = PersonalizationRequest(device_id, "office", goals)
            cabinets = services.repository.cabinets(device_id)
            personalize(services, request)  # warm the scorer's per-device caches
            median, worst, result = timed(lambda r=request: personalize(services, r), args.repeats)
            solve, _, proposal = timed(lambda c=cabinets: optimise_device(scorer, c, goals), args.repeats)
            history, _, _ = timed(lambda d=device_id: read_location_history(engine, d, "office"), args.repeats)
            print(
                f"{label}: personalize-location {median:.0f} ms median, {worst:.0f} ms max over {args.repeats}; "
                f"of which scoring + joint assignment {solve:.0f} ms ({proposal.rounds} rounds), "
                f"sales by hour and peers {history:.0f} ms; "
                f"{len(proposal.placements)} slots filled, {proposal.empty_slots} left empty, "
                f"objective {proposal.objective:.3f}, expected ${proposal.expected_daily_revenue:.2f}/day"
            )
            assert result is not None
        engine.dispose()


if __name__ == "__main__":
    main()
