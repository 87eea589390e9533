"""Every endpoint, fed valid and hostile requests (hypothesis), answers exit 0 or 2 with strict JSON, a short
error, in bounded time and memory, and changes no data when it answers an error.

The calls run in this process on a two-device demo fleet built once for the module; one valid call per endpoint
first trains the placement model and signs the user in, so the database's data is settled before the fuzzing.
``PLANOGRAM_FUZZ_EXAMPLES`` sets the examples per test (tests/bench/bench_fuzz.py runs many more).
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from designer.command_outcomes import ExitCode
from designer.rate_limits import RateLimits
from storage.app_context import AppContext, DataFolders
from storage.keys import KeyStore
from storage.sealed_columns import current_seal
from storage.simulator import build_demo_fleet
from tests.fuzz.hostile_requests import (
    EXAMPLES,
    REPEAT,
    answer,
    batch_sizes,
    check_answer,
    encoded,
    issue_cases,
    mutated,
    mutations,
    peak_memory_mb,
    valid_requests,
    whole_bodies,
)

ENDPOINTS = ("realtime-analysis", "predict-revenue", "personalize-location", "demand-forecast", "affinity-analysis")
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@dataclass(frozen=True)
class Fleet:
    database: Path
    context: AppContext
    valid: dict[str, dict[str, Any]]
    memory_at_start: float


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fleet]:
    folder = tmp_path_factory.mktemp("fuzz")
    database = folder / "fleet.sqlite"
    build_demo_fleet(f"sqlite:///{database}", devices=2, days=30, seed=5)
    context = AppContext.create(folders=DataFolders.under(folder / "app"), keys=KeyStore()).with_database(str(database))
    # thousands of requests as one user: the seed's per-user rate limits (tested in tests/access) would refuse them
    unlimited = RateLimits(realtime_per_minute=1_000_000, predictions_per_minute=1_000_000, training_per_hour=1_000_000)
    context.settings.save(dataclasses.replace(context.settings.current, rate_limits=unlimited))
    valid = valid_requests(database)
    for endpoint, request in valid.items():  # trains the model, signs the user in: the data settles here
        settled = answer(endpoint, encoded(request), context)
        assert settled.code == ExitCode.DONE, settled.text[:500]
    yield Fleet(database, context, valid, peak_memory_mb())


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@FUZZ
@given(changes=mutations)
def test_a_mutated_request_is_answered_or_refused_cleanly(fleet: Fleet, endpoint: str, changes: list) -> None:
    body = encoded(mutated(fleet.valid[endpoint], changes))
    answered = check_answer(endpoint, body, fleet.context, fleet.database, fleet.memory_at_start)
    assert answered.code in (ExitCode.DONE, ExitCode.BAD_INPUT), (answered.code, answered.text[:500])


@pytest.mark.parametrize("endpoint", ["realtime-analysis", "demand-forecast"])
@FUZZ
@given(body=whole_bodies)
def test_a_body_that_is_no_request_is_refused(fleet: Fleet, endpoint: str, body: str | bytes) -> None:
    answered = check_answer(endpoint, body, fleet.context, fleet.database, fleet.memory_at_start)
    assert answered.code == ExitCode.BAD_INPUT or (isinstance(answered.body, list) and not answered.body)


@FUZZ
@given(size=batch_sizes, item=st.sampled_from(["valid", "empty", "mutated"]), changes=mutations)
def test_a_batch_of_any_length_is_answered_in_order_or_refused(
    fleet: Fleet, size: int, item: str, changes: list
) -> None:
    request = fleet.valid["realtime-analysis"]
    one = {"valid": request, "empty": {}, "mutated": mutated(request, [*changes, (0, REPEAT)])}[item]
    text = encoded(one)
    body = "[" + ",".join([text] * size) + "]" if len(text) * size < 20_000_000 else b"[" + b"{}," * (size - 1) + b"{}]"
    answered = check_answer("realtime-analysis", body, fleet.context, fleet.database, fleet.memory_at_start)
    assert answered.code in (ExitCode.DONE, ExitCode.BAD_INPUT), (answered.code, answered.text[:500])
    if size > 1_000:
        assert answered.code == ExitCode.BAD_INPUT
        assert "(MAX_BATCH)" in answered.body["error"] or "(MAX_REQUEST_BYTES)" in answered.body["error"]
    elif answered.code == ExitCode.DONE:
        assert len(answered.body) == size


def test_the_issues_cases_exit_2_with_a_short_error(fleet: Fleet) -> None:
    """D1 deep nesting, D2 numbers out of range, D7 huge batches, D8 bad forecast values, echoed inputs."""
    wrong = []
    for label, endpoint, body in issue_cases(fleet.valid):
        answered = check_answer(endpoint, body, fleet.context, fleet.database, fleet.memory_at_start)
        if answered.code != ExitCode.BAD_INPUT or len(answered.text) >= 600:
            wrong.append(f"{label}: exit {answered.code}, {answered.text[:300]}")
    assert not wrong, "\n".join(wrong)


def test_a_product_or_slot_listed_twice_is_refused_naming_both_places(fleet: Fleet) -> None:
    forecast = fleet.valid["demand-forecast"]
    twice = {**forecast, "products": [forecast["products"][0], forecast["products"][1], forecast["products"][0]]}
    answered = check_answer("demand-forecast", encoded(twice), fleet.context, fleet.database, fleet.memory_at_start)
    assert answered.code == ExitCode.BAD_INPUT
    assert "listed 2 times (products[0], products[2])" in answered.body["error"], answered.body["error"]

    revenue = fleet.valid["predict-revenue"]
    slots = revenue["proposed_planogram"]["slots"]
    request = {**revenue, "proposed_planogram": {"slots": [*slots, dict(slots[0])]}}
    answered = check_answer("predict-revenue", encoded(request), fleet.context, fleet.database, fleet.memory_at_start)
    assert answered.code == ExitCode.BAD_INPUT
    where = f"proposed_planogram.slots[0], proposed_planogram.slots[{len(slots)}]"
    assert f"slot {slots[0]['position']!r} is listed 2 times ({where})" in answered.body["error"], answered.body[
        "error"
    ]


def test_a_recorded_prediction_names_products_by_id_only(fleet: Fleet) -> None:
    """A product's name is whatever an operator typed; ``ai_predictions`` keeps ids and the dashboard's figures."""
    answered = check_answer(
        "predict-revenue", encoded(fleet.valid["predict-revenue"]), fleet.context, fleet.database, fleet.memory_at_start
    )
    assert answered.code == ExitCode.DONE
    names = [name for (name,) in _rows(fleet.database, "SELECT name FROM products")]
    sealed = _rows(fleet.database, "SELECT input_data, prediction_result FROM ai_predictions ORDER BY id DESC LIMIT 1")
    stored_input, stored_result = (current_seal().open(value) for value in sealed[0])  # sealed at rest (issue 22)
    shown = {product["name"] for product in answered.body["predictions"]["proposed"]["top_products"]}
    assert shown and shown <= set(names)  # the answer itself names them
    assert not [name for name in names if name in stored_result or name in stored_input]
    result, request = json.loads(stored_result), json.loads(stored_input)
    stored, returned = result["predictions"], answered.body["predictions"]
    assert [p["product_id"] for p in stored["proposed"]["top_products"]] == [
        p["product_id"] for p in returned["proposed"]["top_products"]
    ]
    assert stored["baseline"]["daily_revenue"] == returned["baseline"]["daily_revenue"]
    assert result["model_metadata"]["as_of"] and result["predictions"]["break_even_analysis"]["horizon_days"] == 30
    assert request["proposed_planogram"]["slots"] == fleet.valid["predict-revenue"]["proposed_planogram"]["slots"]


def _rows(database: Path, query: str) -> list[tuple[Any, ...]]:
    with closing(sqlite3.connect(database)) as connection:
        return connection.execute(query).fetchall()
