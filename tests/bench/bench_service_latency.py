"""Warm per-endpoint latency of ``main.py serve`` on a large fleet: the first call, then p50/p95 of one user's calls.

    .venv/bin/python tests/bench/bench_service_latency.py --db /tmp/svc/fleet200.sqlite [--calls 20] [--workers 1]

Budget (issue 23): served warm, every endpoint answers in < 2 s (p95, one user) on a 200-device fleet
(``main.py demo --devices 200 --days 180``). The database is copied (the endpoints record predictions); the user
folders are private, so the placement model is trained (or loaded) by the service as it starts, untimed: the
figure after "start" is how long the service took to be warm. The "first" column is the first request after
that (fleet-wide work such as the substitute test is done then, once per data change).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT))

from tests.bench.bench_commands import requests  # noqa: E402  (one valid request per endpoint, on device 1)

BUDGET_P95_S = 2.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def private_environment(folder: Path) -> dict[str, str]:
    """The process environment with the user folders inside ``folder`` and no keyring (the key file is used)."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("XDG_")}
    environment |= {f"XDG_{kind}_HOME": str(folder / kind.lower()) for kind in ("DATA", "CONFIG", "CACHE")}
    environment["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    environment["QT_QPA_PLATFORM"] = "offscreen"
    return environment


def start_service(database: Path, environment: dict[str, str], workers: int = 1) -> tuple[subprocess.Popen, str]:
    """``main.py serve`` on a free loopback port, waited for until ``/health`` answers (the models are loaded)."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "main.py", "serve", "--db", str(database), "--port", str(port), "--workers", str(workers)],
        cwd=PROJECT, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/health", timeout=2).read()
            return server, base
        except OSError:
            if server.poll() is not None:
                raise SystemExit(f"serve exited: {server.stderr.read()[-2000:]}") from None
            time.sleep(0.5)
    raise SystemExit("serve did not become healthy in 15 minutes")


def token(database: Path, environment: dict[str, str], user: str) -> str:
    done = subprocess.run(
        [sys.executable, "main.py", "token", "--user", user, "--db", str(database)],
        cwd=PROJECT, env=environment, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return done.stdout.strip()


def post(base: str, bearer: str, endpoint: str, body: object) -> tuple[int, float]:
    request = urllib.request.Request(
        f"{base}/api/planograms/{endpoint}", data=json.dumps(body).encode(), method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {bearer}"},
    )  # fmt: skip
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=600) as reply:
            reply.read()
            status = reply.status
    except urllib.error.HTTPError as refused:
        status = refused.code
    return status, time.perf_counter() - started


def stop(server: subprocess.Popen) -> None:
    """Stop the service; a worker still holding a keep-alive connection is killed after 20 s."""
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="a demo fleet (e.g. demo --devices 200 --days 180)")
    parser.add_argument("--calls", type=int, default=20, help="warm calls per endpoint (default 20)")
    parser.add_argument("--workers", type=int, default=1)
    options = parser.parse_args()
    within = True
    with tempfile.TemporaryDirectory(prefix="bench-service-") as scratch:
        folder = Path(scratch)
        environment = private_environment(folder)
        (folder / "config" / "planogram-studio").mkdir(parents=True)
        limits = {"realtime_per_minute": 100_000, "predictions_per_minute": 100_000, "training_per_hour": 1000}
        (folder / "config" / "planogram-studio" / "settings.json").write_text(json.dumps({"rate_limits": limits}))
        database = folder / "fleet.sqlite"
        shutil.copyfile(options.db, database)
        started = time.perf_counter()
        server, base = start_service(database, environment, options.workers)
        print(f"{options.db.name}: service warm after {time.perf_counter() - started:.1f} s (start, model load/train); "
              f"load average {load_average()}")  # fmt: skip
        try:
            bearer = token(database, environment, "maria.manager")
            for endpoint, body in requests(database).items():
                status, first = post(base, bearer, endpoint, body)
                if status != 200:
                    raise SystemExit(f"{endpoint} answered {status}")
                seconds = [post(base, bearer, endpoint, body)[1] for _ in range(options.calls)]
                p95 = percentile(seconds, 0.95)
                verdict = "OK" if p95 < BUDGET_P95_S else "OVER BUDGET"
                within = within and p95 < BUDGET_P95_S
                print(
                    f"{endpoint:<22} first {first:6.2f} s   p50 {statistics.median(seconds):6.3f} s   "
                    f"p95 {p95:6.3f} s   (budget p95 < {BUDGET_P95_S:.0f} s) {verdict}",
                    flush=True,
                )
        finally:
            stop(server)
    print(f"load average {load_average()} at the end (other work on the same cores moves every figure)")
    return 0 if within else 1


def load_average() -> str:
    """The box's load average over 1, 5 and 15 minutes."""
    return "/".join(f"{value:.1f}" for value in os.getloadavg())


if __name__ == "__main__":
    sys.exit(main())
