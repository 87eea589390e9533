"""Requests for the headless endpoints, valid and hostile, as hypothesis draws them, and the checks every answer
must pass: exit 0 or 2, strict JSON, a short error, bounded time and memory, and no change to the database's data
when the answer is an error.

A hostile request is a valid one (read from the fuzzed database) with a few mutations: a field set to a value
JSON or the endpoint cannot hold (NaN, ±Infinity, 1e309, 10^40, a 5,000-digit number, 10,000 nested arrays, a
10,000-character text, true for a number…), a field removed, a list entry repeated, a request repeated into a
batch. Values that Python's ``json`` cannot write (NaN tokens, numbers past its digit limit, deep nesting) are
:class:`Raw` JSON text spliced into the body.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import io
import json
import os
import resource
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import event
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context

from ai.endpoints import run_endpoint
from designer.command_outcomes import ExitCode, write_json

EXAMPLES = int(os.environ.get("PLANOGRAM_FUZZ_EXAMPLES", "20"))
"""Examples per fuzz test: 20 keeps the suite well under 2 minutes on 2 cores; tests/bench/bench_fuzz.py runs more."""
MEMORY_GROWTH_MB = 1_500
"""How far the test process's peak memory may rise over the run's start (the 1 M-item batch reached 2.9 GB)."""
MAX_ANSWER_BYTES = 4_000_000
"""An answer's size: a full 1,000-request batch of placements answers in about 2.1 MB, each placement with its
explanation (about 1.5 kB: the model, its factors, the data used; issue 22) — it was 1 MB before them."""
MAX_ERROR_CHARS = 2_100
"""An error's text: the command's cut (2,000 characters) and its note."""


@dataclass(frozen=True)
class Raw:
    """JSON text written as it is into a request (a token Python's ``json`` would not write)."""

    text: str


DELETE = object()
"""A mutation that removes the field."""
REPEAT = object()
"""A mutation that repeats a list entry (a duplicate slot, product or weather day) or a request into a batch."""

HOSTILE_VALUES = [
    Raw("NaN"),
    Raw("Infinity"),
    Raw("-Infinity"),
    Raw("1e309"),
    Raw("-1e309"),
    Raw("1" + "0" * 40),
    Raw("-" + "9" * 25),
    Raw("7" * 5000),
    Raw("[" * 10_000 + "]" * 10_000),
    Raw('{"a":' * 3_000 + "1" + "}" * 3_000),
    Raw("[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]"),
    1e308,
    -1e308,
    5e-324,
    -0.0,
    2**63 - 1,
    2**63,
    -(2**63),
    10**30,
    -1,
    0,
    1,
    999_999,
    True,
    False,
    None,
    "",
    "x" * 10_000,
    "\ud800",
    "A1",
    "Z99",
    "1_0",
    "2024-02-30",
    [],
    {},
    [1] * 2_000,
    {"nested": {"deeper": [1, 2, {"x": None}]}},
]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
"""Any JSON value, NaN and ±Infinity included (``json.dumps`` writes them as tokens)."""
values = st.sampled_from(HOSTILE_VALUES) | json_values | st.integers(min_value=-(10**25), max_value=10**25)
mutations = st.lists(
    st.tuples(st.integers(min_value=0, max_value=10_000), values | st.just(DELETE) | st.just(REPEAT)),
    min_size=0,
    max_size=3,
)
"""(which place, what to do there): the place is an index into the request's places, taken modulo their count."""
batch_sizes = st.sampled_from([2, 3, 999, 1_000, 1_001, 50_000, 1_000_000])
whole_bodies = st.one_of(
    st.binary(max_size=64),
    st.text(max_size=64),
    json_values.map(lambda value: json.dumps(value)),
    st.integers(min_value=0, max_value=100_000).map(lambda depth: "[" * depth + "]" * depth),
    st.integers(min_value=0, max_value=100_000).map(lambda depth: "[" * depth),
    st.sampled_from(['"', '"\\', "{", "[1,", "\ufeff{}", "\x00", "{}" * 3, " " * 100, "NaN", "[NaN]", "-"]),
)
"""Bodies that are not a request at all: bytes, text, any JSON, deep or unclosed nesting."""


def places(request: Any) -> list[tuple[Any, Any]]:
    """Every (container, key or index) of a request, in a stable order."""
    found: list[tuple[Any, Any]] = []
    stack = [request]
    while stack:
        node = stack.pop()
        keys = list(node) if isinstance(node, dict) else range(len(node)) if isinstance(node, list) else []
        for key in keys:
            found.append((node, key))
            stack.append(node[key])
    return found


def mutated(request: dict[str, Any], changes: list[tuple[int, Any]]) -> Any:
    """A copy of ``request`` with each change applied at its place (the request itself is never touched)."""
    body: Any = copy.deepcopy(request)
    for where, change in changes:
        found = places(body)
        if not found:
            return copy.deepcopy(change) if change not in (DELETE, REPEAT) else body
        container, key = found[where % len(found)]
        if change is DELETE:
            del container[key]
        elif change is REPEAT and isinstance(container, list):
            container.append(copy.deepcopy(container[key]))
        elif change is REPEAT:
            container[key] = [copy.deepcopy(container[key])] * 2
        else:
            container[key] = copy.deepcopy(change)  # never the shared value itself: a later change would grow it
    return body


def encoded(body: Any) -> str:
    """JSON text with every :class:`Raw` spliced in as it is."""
    spliced: list[str] = []

    def raw(value: object) -> str:
        if not isinstance(value, Raw):
            raise TypeError(type(value).__name__)
        spliced.append(value.text)
        return f"\x00raw{len(spliced) - 1}\x00"

    text = json.dumps(body, default=raw)
    for index, piece in enumerate(spliced):
        text = text.replace(json.dumps(f"\x00raw{index}\x00"), piece, 1)
    return text


# --- the fuzzed database and its valid requests ----------------------------------------------------------


def valid_requests(database: Path) -> dict[str, dict[str, Any]]:
    """One valid request per endpoint on device 1 (its first cabinet's slots, products and next day)."""
    with closing(sqlite3.connect(database)) as connection:
        slots = [
            {"position": position, "product_id": product, "quantity": quantity, "capacity": capacity}
            for position, product, quantity, capacity in connection.execute(
                "SELECT s.position, s.product_id, s.quantity, s.capacity FROM planogram_slots s JOIN planograms p "
                "ON p.id = s.planogram_id WHERE p.device_id = 1 AND p.cabinet_index = 0 AND p.status = 'active' "
                "AND s.product_id IS NOT NULL ORDER BY s.position"
            )
        ]
        (last_day,) = connection.execute("SELECT max(date(sold_at)) FROM sales WHERE device_id = 1").fetchone()
    next_day = (dt.date.fromisoformat(last_day) + dt.timedelta(days=1)).isoformat()
    proposed = [dict(slot, product_id=slots[-1 - i]["product_id"]) for i, slot in enumerate(slots)]
    return {
        "realtime-analysis": {
            "planogram_id": "1_0",
            "product_id": slots[0]["product_id"],
            "slot_position": "A1",
            "context": {"current_slots": slots[:4]},
        },
        "predict-revenue": {
            "device_id": 1,
            "cabinet_index": 0,
            "current_planogram": {"slots": slots},
            "proposed_planogram": {"slots": proposed},
            "prediction_horizon_days": 30,
        },
        "personalize-location": {
            "device_id": 1,
            "location_context": {
                "type": "office",
                "demographics": {"age_range": "18-35", "gender_split": {"male": 0.6, "female": 0.4}},
                "traffic_patterns": {"peak_hours": ["08:00", "12:00"], "daily_traffic": 200},
            },
            "optimization_goals": {"revenue": 0.4, "variety": 0.3, "health_score": 0.3},
        },
        "demand-forecast": {
            "device_id": 1,
            "products": [slot["product_id"] for slot in slots[:2]],
            "forecast_days": 3,
            "include_external_factors": True,
            "external_data": {
                "weather_forecast": [{"date": next_day, "temperature_c": 21.5, "precipitation_mm": 0.0}],
                "events": [{"date": next_day, "name": "fair", "expected_attendance": 2000}],
                "holidays": [{"date": next_day, "name": "holiday"}],
            },
        },
        "affinity-analysis": {"device_id": 1, "analysis_period_days": 30, "min_confidence": 0.2},
    }


def data_fingerprint(database: Path) -> dict[str, str]:
    """A digest of every table's rows but the audit log's (failed calls are audited by id on purpose)."""
    digests: dict[str, str] = {}
    with closing(sqlite3.connect(database)) as connection:
        tables = [name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in sorted(tables):
            if table == "audit_log":
                continue
            digest = hashlib.sha256()
            for row in connection.execute(f'SELECT * FROM "{table}"'):
                digest.update(repr(row).encode())
            digests[table] = digest.hexdigest()
    return digests


def peak_memory_mb() -> float:
    """This process's peak resident memory so far (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _strict(text: str) -> Any:
    def refuse(token: str) -> Any:
        raise AssertionError(f"{token} in the answer: not JSON")

    return json.loads(text, parse_constant=refuse)


@dataclass(frozen=True)
class Answered:
    code: int
    body: Any
    text: str
    seconds: float


def answer(endpoint: str, body: str | bytes, context: Any) -> Answered:
    """Run the endpoint in this process as ``main.py api`` would, and write its answer as the command does."""
    started = time.perf_counter()
    code, reply = run_endpoint(endpoint, lambda: body, context)
    written = io.StringIO()
    write_json(reply, to=written)
    return Answered(int(code), reply, written.getvalue(), time.perf_counter() - started)


def check_answer(endpoint: str, body: str | bytes, context: Any, database: Path, memory_at_start: float) -> Answered:
    """Every property an answer must have, whatever was sent: strict JSON, short errors, bounded memory, no change to
    the data on an error; returns it for the caller's own checks (its exit status first among them). How long each
    call takes is printed by tests/bench/bench_hostile_inputs.py, not asserted here."""
    before = data_fingerprint(database)
    answered = answer(endpoint, body, context)
    parsed = _strict(answered.text)
    assert len(answered.text) <= MAX_ANSWER_BYTES, len(answered.text)
    assert peak_memory_mb() - memory_at_start < MEMORY_GROWTH_MB, peak_memory_mb()
    for item in parsed if isinstance(parsed, list) else [parsed]:
        assert isinstance(item, dict) and isinstance(item.get("success"), bool), str(item)[:300]
        if not item["success"]:
            assert isinstance(item["error"], str) and 0 < len(item["error"]) <= MAX_ERROR_CHARS, item["error"][:300]
    if answered.code == ExitCode.BAD_INPUT:
        assert data_fingerprint(database) == before, f"an error changed the database: {answered.text[:300]}"
    if currently_in_test_context():  # pytest --hypothesis-show-statistics: how often each outcome was reached
        event(f"exit {answered.code}")
    return answered


def issue_cases(valid: dict[str, dict[str, Any]]) -> Iterator[tuple[str, str, str | bytes]]:
    """The issue's own cases (D1, D2, D7, D8, echoed errors): (label, endpoint, body)."""
    deep = "[" * 10_000 + "]" * 10_000
    for endpoint in valid:
        yield f"D1 10,000 nested arrays {endpoint}", endpoint, deep
    for token in ("Infinity", "-Infinity", "1e309", "1e308", "1" + "0" * 40, "7" * 5000):
        for endpoint in ("predict-revenue", "affinity-analysis", "demand-forecast", "personalize-location"):
            yield (
                f"D2 device_id {token[:10]} {endpoint}",
                endpoint,
                encoded({**valid[endpoint], "device_id": Raw(token)}),
            )
    huge_id = "1" + "0" * 40 + "_0"
    yield (
        "D2 planogram_id 40 digits",
        "realtime-analysis",
        encoded({**valid["realtime-analysis"], "planogram_id": huge_id}),
    )
    revenue = copy.deepcopy(valid["predict-revenue"])
    revenue["proposed_planogram"]["slots"][0]["capacity"] = 10**30
    yield "D2 slot capacity 10^30", "predict-revenue", encoded(revenue)
    yield "D7 1,000,000 requests", "realtime-analysis", b"[" + b"{}," * 999_999 + b"{}]"
    yield "D7 25,000,000 requests", "realtime-analysis", b"[" + b"{}," * 24_999_999 + b"{}]"
    forecast = valid["demand-forecast"]
    weather = [{**forecast["external_data"]["weather_forecast"][0], "temperature_c": Raw("NaN")}]
    yield "D8 temperature NaN", "demand-forecast", encoded({**forecast, "external_data": {"weather_forecast": weather}})
    yield (
        "D8 10,000 copies of a product",
        "demand-forecast",
        encoded({**forecast, "products": [forecast["products"][0]] * 10_000}),
    )
    events = [{**forecast["external_data"]["events"][0], "expected_attendance": -5000}]
    yield "D8 negative attendance", "demand-forecast", encoded({**forecast, "external_data": {"events": events}})
    personal = valid["personalize-location"]
    yield (
        "echo 10,000-character type",
        "personalize-location",
        encoded({**personal, "location_context": {"type": "x" * 10_000}}),
    )
    yield (
        "echo 10,000 bad slots",
        "predict-revenue",
        encoded({**valid["predict-revenue"], "proposed_planogram": {"slots": [{"position": "Z99"}] * 10_000}}),
    )
