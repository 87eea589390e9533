"""Commands that answer at once: each figure is a fresh process, start to output, the median of 5 runs.

    .venv/bin/python tests/bench/bench_commands.py                      builds a demo database (not timed)
    .venv/bin/python tests/bench/bench_commands.py --db /tmp/perf/demo.sqlite --runs 9

Budgets (DESIGN.md, issue 17): ``main.py --help`` < 0.3 s, ``main.py api ENDPOINT --help`` < 0.3 s, one
``api realtime-analysis`` request on the demo database < 1.5 s with the placement model already saved. The
other four endpoints' times are reported without a budget. The user folders (and so the saved model) are a
private temporary folder; one untimed call per endpoint first trains and saves the model as the designer
would have. The database is a copy, so the endpoints that record their answers leave the original alone.
Timings on a shared 2-core machine are noisy: the median of several runs is the figure, min and max beside it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]

HELP_BUDGET_S = 0.3
REALTIME_BUDGET_S = 1.5


def private_environment(folder: Path) -> dict[str, str]:
    """The process environment with the user folders inside ``folder``, and the per-user rate limits lifted there:
    a bench sends more requests as one user than the seed's 20 predictions a minute (issue 22), and times them."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("XDG_")}
    environment |= {f"XDG_{kind}_HOME": str(folder / kind.lower()) for kind in ("DATA", "CONFIG", "CACHE")}
    settings = folder / "config" / "planogram-studio" / "settings.json"
    settings.parent.mkdir(parents=True, exist_ok=True)
    lifted = dict.fromkeys(("realtime_per_minute", "predictions_per_minute", "training_per_hour"), 1_000_000)
    settings.write_text(json.dumps({"rate_limits": lifted}), encoding="utf-8")
    return environment


def timed(command: list[str], environment: dict[str, str], stdin: str, runs: int) -> list[float]:
    """Seconds from starting the process to its exit with the answer written; fails on a non-zero status."""
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(command, cwd=PROJECT, env=environment, input=stdin, capture_output=True, text=True)
        seconds.append(time.perf_counter() - started)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(command[1:])} exited {done.returncode}: {done.stdout[:300]} {done.stderr}")
    return seconds


def requests(database: Path) -> dict[str, dict[str, object]]:
    """One valid request per endpoint, on device 1 and the products its first cabinet holds."""
    with closing(sqlite3.connect(database)) as connection:
        slots = [
            {"position": position, "product_id": product, "quantity": quantity, "capacity": capacity}
            for position, product, quantity, capacity in connection.execute(
                "SELECT s.position, s.product_id, s.quantity, s.capacity FROM planogram_slots s JOIN planograms p "
                "ON p.id = s.planogram_id WHERE p.device_id = 1 AND p.cabinet_index = 0 AND p.status = 'active' "
                "AND s.product_id IS NOT NULL ORDER BY s.position"
            )
        ]
    proposed = [dict(slot, product_id=slots[-1 - i]["product_id"]) for i, slot in enumerate(slots)]
    return {
        "realtime-analysis": {"planogram_id": "1_0", "product_id": slots[0]["product_id"], "slot_position": "A1",
                              "context": {}},
        "personalize-location": {"device_id": 1, "optimization_goals": {"revenue": 0.4, "variety": 0.3,
                                                                        "health_score": 0.3}},
        "affinity-analysis": {"device_id": 1, "analysis_period_days": 90, "min_confidence": 0.2,
                              "include_clusters": True},
        "demand-forecast": {"device_id": 1, "products": [slot["product_id"] for slot in slots[:3]],
                            "forecast_days": 7, "include_external_factors": True},
        "predict-revenue": {"device_id": 1, "cabinet_index": 0, "current_planogram": {"slots": slots},
                            "proposed_planogram": {"slots": proposed}},
    }  # fmt: skip


def report(label: str, seconds: list[float], budget: float | None) -> bool:
    median = statistics.median(seconds)
    verdict = "report only" if budget is None else ("OK" if median < budget else "OVER BUDGET")
    limit = f"budget < {budget:.1f} s" if budget is not None else "no budget"
    print(f"{label:<48} median {median:5.2f} s  (min {min(seconds):.2f}, max {max(seconds):.2f}; {limit}) {verdict}")
    return budget is None or median < budget


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="an existing demo SQLite database (default: build one, not timed)")
    parser.add_argument("--runs", type=int, default=5, help="processes per figure (default 5; the median is shown)")
    options = parser.parse_args()
    python = sys.executable
    with tempfile.TemporaryDirectory(prefix="bench-commands-") as scratch:
        folder = Path(scratch)
        environment = private_environment(folder)
        database = folder / "demo.sqlite"
        if options.db is not None:
            shutil.copyfile(options.db, database)
        else:
            print("building the demo database (not timed) …", flush=True)
            subprocess.run([python, "main.py", "demo", "--db", str(database)], cwd=PROJECT, env=environment,
                           check=True, capture_output=True)  # fmt: skip
        calls = requests(database)
        for endpoint, request in calls.items():  # trains and saves the placement model, as a first run would
            timed([python, "main.py", "api", endpoint, "--db", str(database)], environment, json.dumps(request), 1)

        within = [
            report("python main.py --help", timed([python, "main.py", "--help"], environment, "", options.runs),
                   HELP_BUDGET_S),
            report("python main.py api realtime-analysis --help",
                   timed([python, "main.py", "api", "realtime-analysis", "--help"], environment, "", options.runs),
                   HELP_BUDGET_S),
        ]  # fmt: skip
        for endpoint, request in calls.items():
            command = [python, "main.py", "api", endpoint, "--db", str(database)]
            budget = REALTIME_BUDGET_S if endpoint == "realtime-analysis" else None
            within.append(report(f"api {endpoint} (one request)", timed(command, environment, json.dumps(request),
                                                                           options.runs), budget))  # fmt: skip
    return 0 if all(within) else 1


if __name__ == "__main__":
    sys.exit(main())
