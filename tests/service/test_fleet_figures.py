"""Fleet-wide figures reused between requests: the same answers as computed afresh, and new ones when sales change."""

from __future__ import annotations

import json
import shutil
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ai.endpoints import answer_endpoint
from ai.fleet_figures import FleetFigureMemory
from ai.placement_scoring import PlacementScorer
from ai.services import Services
from storage.tables import Device, SaleRecord

PERSONALISE = {
    "device_id": 1,
    "location_context": {"traffic_patterns": {"peak_hours": ["12:00"], "daily_traffic": 120}},
    "optimization_goals": {"revenue": 0.5, "variety": 0.3, "health_score": 0.2},
}
FORECAST = {"device_id": 1, "products": [1, 2, 3], "forecast_days": 7}
REALTIME = {"planogram_id": "1_0", "product_id": 1, "slot_position": "B2"}
REVENUE = {
    "device_id": 1,
    "cabinet_index": 0,
    "current_planogram": {"slots": [{"position": "A1", "product_id": 1, "quantity": 4, "capacity": 8}]},
    "proposed_planogram": {"slots": [{"position": "A1", "product_id": 2, "quantity": 4, "capacity": 8}]},
}
AFFINITY = {"device_id": 1, "analysis_period_days": 60, "min_confidence": 0.1, "include_clusters": True}
REUSING = [
    ("demand-forecast", FORECAST),
    ("personalize-location", PERSONALISE),
    ("realtime-analysis", REALTIME),
    ("predict-revenue", REVENUE),
    ("affinity-analysis", AFFINITY),
]
"""The endpoints that read fleet-wide or per-machine figures kept between requests."""


def without_timings(body: object) -> object:
    """The answer less how long it took (the one field two identical answers may differ in)."""
    if isinstance(body, dict):
        return {key: without_timings(value) for key, value in body.items() if key != "response_time_ms"}
    if isinstance(body, list):
        return [without_timings(value) for value in body]
    return body


def answered(services: Services, endpoint: str, request: dict) -> object:
    code, body = answer_endpoint(endpoint, lambda: json.dumps(request), lambda: services)
    assert code == 0, body
    return without_timings(json.loads(json.dumps(body)))


def afresh(database_url: str, scorer: PlacementScorer) -> Services:
    """Services that keep no figure (each is computed for the request alone), with the same placement model."""
    services = Services(database_url, placement_scorer=scorer, login="maria.manager")
    services.figure_memory = FleetFigureMemory(size=0)
    return services


def test_the_service_answers_as_computed_afresh_and_reuses_what_it_computed(small_demo, serve):
    served = serve(small_demo)
    warm = served.client.app.state.warm.current()
    first = {name: served.post(name, body) for name, body in REUSING}
    computed = warm.figure_memory.computed
    again = {name: served.post(name, body) for name, body in REUSING}
    assert warm.figure_memory.computed == computed, "the second requests recomputed figures kept from the first"
    reference = afresh(small_demo, warm.placement_scorer)
    for name, body in REUSING:
        assert first[name].status_code == again[name].status_code == 200, first[name].text
        uncached = answered(reference, name, body)
        assert without_timings(first[name].json()) == uncached, name
        assert without_timings(again[name].json()) == uncached, name
    assert reference.figure_memory.computed > 0 and len(reference.figure_memory.store) == 0


def add_sales(database_url: str, device_id: int, units: int) -> None:
    """``units`` vends of product 1 in the device's last hour of sales (as a late sync would bring them)."""
    from storage.engine import make_engine

    engine = make_engine(database_url)
    with Session(engine) as session, session.begin():
        latest = session.scalar(select(func.max(SaleRecord.sold_at)).where(SaleRecord.device_id == device_id))
        basket = session.scalar(select(func.max(SaleRecord.transaction_id))) + 1
        for n in range(units):
            session.add(
                SaleRecord(device_id=device_id, cabinet_index=0, position="A1", product_id=1,
                           sold_at=latest - timedelta(minutes=n + 1), quantity=1, unit_price=Decimal("1.50"),
                           transaction_id=basket + n)
            )  # fmt: skip
    engine.dispose()


def test_new_sales_give_new_figures_not_the_ones_kept(small_demo, serve, tmp_path: Path):
    copy = tmp_path / "fleet.sqlite"
    shutil.copyfile(small_demo.removeprefix("sqlite:///"), copy)
    url = f"sqlite:///{copy}"
    scorer = serve(small_demo).client.app.state.warm.current().placement_scorer
    warm = Services(url, placement_scorer=scorer, login="maria.manager")
    other, kind = _another_device(warm, 1)
    personalise = {**PERSONALISE, "location_context": {"type": kind}}  # device 1 compared with the other's peers
    before = {"forecast": answered(warm, "demand-forecast", FORECAST),
              "personalise": answered(warm, "personalize-location", personalise)}  # fmt: skip

    add_sales(url, other, 40)  # another machine sells more: the fleet's rates and the peers' sales move
    forecast = answered(warm, "demand-forecast", FORECAST)
    assert forecast != before["forecast"], "the forecast still leans on the fleet's rates as they were"
    assert forecast == answered(afresh(url, scorer), "demand-forecast", FORECAST)
    personalised = answered(warm, "personalize-location", personalise)
    assert personalised != before["personalise"], "the personalisation still compares with the peers as they were"
    assert personalised == answered(afresh(url, scorer), "personalize-location", personalise)
    warm.engine.dispose()


def _another_device(services: Services, device_id: int) -> tuple[int, str]:
    """Another machine of the fleet and its location type."""
    with Session(services.engine) as session:
        other = session.scalars(select(Device).where(Device.id != device_id).order_by(Device.id)).first()
        return other.id, other.location_type


def test_the_service_answers_from_new_sales_when_it_next_looks_at_the_data(small_demo, serve, tmp_path, monkeypatch):
    """The worker looks at the data's fingerprint every RELOAD_CHECK_SECONDS (2 s), for its models and figures
    alike; here it looks on every request."""
    import ai.http_service

    monkeypatch.setattr(ai.http_service, "RELOAD_CHECK_SECONDS", 0.0)
    copy = tmp_path / "fleet.sqlite"
    shutil.copyfile(small_demo.removeprefix("sqlite:///"), copy)
    url = f"sqlite:///{copy}"
    served = serve(url)
    other, kind = _another_device(served.client.app.state.warm.current(), 1)
    personalise = {**PERSONALISE, "location_context": {"type": kind}}
    asked = [("demand-forecast", FORECAST), ("personalize-location", personalise)]
    before = {name: served.post(name, body).json() for name, body in asked}
    add_sales(url, other, 40)
    after = {name: served.post(name, body).json() for name, body in asked}
    reference = afresh(url, served.client.app.state.warm.current().placement_scorer)
    for name, body in asked:
        assert without_timings(after[name]) != without_timings(before[name]), f"{name} still shows the old sales"
        assert without_timings(after[name]) == answered(reference, name, body), name


def test_predict_revenues_calibration_is_read_before_the_first_request(small_demo, serve, monkeypatch):
    """On 1,000 machines reading it takes 14 s: a request must not be the one to pay it (nor a crowd of them)."""
    import ai.revenue_prediction

    monkeypatch.setattr(ai.revenue_prediction, "_CALIBRATIONS", {})  # as in a fresh process
    served = serve(small_demo)

    def read_again(_engine: object) -> object:
        raise AssertionError("the calibration was read by a request, not when the service started")

    monkeypatch.setattr(ai.revenue_prediction, "read_calibration", read_again)
    reply = served.post("predict-revenue", REVENUE)
    assert reply.status_code == 200, reply.text
