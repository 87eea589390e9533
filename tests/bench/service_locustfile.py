"""The locust users of bench_service_load.py: the seed's load profile against ``main.py serve``.

Each simulated user has an account (and token) of its own, waits 1–3 s between requests, and sends three
realtime-analysis requests to every predict-revenue. Tokens and request bodies come from the JSON file named by
``PLANOGRAM_LOAD_PLAN`` (written by the bench).
"""

from __future__ import annotations

import itertools
import json
import os

from locust import HttpUser, between, task

with open(os.environ["PLANOGRAM_LOAD_PLAN"], encoding="utf-8") as plan_file:
    PLAN = json.load(plan_file)
_NEXT = itertools.count()


class Merchandiser(HttpUser):
    wait_time = between(1, 3)

    def on_start(self) -> None:
        tokens = PLAN["tokens"]
        self.headers = {"Authorization": f"Bearer {tokens[next(_NEXT) % len(tokens)]}"}

    @task(3)
    def realtime_analysis(self) -> None:
        self.client.post("/api/planograms/realtime-analysis", json=PLAN["realtime-analysis"], headers=self.headers)

    @task(1)
    def predict_revenue(self) -> None:
        self.client.post("/api/planograms/predict-revenue", json=PLAN["predict-revenue"], headers=self.headers)
