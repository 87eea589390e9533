"""The locust users of bench_service_load.py: the seed's load profile against ``main.py serve``.

Each simulated user has an account (and token) of its own, waits 1–3 s between requests, and sends three
realtime-analysis requests to every predict-revenue. Tokens and request bodies come from the JSON file named by
``PLANOGRAM_LOAD_PLAN`` (written by the bench). Each answer's ``Server-Timing`` (its time inside the service) is
kept per endpoint and written, when the run stops, to the JSON file named by ``PLANOGRAM_LOAD_SERVER_TIMES``:
locust's own figures include the client's side, and locust shares the box's cores with the service.
"""

from __future__ import annotations

import itertools
import json
import os

from locust import HttpUser, between, events, task

with open(os.environ["PLANOGRAM_LOAD_PLAN"], encoding="utf-8") as plan_file:
    PLAN = json.load(plan_file)
_NEXT = itertools.count()
SERVER_MS: dict[str, list[float]] = {"realtime-analysis": [], "predict-revenue": []}


def server_ms(header: str | None) -> float | None:
    """``app;dur=12.3`` → 12.3 (None when the header is missing)."""
    for part in (header or "").split(";"):
        name, _, value = part.strip().partition("=")
        if name == "dur":
            return float(value)
    return None


@events.quitting.add_listener
def _write_server_times(**_kwargs: object) -> None:
    with open(os.environ["PLANOGRAM_LOAD_SERVER_TIMES"], "w", encoding="utf-8") as out:
        json.dump(SERVER_MS, out)


class Merchandiser(HttpUser):
    wait_time = between(1, 3)

    def on_start(self) -> None:
        tokens = PLAN["tokens"]
        self.headers = {"Authorization": f"Bearer {tokens[next(_NEXT) % len(tokens)]}"}

    def _post(self, endpoint: str) -> None:
        reply = self.client.post(f"/api/planograms/{endpoint}", json=PLAN[endpoint], headers=self.headers)
        took = server_ms(reply.headers.get("Server-Timing"))
        if took is not None:
            SERVER_MS[endpoint].append(took)

    @task(3)
    def realtime_analysis(self) -> None:
        self._post("realtime-analysis")

    @task(1)
    def predict_revenue(self) -> None:
        self._post("predict-revenue")
