"""Load test of ``main.py serve`` with locust (headless): 100 users, each with an account of its own, 60 s.

    .venv/bin/python tests/bench/bench_service_load.py                        demo database, 1 worker
    .venv/bin/python tests/bench/bench_service_load.py --workers 2 --postgres URL_OF_AN_EMPTY_DATABASE

The seed's load target: 100 concurrent users, each waiting 1–3 s between requests, three realtime-analysis
requests to every predict-revenue; p95 < 1 s and no errors. The demo database (12 machines, built untimed, on
SQLite or on the PostgreSQL database named) gets 100 extra managers ``load.user.NNN``; each locust user takes
one's token (minted with the service's own signing key, as ``main.py token`` does). Prints requests/s,
p50/p95/p99 and failures against the budget. Needs the ``bench`` extra (locust).
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT))

from tests.bench.bench_commands import requests  # noqa: E402
from tests.bench.bench_service_latency import (  # noqa: E402
    load_average,
    percentile,
    private_environment,
    start_service,
    stop,
)

USERS = 100
P95_BUDGET_MS = 1000


def add_users(database_url: str, count: int) -> list[tuple[int, str]]:
    """``count`` managers of their own in the database: (id, username)."""
    from sqlalchemy import insert, select

    from storage.engine import make_engine
    from storage.tables import User

    engine = make_engine(database_url)
    names = [f"load.user.{number:03d}" for number in range(count)]
    with engine.begin() as connection:
        rows = [{"username": name, "role": "manager", "ai_features_enabled": True} for name in names]
        connection.execute(insert(User), rows)
        rows = connection.execute(select(User.id, User.username).where(User.username.in_(names))).all()
    engine.dispose()
    return [(row.id, row.username) for row in rows]


def tokens_for(users: list[tuple[int, str]], database_url: str, config_folder: Path) -> list[str]:
    from datetime import UTC, datetime, timedelta

    from ai import access_tokens
    from ai.model_store import database_identity
    from storage.signing_key import signing_key

    key = signing_key(config_folder).secret
    now, identity = datetime.now(UTC), database_identity(database_url)
    return [access_tokens.mint(key, uid, name, identity, now, timedelta(hours=2))[0] for uid, name in users]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="an existing demo SQLite database to copy (default: build one)")
    parser.add_argument("--postgres", help="an empty PostgreSQL database URL: the demo is built there instead")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--users", type=int, default=USERS)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-load-") as scratch:
        folder = Path(scratch)
        environment = private_environment(folder)
        sqlite_copy = folder / "demo.sqlite"
        if options.postgres:
            database_url = options.postgres
            subprocess.run([sys.executable, "main.py", "demo", "--db", database_url], cwd=PROJECT, env=environment,
                           check=True, capture_output=True)  # fmt: skip
        elif options.db is not None:
            shutil.copyfile(options.db, sqlite_copy)
            database_url = f"sqlite:///{sqlite_copy}"
        else:
            subprocess.run([sys.executable, "main.py", "demo", "--db", str(sqlite_copy)], cwd=PROJECT,
                           env=environment, check=True, capture_output=True)  # fmt: skip
            database_url = f"sqlite:///{sqlite_copy}"
        users = add_users(database_url, options.users)
        load_before = load_average()
        bodies = requests(sqlite_copy) if not options.postgres else _requests_on_postgres(database_url)
        server, base = start_service(database_url, environment, options.workers)  # type: ignore[arg-type]
        try:
            plan = {"tokens": tokens_for(users, database_url, folder / "config" / "planogram-studio"), **bodies}
            (folder / "plan.json").write_text(json.dumps(plan))
            locust = [
                sys.executable, "-m", "locust", "-f", str(PROJECT / "tests/bench/service_locustfile.py"),
                "--headless", "-u", str(options.users), "-r", str(max(1, options.users // 10)),
                "-t", f"{options.seconds}s", "--host", base, "--csv", str(folder / "load"), "--only-summary",
            ]  # fmt: skip
            started = time.perf_counter()
            locust_environment = environment | {
                "PLANOGRAM_LOAD_PLAN": str(folder / "plan.json"),
                "PLANOGRAM_LOAD_SERVER_TIMES": str(folder / "server.json"),
            }
            subprocess.run(locust, env=locust_environment, capture_output=True, text=True, cwd=folder)  # fmt: skip
            elapsed = time.perf_counter() - started
        finally:
            stop(server)
        with open(folder / "load_stats.csv", encoding="utf-8") as stats:
            rows = {row["Name"]: row for row in csv.DictReader(stats)}
        server = json.loads((folder / "server.json").read_text()) if (folder / "server.json").exists() else {}
    where = "PostgreSQL" if options.postgres else "SQLite"
    print(f"{options.users} users, {options.seconds} s ({elapsed:.0f} s with ramp-up), {options.workers} worker(s), "
          f"{where} demo database; load average {load_before} before, {load_average()} after")  # fmt: skip
    print("at the client (locust, on the same cores):")
    ok = True
    for name in ("/api/planograms/realtime-analysis", "/api/planograms/predict-revenue", "Aggregated"):
        row = rows[name]
        p95 = float(row["95%"])
        print(
            f"{name.rsplit('/', 1)[-1]:<20} requests {int(row['Request Count']):6d}  "
            f"failures {int(row['Failure Count']):4d}  req/s {float(row['Requests/s']):6.1f}  "
            f"p50 {row['50%']:>5} ms  p95 {row['95%']:>5} ms  p99 {row['99%']:>5} ms"
        )
        if name == "Aggregated":
            ok = p95 < P95_BUDGET_MS and int(row["Failure Count"]) == 0
    print("inside the service (Server-Timing: from the route to the reply, thread waits included):")
    for name, took in [*server.items(), ("Aggregated", [ms for each in server.values() for ms in each])]:
        if took:
            p50, p95, p99 = (percentile(took, share) for share in (0.5, 0.95, 0.99))
            print(f"{name:<20} requests {len(took):6d}  p50 {p50:5.0f} ms  p95 {p95:5.0f} ms  p99 {p99:5.0f} ms")
    verdict = "OK" if ok else "OVER BUDGET"
    print(f"budget (the seed's, at the client): p95 < {P95_BUDGET_MS} ms and 0 failures: {verdict}")
    return 0 if ok else 1


def _requests_on_postgres(database_url: str) -> dict[str, dict[str, object]]:
    """The same two request bodies as on SQLite, read from the PostgreSQL demo."""
    from sqlalchemy import text

    from storage.engine import make_engine

    engine = make_engine(database_url)
    with engine.connect() as connection:
        slots = [
            dict(row._mapping)
            for row in connection.execute(
                text(
                    "SELECT s.position, s.product_id, s.quantity, s.capacity FROM planogram_slots s JOIN planograms p "
                    "ON p.id = s.planogram_id WHERE p.device_id = 1 AND p.cabinet_index = 0 AND p.status = 'active' "
                    "AND s.product_id IS NOT NULL ORDER BY s.position"
                )
            )
        ]
    engine.dispose()
    proposed = [dict(slot, product_id=slots[-1 - i]["product_id"]) for i, slot in enumerate(slots)]
    return {
        "realtime-analysis": {"planogram_id": "1_0", "product_id": slots[0]["product_id"], "slot_position": "A1"},
        "predict-revenue": {"device_id": 1, "cabinet_index": 0, "current_planogram": {"slots": slots},
                            "proposed_planogram": {"slots": proposed}},
    }  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
